package mockvault

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The OIDC authorization-code flow of the JWT method: oidc/auth_url starts
// a request (state, nonce, PKCE) and gives the provider's authorization
// URL; oidc/callback takes the provider's code, exchanges it at the token
// endpoint for an ID token, verifies it and logs in. A test drives it
// without a browser: GET the auth_url at the issuer (testhelpers'
// OIDCIssuer answers with a redirect carrying code and state) and pass
// those to the callback.

// oidcRequestTimeout is how long an authorization request stays pending.
const oidcRequestTimeout = 10 * time.Minute

// oidcRequest is one pending authorization request.
type oidcRequest struct {
	state, nonce, role, redirectURI, clientNonce, verifier string
	implicit                                               bool
	audiences, scopes                                      []string
	maxAge                                                 time.Duration
	expires                                                time.Time
	// code and idToken come from a form_post callback.
	code, idToken string
}

// oidcDiscovery is the part of a discovery document Vault uses.
type oidcDiscovery struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	JWKSURI               string `json:"jwks_uri"`
}

// discover fetches (once per config) the discovery document of issuer,
// which must name itself exactly as configured.
func (b *jwtBackend) discover(req *request, issuer, caPEM string) (*oidcDiscovery, error) {
	if d, ok := b.discovered[issuer]; ok {
		return d, nil
	}
	body, err := jwtFetch(req, strings.TrimSuffix(issuer, "/")+"/.well-known/openid-configuration", caPEM)
	if err != nil {
		return nil, err
	}
	var d oidcDiscovery
	if err := json.Unmarshal(body, &d); err != nil {
		return nil, fmt.Errorf("failed to decode OIDC discovery document: %w", err)
	}
	if d.Issuer != issuer {
		return nil, fmt.Errorf("issuer did not match the returned issuer, expected %q got %q", issuer, d.Issuer)
	}
	b.discovered[issuer] = &d
	return &d, nil
}

// oidcAuthURL is POST oidc/auth_url. As in Vault, a redirect_uri the role
// does not allow, or a provider that cannot be reached, answers 200 with
// an empty auth_url.
func (b *jwtBackend) oidcAuthURL(req *request, d *fieldData) (*response, error) {
	c := b.config
	if c == nil {
		return nil, badRequest("could not load configuration")
	}
	if !c.oidcFlow() {
		return nil, badRequest("OIDC login is not configured for this mount")
	}
	name := d.str("role")
	if name == "" {
		name = c.DefaultRole
	}
	if name == "" {
		return nil, badRequest("missing role")
	}
	redirect := d.str("redirect_uri")
	if redirect == "" {
		return nil, badRequest("missing redirect_uri")
	}
	r := b.roles[name]
	if r == nil {
		return nil, badRequest("role %q could not be found", name)
	}
	// Vault's answers here carry no mount_type (as a login's).
	empty := &response{data: map[string]any{"auth_url": ""}, noMountType: true}
	namespace := ""
	if c.NamespaceInState {
		u, err := url.Parse(redirect)
		if err != nil {
			return empty, nil
		}
		q := u.Query()
		if namespace = q.Get("namespace"); namespace != "" {
			q.Del("namespace")
			u.RawQuery = q.Encode()
			redirect = u.String()
		}
	}
	if !validRedirect(redirect, r.AllowedRedirectURIs) {
		return empty, nil
	}
	if c.OIDCResponseMode == "form_post" {
		redirect = strings.Replace(redirect, "ui/vault", "v1", 1)
	}
	disc, err := b.discover(req, c.OIDCDiscoveryURL, c.OIDCDiscoveryCAPEM)
	if err != nil {
		return empty, nil
	}
	o := &oidcRequest{
		state: "st_" + randomBase62(20), nonce: "n_" + randomBase62(20), role: name, redirectURI: redirect,
		clientNonce: d.str("client_nonce"), implicit: contains(c.OIDCResponseTypes, "id_token"),
		audiences: cloneStrings(r.BoundAudiences), scopes: cloneStrings(r.OIDCScopes), maxAge: r.MaxAge,
		expires: req.now.Add(oidcRequestTimeout),
	}
	scopes := o.scopes
	if !contains(scopes, "openid") {
		scopes = append([]string{"openid"}, scopes...)
	}
	q := url.Values{
		"client_id": {c.OIDCClientID}, "redirect_uri": {redirect}, "scope": {strings.Join(scopes, " ")},
		"state": {o.state}, "nonce": {o.nonce}, "response_type": {"code"},
	}
	if o.implicit {
		q.Set("response_mode", "form_post")
		q.Set("response_type", "id_token")
	} else {
		o.verifier = randomBase62(43)
		sum := sha256.Sum256([]byte(o.verifier))
		q.Set("code_challenge", base64.RawURLEncoding.EncodeToString(sum[:]))
		q.Set("code_challenge_method", "S256")
	}
	if o.maxAge > 0 {
		q.Set("max_age", fmt.Sprint(int64(o.maxAge/time.Second)))
	}
	b.dropExpiredRequests(req.now)
	b.oidcReqs[o.state] = o
	sep := "?"
	if strings.Contains(disc.AuthorizationEndpoint, "?") {
		sep = "&"
	}
	authURL := disc.AuthorizationEndpoint + sep + q.Encode()
	if c.NamespaceInState && namespace != "" {
		authURL = strings.Replace(authURL, o.state, url.QueryEscape(o.state+",ns="+namespace), 1)
	}
	return &response{data: map[string]any{"auth_url": authURL}, noMountType: true}, nil
}

// dropExpiredRequests forgets authorization requests past their timeout.
func (b *jwtBackend) dropExpiredRequests(now time.Time) {
	for k, o := range b.oidcReqs {
		if now.After(o.expires) {
			delete(b.oidcReqs, k)
		}
	}
}

// validRedirect is Vault's check of a redirect_uri against the role's
// allowed ones: exact (case-insensitive) match, except that a loopback
// address matches whatever its port.
func validRedirect(uri string, allowed []string) bool {
	in, err := url.Parse(uri)
	if err != nil {
		return false
	}
	h := in.Hostname()
	if ip := net.ParseIP(h); (ip == nil || !ip.IsLoopback()) && h != "localhost" {
		for _, a := range allowed {
			if strings.EqualFold(a, uri) {
				return true
			}
		}
		return false
	}
	in.Host = h
	for _, a := range allowed {
		au, err := url.Parse(a)
		if err != nil {
			return false
		}
		au.Host = au.Hostname()
		if in.String() == au.String() {
			return true
		}
	}
	return false
}

// oidcCallbackPost is POST oidc/callback, the form_post response mode:
// the provider posts the code or id_token, kept for the GET the page it
// answers with makes (code=no_code). Outside form_post it is a bare 405.
func (b *jwtBackend) oidcCallbackPost(req *request, d *fieldData) (*response, error) {
	c := b.config
	if c == nil {
		return nil, badRequest("Vault login failed. Could not load configuration.")
	}
	if c.OIDCResponseMode != "form_post" {
		return &response{raw: rawBody{}, status: http.StatusMethodNotAllowed}, nil
	}
	page := func(status int, body string) *response {
		return &response{raw: rawBody{contentType: "text/html", body: []byte(body)}, status: status}
	}
	state := d.str("state")
	o := b.oidcReqs[state]
	if o == nil || req.now.After(o.expires) {
		return page(http.StatusBadRequest, "<html><body><h1>Vault login failed.</h1><p>Expired or missing OAuth state.</p></body></html>"), nil
	}
	mount := oidcMountOf(o.redirectURI)
	if mount == "" {
		return page(http.StatusBadRequest, "<html><body><h1>Vault login failed.</h1><p>Invalid redirect path.</p></body></html>"), nil
	}
	o.code, o.idToken = d.str("code"), d.str("id_token")
	// As Vault's page, it hands the Vault UI that opened the login the
	// mount, code=no_code and the state, for the GET callback.
	msg, _ := json.Marshal(map[string]string{"source": "oidc-callback", "path": mount, "code": "no_code", "state": state})
	return page(http.StatusOK, "<!DOCTYPE html>\n<html><head><title>Complete sign-in process</title></head><body>"+
		"<p>Completing the sign-in process...</p><script>window.opener.postMessage("+string(msg)+", window.origin);</script></body></html>\n"), nil
}

// oidcMountOf is the mount named by a redirect URI ".../v1/auth/<mount>/...".
func oidcMountOf(uri string) string {
	parts := strings.Split(uri, "/")
	for i := 0; i+2 < len(parts); i++ {
		if parts[i] == "v1" && parts[i+1] == "auth" {
			return parts[i+2]
		}
	}
	return ""
}

// oidcCallback is GET oidc/callback: state, code (or the form-posted
// id_token) and client_nonce for a token.
func (b *jwtBackend) oidcCallback(req *request, d *fieldData) (*response, error) {
	c := b.config
	if c == nil {
		return nil, badRequest("Vault login failed. Could not load configuration")
	}
	state := d.str("state")
	o := b.oidcReqs[state]
	delete(b.oidcReqs, state)
	if o == nil || req.now.After(o.expires) {
		return nil, badRequest("Vault login failed. Expired or missing OAuth state.")
	}
	if o.clientNonce != "" && d.str("client_nonce") != o.clientNonce {
		return nil, badRequest("invalid client_nonce")
	}
	r := b.roles[o.role]
	if r == nil {
		return nil, badRequest("Vault login failed. Role could not be found")
	}
	if err := jwtCheckCIDRs(req, r); err != nil {
		return nil, err
	}
	disc, err := b.discover(req, c.OIDCDiscoveryURL, c.OIDCDiscoveryCAPEM)
	if err != nil {
		return nil, internalError("error getting provider for login operation: error creating provider with given values: %s", err)
	}
	code := d.str("code")
	if code == "no_code" {
		code = o.code
	}
	var idToken string
	if code == "" {
		if o.idToken == "" {
			return nil, badRequest("Vault login failed. No code or id_token received.")
		}
		idToken = o.idToken
		if _, err := b.verifyIDToken(req, c, disc, o, idToken); err != nil {
			return nil, badRequest("Token verification failed. %s", err)
		}
	} else {
		if idToken, err = b.exchange(req, c, disc, o, code); err != nil {
			return nil, badRequest("Vault login failed. Error exchanging oidc code: %q.", err.Error())
		}
	}
	j, _ := parseJWS(idToken)
	claims, err := j.claims()
	if err != nil {
		return nil, internalError("%s", err)
	}
	delete(claims, "nonce")
	sub, _ := claims["sub"].(string)
	if r.BoundSubject != "" && r.BoundSubject != sub {
		return nil, internalError("sub claim does not match bound subject")
	}
	return b.completeLogin(req, d, o.role, r, claims)
}

// exchange trades the code for tokens at the token endpoint (client
// credentials in Basic auth, the PKCE verifier) and verifies the ID token.
func (b *jwtBackend) exchange(req *request, c *jwtConfig, disc *oidcDiscovery, o *oidcRequest, code string) (string, error) {
	const op = "Provider.Exchange"
	if o.implicit {
		return "", fmt.Errorf("%s: request (%s) should not be using the implicit flow: invalid flow", op, o.state)
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {o.redirectURI}}
	if o.verifier != "" {
		form.Set("code_verifier", o.verifier)
	}
	client, err := jwtHTTPClient(c.OIDCDiscoveryCAPEM)
	if err != nil {
		return "", fmt.Errorf("%s: unable to create http client: %w", op, err)
	}
	hreq, err := http.NewRequest(http.MethodPost, disc.TokenEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("%s: unable to exchange auth code with provider: %w", op, err)
	}
	hreq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hreq.SetBasicAuth(url.QueryEscape(c.OIDCClientID), url.QueryEscape(c.OIDCClientSecret))
	var tok struct {
		AccessToken string `json:"access_token"`
		IDToken     string `json:"id_token"`
		Error       string `json:"error"`
	}
	var resp *http.Response
	var derr error
	req.srv.withoutLock(func() { // the provider may be slow, or this server
		resp, err = client.Do(hreq)
		if err == nil {
			defer resp.Body.Close()
			derr = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&tok)
		}
	})
	if merr := req.srv.stillMounted(req); merr != nil {
		return "", merr
	}
	if err != nil {
		return "", fmt.Errorf("%s: unable to exchange auth code with provider: %w", op, err)
	}
	if derr != nil || resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: unable to exchange auth code with provider: oauth2: cannot fetch token: %s", op, resp.Status)
	}
	if tok.AccessToken == "" {
		return "", fmt.Errorf("%s: unable to exchange auth code with provider: oauth2: server response missing access_token", op)
	}
	if tok.IDToken == "" {
		return "", fmt.Errorf("%s: id_token is missing from auth code exchange: missing id_token", op)
	}
	if _, err := b.verifyIDToken(req, c, disc, o, tok.IDToken); err != nil {
		return "", fmt.Errorf("%s: id_token failed verification: %w", op, err)
	}
	return tok.IDToken, nil
}

// verifyIDToken is cap/oidc's Provider.VerifyIDToken: signature by the
// provider's keys with the supported algorithms (RS256 unless configured),
// issuer, expiry, nonce, audience and authorized party.
func (b *jwtBackend) verifyIDToken(req *request, c *jwtConfig, disc *oidcDiscovery, o *oidcRequest, token string) (map[string]any, error) {
	now := req.now
	const op = "Provider.VerifyIDToken"
	j, err := b.verifyRemote(req, disc.JWKSURI, c.OIDCDiscoveryCAPEM, token)
	if err != nil {
		return nil, fmt.Errorf("%s: invalid id_token: failed to verify signature: %w", op, err)
	}
	algs := c.JWTSupportedAlgs
	if len(algs) == 0 {
		algs = []string{"RS256"}
	}
	if !contains(algs, j.alg) {
		return nil, fmt.Errorf("%s: invalid id_token: oidc: id token signed with unsupported algorithm, expected %q got %q", op, algs, j.alg)
	}
	claims, err := j.claims()
	if err != nil {
		return nil, fmt.Errorf("%s: invalid id_token: oidc: failed to unmarshal claims: %w", op, err)
	}
	reg, err := registeredClaims(claims)
	if err != nil {
		return nil, fmt.Errorf("%s: invalid id_token: oidc: failed to unmarshal claims: %w", op, err)
	}
	// go-oidc's checks (a missing exp is an expired token), then cap's.
	switch exp := time.Unix(reg.exp, 0); {
	case reg.iss != disc.Issuer:
		return nil, fmt.Errorf("%s: invalid id_token: oidc: id token issued by a different provider, expected %q got %q: invalid issuer", op, disc.Issuer, reg.iss)
	case reg.exp == 0 || exp.Before(now):
		if reg.exp == 0 {
			exp = time.Time{}
		}
		return nil, fmt.Errorf("%s: invalid id_token: oidc: token is expired (Token Expiry: %v): token is expired", op, exp)
	case reg.nbf != 0 && now.Add(5*time.Minute).Before(time.Unix(reg.nbf, 0)):
		return nil, fmt.Errorf("%s: invalid id_token: oidc: current time %v before the nbf (not before) time: %v: invalid not before", op, now, time.Unix(reg.nbf, 0))
	}
	if nonce, _ := claims["nonce"].(string); nonce != o.nonce {
		return nil, fmt.Errorf("%s: invalid id_token nonce: invalid nonce", op)
	}
	if reg.iat != 0 && now.Add(time.Minute).Before(time.Unix(reg.iat, 0)) {
		return nil, fmt.Errorf("%s: invalid id_token current time %v before the iat (issued at) time %v: invalid issued at (iat)", op, now, time.Unix(reg.iat, 0))
	}
	if reg.sub == "" {
		return nil, fmt.Errorf("%s: invalid id_token: sub: missing required claim", op)
	}
	if len(reg.aud) == 0 {
		return nil, fmt.Errorf("%s: invalid id_token: aud: missing required claim", op)
	}
	if len(o.audiences) > 0 && !anyIn(o.audiences, reg.aud) {
		return nil, fmt.Errorf("%s: invalid id_token audiences: invalid audience", op)
	}
	azp, hasAzp := claims["azp"]
	switch {
	case hasAzp && azp != c.OIDCClientID:
		return nil, fmt.Errorf("%s: invalid id_token: authorized party (%s) is not equal client_id (%s): invalid authorized party", op, azp, c.OIDCClientID)
	case len(reg.aud) > 1 && azp != c.OIDCClientID:
		return nil, fmt.Errorf("%s: invalid id_token: multiple audiences and authorized party (%s) is not equal client_id (%s): invalid authorized party", op, azp, c.OIDCClientID)
	case len(reg.aud) == 1 && reg.aud[0] != c.OIDCClientID && azp != c.OIDCClientID:
		return nil, fmt.Errorf("%s: invalid id_token: one audience (%s) which is not the client_id (%s) and authorized party (%v) is not equal client_id (%s): invalid authorized party",
			op, reg.aud[0], c.OIDCClientID, azp, c.OIDCClientID)
	}
	if o.maxAge > 0 {
		at, ok := claims["auth_time"].(float64)
		if !ok {
			return nil, fmt.Errorf("%s: missing auth_time claim when max age was requested: missing required claim", op)
		}
		authTime, after := time.Unix(int64(at), 0), o.expires.Add(-oidcRequestTimeout).Add(-o.maxAge)
		if !authTime.Add(time.Minute).After(after) {
			return nil, fmt.Errorf("%s: auth_time (%s) is beyond max age (%d / %s): expired auth_time", op, authTime, int64(o.maxAge/time.Second), after)
		}
	}
	return claims, nil
}
