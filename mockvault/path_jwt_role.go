package mockvault

import (
	"strings"
	"time"
)

// jwtRole is a JWT/OIDC role as Vault stores it. Lists never set stay nil
// (read back as null), as Vault's role entries do.
type jwtRole struct {
	tokenParams
	RoleType             string
	ExpirationLeeway     time.Duration
	NotBeforeLeeway      time.Duration
	ClockSkewLeeway      time.Duration
	BoundAudiences       []string
	BoundSubject         string
	BoundClaimsType      string
	BoundClaims          map[string]any
	ClaimMappings        map[string]string
	UserClaim            string
	GroupsClaim          string
	OIDCScopes           []string
	AllowedRedirectURIs  []string
	VerboseOIDCLogging   bool
	MaxAge               time.Duration
	UserClaimJSONPointer bool

	// The deprecated twins of token_* fields.
	Policies   []string
	NumUses    int
	TTL        time.Duration
	MaxTTL     time.Duration
	Period     time.Duration
	BoundCIDRs []string
}

func (r *jwtRole) clone() *jwtRole {
	cp := *r
	cp.TokenBoundCIDRs = cloneStrings(r.TokenBoundCIDRs)
	cp.TokenPolicies = cloneStrings(r.TokenPolicies)
	cp.BoundAudiences = cloneStrings(r.BoundAudiences)
	cp.OIDCScopes = cloneStrings(r.OIDCScopes)
	cp.AllowedRedirectURIs = cloneStrings(r.AllowedRedirectURIs)
	cp.Policies = cloneStrings(r.Policies)
	cp.BoundCIDRs = cloneStrings(r.BoundCIDRs)
	if r.BoundClaims != nil {
		cp.BoundClaims = deepCopyJSON(r.BoundClaims)
	}
	if r.ClaimMappings != nil {
		cp.ClaimMappings = make(map[string]string, len(r.ClaimMappings))
		for k, v := range r.ClaimMappings {
			cp.ClaimMappings[k] = v
		}
	}
	return &cp
}

var jwtRoleFields = func() fields {
	f := fields{
		"name": tLowerString, "role_type": tString, "policies": tCommaSlice, "num_uses": tInt,
		"ttl": tDuration, "max_ttl": tDuration, "period": tDuration, "bound_cidrs": tCommaSlice,
		"expiration_leeway": tSignedDuration, "not_before_leeway": tSignedDuration, "clock_skew_leeway": tSignedDuration,
		"bound_subject": tString, "bound_audiences": tCommaSlice, "bound_claims_type": tString, "bound_claims": tMap,
		"claim_mappings": tKVPairs, "user_claim": tString, "user_claim_json_pointer": tBool, "groups_claim": tString,
		"oidc_scopes": tCommaSlice, "allowed_redirect_uris": tCommaSlice, "verbose_oidc_logging": tBool, "max_age": tDuration,
	}
	for k, v := range tokenFields {
		f[k] = v
	}
	return f
}()

// roleName is the role of a role path, refused as Vault's storage refuses
// a relative path.
func jwtRoleName(d *fieldData) (string, error) {
	name := strings.ToLower(d.str("name"))
	if strings.Contains(name, "..") {
		return "", errRelativePath
	}
	return name, nil
}

func (b *jwtBackend) roleList(_ *request, _ *fieldData) (*response, error) {
	return listResp(sortedKeys(b.roles)), nil
}

func (b *jwtBackend) roleDelete(_ *request, d *fieldData) (*response, error) {
	name, err := jwtRoleName(d)
	if err != nil {
		return nil, err
	}
	delete(b.roles, name)
	return nil, nil
}

func (b *jwtBackend) roleRead(_ *request, d *fieldData) (*response, error) {
	name, err := jwtRoleName(d)
	if err != nil {
		return nil, err
	}
	r := b.roles[name]
	if r == nil {
		return nil, nil
	}
	var boundClaims, claimMappings any
	if r.BoundClaims != nil {
		boundClaims = r.BoundClaims
	}
	if r.ClaimMappings != nil {
		claimMappings = r.ClaimMappings
	}
	list := func(l []string) any {
		if l == nil {
			return nil
		}
		return l
	}
	secs := func(d time.Duration) int64 { return int64(d / time.Second) }
	data := map[string]any{
		"role_type": r.RoleType, "expiration_leeway": secs(r.ExpirationLeeway),
		"not_before_leeway": secs(r.NotBeforeLeeway), "clock_skew_leeway": secs(r.ClockSkewLeeway),
		"bound_audiences": list(r.BoundAudiences), "bound_subject": r.BoundSubject,
		"bound_claims_type": r.BoundClaimsType, "bound_claims": boundClaims, "claim_mappings": claimMappings,
		"user_claim": r.UserClaim, "user_claim_json_pointer": r.UserClaimJSONPointer, "groups_claim": r.GroupsClaim,
		"allowed_redirect_uris": list(r.AllowedRedirectURIs), "oidc_scopes": list(r.OIDCScopes),
		"verbose_oidc_logging": r.VerboseOIDCLogging, "max_age": secs(r.MaxAge),
	}
	r.populate(data)
	if len(r.Policies) > 0 {
		data["policies"] = data["token_policies"]
	}
	if len(r.BoundCIDRs) > 0 {
		data["bound_cidrs"] = data["token_bound_cidrs"]
	}
	if r.TTL > 0 {
		data["ttl"] = secs(r.TTL)
	}
	if r.MaxTTL > 0 {
		data["max_ttl"] = secs(r.MaxTTL)
	}
	if r.Period > 0 {
		data["period"] = secs(r.Period)
	}
	if r.NumUses > 0 {
		data["num_uses"] = r.NumUses
	}
	return dataResp(data), nil
}

// roleWrite creates or updates a role with Vault's checks, in its order.
// Like Vault, a write without role_type makes the role an "oidc" one, even
// an existing "jwt" role.
func (b *jwtBackend) roleWrite(req *request, d *fieldData) (*response, error) {
	name, err := jwtRoleName(d)
	if err != nil {
		return nil, err
	}
	r := &jwtRole{BoundClaimsType: "string"}
	if old := b.roles[name]; old != nil {
		r = old.clone()
	}
	roleType := d.str("role_type")
	if roleType == "" {
		roleType = "oidc"
	}
	if roleType != "jwt" && roleType != "oidc" {
		return nil, badRequest("invalid 'role_type': %s", roleType)
	}
	r.RoleType = roleType
	if err := r.tokenParams.parse(d); err != nil {
		return nil, badRequest("%s", err.Error())
	}
	upgradeValue(d, "token_policies", "policies", &r.TokenPolicies, &r.Policies, func() []string { return d.strings("policies") })
	var oldCIDRs []string
	if d.has("bound_cidrs") {
		if oldCIDRs, err = parseAddrs(d.strings("bound_cidrs")); err != nil {
			return nil, badRequest("%s", err.Error())
		}
	}
	upgradeValue(d, "token_bound_cidrs", "bound_cidrs", &r.TokenBoundCIDRs, &r.BoundCIDRs, func() []string { return oldCIDRs })
	upgradeValue(d, "token_num_uses", "num_uses", &r.TokenNumUses, &r.NumUses, func() int { return d.integer("num_uses") })
	upgradeValue(d, "token_ttl", "ttl", &r.TokenTTL, &r.TTL, func() time.Duration { return d.duration("ttl") })
	upgradeValue(d, "token_max_ttl", "max_ttl", &r.TokenMaxTTL, &r.MaxTTL, func() time.Duration { return d.duration("max_ttl") })
	upgradeValue(d, "token_period", "period", &r.TokenPeriod, &r.Period, func() time.Duration { return d.duration("period") })

	_, mountMax := req.mount.ttls()
	if r.TokenPeriod > mountMax {
		return nil, badRequest("'period' of '%q' is greater than the backend's maximum lease TTL of '%q'", r.TokenPeriod.String(), mountMax.String())
	}
	for k, dst := range map[string]*time.Duration{"expiration_leeway": &r.ExpirationLeeway, "not_before_leeway": &r.NotBeforeLeeway, "clock_skew_leeway": &r.ClockSkewLeeway, "max_age": &r.MaxAge} {
		if d.has(k) {
			*dst = d.duration(k)
		}
	}
	r.setFields(d, "bound_audiences", "bound_subject", "verbose_oidc_logging")
	claimsType := d.str("bound_claims_type")
	if claimsType != "string" && claimsType != "glob" {
		return nil, badRequest("invalid 'bound_claims_type': %s", claimsType)
	}
	r.BoundClaimsType = claimsType
	if v, ok := d.get("bound_claims"); ok && d.has("bound_claims") {
		bc, _ := v.(map[string]any)
		if claimsType == "glob" {
			for _, cv := range bc {
				l, ok := normalizeClaimList(cv)
				if !ok {
					return nil, badRequest("claim is not a string or list: %v", cv)
				}
				for _, e := range l {
					if _, ok := e.(string); !ok {
						return nil, badRequest("claim is not a string: %v", e)
					}
				}
			}
		}
		// Numbers kept as json.Number, as Vault decodes its storage.
		r.BoundClaims = deepCopyJSON(bc)
	}
	if d.has("claim_mappings") {
		cm := d.kv("claim_mappings")
		targets := map[string]bool{}
		// Vault walks the map in Go's random order; sorted here, so the
		// same input gives the same error.
		for _, k := range sortedKeys(cm) {
			t := cm[k]
			if t == "role" {
				return nil, badRequest("metadata key %q is reserved and may not be a mapping destination", t)
			}
			if targets[t] {
				return nil, badRequest("multiple keys are mapped to metadata key %q", t)
			}
			targets[t] = true
		}
		r.ClaimMappings = cm
	}
	r.setFields(d, "user_claim")
	if r.UserClaim == "" {
		return nil, badRequest("a user claim must be defined on the role")
	}
	r.setFields(d, "user_claim_json_pointer", "groups_claim", "oidc_scopes", "allowed_redirect_uris")
	if r.RoleType == "oidc" && len(r.AllowedRedirectURIs) == 0 {
		return nil, badRequest("'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.")
	}
	// An OIDC login checks the audience against the client id; a JWT
	// role needs a binding of its own.
	if roleType != "oidc" && len(r.BoundAudiences) == 0 && len(r.TokenBoundCIDRs) == 0 && r.BoundSubject == "" && len(r.BoundClaims) == 0 {
		return nil, badRequest("must have at least one bound constraint when creating/updating a role")
	}
	if r.TokenMaxTTL > 0 && r.TokenTTL > r.TokenMaxTTL {
		return nil, badRequest("ttl should not be greater than max ttl")
	}
	var warnings []string
	if r.TokenMaxTTL > mountMax {
		warnings = append(warnings, "token max ttl is greater than the system or backend mount's maximum TTL value; issued tokens' max TTL value will be truncated")
	}
	if r.VerboseOIDCLogging {
		warnings = append(warnings, "verbose_oidc_logging has been enabled for this role. This is not recommended in production since sensitive information may be present in OIDC responses.")
	}
	b.roles[name] = r
	if len(warnings) == 0 {
		return nil, nil
	}
	return &response{warnings: warnings}, nil
}

// setFields copies the named plain fields that d carries into the role.
func (r *jwtRole) setFields(d *fieldData, names ...string) {
	strs := map[string]*string{"bound_subject": &r.BoundSubject, "user_claim": &r.UserClaim, "groups_claim": &r.GroupsClaim}
	lists := map[string]*[]string{"bound_audiences": &r.BoundAudiences, "oidc_scopes": &r.OIDCScopes, "allowed_redirect_uris": &r.AllowedRedirectURIs}
	bools := map[string]*bool{"verbose_oidc_logging": &r.VerboseOIDCLogging, "user_claim_json_pointer": &r.UserClaimJSONPointer}
	for _, k := range names {
		if !d.has(k) {
			continue
		}
		if p, ok := strs[k]; ok {
			*p = d.str(k)
		} else if p, ok := lists[k]; ok {
			*p = d.strings(k)
		} else {
			*bools[k] = d.boolean(k, false)
		}
	}
}

// jwtRenewParams is the JWT method's AuthRenew: the role's current TTLs;
// a token whose role is gone cannot renew.
func jwtRenewParams(s *Server, _ *request, m *mount, te *tokenEntry) (ttl, maxTTL, period time.Duration, err error) {
	name := te.Meta["role"]
	r := s.stateOf(m).(*jwtBackend).roles[name]
	if r == nil {
		return 0, 0, 0, multiErr(500, "failed to renew entry: role %s does not exist during renewal", name)
	}
	return r.TokenTTL, r.TokenMaxTTL, r.TokenPeriod, nil
}
