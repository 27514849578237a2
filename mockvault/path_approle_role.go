package mockvault

import (
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"
)

// appRole is an AppRole role as Vault stores it (roleStorageEntry).
type appRole struct {
	name    string // lower-cased
	RoleID  string
	HMACKey string
	// Policies is the deprecated twin of TokenPolicies.
	Policies        []string
	SecretIDNumUses int
	SecretIDTTL     time.Duration
	BindSecretID    bool
	// BoundCIDRList is the deprecated field; Vault moves its value into
	// SecretIDBoundCIDRs on every read, so it is always empty here.
	BoundCIDRList []string
	// SecretIDBoundCIDRs keeps nil (never set: read back as null) apart
	// from an empty list (set to "": read back as []).
	SecretIDBoundCIDRs []string
	// Period is the deprecated twin of TokenPeriod.
	Period time.Duration
	// localSecretIDs: secret IDs and accessors live under the _local
	// prefixes (set only at creation).
	localSecretIDs bool
	tokenParams
}

func (r *appRole) clone() *appRole {
	cp := *r
	cp.Policies = cloneStrings(r.Policies)
	cp.BoundCIDRList = cloneStrings(r.BoundCIDRList)
	cp.SecretIDBoundCIDRs = cloneStrings(r.SecretIDBoundCIDRs)
	cp.TokenBoundCIDRs = cloneStrings(r.TokenBoundCIDRs)
	cp.TokenPolicies = cloneStrings(r.TokenPolicies)
	return &cp
}

// cloneStrings copies a slice, keeping nil apart from empty.
func cloneStrings(in []string) []string {
	if in == nil {
		return nil
	}
	return append([]string{}, in...)
}

var approleRoleFields = func() fields {
	f := fields{
		"role_name": tString, "bind_secret_id": tBool, "bound_cidr_list": tCommaSlice,
		"secret_id_bound_cidrs": tCommaSlice, "policies": tCommaSlice, "secret_id_num_uses": tInt,
		"secret_id_ttl": tDuration, "period": tDuration, "role_id": tString, "local_secret_ids": tBool,
	}
	for k, v := range tokenFields {
		f[k] = v
	}
	return f
}()

// role returns the role named (case-insensitively) name, or nil.
func (b *approleBackend) role(name string) *appRole {
	return b.roles[strings.ToLower(name)]
}

// roleChecked is role as Vault's handlers read it from storage, which
// refuses a name with ".." (relative paths not supported, a 400).
func (b *approleBackend) roleChecked(name string) (*appRole, error) {
	if strings.Contains(name, "..") {
		return nil, errRelativePath
	}
	return b.role(name), nil
}

func (b *approleBackend) roleList(req *request, d *fieldData) (*response, error) {
	keys := make([]string, 0, len(b.roles))
	for k := range b.roles {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return listResp(keys), nil
}

// validateRoleConstraints: a role needs at least one login constraint.
func validateRoleConstraints(r *appRole) error {
	switch {
	case r.BindSecretID, len(r.BoundCIDRList) != 0, len(r.SecretIDBoundCIDRs) != 0, len(r.TokenBoundCIDRs) != 0:
		return nil
	}
	return fmt.Errorf("at least one constraint should be enabled on the role")
}

// setRole is Vault's setRoleEntry: validate, then store the role and its
// role_id index. Its errors are plain errors: 500, or 400 when the handler
// also had a (warnings) response.
func (b *approleBackend) setRole(r *appRole, previousRoleID string, withResp bool) error {
	status := http.StatusInternalServerError
	if withResp {
		status = http.StatusBadRequest
	}
	if err := validateRoleConstraints(r); err != nil {
		return wrappedError(status, err.Error())
	}
	if owner, ok := b.roleIDs[r.RoleID]; ok && owner != r.name {
		return wrappedError(status, "role_id already in use")
	}
	if previousRoleID != "" && previousRoleID != r.RoleID {
		delete(b.roleIDs, previousRoleID)
	}
	b.roles[r.name] = r
	b.roleIDs[r.RoleID] = r.name
	return nil
}

// validateCIDRListSlice is Vault's cidrutil.ValidateCIDRListSlice: CIDRs
// only (a bare IP is an error).
func validateCIDRListSlice(blocks []string) (bool, error) {
	if len(blocks) == 0 {
		return false, fmt.Errorf("missing CIDR blocks that needs validation")
	}
	for _, blk := range blocks {
		if _, _, err := net.ParseCIDR(strings.TrimSpace(blk)); err != nil {
			return false, err
		}
	}
	return true, nil
}

// roleWrite creates or updates role/:name (pathRoleCreateUpdate).
func (b *approleBackend) roleWrite(req *request, d *fieldData) (*response, error) {
	roleName := d.str("role_name")
	if roleName == "" {
		return nil, badRequest("missing role_name")
	}
	if len(roleName) > maxHmacInputLength {
		return nil, badRequest("role_name is longer than maximum of %d bytes", maxHmacInputLength)
	}
	create := req.op == opCreate
	old, err := b.roleChecked(roleName)
	if err != nil {
		return nil, err
	}
	var r *appRole
	switch {
	case old != nil:
		r = old.clone()
	case create:
		r = &appRole{name: strings.ToLower(roleName), HMACKey: newUUID()}
	default:
		return nil, errUnsupportedPathMsg(fmt.Sprintf("role name %q doesn't exist", roleName))
	}

	var warnings []string
	hasResp := false
	raw := d.raw
	if v, present := d.raw["token_type"]; present {
		if _, ok := v.(string); !ok {
			// Vault 1.21.1 panics on a non-string token_type here and drops
			// the connection; the mock answers a 500 instead.
			return nil, internalError("internal error: 'token_type' must be a string")
		}
	}
	if v, ok := d.raw["token_type"].(string); ok && (v == "default-service" || v == "default-batch") {
		raw = withoutKey(d.raw, "token_type")
		if v == "default-service" {
			raw["token_type"] = "service"
			warnings = append(warnings, "default-service has no useful meaning; adjusting to service")
		} else {
			raw["token_type"] = "batch"
			warnings = append(warnings, "default-batch has no useful meaning; adjusting to batch")
		}
		hasResp = true
	}
	td := &fieldData{raw: raw, schema: d.schema}
	if err := r.tokenParams.parse(td); err != nil {
		return nil, badRequest("%s", err.Error())
	}

	if d.has("local_secret_ids") {
		if !create {
			return nil, badRequest("local_secret_ids can only be modified during role creation")
		}
		if d.boolean("local_secret_ids", false) {
			r.localSecretIDs = true
		}
	}

	previousRoleID := r.RoleID
	if d.has("role_id") {
		r.RoleID = d.str("role_id")
	} else if create {
		r.RoleID = newUUID()
	}
	if r.RoleID == "" {
		return nil, badRequest("invalid role_id supplied, or failed to generate a role_id")
	}

	if create {
		// A new role's defaults, which the rules below keep unless sent.
		r.BindSecretID, r.SecretIDNumUses, r.SecretIDTTL = true, 0, 0
	}
	// In the order Vault checks them. The token_* fields were set above by
	// tokenParams.parse; setPolicies and setPeriod only mirror them.
	for _, rule := range []roleRule{setBindSecretID, setSecretIDCIDRs(internalError), setSecretIDNumUses, setSecretIDTTL, setPolicies, setPeriod} {
		if err := rule(b, req, r, d); err != nil {
			return nil, err
		}
	}

	maxTTL := maxLeaseTTL(req)
	if r.Period > maxTTL {
		return nil, badRequest("period of %q is greater than the backend's maximum lease TTL of %q", r.Period.String(), maxTTL.String())
	}
	if r.TokenMaxTTL > maxTTL {
		warnings = append(warnings, "token_max_ttl is greater than the backend mount's maximum TTL value; issued tokens' max TTL value will be truncated")
		hasResp = true
	}
	if err := b.setRole(r, previousRoleID, hasResp); err != nil {
		return nil, err
	}
	if hasResp {
		return &response{warnings: warnings}, nil
	}
	return nil, nil
}

// roleRead is GET role/:name.
func (b *approleBackend) roleRead(req *request, d *fieldData) (*response, error) {
	r, err := b.roleChecked(d.str("role_name"))
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, nil
	}
	data := map[string]any{
		"bind_secret_id":        r.BindSecretID,
		"secret_id_bound_cidrs": r.SecretIDBoundCIDRs,
		"secret_id_num_uses":    r.SecretIDNumUses,
		"secret_id_ttl":         int64(r.SecretIDTTL / time.Second),
		"local_secret_ids":      r.localSecretIDs,
	}
	r.tokenParams.populate(data)
	if r.Period != 0 {
		data["period"] = int64(r.Period / time.Second)
	}
	if len(r.Policies) > 0 {
		data["policies"] = r.Policies
	}
	resp := dataResp(data)
	if validateRoleConstraints(r) != nil {
		resp.warnings = append(resp.warnings, "Role does not have any constraints set on it. Updates to this role will require a constraint to be set")
	}
	return resp, nil
}

// roleDelete removes the role, its secret IDs and its role_id index. The
// secret IDs' accessor entries stay until a tidy, as in Vault.
func (b *approleBackend) roleDelete(req *request, d *fieldData) (*response, error) {
	r, err := b.roleChecked(d.str("role_name"))
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, nil
	}
	if roleHMAC, err := createHMAC(r.HMACKey, r.name); err == nil {
		delete(b.secrets[r.localSecretIDs], roleHMAC)
	}
	delete(b.roleIDs, r.RoleID)
	delete(b.roles, r.name)
	return nil, nil
}

func (b *approleBackend) roleLocalSecretIDsRead(req *request, d *fieldData) (*response, error) {
	r, err := b.roleChecked(d.str("role_name"))
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, nil
	}
	return dataResp(map[string]any{"local_secret_ids": r.localSecretIDs}), nil
}

func (b *approleBackend) roleIDRead(req *request, d *fieldData) (*response, error) {
	r, err := b.roleChecked(d.str("role_name"))
	if err != nil {
		return nil, err
	}
	if r == nil {
		return nil, nil
	}
	return dataResp(map[string]any{"role_id": r.RoleID}), nil
}

func (b *approleBackend) roleIDUpdate(req *request, d *fieldData) (*response, error) {
	old, err := b.roleChecked(d.str("role_name"))
	if err != nil {
		return nil, err
	}
	if old == nil {
		return nil, errUnsupportedPath
	}
	r := old.clone()
	previous := r.RoleID
	r.RoleID = d.str("role_id")
	if r.RoleID == "" {
		return nil, badRequest("missing role_id")
	}
	return nil, b.setRole(r, previous, false)
}

// roleFieldPath is one of the per-field sub-paths of a role
// (role/:name/policies, .../token-ttl …): read, update and delete.
type roleFieldPath struct {
	name                 string
	fields               fields
	read, update, delete approleHandler
}

// fieldRead answers a sub-path read with the fields make returns.
func fieldRead(get func(r *appRole) (map[string]any, []string)) approleHandler {
	return func(b *approleBackend, req *request, d *fieldData) (*response, error) {
		r, err := b.roleChecked(d.str("role_name"))
		if err != nil {
			return nil, err
		}
		if r == nil {
			return nil, nil
		}
		data, warnings := get(r)
		return &response{data: data, warnings: warnings}, nil
	}
}

// fieldUpdate runs set on a copy of an existing role and stores it; a
// missing role is Vault's ErrUnsupportedPath.
func fieldUpdate(set func(b *approleBackend, req *request, r *appRole, d *fieldData) error) approleHandler {
	return func(b *approleBackend, req *request, d *fieldData) (*response, error) {
		old, err := b.roleChecked(d.str("role_name"))
		if err != nil {
			return nil, err
		}
		if old == nil {
			return nil, errUnsupportedPath
		}
		r := old.clone()
		if err := set(b, req, r, d); err != nil {
			return nil, err
		}
		return nil, b.setRole(r, "", false)
	}
}

// fieldDelete resets fields to their defaults; a missing role is a 204.
func fieldDelete(reset func(r *appRole)) approleHandler {
	return func(b *approleBackend, req *request, d *fieldData) (*response, error) {
		old, err := b.roleChecked(d.str("role_name"))
		if err != nil {
			return nil, err
		}
		if old == nil {
			return nil, nil
		}
		r := old.clone()
		reset(r)
		return nil, b.setRole(r, "", false)
	}
}

// roleRule sets a role field, with its deprecated twin if it has one, from
// the request and checks the result; a field not sent keeps its value.
// roleWrite and the field's sub-path run the same rule, so they cannot
// drift apart.
type roleRule func(b *approleBackend, req *request, r *appRole, d *fieldData) error

func setBindSecretID(b *approleBackend, req *request, r *appRole, d *fieldData) error {
	if d.has("bind_secret_id") {
		r.BindSecretID = d.boolean("bind_secret_id", true)
	}
	return nil
}

func setSecretIDNumUses(b *approleBackend, req *request, r *appRole, d *fieldData) error {
	if d.has("secret_id_num_uses") {
		r.SecretIDNumUses = d.integer("secret_id_num_uses")
	}
	if r.SecretIDNumUses < 0 {
		return badRequest("secret_id_num_uses cannot be negative")
	}
	return nil
}

func setSecretIDTTL(b *approleBackend, req *request, r *appRole, d *fieldData) error {
	if d.has("secret_id_ttl") {
		r.SecretIDTTL = d.duration("secret_id_ttl")
	}
	return nil
}

// setSecretIDCIDRs prefers secret_id_bound_cidrs to its deprecated twin
// bound_cidr_list. fail words a bad block: Vault answers it with a 500 on
// role/:name and with a 400 on the CIDR sub-paths.
func setSecretIDCIDRs(fail func(format string, args ...any) error) roleRule {
	return func(b *approleBackend, req *request, r *appRole, d *fieldData) error {
		switch {
		case d.has("secret_id_bound_cidrs"):
			r.SecretIDBoundCIDRs = d.strings("secret_id_bound_cidrs")
		case d.has("bound_cidr_list"):
			r.SecretIDBoundCIDRs = d.strings("bound_cidr_list")
		}
		if len(r.SecretIDBoundCIDRs) != 0 {
			if _, err := validateCIDRListSlice(r.SecretIDBoundCIDRs); err != nil {
				return fail("failed to validate CIDR blocks: %v", err)
			}
		}
		return nil
	}
}

// setPolicies mirrors token_policies into the deprecated policies.
func setPolicies(b *approleBackend, req *request, r *appRole, d *fieldData) error {
	upgradeValue(d, "token_policies", "policies", &r.TokenPolicies, &r.Policies, func() []string {
		return sanitizePolicies(d.strings("policies"), false)
	})
	return nil
}

// setPeriod mirrors token_period into the deprecated period.
func setPeriod(b *approleBackend, req *request, r *appRole, d *fieldData) error {
	upgradeValue(d, "token_period", "period", &r.TokenPeriod, &r.Period, func() time.Duration {
		return d.duration("period")
	})
	return nil
}

// upgradeValue is tokenutil.UpgradeValue. The token_* field key, already
// in *val, wins: the twin takes its value only if sent too, else is
// cleared. A twin sent alone sets both.
func upgradeValue[T any](d *fieldData, key, twin string, val, twinVal *T, parseTwin func() T) {
	switch {
	case d.has(key):
		var zero T
		*twinVal = zero
		if d.has(twin) {
			*twinVal = *val
		}
	case d.has(twin):
		*twinVal = parseTwin()
		*val = *twinVal
	}
}

// roleField is the sub-path of one role field, with its deprecated twin
// if it has one.
type roleField struct {
	path      string
	key, twin string
	typ       fieldType
	// missing names what an update sending neither key nor twin lacks;
	// without it such an update stores the role as it is.
	missing string
	// value is key's value on a read; read replaces it for a sub-path
	// answering more than key.
	value func(r *appRole) any
	read  func(r *appRole) (map[string]any, []string)
	rule  roleRule
	reset func(r *appRole)
}

func (f roleField) handlers() roleFieldPath {
	schema := fields{"role_name": tString, f.key: f.typ}
	if f.twin != "" {
		schema[f.twin] = f.typ
	}
	read := f.read
	if read == nil {
		read = func(r *appRole) (map[string]any, []string) { return map[string]any{f.key: f.value(r)}, nil }
	}
	return roleFieldPath{name: f.path, fields: schema, read: fieldRead(read), update: fieldUpdate(f.update), delete: fieldDelete(f.reset)}
}

func (f roleField) update(b *approleBackend, req *request, r *appRole, d *fieldData) error {
	switch {
	case d.has(f.key) || d.has(f.twin):
		return f.rule(b, req, r, d)
	case f.missing != "":
		return badRequest("missing %s", f.missing)
	}
	return nil
}

// boundCIDRRule is pathRoleBoundCIDRUpdateCommon: the one field of its
// sub-path, which may not be empty.
func boundCIDRRule(key string) roleRule {
	set := setSecretIDCIDRs(badRequest)
	return func(b *approleBackend, req *request, r *appRole, d *fieldData) error {
		if len(d.strings(key)) == 0 {
			return badRequest("missing bound_cidr_list")
		}
		return set(b, req, r, d)
	}
}

// tokenTTLRule sets token_ttl or token_max_ttl on its sub-path; Vault
// words a clash of the two after the field sent.
func tokenTTLRule(key string, field func(r *appRole) *time.Duration, clash string) roleRule {
	return func(b *approleBackend, req *request, r *appRole, d *fieldData) error {
		*field(r) = d.duration(key)
		if r.TokenMaxTTL > 0 && r.TokenTTL > r.TokenMaxTTL {
			return badRequest("%s", clash)
		}
		return nil
	}
}

func roleFieldPaths() []roleFieldPath {
	secs := func(d time.Duration) int64 { return int64(d / time.Second) }
	// The token_* sub-paths have rules of their own: role/:name reads those
	// fields with tokenParams.parse, which Vault words differently (and
	// which leaves token_policies unsanitized).
	fs := []roleField{
		{
			path: "policies", key: "token_policies", twin: "policies", typ: tCommaSlice, missing: "token_policies",
			read: func(r *appRole) (map[string]any, []string) {
				p := r.TokenPolicies
				if p == nil {
					p = []string{}
				}
				m := map[string]any{"token_policies": p}
				if len(r.Policies) > 0 {
					m["policies"] = r.Policies
				}
				return m, nil
			},
			rule: func(b *approleBackend, req *request, r *appRole, d *fieldData) error {
				if d.has("token_policies") {
					r.TokenPolicies = sanitizePolicies(d.strings("token_policies"), false)
				}
				return setPolicies(b, req, r, d)
			},
			reset: func(r *appRole) { r.TokenPolicies, r.Policies = nil, nil },
		},
		{
			path: "bound-cidr-list", key: "bound_cidr_list", typ: tCommaSlice,
			read: func(r *appRole) (map[string]any, []string) {
				return map[string]any{"bound_cidr_list": r.BoundCIDRList},
					[]string{`The "bound_cidr_list" field is deprecated and will be removed. Please use "secret_id_bound_cidrs" instead.`}
			},
			rule:  boundCIDRRule("bound_cidr_list"),
			reset: func(r *appRole) { r.BoundCIDRList = nil },
		},
		{
			path: "secret-id-bound-cidrs", key: "secret_id_bound_cidrs", typ: tCommaSlice,
			value: func(r *appRole) any { return r.SecretIDBoundCIDRs },
			rule:  boundCIDRRule("secret_id_bound_cidrs"),
			reset: func(r *appRole) { r.SecretIDBoundCIDRs = nil },
		},
		{
			path: "token-bound-cidrs", key: "token_bound_cidrs", typ: tCommaSlice,
			value: func(r *appRole) any { return r.TokenBoundCIDRs },
			rule: func(b *approleBackend, req *request, r *appRole, d *fieldData) error {
				c, err := parseAddrs(d.strings("token_bound_cidrs"))
				if err != nil {
					return badRequest("failed to parse token_bound_cidrs: %v", err)
				}
				r.TokenBoundCIDRs = c
				return nil
			},
			reset: func(r *appRole) { r.TokenBoundCIDRs = nil },
		},
		{
			path: "bind-secret-id", key: "bind_secret_id", typ: tBool, missing: "bind_secret_id",
			value: func(r *appRole) any { return r.BindSecretID },
			rule:  setBindSecretID,
			reset: func(r *appRole) { r.BindSecretID = true },
		},
		{
			path: "secret-id-num-uses", key: "secret_id_num_uses", typ: tInt, missing: "secret_id_num_uses",
			value: func(r *appRole) any { return r.SecretIDNumUses },
			rule:  setSecretIDNumUses,
			reset: func(r *appRole) { r.SecretIDNumUses = 0 },
		},
		{
			path: "secret-id-ttl", key: "secret_id_ttl", typ: tDuration, missing: "secret_id_ttl",
			value: func(r *appRole) any { return secs(r.SecretIDTTL) },
			rule:  setSecretIDTTL,
			reset: func(r *appRole) { r.SecretIDTTL = 0 },
		},
		{
			path: "period", key: "token_period", twin: "period", typ: tDuration, missing: "period",
			read: func(r *appRole) (map[string]any, []string) {
				m := map[string]any{"token_period": secs(r.TokenPeriod)}
				if r.Period > 0 {
					m["period"] = secs(r.Period)
				}
				return m, nil
			},
			rule: func(b *approleBackend, req *request, r *appRole, d *fieldData) error {
				if d.has("token_period") {
					r.TokenPeriod = d.duration("token_period")
				}
				_ = setPeriod(b, req, r, d)
				if max := maxLeaseTTL(req); r.TokenPeriod > max {
					// Vault prints the deprecated value here.
					return badRequest("period of %q is greater than the backend's maximum lease TTL of %q", r.Period.String(), max.String())
				}
				return nil
			},
			reset: func(r *appRole) { r.TokenPeriod, r.Period = 0, 0 },
		},
		{
			path: "token-num-uses", key: "token_num_uses", typ: tInt, missing: "token_num_uses",
			value: func(r *appRole) any { return r.TokenNumUses },
			rule: func(b *approleBackend, req *request, r *appRole, d *fieldData) error {
				r.TokenNumUses = d.integer("token_num_uses")
				return nil
			},
			reset: func(r *appRole) { r.TokenNumUses = 0 },
		},
		{
			path: "token-ttl", key: "token_ttl", typ: tDuration, missing: "token_ttl",
			value: func(r *appRole) any { return secs(r.TokenTTL) },
			rule: tokenTTLRule("token_ttl", func(r *appRole) *time.Duration { return &r.TokenTTL },
				"token_ttl should not be greater than token_max_ttl"),
			reset: func(r *appRole) { r.TokenTTL = 0 },
		},
		{
			path: "token-max-ttl", key: "token_max_ttl", typ: tDuration, missing: "token_max_ttl",
			value: func(r *appRole) any { return secs(r.TokenMaxTTL) },
			rule: tokenTTLRule("token_max_ttl", func(r *appRole) *time.Duration { return &r.TokenMaxTTL },
				"token_max_ttl should be greater than or equal to token_ttl"),
			reset: func(r *appRole) { r.TokenMaxTTL = 0 },
		},
	}
	out := make([]roleFieldPath, len(fs))
	for i, f := range fs {
		out[i] = f.handlers()
	}
	return out
}
