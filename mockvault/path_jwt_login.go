package mockvault

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/ryanuber/go-glob"
)

// login is POST login: a signed JWT for a token, as Vault's pathLogin.
// Errors are 400s with Vault's texts; the JWT itself is never logged or
// echoed.
func (b *jwtBackend) login(req *request, d *fieldData) (*response, error) {
	c := b.config
	if c == nil {
		return nil, badRequest("could not load configuration")
	}
	name, r, err := b.loginRole(c, d.str("role"))
	if err != nil {
		return nil, err
	}
	if r.RoleType == "oidc" {
		return nil, badRequest("role with oidc role_type is not allowed")
	}
	token := d.str("jwt")
	if token == "" {
		return nil, badRequest("missing token")
	}
	if err := jwtCheckCIDRs(req, r); err != nil {
		return nil, err
	}
	if c.OIDCDiscoveryURL != "" {
		// Vault builds its validator (discovery included) on first use.
		if _, err := b.discover(req, c.OIDCDiscoveryURL, c.OIDCDiscoveryCAPEM); err != nil {
			return nil, badRequest("error configuring token validator: keyset configuration error: %s", err)
		}
	}
	claims, err := b.validate(req, c, r, token)
	if err != nil {
		return nil, badRequest("error validating token: %s", err)
	}
	if len(r.BoundAudiences) == 0 {
		switch aud := claims["aud"].(type) {
		case []any:
			if len(aud) > 0 {
				return nil, badRequest("audience claim found in JWT but no audiences bound to the role")
			}
		case string:
			if aud != "" {
				return nil, badRequest("audience claim found in JWT but no audiences bound to the role")
			}
		}
	}
	return b.completeLogin(req, d, name, r, claims)
}

// loginRole resolves the role of a login: the one named, else the
// config's default_role.
func (b *jwtBackend) loginRole(c *jwtConfig, name string) (string, *jwtRole, error) {
	if name == "" {
		name = c.DefaultRole
	}
	if name == "" {
		return "", nil, badRequest("missing role")
	}
	r := b.roles[name]
	if r == nil {
		return "", nil, badRequest("role %q could not be found", name)
	}
	return name, r, nil
}

// jwtCheckCIDRs refuses a login from outside the role's token_bound_cidrs
// (Vault answers a bare permission denied).
func jwtCheckCIDRs(req *request, r *jwtRole) error {
	if len(r.TokenBoundCIDRs) == 0 {
		return nil
	}
	if ok, err := ipInCIDRs(req.remoteAddr, r.TokenBoundCIDRs); err != nil || !ok {
		return errPermissionDenied
	}
	return nil
}

// completeLogin is what Vault's login and OIDC callback share once the token
// is verified: the identity from the claims, the bound claims, the token.
func (b *jwtBackend) completeLogin(req *request, d *fieldData, name string, r *jwtRole, claims map[string]any) (*response, error) {
	alias, groups, err := jwtIdentity(claims, name, r)
	if err != nil {
		return nil, badRequest("%s", err.Error())
	}
	if err := validateBoundClaims(r.BoundClaimsType, r.BoundClaims, claims); err != nil {
		return nil, badRequest("error validating claims: %s", err)
	}
	resp, err := req.srv.issueLoginToken(req, &loginAuth{
		Policies: r.TokenPolicies, NoDefaultPolicy: r.TokenNoDefaultPolicy,
		TTL: r.TokenTTL, MaxTTL: r.TokenMaxTTL, ExplicitMaxTTL: r.TokenExplicitMaxTTL,
		Period: r.TokenPeriod, NumUses: r.TokenNumUses, TokenType: r.TokenType,
		BoundCIDRs: r.TokenBoundCIDRs, Metadata: alias.Metadata, DisplayName: alias.Name,
		Alias: alias, GroupAliases: groups,
	})
	if err != nil {
		return nil, err
	}
	return finishLogin(resp, d), nil
}

// validate is cap/jwt's Validator.Validate: the signature against the
// configured keys, the algorithm, then the registered claims on the
// server clock with the role's leeways.
func (b *jwtBackend) validate(req *request, c *jwtConfig, r *jwtRole, token string) (map[string]any, error) {
	now := req.now
	j, err := b.verifySignature(req, c, token)
	if err != nil {
		return nil, fmt.Errorf("error verifying token signature: %w", err)
	}
	algs := c.JWTSupportedAlgs
	if len(algs) == 0 {
		algs = jwtAlgs
	}
	if !contains(algs, j.alg) {
		return nil, errors.New("invalid algorithm (alg) header parameter: token signed with unexpected algorithm")
	}
	claims, err := j.claims()
	if err != nil {
		return nil, err
	}
	reg, err := registeredClaims(claims)
	if err != nil {
		return nil, err
	}
	if c.BoundIssuer != "" && c.BoundIssuer != reg.iss {
		return nil, errors.New("invalid issuer (iss) claim")
	}
	if r.BoundSubject != "" && r.BoundSubject != reg.sub {
		return nil, errors.New("invalid subject (sub) claim")
	}
	if len(r.BoundAudiences) > 0 && !anyIn(r.BoundAudiences, reg.aud) {
		return nil, errors.New("invalid audience (aud) claim: audience claim does not match any expected audience")
	}
	return claims, checkTimes(now, reg, r)
}

// leewaySecs is cap/jwt's rule for a leeway: negative disables it, zero
// means the default.
func leewaySecs(l time.Duration, def int64) int64 {
	switch {
	case l < 0:
		return 0
	case l == 0:
		return def
	}
	return int64(l / time.Second)
}

// checkTimes checks exp, nbf and iat as cap/jwt does: at least one must be
// present; a missing exp or nbf is derived from the others.
func checkTimes(now time.Time, reg jwtRegistered, r *jwtRole) error {
	if reg.iat == 0 && reg.exp == 0 && reg.nbf == 0 {
		return errors.New("no issued at (iat), not before (nbf), or expiration time (exp) claims in token")
	}
	if reg.exp == 0 {
		start := max(reg.iat, reg.nbf)
		reg.exp = start + leewaySecs(r.ExpirationLeeway, 150)
	}
	if reg.nbf == 0 {
		if reg.iat != 0 {
			reg.nbf = reg.iat
		} else {
			reg.nbf = reg.exp - leewaySecs(r.NotBeforeLeeway, 150)
		}
	}
	skew := time.Duration(leewaySecs(r.ClockSkewLeeway, 60)) * time.Second
	switch {
	case now.Add(skew).Before(time.Unix(reg.nbf, 0)):
		return errors.New("invalid not before (nbf) claim: token not yet valid")
	case now.Add(-skew).After(time.Unix(reg.exp, 0)):
		return errors.New("invalid expiration time (exp) claim: token is expired")
	case now.Add(skew).Before(time.Unix(reg.iat, 0)):
		return errors.New("invalid issued at (iat) claim: token issued in the future")
	}
	return nil
}

// jwtRegistered are the registered claims cap/jwt checks.
type jwtRegistered struct {
	iss, sub      string
	aud           []string
	exp, nbf, iat int64
}

// registeredClaims reads the registered claims as go-jose's jwt.Claims
// does, with its errors for values of the wrong type.
func registeredClaims(c map[string]any) (jwtRegistered, error) {
	var reg jwtRegistered
	for k, dst := range map[string]*string{"iss": &reg.iss, "sub": &reg.sub, "jti": new(string)} {
		switch v := c[k].(type) {
		case nil:
		case string:
			*dst = v
		default:
			return reg, fmt.Errorf("json: cannot unmarshal %s into Go struct field Claims.%s of type string", jsonKind(v), k)
		}
	}
	switch v := c["aud"].(type) {
	case nil:
	case string:
		reg.aud = []string{v}
	case []any:
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return reg, errors.New("go-jose/go-jose/jwt: expected string or array value to unmarshal to Audience")
			}
			reg.aud = append(reg.aud, s)
		}
	default:
		return reg, errors.New("go-jose/go-jose/jwt: expected string or array value to unmarshal to Audience")
	}
	for k, dst := range map[string]*int64{"exp": &reg.exp, "nbf": &reg.nbf, "iat": &reg.iat} {
		switch v := c[k].(type) {
		case nil:
		case float64:
			*dst = int64(v)
		default:
			return reg, errors.New("go-jose/go-jose/jwt: expected number value to unmarshal NumericDate")
		}
	}
	return reg, nil
}

// jsonKind names a decoded JSON value's type as encoding/json's errors do.
func jsonKind(v any) string {
	switch v.(type) {
	case float64:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "string"
}

func anyIn(want, have []string) bool {
	for _, w := range want {
		if contains(have, w) {
			return true
		}
	}
	return false
}

// verifySignature checks the JWT's signature against the configured key
// source, with the errors each of Vault's key sets gives.
func (b *jwtBackend) verifySignature(req *request, c *jwtConfig, token string) (*jws, error) {
	if len(c.parsedKeys) > 0 {
		j, err := parseJWS(token)
		if err != nil {
			return nil, err
		}
		for _, k := range c.parsedKeys {
			if j.verify(k) {
				if _, err := j.claims(); err == nil {
					return j, nil
				}
			}
		}
		return nil, errors.New("no known key successfully validated the token signature")
	}
	if len(c.JWKSPairs) > 0 {
		// Each pair is a key set; the last one's error is reported.
		pairs, err := jwksPairs(c.JWKSPairs)
		if err != nil {
			return nil, err
		}
		for _, p := range pairs {
			var j *jws
			if j, err = b.verifyRemote(req, p.URL, p.CAPEM, token); err == nil {
				return j, nil
			}
		}
		return nil, err
	}
	url, ca := c.JWKSURL, c.JWKSCAPEM
	if url == "" {
		disc, err := b.discover(req, c.OIDCDiscoveryURL, c.OIDCDiscoveryCAPEM)
		if err != nil {
			return nil, err
		}
		url, ca = disc.JWKSURI, c.OIDCDiscoveryCAPEM
	}
	return b.verifyRemote(req, url, ca, token)
}

// verifyRemote is go-oidc's RemoteKeySet.VerifySignature: cached keys
// first, then the keys fetched again (an issuer rotated its key).
func (b *jwtBackend) verifyRemote(req *request, url, ca, token string) (*jws, error) {
	j, err := parseJWS(token)
	if err == nil && !contains(jwtAlgs, j.alg) {
		err = fmt.Errorf("unexpected signature algorithm %q; expected %q", j.alg, jwtAlgs)
	}
	if err != nil {
		return nil, fmt.Errorf("oidc: malformed jwt: %v", err)
	}
	for _, refresh := range []bool{false, true} {
		keys, err := b.remoteKeys(req, url, ca, refresh)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			if (j.kid == "" || k.kid == j.kid) && j.verify(k.key) {
				return j, nil
			}
		}
	}
	return nil, errors.New("failed to verify id token signature")
}

// jwtIdentity is Vault's createIdentity: the alias from the user claim
// (metadata from claim_mappings plus the role), the group aliases from
// the groups claim.
func jwtIdentity(claims map[string]any, roleName string, r *jwtRole) (*loginAlias, []string, error) {
	var raw any
	if r.UserClaimJSONPointer {
		raw = getClaim(claims, r.UserClaim)
	} else {
		raw = claims[r.UserClaim]
	}
	if raw == nil {
		return nil, nil, fmt.Errorf("claim %q not found in token", r.UserClaim)
	}
	user, ok := raw.(string)
	if !ok {
		return nil, nil, fmt.Errorf("claim %q could not be converted to string", r.UserClaim)
	}
	meta := map[string]string{}
	for src, dst := range r.ClaimMappings {
		if v := getClaim(claims, src); v != nil {
			s, ok := v.(string)
			if !ok {
				return nil, nil, fmt.Errorf("error converting claim '%s' to string", src)
			}
			meta[dst] = s
		}
	}
	meta["role"] = roleName
	alias := &loginAlias{Name: user, Metadata: meta}
	if r.GroupsClaim == "" {
		return alias, nil, nil
	}
	graw := getClaim(claims, r.GroupsClaim)
	if graw == nil {
		return nil, nil, fmt.Errorf("failed to fetch groups: %q claim not found in token", r.GroupsClaim)
	}
	list, ok := normalizeClaimList(graw)
	if !ok {
		return nil, nil, fmt.Errorf("%q claim could not be converted to string list", r.GroupsClaim)
	}
	var groups []string
	for _, g := range list {
		s, ok := g.(string)
		if !ok {
			return nil, nil, fmt.Errorf("value %v in groups claim could not be parsed as string", g)
		}
		if s != "" {
			groups = append(groups, s)
		}
	}
	return alias, groups, nil
}

// getClaim reads a claim by name or, when it starts with "/", by JSON
// pointer (RFC 6901); numbers become json.Number of their integer part, as
// in Vault, so they compare with bound claims written as numbers.
func getClaim(claims map[string]any, name string) any {
	var v any = claims
	if !strings.HasPrefix(name, "/") {
		v = claims[name]
	} else {
		for _, tok := range strings.Split(name[1:], "/") {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			switch cur := v.(type) {
			case map[string]any:
				v = cur[tok]
			case []any:
				i, err := strconv.Atoi(tok)
				if err != nil || i < 0 || i >= len(cur) {
					return nil
				}
				v = cur[i]
			default:
				return nil
			}
		}
	}
	if f, ok := v.(float64); ok {
		return json.Number(strconv.Itoa(int(f)))
	}
	return v
}

// normalizeClaimList turns a string, bool, number or list into a list.
func normalizeClaimList(raw any) ([]any, bool) {
	switch v := raw.(type) {
	case []any:
		return v, true
	case string, bool, json.Number:
		return []any{v}, true
	}
	return nil, false
}

// validateBoundClaims checks every bound claim, in a fixed order (Vault's
// is Go's map order, so the first failure it names may differ).
func validateBoundClaims(typ string, bound, claims map[string]any) error {
	for _, name := range sortedKeys(bound) {
		act := getClaim(claims, name)
		if act == nil {
			return fmt.Errorf("claim %q is missing", name)
		}
		actVals, ok := normalizeClaimList(act)
		if !ok {
			return fmt.Errorf("received claim is not a string, bool, int or list: %v", act)
		}
		expVals, ok := normalizeClaimList(bound[name])
		if !ok {
			return fmt.Errorf("bound claim is not a string, bool, int or list: %v", bound[name])
		}
		if !claimMatch(expVals, actVals, typ == "glob") {
			return fmt.Errorf("claim %q does not match any associated bound claim values", name)
		}
	}
	return nil
}

func claimMatch(exp, act []any, globs bool) bool {
	for _, e := range exp {
		for _, a := range act {
			if globs {
				es, _ := e.(string)
				as, ok := a.(string)
				if ok && glob.Glob(es, as) {
					return true
				}
			} else if e == a {
				return true
			}
		}
	}
	return false
}
