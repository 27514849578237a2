package mockvault

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	mathrand "math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
)

// The identity token endpoints under identity/oidc/ (Vault 1.21.1's
// vault/identity_store_oidc.go): config, named keys and their rotation,
// roles, signed tokens, introspection, and the unauthenticated discovery
// document and JWKS that standard JWT libraries verify tokens with.
//
// Handlers get the identity store's token state (an *oidcState) and run
// Vault's periodic work first: keys due are rotated and expired public
// keys dropped, on the server clock (req.now).

// oidcHandler serves one endpoint with the identity store's token state.
type oidcHandler func(o *oidcState, req *request, d *fieldData) (*response, error)

// identityOIDCPaths are the identity/oidc/ routes, relative to identity/.
func identityOIDCPaths(s *Server) []*path {
	h := func(fn oidcHandler) handlerFunc {
		return func(req *request, d *fieldData) (*response, error) {
			o := oidcOf(req.state)
			o.tick(req.now)
			return fn(o, req, d)
		}
	}
	name := tName("name")
	keyFields := fields{"name": tString, "rotation_period": tDuration, "verification_ttl": tDuration,
		"algorithm": tString, "allowed_client_ids": tCommaSlice}
	roleFields := fields{"name": tString, "key": tString, "template": tString, "ttl": tDuration, "client_id": tString}
	exists := func(get func(o *oidcState, name string) bool) func(*request, *fieldData) (bool, error) {
		return func(req *request, d *fieldData) (bool, error) {
			o := oidcOf(req.state)
			o.tick(req.now)
			return get(o, d.str("name")), nil
		}
	}
	config := &path{pattern: "oidc/config", fields: fields{"issuer": tString},
		ops: map[op]handlerFunc{opRead: h((*oidcState).configRead), opUpdate: h((*oidcState).configWrite)}}
	// (Vault's introspect/?$ takes a slash too, but its core refuses
	// writes to a path ending in "/" first.)
	introspect := &path{pattern: "oidc/introspect", fields: fields{"token": tString, "client_id": tString},
		ops: map[op]handlerFunc{opUpdate: h((*oidcState).introspect)}}
	paths := []*path{
		config, {pattern: "oidc/config/", fields: config.fields, ops: map[op]handlerFunc{opRead: config.ops[opRead]}},
		{pattern: "oidc/key/" + name, fields: keyFields,
			defaults: map[string]any{"rotation_period": "24h", "verification_ttl": "24h", "algorithm": "RS256"},
			exists:   exists(func(o *oidcState, n string) bool { return o.keys[n] != nil }),
			ops: map[op]handlerFunc{opRead: h((*oidcState).keyRead), opCreate: h((*oidcState).keyWrite),
				opUpdate: h((*oidcState).keyWrite), opDelete: h((*oidcState).keyDelete)}},
		{pattern: "oidc/key/" + name + "/rotate", fields: fields{"name": tString, "verification_ttl": tDuration},
			ops: map[op]handlerFunc{opUpdate: h((*oidcState).keyRotate)}},
		{pattern: "oidc/key/", ops: map[op]handlerFunc{opList: h((*oidcState).keyList)}},
		{pattern: "oidc/token/" + name, fields: fields{"name": tString},
			ops: map[op]handlerFunc{opRead: h((*oidcState).token)}},
		{pattern: "oidc/role/" + name, fields: roleFields, defaults: map[string]any{"ttl": "24h"},
			exists: exists(func(o *oidcState, n string) bool { return o.roles[n] != nil }),
			ops: map[op]handlerFunc{opRead: h((*oidcState).roleRead), opCreate: h((*oidcState).roleWrite),
				opUpdate: h((*oidcState).roleWrite), opDelete: h((*oidcState).roleDelete)}},
		{pattern: "oidc/role/", ops: map[op]handlerFunc{opList: h((*oidcState).roleList)}},
		introspect,
	}
	// The discovery documents, with or without a child issuer (Vault CE
	// knows none), are served without a token; other operations there are
	// refused with the bare text, as Vault's core does on unauthenticated
	// paths.
	refuse := func(*request, *fieldData) (*response, error) {
		return nil, errCode(http.StatusMethodNotAllowed, "unsupported operation")
	}
	for _, doc := range []struct {
		name string
		fn   oidcHandler
	}{{"openid-configuration", (*oidcState).discovery}, {"keys", (*oidcState).publicKeys}} {
		for _, prefix := range []string{"oidc", "oidc/{child:[^/]+}"} {
			for _, slash := range []string{"", "/"} {
				paths = append(paths, &path{pattern: prefix + "/.well-known/" + doc.name + slash, fields: fields{"child": tString},
					unauthenticated: true, ops: map[op]handlerFunc{opRead: h(doc.fn), opList: refuse, opUpdate: refuse, opDelete: refuse, opPatch: refuse}})
			}
		}
	}
	return paths
}

// issuer is the token issuer: the configured one or the address the
// client reached the server at (Vault's api_addr), and the path.
func (o *oidcState) issuerURL(req *request) string {
	base := o.issuer
	if base == "" {
		base = apiAddr(req)
	}
	return base + "/v1/identity/oidc"
}

// apiAddr is the address the request came to, as the client wrote it:
// what a dev Vault's api_addr is ("" without HTTP).
func apiAddr(req *request) string {
	if req.http == nil || req.http.Host == "" {
		return ""
	}
	scheme := "http"
	if req.http.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + req.http.Host
}

// childIssuer checks the optional child of the discovery paths: Vault CE
// has none.
func childIssuer(d *fieldData) error {
	if c := d.str("child"); c != "" {
		return badRequest("invalid child issuer %q", c)
	}
	return nil
}

func (o *oidcState) configRead(req *request, d *fieldData) (*response, error) {
	resp := dataResp(map[string]any{"issuer": o.issuer})
	if o.issuer == "" && apiAddr(req) == "" {
		resp.warnings = append(resp.warnings, `Both "issuer" and Vault's "api_addr" are empty. `+
			`The issuer claim in generated tokens will not be network reachable.`)
	}
	return resp, nil
}

func (o *oidcState) configWrite(req *request, d *fieldData) (*response, error) {
	if !d.has("issuer") {
		return nil, nil
	}
	issuer := d.str("issuer")
	var resp *response
	if issuer != "" {
		u, err := url.Parse(issuer)
		if err != nil || *u != (url.URL{Scheme: u.Scheme, Host: u.Host}) || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, badRequest("invalid issuer, which must include only a scheme, host, and optional port (e.g. https://example.com:8200)")
		}
		resp = &response{warnings: []string{`If "issuer" is set explicitly, all tokens must be validated against that address, ` +
			`including those issued by secondary clusters. Setting issuer to "" will restore the default behavior of ` +
			`using the cluster's api_addr as the issuer.`}}
	}
	o.issuer = issuer
	return resp, nil
}

// keyWrite creates or updates a named key. The changes are made on a copy
// kept only when every check passed.
func (o *oidcState) keyWrite(req *request, d *fieldData) (*response, error) {
	name := d.str("name")
	create := req.op == opCreate
	var k oidcKey
	if old := o.keys[name]; old != nil && !create {
		k = *old
		k.ring = append([]oidcRingEntry(nil), old.ring...)
	}
	// setting reads a field: sent, or its default on create.
	setting := func(f string) bool { return d.has(f) || create }
	if setting("rotation_period") {
		k.rotationPeriod = d.duration("rotation_period")
	}
	if k.rotationPeriod < time.Minute {
		return nil, badRequest("rotation_period must be at least one minute")
	}
	if setting("verification_ttl") {
		k.verificationTTL = d.duration("verification_ttl")
	}
	if k.verificationTTL > 10*k.rotationPeriod {
		return nil, badRequest("verification_ttl cannot be longer than 10x rotation_period")
	}
	if !create {
		for _, r := range o.roles {
			if r.key == name && r.ttl > k.verificationTTL {
				return nil, badRequest("unable to update key %q because it is currently referenced by one or more roles with a token ttl greater than %d seconds",
					name, int64(k.verificationTTL/time.Second))
			}
		}
	}
	if setting("allowed_client_ids") {
		// Not sent on create: the framework's zero value, an empty list.
		k.allowedClientIDs = append([]string{}, d.strings("allowed_client_ids")...)
	}
	prevAlg := k.algorithm
	if setting("algorithm") {
		k.algorithm = d.str("algorithm")
	}
	if !contains(oidcSupportedAlgs, k.algorithm) {
		return nil, badRequest("unknown signing algorithm %q", k.algorithm)
	}
	if next := req.now.Add(k.rotationPeriod); k.nextRotation.IsZero() || next.Before(k.nextRotation) {
		k.nextRotation = next
	}
	if k.algorithm != prevAlg {
		k.generate()
	}
	o.keys[name] = &k
	return nil, nil
}

func (o *oidcState) keyRead(req *request, d *fieldData) (*response, error) {
	k := o.keys[d.str("name")]
	if k == nil {
		return nil, nil
	}
	return dataResp(map[string]any{
		"rotation_period":    int64(k.rotationPeriod / time.Second),
		"verification_ttl":   int64(k.verificationTTL / time.Second),
		"algorithm":          k.algorithm,
		"allowed_client_ids": k.allowedClientIDs,
	}), nil
}

func (o *oidcState) keyDelete(req *request, d *fieldData) (*response, error) {
	name := d.str("name")
	if name == oidcDefaultKey {
		return nil, badRequest("deletion of key %q not allowed", oidcDefaultKey)
	}
	var users []string
	for rn, r := range o.roles {
		if r.key == name {
			users = append(users, rn)
		}
	}
	if len(users) > 0 {
		sort.Strings(users)
		return nil, badRequest("unable to delete key %q because it is currently referenced by these roles: %s", name, strings.Join(users, ", "))
	}
	delete(o.keys, name)
	return nil, nil
}

func (o *oidcState) keyList(req *request, d *fieldData) (*response, error) {
	return listResp(slices.Sorted(maps.Keys(o.keys))), nil
}

func (o *oidcState) keyRotate(req *request, d *fieldData) (*response, error) {
	name := d.str("name")
	k := o.keys[name]
	if k == nil {
		return nil, badRequest("no named key found at %q", name)
	}
	vttl := k.verificationTTL
	if d.has("verification_ttl") {
		vttl = d.duration("verification_ttl")
	}
	k.rotate(req.now, vttl)
	return nil, nil
}

// roleWrite creates or updates a role; like keyWrite it works on a copy.
func (o *oidcState) roleWrite(req *request, d *fieldData) (*response, error) {
	create := req.op == opCreate
	var r oidcRole
	if old := o.roles[d.str("name")]; old != nil && !create {
		r = *old
	}
	setting := func(f string) bool { return d.has(f) || create }
	if setting("key") {
		r.key = d.str("key")
	}
	if r.key == "" {
		return nil, badRequest("the key parameter is required")
	}
	if r.key == oidcDefaultKey {
		o.ensureDefaultMaterial(req.now)
	}
	if setting("template") {
		r.template = d.str("template")
	}
	// A template that decodes as base64 was sent in base64.
	if dec, err := base64.StdEncoding.DecodeString(r.template); err == nil {
		r.template = string(dec)
	}
	if r.template != "" {
		filled, err := populateJSONTemplate(r.template, oidcTemplateInput{entity: &oidcEntityView{}, now: req.now})
		if err != nil {
			return nil, badRequest("error parsing template: %s", err)
		}
		var claims map[string]any
		if err := json.Unmarshal([]byte(filled), &claims); err != nil {
			return nil, badRequest("error parsing template JSON: %s", err)
		}
		for c := range claims {
			if contains(oidcReservedClaims, c) {
				return nil, badRequest("top level key %q not allowed. Restricted keys: %s", c, strings.Join(oidcReservedClaims, ", "))
			}
		}
	}
	if setting("ttl") {
		r.ttl = d.duration("ttl")
	}
	k := o.keys[r.key]
	if k == nil {
		return nil, badRequest("cannot find key %q", r.key)
	}
	if r.ttl > k.verificationTTL {
		return nil, badRequest("a role's token ttl cannot be longer than the verification_ttl of the key it references")
	}
	if d.has("client_id") {
		r.clientID = d.str("client_id")
	}
	if r.clientID == "" {
		r.clientID = randomBase62(26)
	}
	o.roles[d.str("name")] = &r
	return nil, nil
}

func (o *oidcState) roleRead(req *request, d *fieldData) (*response, error) {
	r := o.roles[d.str("name")]
	if r == nil {
		return nil, nil
	}
	return dataResp(map[string]any{"client_id": r.clientID, "key": r.key, "template": r.template, "ttl": int64(r.ttl / time.Second)}), nil
}

func (o *oidcState) roleDelete(req *request, d *fieldData) (*response, error) {
	delete(o.roles, d.str("name"))
	return nil, nil
}

func (o *oidcState) roleList(req *request, d *fieldData) (*response, error) {
	return listResp(slices.Sorted(maps.Keys(o.roles))), nil
}

// token signs an identity token for the caller's entity with the role's
// key: Vault's claims, then the role's template's.
func (o *oidcState) token(req *request, d *fieldData) (*response, error) {
	name := d.str("name")
	r := o.roles[name]
	if r == nil {
		return nil, badRequest("role %q not found", name)
	}
	k := o.keys[r.key]
	if k == nil {
		return nil, badRequest("key %q not found", r.key)
	}
	if !contains(k.allowedClientIDs, "*") && !contains(k.allowedClientIDs, r.clientID) {
		return nil, badRequest("the key %q does not list the client ID of the role %q as an allowed client ID", r.key, name)
	}
	entityID := ""
	if req.te != nil {
		entityID = req.te.EntityID
	}
	if entityID == "" {
		return nil, badRequest("no entity associated with the request's token")
	}
	resp := &response{}
	expiry := r.ttl
	if expiry > k.verificationTTL {
		expiry = k.verificationTTL
		// Vault prints the duration in nanoseconds.
		resp.warnings = append(resp.warnings, fmt.Sprintf("a role's token ttl cannot be longer than the verification_ttl of the key it references, setting token ttl to %d", expiry))
	}
	e := req.srv.oidcEntity(entityID)
	if e == nil {
		return nil, internalError("error loading entity ID %q", entityID)
	}
	claims := map[string]any{
		"iss": o.issuerURL(req), "namespace": "root", "sub": entityID, "aud": r.clientID,
		"exp": req.now.Add(expiry).Unix(), "iat": req.now.Unix(),
	}
	// A template that fails to fill, or to parse, adds nothing (Vault logs it).
	filled, _ := populateJSONTemplate(r.template, oidcTemplateInput{entity: e, now: req.now})
	var extra map[string]any
	_ = json.Unmarshal([]byte(filled), &extra)
	for c, v := range extra {
		if !contains(oidcReservedClaims, c) {
			claims[c] = v
		}
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return nil, internalError("%s", err)
	}
	if k.signing == nil {
		return nil, internalError("error signing OIDC token: signing key is nil; rotate the key and try again")
	}
	jwt, err := k.signing.sign(payload)
	if err != nil {
		return nil, internalError("error signing OIDC token: %s", err)
	}
	resp.data = map[string]any{"token": jwt, "client_id": r.clientID, "ttl": int64(r.ttl / time.Second)}
	return resp, nil
}

// rawJSON is an answer without Vault's envelope (the discovery documents,
// introspection), with its Cache-Control when it has one.
func rawJSON(v any, cacheControl string) *response {
	b, _ := json.Marshal(v)
	return &response{raw: json.RawMessage(b), cacheControl: cacheControl}
}

func (o *oidcState) discovery(req *request, d *fieldData) (*response, error) {
	if err := childIssuer(d); err != nil {
		return nil, err
	}
	iss := o.issuerURL(req)
	return rawJSON(struct {
		Issuer        string   `json:"issuer"`
		Keys          string   `json:"jwks_uri"`
		ResponseTypes []string `json:"response_types_supported"`
		Subjects      []string `json:"subject_types_supported"`
		IDTokenAlgs   []string `json:"id_token_signing_alg_values_supported"`
	}{iss, iss + "/.well-known/keys", []string{"id_token"}, []string{"public"}, oidcSupportedAlgs}, "max-age=3600"), nil
}

// publicKeys is the JWKS. Its Cache-Control max-age is random below the
// shortest rotation period or verification_ttl, as Vault's is.
func (o *oidcState) publicKeys(req *request, d *fieldData) (*response, error) {
	if err := childIssuer(d); err != nil {
		return nil, err
	}
	keys := []jwk{}
	for _, g := range o.publishedKeys() {
		keys = append(keys, g.publicJWK())
	}
	cache := ""
	if o.allPublicKeys() > 0 {
		limit := time.Duration(1<<63 - 1)
		for _, k := range o.keys {
			limit = min(limit, k.verificationTTL, k.rotationPeriod)
		}
		if limit > 0 {
			cache = fmt.Sprintf("max-age=%.0f", time.Duration(mathrand.Int64N(int64(limit))).Seconds())
		}
	}
	return rawJSON(map[string]any{"keys": keys}, cache), nil
}

// introspect verifies a token: its signature against the published keys,
// its issuer, audience and times, and that its entity exists and is
// enabled. The answer is {"active": ...} without an envelope.
func (o *oidcState) introspect(req *request, d *fieldData) (*response, error) {
	answer := func(msg string) (*response, error) {
		if msg == "" {
			return rawJSON(map[string]any{"active": true}, ""), nil
		}
		return rawJSON(map[string]any{"active": false, "error": msg}, ""), nil
	}
	tok := d.str("token")
	if strings.Count(tok, ".") != 2 {
		return answer("error parsing token: " + errJWSParts.Error())
	}
	parts := strings.SplitN(tok, ".", 3)
	var raw [3][]byte
	for i, p := range parts {
		b, err := b64url.DecodeString(strings.TrimRight(p, "="))
		if err != nil {
			return answer("error parsing token: " + err.Error())
		}
		raw[i] = b
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if len(raw[0]) > 0 {
		if err := json.Unmarshal(raw[0], &header); err != nil {
			return answer("error parsing token: " + err.Error())
		}
	}
	input := []byte(parts[0] + "." + parts[1])
	var c jwtClaims
	valid := false
	for _, g := range o.publishedKeys() {
		if g.verify(header.Alg, input, raw[2]) && c.decode(raw[1]) == nil {
			valid = true
			break
		}
	}
	if !valid {
		return answer("unable to validate the token signature")
	}
	if msg := c.validate(o.issuerURL(req), d.str("client_id"), req.now); msg != "" {
		return answer("error validating claims: " + msg)
	}
	e := req.srv.oidcEntity(c.Subject)
	switch {
	case e == nil:
		return answer("entity was not found")
	case e.Disabled:
		return answer("entity is disabled")
	}
	return answer("")
}

// jwtClaims are the registered claims go-jose's jwt.Claims reads.
type jwtClaims struct {
	Issuer   string
	Subject  string
	Audience []string
	// Expiry, NotBefore and IssuedAt are unix seconds, nil when absent.
	Expiry, NotBefore, IssuedAt *int64
}

func (c *jwtClaims) decode(payload []byte) error {
	var raw struct {
		Iss, Sub      string
		Aud           json.RawMessage
		Exp, Nbf, Iat *json.Number
	}
	if err := json.Unmarshal(payload, &raw); err != nil {
		return err
	}
	*c = jwtClaims{Issuer: raw.Iss, Subject: raw.Sub}
	if len(raw.Aud) > 0 && string(raw.Aud) != "null" {
		var one string
		if err := json.Unmarshal(raw.Aud, &one); err == nil {
			c.Audience = []string{one}
		} else if err := json.Unmarshal(raw.Aud, &c.Audience); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		in  *json.Number
		out **int64
	}{{raw.Exp, &c.Expiry}, {raw.Nbf, &c.NotBefore}, {raw.Iat, &c.IssuedAt}} {
		if f.in == nil {
			continue
		}
		v, err := f.in.Float64()
		if err != nil {
			return err
		}
		n := int64(v)
		*f.out = &n
	}
	return nil
}

// validate is go-jose's Claims.Validate (a minute of leeway): the first
// failure's text, or "".
func (c *jwtClaims) validate(issuer, audience string, now time.Time) string {
	const leeway = time.Minute
	const prefix = "go-jose/go-jose/jwt: "
	at := func(n *int64) time.Time { return time.Unix(*n, 0) }
	switch {
	case issuer != c.Issuer:
		return prefix + "validation failed, invalid issuer claim (iss)"
	case audience != "" && !contains(c.Audience, audience):
		return prefix + "validation failed, invalid audience claim (aud)"
	case c.NotBefore != nil && now.Add(leeway).Before(at(c.NotBefore)):
		return prefix + "validation failed, token not valid yet (nbf)"
	case c.Expiry != nil && now.Add(-leeway).After(at(c.Expiry)):
		return prefix + "validation failed, token is expired (exp)"
	case c.IssuedAt != nil && now.Add(leeway).Before(at(c.IssuedAt)):
		return prefix + "validation field, token issued in the future (iat)"
	}
	return ""
}
