package mockvault

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
)

// tokenEngine is auth/token/: Vault's token store API. The tokens live in
// the server's token store; the mount's state holds the token roles.
func tokenEngine() *engine {
	return &engine{
		typ: "token", auth: true,
		routes: func(s *Server, _ *mount) *backend { return s.tokenBackend() },
		sudo:   []string{"revoke-orphan", "accessors/"},
		state:  func(*Server) engineState { return tokenRoles{} },
		dev:    []mount{{path: "auth/token/", typ: "token", auth: true, description: "token based credentials", tokenType: "default-service"}},
	}
}

// tokenRoles are the token store's roles by name.
type tokenRoles map[string]*tokenRole

func (r tokenRoles) cloneState() engineState {
	out := make(tokenRoles, len(r))
	for k, v := range r {
		cp := *v // a role is replaced, never changed in place
		out[k] = &cp
	}
	return out
}

// tokenRoles returns the token store's roles.
func (s *Server) tokenRoles() tokenRoles {
	return s.stateOf(s.mounts["auth/token/"]).(tokenRoles)
}

func (s *Server) tokenBackend() *backend {
	createFields := fields{
		"role_name": tString, "id": tString, "policies": tStringSlice, "meta": tKVPairs,
		"no_parent": tBool, "no_default_policy": tBool, "lease": tString, "ttl": tString,
		"type": tString, "explicit_max_ttl": tString, "display_name": tString,
		"num_uses": tInt, "renewable": tBool, "period": tString, "entity_alias": tString,
	}
	// lookup-self and renew-self take the (deprecated, unused) token too:
	// validated, never warned about, never read.
	tokenField := fields{"token": tString}
	accField := fields{"accessor": tString}
	renewFields := fields{"token": tString, "increment": tDuration}
	renewAccFields := fields{"accessor": tString, "increment": tDuration}
	return newBackend([]*path{
		{pattern: "create", fields: createFields, ops: map[op]handlerFunc{opUpdate: s.tokenCreate(false)}},
		{pattern: "create-orphan", fields: createFields, ops: map[op]handlerFunc{opUpdate: s.tokenCreate(true)}},
		{pattern: "create/{role_name:" + nameRegex + "}", fields: createFields, ops: map[op]handlerFunc{opUpdate: s.tokenCreateRole}},
		{pattern: "lookup", fields: tokenField, ops: map[op]handlerFunc{opUpdate: s.tokenLookup, opRead: s.tokenLookup}},
		{pattern: "lookup-self", fields: tokenField, ops: map[op]handlerFunc{opRead: s.tokenLookupSelf, opUpdate: s.tokenLookupSelf}},
		{pattern: "lookup-accessor", fields: accField, ops: map[op]handlerFunc{opUpdate: s.tokenLookupAccessor}},
		{pattern: "renew", fields: renewFields, ops: map[op]handlerFunc{opUpdate: s.tokenRenew}},
		{pattern: "renew-self", fields: renewFields, ops: map[op]handlerFunc{opUpdate: s.tokenRenewSelf}},
		{pattern: "renew-accessor", fields: renewAccFields, ops: map[op]handlerFunc{opUpdate: s.tokenRenewAccessor}},
		{pattern: "revoke", fields: tokenField, ops: map[op]handlerFunc{opUpdate: s.tokenRevoke}},
		{pattern: "revoke-self", ops: map[op]handlerFunc{opUpdate: s.tokenRevokeSelf}},
		{pattern: "revoke-accessor", fields: accField, ops: map[op]handlerFunc{opUpdate: s.tokenRevokeAccessor}},
		{pattern: "revoke-orphan", fields: tokenField, ops: map[op]handlerFunc{opUpdate: s.tokenRevokeOrphan}},
		{pattern: "accessors/", ops: map[op]handlerFunc{opList: s.tokenAccessors}},
		{pattern: "roles/", ops: map[op]handlerFunc{opList: s.tokenRoleList}},
		{pattern: "roles/{role_name:" + nameRegex + "}", fields: tokenRoleFields, exists: s.tokenRoleExists,
			ops: map[op]handlerFunc{opRead: s.tokenRoleRead, opCreate: s.tokenRoleWrite, opUpdate: s.tokenRoleWrite, opDelete: s.tokenRoleDelete}},
		{pattern: "tidy", ops: map[op]handlerFunc{opUpdate: s.tokenTidy}},
	})
}

var displayNameSanitize = regexp.MustCompile("[^a-zA-Z0-9-]")

// nameRegex is Vault's GenericNameRegex (without capture groups, which
// gorilla/mux refuses).
const nameRegex = `\w(?:[\w\-.]*\w)?`

// sanitizePolicies lowercases, trims, dedupes and sorts policy names,
// adding "default" when asked; "root" swallows everything else.
func sanitizePolicies(in []string, addDefault bool) []string {
	var out []string
	defaultFound := false
	for _, p := range in {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" {
			continue
		}
		if p == rootPolicyName {
			out = []string{rootPolicyName}
			defaultFound = true
			break
		}
		if p == defaultPolicyName {
			defaultFound = true
		}
		out = append(out, p)
	}
	if addDefault && !defaultFound {
		out = append(out, defaultPolicyName)
	}
	return dedupeSorted(out)
}

func dedupeSorted(in []string) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, p := range in {
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// containsGlob is Vault's strutil.StrListContainsGlob (token roles'
// allowed/disallowed_policies_glob, allowed_entity_aliases): its globs are
// ryanuber/go-glob's, where "*" matches anything and a "*" may stand
// anywhere in the pattern, not only at its ends (unlike the ACL's
// parameter globs, globMatch).
func containsGlob(globs []string, v string) bool {
	for _, g := range globs {
		if starGlob(g, v) {
			return true
		}
	}
	return false
}

// starGlob matches subj against pattern, each "*" standing for any run of
// characters: the first part anchors at the start unless the pattern
// starts with "*", the middle parts are found left to right, and the last
// part anchors at the end unless the pattern ends with "*".
func starGlob(pattern, subj string) bool {
	if pattern == "" || !strings.Contains(pattern, "*") {
		return subj == pattern
	}
	parts := strings.Split(pattern, "*")
	last := len(parts) - 1
	for i, part := range parts[:last] {
		at := strings.Index(subj, part)
		if at < 0 || (i == 0 && at != 0) {
			return false
		}
		subj = subj[at+len(part):]
	}
	return strings.HasSuffix(pattern, "*") || strings.HasSuffix(subj, parts[last])
}

// callerHasSudo reports whether the caller may act as root on req's path.
func (s *Server) callerHasSudo(req *request) bool {
	a := s.aclFor(req.te.Policies)
	if a.root {
		return true
	}
	caps, _ := a.capabilities(req.path, req.op)
	return caps&capSudo != 0 && caps&capDeny == 0
}

func (s *Server) tokenCreate(orphan bool) handlerFunc {
	return func(req *request, d *fieldData) (*response, error) {
		return s.createToken(req, d, orphan, nil)
	}
}

func (s *Server) tokenCreateRole(req *request, d *fieldData) (*response, error) {
	name := d.str("role_name")
	if strings.Contains(name, "..") {
		return nil, errRelativePath // Vault's role storage refuses the key
	}
	role := s.tokenRoles()[name]
	if role == nil {
		return nil, badRequest("unknown role %s", name)
	}
	return s.createToken(req, d, false, role)
}

// lesserOfRole merges a request's value with its role's: the role's when
// the request has none, else the lesser, with Vault's warning.
func lesserOfRole(requested, role time.Duration, what string, warnings *[]string) time.Duration {
	switch {
	case role == 0:
		return requested
	case requested == 0:
		return role
	}
	if role < requested {
		requested = role
	}
	*warnings = append(*warnings, fmt.Sprintf("%s specified both during creation call and in role; using the lesser value of %d seconds", what, int64(requested.Seconds())))
	return requested
}

// storeNewToken gives te its id and accessor (service) or seals it (batch)
// and makes it live. te.TTL is final.
//
// Times are as Vault keeps them: a batch token carries its creation time in
// whole seconds (its issue_time and expire_time have no fraction), while a
// service token's lease is issued now, to the nanosecond, after the token
// exists (Vault's RegisterAuth): its issue_time and expire_time have a
// fraction, and creation_time is that instant's unix second.
func (s *Server) storeNewToken(te *tokenEntry) error {
	if te.Type == tokenTypeBatch {
		te.CreationTime = te.CreationTime.Truncate(time.Second)
	} else {
		te.CreationTime = s.now()
	}
	if te.TTL != 0 { // a negative TTL (a negative mount default) is born expired
		te.ExpireTime = te.CreationTime.Add(te.TTL)
	}
	te.leaseTTL = te.TTL
	// For a service token, orphan records what its lease was issued with:
	// renewals answer that (Vault's lease keeps the auth it was issued
	// with), even after revoke-orphan has made the token an orphan.
	te.orphan = te.Parent == ""
	if te.Type == tokenTypeBatch {
		id, err := sealBatch(s.batchKey, s.seal.term, te)
		if err != nil {
			return err
		}
		te.ID = id
		return nil
	}
	switch {
	case te.ID == "":
		// Root tokens are handed out as stored, others signed (tokens.go).
		te.ID = newServiceTokenID()
		if !te.isRoot() {
			te.ID = signServiceToken(sscKey(s.batchKey), te.ID)
		}
	case strings.HasPrefix(te.ID, "hvs."):
		return badRequest("custom token ID cannot have the 'hvs.' prefix")
	case strings.HasPrefix(te.ID, "s."):
		return badRequest("custom token ID cannot have the 's.' prefix")
	case strings.Contains(te.ID, "."):
		return badRequest("custom token ID cannot have a '.' in the value")
	case s.tokens.get(te.ID) != nil:
		return badRequest("cannot create a token with a duplicate ID")
	}
	te.Accessor = randomBase62(24)
	s.tokens.insert(te)
	return nil
}

// authBlock renders the auth section for a freshly issued token.
func (s *Server) authBlock(te *tokenEntry) *authInfo {
	a := &authInfo{
		ClientToken: te.ID, Accessor: te.Accessor, Policies: te.Policies,
		TokenPolicies: te.Policies, Metadata: te.Meta, LeaseDuration: int(te.TTL / time.Second),
		Renewable: te.Renewable, EntityID: te.EntityID, TokenType: te.Type,
		Orphan: te.isOrphan(), NumUses: te.NumUses,
	}
	// Vault adds the entity's identity policies to the answer's policies
	// (not to the token's own) after the token is made.
	if te.EntityID != "" {
		if idp, _ := s.identityPolicies(te.EntityID); len(idp) > 0 {
			a.IdentityPolicies = sanitizePolicies(cloneStrings(idp), false)
			a.Policies = sanitizePolicies(append(cloneStrings(te.Policies), idp...), false)
		}
	}
	return a
}

// calculateTTL is Vault's lease TTL rule: a period wins; else the
// increment, the requested TTL or the default; never past the max.
func calculateTTL(now time.Time, defTTL, maxTTL, increment, ttl, period, explicitMax time.Duration, start time.Time) (time.Duration, []string, error) {
	now = now.Truncate(time.Second)
	if start.IsZero() {
		start = now
	} else {
		start = start.Truncate(time.Second)
	}
	if explicitMax > 0 && explicitMax < maxTTL {
		maxTTL = explicitMax
	}
	if maxTTL <= 0 {
		return 0, nil, errCode(500, "1 error occurred:\n\t* max TTL must be greater than zero\n\n")
	}
	var warnings []string
	var maxValid time.Time
	switch {
	case period > 0:
		if period > maxTTL {
			warnings = append(warnings, fmt.Sprintf("period of %q exceeded the effective max_ttl of %q; period value is capped accordingly", humanDuration(period), humanDuration(maxTTL)))
			period = maxTTL
		}
		ttl = period
		if explicitMax > 0 {
			maxValid = start.Add(explicitMax)
		}
	default:
		switch {
		case increment > 0:
			ttl = increment
		case ttl > 0:
		default:
			ttl = defTTL
		}
		maxValid = start.Add(maxTTL)
	}
	if !maxValid.IsZero() {
		left := maxValid.Sub(now)
		if left <= 0 {
			return 0, nil, errCode(500, "1 error occurred:\n\t* past the max TTL, cannot renew\n\n")
		}
		if left < ttl {
			warnings = append(warnings, fmt.Sprintf("TTL of %q exceeded the effective max_ttl of %q; TTL value is capped accordingly", humanDuration(ttl), humanDuration(left)))
			ttl = left
		}
	}
	return ttl, warnings, nil
}

func humanDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if i := strings.Index(s, "h0m"); i > 0 {
		s = s[:i+1] + s[i+3:]
	}
	return s
}

func removeString(list []string, v string) []string {
	out := list[:0:0]
	for _, x := range list {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

// goQuoteList formats a list as Go's %q does for a []string.
func goQuoteList(l []string) string { return fmt.Sprintf("%q", l) }

// tokenData is the lookup view of a token.
func (s *Server) tokenData(te *tokenEntry, now time.Time) map[string]any {
	var meta any
	if te.Meta != nil {
		meta = te.Meta
	}
	policies := te.Policies
	if policies == nil {
		policies = []string{}
	}
	d := map[string]any{
		"id": te.ID, "accessor": te.Accessor, "policies": policies, "path": te.Path,
		"meta": meta, "display_name": te.DisplayName, "num_uses": te.NumUses,
		"orphan": te.isOrphan(), "creation_time": te.CreationTime.Unix(),
		"creation_ttl": int64(te.TTL / time.Second), "expire_time": nil, "ttl": 0,
		"explicit_max_ttl": int64(te.ExplicitMaxTTL / time.Second), "entity_id": te.EntityID,
		"type": te.Type, "renewable": false, "issue_time": te.CreationTime.UTC(),
	}
	if te.Role != "" {
		d["role"] = te.Role
	}
	if te.EntityID != "" {
		if idp, _ := s.identityPolicies(te.EntityID); len(idp) > 0 {
			d["identity_policies"] = idp
			d["external_namespace_policies"] = map[string]any{}
		}
	}
	if te.Period > 0 {
		d["period"] = int64(te.Period / time.Second)
	}
	if len(te.BoundCIDRs) > 0 {
		d["bound_cidrs"] = te.BoundCIDRs
	}
	if !te.LastRenewal.IsZero() {
		d["last_renewal_time"] = te.LastRenewal.Unix()
		d["last_renewal"] = te.LastRenewal.UTC()
	}
	if !te.ExpireTime.IsZero() {
		d["expire_time"] = te.ExpireTime.UTC()
		d["ttl"] = te.ttlAt(now)
	}
	d["renewable"] = te.Type == tokenTypeService && te.Renewable && !te.ExpireTime.IsZero()
	if te.noLease {
		delete(d, "renewable")
		delete(d, "issue_time")
	}
	return d
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}

// nullBodyToken is Vault's answer to "token": null in the body of
// lookup, renew, revoke and revoke-orphan: its request handling refuses it
// before the backend (which would say "missing token ID").
func nullBodyToken(req *request) error {
	if v, ok := req.data["token"]; ok && v == nil {
		return errCode(http.StatusForbidden, "invalid token")
	}
	return nil
}

func (s *Server) tokenLookup(req *request, d *fieldData) (*response, error) {
	if err := nullBodyToken(req); err != nil {
		return nil, err
	}
	id := d.str("token")
	if id == "" {
		id = req.token
	}
	if id == "" {
		return nil, badRequest("missing token ID")
	}
	te, err := s.lookupToken(id)
	var de *batchDecodeError
	if errors.As(err, &de) {
		return nil, badRequest("%s", de.Error())
	}
	if err != nil {
		if id == req.token && req.te != nil {
			te = req.te
		} else {
			return nil, errCode(403, "bad token")
		}
	}
	data := s.tokenData(te, req.now)
	data["id"] = id
	return dataResp(data), nil
}

func (s *Server) tokenLookupSelf(req *request, d *fieldData) (*response, error) {
	data := s.tokenData(req.te, req.now)
	data["id"] = req.token
	return dataResp(data), nil
}

// liveByAccessor resolves the request's accessor to a live token, with
// Vault's errors for a missing or unknown one.
func (s *Server) liveByAccessor(req *request, d *fieldData) (*tokenEntry, error) {
	acc := d.str("accessor")
	if acc == "" {
		return nil, multiErr(400, "missing accessor")
	}
	te := s.tokens.getByAccessor(acc)
	if te == nil || !s.alive(te, req.now) {
		return nil, multiErr(400, "invalid accessor")
	}
	return te, nil
}

func (s *Server) tokenLookupAccessor(req *request, d *fieldData) (*response, error) {
	te, err := s.liveByAccessor(req, d)
	if err != nil {
		return nil, err
	}
	data := s.tokenData(te, req.now)
	data["id"] = ""
	return dataResp(data), nil
}

func (s *Server) tokenRenew(req *request, d *fieldData) (*response, error) {
	if err := nullBodyToken(req); err != nil {
		return nil, err
	}
	id := d.str("token")
	if id == "" {
		return nil, badRequest("missing token ID")
	}
	te, err := s.lookupToken(id)
	if err != nil {
		return nil, badRequest("token not found")
	}
	return s.renewToken(req, te, d.duration("increment"))
}

func (s *Server) tokenRenewSelf(req *request, d *fieldData) (*response, error) {
	if req.te.NumUses == -1 {
		// This request spent the token's last use: Vault no longer finds
		// it (its revocation is pending), so it is not renewed.
		return nil, badRequest("token not found")
	}
	return s.renewToken(req, req.te, d.duration("increment"))
}

func (s *Server) tokenRenewAccessor(req *request, d *fieldData) (*response, error) {
	te, err := s.liveByAccessor(req, d)
	if err != nil {
		return nil, err
	}
	if te.NumUses == -1 { // the caller's own accessor, on its last use
		return nil, multiErr(http.StatusBadRequest, "invalid request")
	}
	resp, err := s.renewToken(req, te, d.duration("increment"))
	var ve *vaultError
	if errors.As(err, &ve) && ve.code == http.StatusBadRequest && !errors.Is(err, errBatchNotRenewable) {
		// Vault's renew-accessor passes on the renewal's error response
		// only for a batch token; the others (lease is not renewable...)
		// come back as the bare ErrInvalidRequest.
		return nil, multiErr(http.StatusBadRequest, "invalid request")
	}
	if resp != nil && resp.auth != nil {
		resp.auth.ClientToken = ""
	}
	return resp, err
}

// errBatchNotRenewable answers a renewal of a batch token.
var errBatchNotRenewable = badRequest("batch tokens cannot be renewed")

// renewToken extends a service token's lease, as Vault's expiration manager.
func (s *Server) renewToken(req *request, te *tokenEntry, increment time.Duration) (*response, error) {
	if te.Type == tokenTypeBatch {
		return nil, errBatchNotRenewable
	}
	if te.ExpireTime.IsZero() || !te.Renewable {
		return nil, badRequest("lease is not renewable")
	}
	if te.expired(req.now) {
		return nil, badRequest("lease expired")
	}
	period, explicitMax := te.Period, te.ExplicitMaxTTL
	if te.Role != "" {
		role := s.tokenRoles()[te.Role]
		if role == nil {
			return nil, multiErr(500, "failed to renew entry: original token role %q could not be found, not renewing", te.Role)
		}
		period, explicitMax = role.TokenPeriod, role.TokenExplicitMaxTTL
	}
	m := s.mountOf(te)
	defTTL, maxTTL := m.ttls()
	backendTTL := te.leaseTTL
	if te.Role == "" {
		// Auth methods renew with their role's current settings (Vault's
		// AuthRenew callbacks), e.g. AppRole's token_ttl and token_max_ttl.
		if e := engineByType(m.typ); e != nil && e.renew != nil {
			t, bmax, p, err := e.renew(s, req, m, te)
			if errors.Is(err, errRenewNoResponse) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			backendTTL, period = t, p
			if bmax > 0 && bmax < maxTTL {
				maxTTL = bmax
			}
		} else if te.maxTTL > 0 && te.maxTTL < maxTTL {
			maxTTL = te.maxTTL
		}
	}
	ttl, warnings, err := calculateTTL(req.now, defTTL, maxTTL, increment, backendTTL, period, explicitMax, te.CreationTime)
	if err != nil {
		return nil, err
	}
	te.ExpireTime = req.now.Add(ttl)
	te.LastRenewal = req.now
	te.leaseTTL = ttl
	s.noteRenewed(te.Accessor)
	auth := s.authBlock(te)
	auth.LeaseDuration = int(ttl / time.Second)
	auth.Renewable = true
	auth.Orphan = te.orphan // as issued, not as revoke-orphan left it
	return &response{auth: auth, warnings: warnings}, nil
}

// mountOf returns the auth mount that issued te (token store by default).
func (s *Server) mountOf(te *tokenEntry) *mount {
	if m := s.mounts[te.authMount]; m != nil {
		return m
	}
	return s.mounts["auth/token/"]
}

func (s *Server) tokenRevoke(req *request, d *fieldData) (*response, error) {
	if err := nullBodyToken(req); err != nil {
		return nil, err
	}
	id := d.str("token")
	if id == "" {
		return nil, badRequest("missing token ID")
	}
	te, err := s.lookupToken(id)
	if err != nil {
		return nil, nil
	}
	if te.Type == tokenTypeBatch {
		return nil, badRequest("batch tokens cannot be revoked")
	}
	s.revokeTree(te)
	return nil, nil
}

func (s *Server) tokenRevokeSelf(req *request, d *fieldData) (*response, error) {
	if req.te.Type == tokenTypeBatch {
		return nil, badRequest("batch tokens cannot be revoked")
	}
	s.revokeTree(req.te)
	return nil, nil
}

func (s *Server) tokenRevokeAccessor(req *request, d *fieldData) (*response, error) {
	acc := d.str("accessor")
	if acc == "" {
		return nil, multiErr(400, "missing accessor")
	}
	te := s.tokens.getByAccessor(acc)
	if te == nil {
		return &response{warnings: []string{"No token found with this accessor"}}, nil
	}
	if !s.alive(te, req.now) || te.NumUses == -1 {
		return nil, badRequest("token not found")
	}
	s.revokeTree(te)
	return nil, nil
}

func (s *Server) tokenRevokeOrphan(req *request, d *fieldData) (*response, error) {
	if err := nullBodyToken(req); err != nil {
		return nil, err
	}
	id := d.str("token")
	if id == "" {
		return nil, badRequest("missing token ID")
	}
	te, err := s.lookupToken(id)
	if err != nil {
		return nil, badRequest("token to revoke not found")
	}
	if te.Type == tokenTypeBatch {
		return nil, badRequest("batch tokens cannot be revoked")
	}
	s.revokeOne(te)
	return nil, nil
}

func (s *Server) tokenAccessors(req *request, d *fieldData) (*response, error) {
	var keys []string
	for _, te := range s.tokens.all() {
		if te.Accessor != "" && s.alive(te, req.now) {
			keys = append(keys, te.Accessor)
		}
	}
	sort.Strings(keys)
	return listResp(keys), nil
}

func (s *Server) tokenTidy(req *request, d *fieldData) (*response, error) {
	for _, te := range s.tokens.all() {
		if s.tokens.get(te.ID) != nil {
			s.alive(te, req.now)
		}
	}
	return &response{warnings: []string{"Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs."}, status: 202, noMountType: true}, nil
}
