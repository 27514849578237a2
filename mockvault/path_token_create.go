package mockvault

import (
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/go-secure-stdlib/parseutil"
)

// createRequest is a token create call's input, decoded once: the rules
// below read these values, never the request's fields.
type createRequest struct {
	policies        []string
	meta            map[string]string
	typ             string // as asked: "", "service", "batch" or something to refuse
	renewable       bool
	explicitMaxTTL  durationParam
	period          durationParam
	ttl             durationParam
	ttlField        string // "ttl", or "lease" (its deprecated name): named in its error
	numUses         int
	displayName     string
	entityAlias     string
	noParent        bool
	noDefaultPolicy bool
	id              string
	orphan          bool       // create-orphan
	role            *tokenRole // create/:role_name, else nil
}

// durationParam is an optional duration string of a create request. Its
// parse error is kept, not returned: Vault reports it only where its
// order of checks reaches the field, and with that place's wording.
type durationParam struct {
	raw string // "" when not given
	val time.Duration
	err error
}

func parseDurationParam(raw string) durationParam {
	p := durationParam{raw: raw}
	if raw != "" {
		p.val, p.err = parseutil.ParseDurationSecond(raw)
	}
	return p
}

func (p durationParam) given() bool { return p.raw != "" }

// parseCreateRequest decodes a create call's fields with their defaults.
func parseCreateRequest(d *fieldData, orphan bool, role *tokenRole) createRequest {
	in := createRequest{
		policies:        d.strings("policies"),
		meta:            d.kv("meta"),
		typ:             d.str("type"),
		renewable:       d.boolean("renewable", true),
		explicitMaxTTL:  parseDurationParam(d.str("explicit_max_ttl")),
		period:          parseDurationParam(d.str("period")),
		numUses:         d.integer("num_uses"),
		displayName:     d.str("display_name"),
		entityAlias:     d.str("entity_alias"),
		noParent:        d.boolean("no_parent", false),
		noDefaultPolicy: d.boolean("no_default_policy", false),
		id:              d.str("id"),
		orphan:          orphan,
		role:            role,
	}
	// "lease" counts only when "ttl" is not given.
	for _, f := range []string{"ttl", "lease"} {
		if v := d.str(f); v != "" {
			in.ttl, in.ttlField = parseDurationParam(v), f
			break
		}
	}
	return in
}

// createToken follows Vault's token creation rules, in Vault's order: the
// order decides which error a request with several faults gets.
func (s *Server) createToken(req *request, d *fieldData, orphan bool, role *tokenRole) (*response, error) {
	parent := req.te
	if err := checkParentMayCreate(parent); err != nil {
		return nil, err
	}
	isSudo := s.callerHasSudo(req)
	in := parseCreateRequest(d, orphan, role)
	tokenType, err := in.tokenType()
	if err != nil {
		return nil, err
	}
	if in.numUses < 0 {
		return nil, badRequest("number of uses cannot be negative")
	}
	explicitEntity, err := s.explicitEntity(&in)
	if err != nil {
		return nil, err
	}
	if in.id != "" && !isSudo {
		return nil, badRequest("root or sudo privileges required to specify token id")
	}
	policies, err := in.tokenPolicies(parent, isSudo)
	if err != nil {
		return nil, err
	}
	if err := checkPolicyGrant(policies, parent, tokenType); err != nil {
		return nil, err
	}
	te := in.newEntry(req, parent, tokenType, policies)
	if err := in.setParentage(te, parent, explicitEntity, isSudo); err != nil {
		return nil, err
	}
	warnings, err := s.setTokenTTL(req, te, &in, isSudo)
	if err != nil {
		return nil, err
	}
	return s.issueToken(te, warnings)
}

// checkParentMayCreate refuses parents that may not have children.
func checkParentMayCreate(parent *tokenEntry) error {
	switch {
	case parent.Type == tokenTypeBatch:
		return badRequest("batch tokens cannot create more tokens")
	case parent.NumUses == -1:
		// The caller just spent its last use: Vault no longer finds it.
		return badRequest("parent token lookup failed: no parent found")
	case parent.NumUses > 0:
		return badRequest("restricted use token cannot generate child tokens")
	}
	return nil
}

// tokenType is the new token's type: the request's unless the role
// decides it.
func (in *createRequest) tokenType() (string, error) {
	typ := in.typ
	if role := in.role; role != nil {
		switch role.TokenType {
		case "default-service", "default", "":
		case "default-batch":
			if typ == "" {
				typ = tokenTypeBatch
			}
		case "service", "batch":
			typ = role.TokenType
		default:
			return "", badRequest("role being used for token creation contains invalid token type %q", role.TokenType)
		}
	}
	switch typ {
	case "", tokenTypeService:
		return tokenTypeService, nil
	case tokenTypeBatch:
		if err := in.checkBatch(); err != nil {
			return "", err
		}
		return tokenTypeBatch, nil
	}
	return "", badRequest("invalid 'token_type' value")
}

// checkBatch refuses what only service tokens can have. As in Vault, only
// the first of explicit_max_ttl, num_uses and period that is given is
// looked at, so a zero explicit_max_ttl lets a num_uses through.
func (in *createRequest) checkBatch() error {
	bad := ""
	switch {
	case in.explicitMaxTTL.given():
		if in.explicitMaxTTL.err != nil {
			return badRequest(`"explicit_max_ttl" value could not be parsed`)
		}
		if in.explicitMaxTTL.val != 0 {
			bad = "explicit_max_ttl"
		}
	case in.numUses != 0:
		bad = "num_uses"
	case in.period.given():
		if in.period.err != nil {
			return badRequest(`"period" value could not be parsed`)
		}
		if in.period.val != 0 {
			bad = "period"
		}
	}
	if bad != "" {
		return badRequest("batch tokens cannot have %q set", bad)
	}
	return nil
}

// explicitEntity resolves entity_alias, which only a role may allow. The
// entity is made here, before later checks can still fail, as in Vault.
func (s *Server) explicitEntity(in *createRequest) (string, error) {
	if in.entityAlias == "" {
		return "", nil
	}
	if in.role == nil {
		return "", badRequest("'entity_alias' is only allowed in combination with token role")
	}
	alias := strings.ToLower(in.entityAlias)
	if !contains(in.role.AllowedEntityAliases, alias) && !containsGlob(in.role.AllowedEntityAliases, alias) {
		return "", badRequest("invalid 'entity_alias' value")
	}
	return s.entityForAlias("auth/token/", alias), nil
}

// tokenPolicies works out the new token's policies: within a role's
// limits if it has any, else within the parent's unless the caller has
// sudo; with "default" as Vault adds it.
func (in *createRequest) tokenPolicies(parent *tokenEntry, isSudo bool) ([]string, error) {
	policies, addDefault := in.policies, false
	switch {
	case roleLimitsPolicies(in.role):
		final, err := in.rolePolicies(parent)
		if err != nil {
			return nil, err
		}
		policies = final
	case len(policies) == 0:
		policies = sanitizePolicies(parent.Policies, false)
	case !isSudo:
		par := sanitizePolicies(parent.Policies, false)
		for _, p := range sanitizePolicies(policies, false) {
			if !contains(par, p) {
				return nil, badRequest("child policies must be subset of parent")
			}
		}
		addDefault = !in.noDefaultPolicy && contains(parent.Policies, defaultPolicyName)
	default:
		addDefault = !in.noDefaultPolicy
	}
	out := sanitizePolicies(policies, addDefault)
	if in.noDefaultPolicy {
		out = removeString(out, defaultPolicyName)
	}
	return out, nil
}

func roleLimitsPolicies(role *tokenRole) bool {
	return role != nil && (len(role.AllowedPolicies) > 0 || len(role.DisallowedPolicies) > 0 ||
		len(role.AllowedPoliciesGlob) > 0 || len(role.DisallowedPoliciesGlob) > 0)
}

// rolePolicies applies the role's allowed and disallowed policies (names
// and globs): the request's must be allowed, else the role's allowed or
// the parent's are taken; none may be disallowed.
func (in *createRequest) rolePolicies(parent *tokenEntry) ([]string, error) {
	role := in.role
	addDefault := !in.noDefaultPolicy && !role.TokenNoDefaultPolicy &&
		!contains(role.DisallowedPolicies, defaultPolicyName) && !containsGlob(role.DisallowedPoliciesGlob, defaultPolicyName)
	var final []string
	if len(in.policies) > 0 {
		final = sanitizePolicies(in.policies, addDefault)
	}
	if len(role.AllowedPolicies) > 0 || len(role.AllowedPoliciesGlob) > 0 {
		allowed := sanitizePolicies(role.AllowedPolicies, addDefault)
		if len(final) == 0 {
			final = allowed
		} else {
			globs := sanitizePolicies(role.AllowedPoliciesGlob, false)
			for _, p := range final {
				if !contains(allowed, p) && !containsGlob(globs, p) {
					return nil, badRequest("token policies (%s) must be subset of the role's allowed policies (%s) or glob policies (%s)", goQuoteList(final), goQuoteList(allowed), goQuoteList(globs))
				}
			}
		}
	} else if len(final) == 0 {
		final = sanitizePolicies(parent.Policies, addDefault)
	}
	for _, p := range final {
		if contains(role.DisallowedPolicies, p) || containsGlob(role.DisallowedPoliciesGlob, p) {
			return nil, badRequest("token policy %q is disallowed by this role", p)
		}
	}
	return final, nil
}

// checkPolicyGrant refuses policies no token may be given, and root
// unless the parent is root.
func checkPolicyGrant(policies []string, parent *tokenEntry, tokenType string) error {
	for _, p := range policies {
		if contains(nonAssignablePolicies, p) {
			return badRequest("cannot assign policy %q", p)
		}
	}
	if contains(policies, rootPolicyName) {
		if !parent.isRoot() {
			return badRequest("root tokens may not be created without parent token being root")
		}
		if tokenType == tokenTypeBatch {
			return badRequest("batch tokens cannot be root tokens")
		}
	}
	return nil
}

// newEntry builds the token's entry from the request merged with its
// role; parentage and TTLs come after.
func (in *createRequest) newEntry(req *request, parent *tokenEntry, tokenType string, policies []string) *tokenEntry {
	te := &tokenEntry{
		ID: in.id, Parent: parent.ID, Path: "auth/token/" + req.rel, Meta: in.meta, Policies: policies,
		DisplayName: "token", NumUses: in.numUses, CreationTime: req.now.Truncate(time.Second),
		Type: tokenType, authMount: "auth/token/",
		Renewable: in.renewable && tokenType != tokenTypeBatch, // a batch token never renews
	}
	if role := in.role; role != nil {
		te.Role = role.Name
		te.Renewable = te.Renewable && role.Renewable
		// The role's use limit applies when it is the tighter one.
		switch {
		case role.TokenNumUses == 0:
		case te.NumUses == 0, role.TokenNumUses < te.NumUses:
			te.NumUses = role.TokenNumUses
		}
		if role.PathSuffix != "" {
			te.Path = te.Path + "/" + role.PathSuffix
		}
	}
	if in.displayName != "" {
		full := displayNameSanitize.ReplaceAllString("token-"+in.displayName, "-")
		te.DisplayName = strings.TrimSuffix(full, "-")
	}
	return te
}

// setParentage makes the token an orphan or not, and gives it what a
// child inherits: the entity and, without a role, the bound CIDRs.
func (in *createRequest) setParentage(te, parent *tokenEntry, explicitEntity string, isSudo bool) error {
	switch {
	case in.role != nil:
		if in.role.Orphan {
			te.Parent = ""
		}
		if len(in.role.TokenBoundCIDRs) > 0 {
			te.BoundCIDRs = in.role.TokenBoundCIDRs
		}
	case in.noParent:
		if !isSudo {
			return badRequest("root or sudo privileges required to create orphan token")
		}
		te.Parent = ""
	case in.orphan:
		te.Parent = ""
	}
	switch {
	case explicitEntity != "":
		te.EntityID = explicitEntity
	case te.Parent != "":
		te.EntityID = parent.EntityID
		if in.role == nil {
			te.BoundCIDRs = parent.BoundCIDRs
		}
	}
	return nil
}

// requestedTTLs checks the explicit max TTL, period and TTL asked for (0
// when not given), in Vault's order.
func (in *createRequest) requestedTTLs(isSudo bool) (explicitMax, period, ttl time.Duration, err error) {
	if p := in.explicitMaxTTL; p.given() {
		if p.err != nil {
			return 0, 0, 0, badRequest("%s", p.err.Error())
		}
		if p.val < 0 {
			return 0, 0, 0, badRequest("explicit_max_ttl must be positive")
		}
		explicitMax = p.val
	}
	if p := in.period; p.given() {
		if p.err != nil {
			return 0, 0, 0, badRequest("%s", p.err.Error())
		}
		switch {
		case p.val < 0:
			return 0, 0, 0, badRequest("period must be positive")
		case p.val > 0 && !isSudo:
			return 0, 0, 0, badRequest("root or sudo privileges required to create periodic token")
		}
		period = p.val
	}
	if p := in.ttl; p.given() {
		if p.err != nil {
			return 0, 0, 0, badRequest("%s", p.err.Error())
		}
		if p.val < 0 {
			return 0, 0, 0, badRequest("%s must be positive", in.ttlField)
		}
		ttl = p.val
	}
	return explicitMax, period, ttl, nil
}

// setTokenTTL sets the token's TTL fields: the entry keeps what was asked
// for, while its TTL also obeys the role's limits and the mount's.
func (s *Server) setTokenTTL(req *request, te *tokenEntry, in *createRequest, isSudo bool) ([]string, error) {
	explicitMax, period, ttl, err := in.requestedTTLs(isSudo)
	if err != nil {
		return nil, err
	}
	te.ExplicitMaxTTL, te.Period, te.TTL = explicitMax, period, ttl
	var warnings []string
	if in.role != nil && te.Type != tokenTypeBatch {
		explicitMax = lesserOfRole(explicitMax, in.role.TokenExplicitMaxTTL, "Explicit max TTL", &warnings)
		period = lesserOfRole(period, in.role.TokenPeriod, "Period", &warnings)
	}
	_, maxTTL := s.mounts["auth/token/"].ttls()
	defTTL := leaseDefault(s.mounts["auth/token/"])
	// A root token asking for neither TTL nor period skips the mount's
	// TTLs (it can still get the explicit max below).
	if period > 0 || te.TTL > 0 || !contains(te.Policies, rootPolicyName) {
		final, w, err := calculateTTL(req.now, defTTL, maxTTL, 0, te.TTL, period, explicitMax, te.CreationTime)
		if err != nil {
			return nil, err
		}
		warnings = append(warnings, w...)
		te.TTL = final
	}
	if te.TTL == 0 && explicitMax > 0 {
		te.TTL = explicitMax
	}
	if te.TTL == 0 {
		if parent := req.te; !parent.ExpireTime.IsZero() {
			return nil, badRequest("expiring root tokens cannot create non-expiring root tokens")
		}
		te.Renewable = false
		te.BoundCIDRs = nil
	}
	return warnings, nil
}

// issueToken makes the token live and answers with its auth block.
func (s *Server) issueToken(te *tokenEntry, warnings []string) (*response, error) {
	if te.ID != "" {
		warnings = append(warnings, "Supplying a custom ID for the token uses the weaker SHA1 hashing instead of the more secure SHA2-256 HMAC for token obfuscation. SHA1 hashed tokens on the wire leads to less secure lookups.")
	}
	if err := s.storeNewToken(te); err != nil {
		return nil, err
	}
	for _, p := range te.Policies {
		if p != rootPolicyName && s.policies.get(p) == nil {
			warnings = append(warnings, fmt.Sprintf("Policy %q does not exist", p))
		}
	}
	return &response{auth: s.authBlock(te), warnings: warnings}, nil
}

// leaseDefault is a mount's default lease TTL as Vault's system view gives
// it to CalculateTTL: the mount's own when set, even above its max (the
// TTL is then capped, with a warning) or negative (the token is born
// expired), else the system default.
func leaseDefault(m *mount) time.Duration {
	if m != nil && m.defaultLeaseTTL != 0 {
		return m.defaultLeaseTTL
	}
	return systemMaxTTL
}
