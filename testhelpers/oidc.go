package testhelpers

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"
)

// OIDCIssuerOptions configure NewOIDCIssuer. The zero value is an HTTP
// issuer signing RS256 with the wall clock, client "mockvault" / "secret".
type OIDCIssuerOptions struct {
	// Alg is the signing algorithm of the issuer's keys: "RS256"
	// (default), "ES256" or "EdDSA".
	Alg string
	// Now is the clock of iat/nbf/exp in Claims and in the ID tokens of
	// the code flow; pass the mock's (v.Server.Clock().Now) so tokens follow
	// its time. Default time.Now.
	Now func() time.Time
	// ClientID and ClientSecret are the OAuth client the token endpoint
	// accepts. Defaults "mockvault" and "secret".
	ClientID, ClientSecret string
	// TLS serves HTTPS with httptest's certificate (CAPEM gives it, for
	// oidc_discovery_ca_pem / jwks_ca_pem).
	TLS bool
}

// OIDCIssuer is an OpenID Connect provider on httptest, for tests of JWT
// and OIDC logins without any external service: a discovery document
// (/.well-known/openid-configuration), a JWKS (/keys) that follows key
// rotation, JWTs signed with chosen claims (a CI job's token, e.g.
// GitHubActionsClaims), and the authorization-code flow (/authorize
// redirects at once with a code, /token returns an ID token) so a test
// can drive auth/<mount>/oidc/auth_url and oidc/callback without a
// browser (see Authorize).
//
// Configure the mock (or a real Vault) with oidc_discovery_url = URL, or
// jwks_url = JWKSURL(), or jwt_validation_pubkeys = PublicKeyPEM().
type OIDCIssuer struct {
	// URL is the issuer (the iss claim and the discovery base URL).
	URL string
	// ClientID and ClientSecret are the OAuth client of the code flow.
	ClientID, ClientSecret string

	srv *httptest.Server
	alg string
	now func() time.Time

	mu   sync.Mutex
	keys []issuerKey // published; the last one signs
	// codes are pending authorization codes.
	codes map[string]issuerGrant
	// userClaims are the claims of the code flow's ID tokens.
	userClaims map[string]any
	seq        int
}

type issuerKey struct {
	kid string
	key crypto.Signer
}

type issuerGrant struct {
	nonce, redirectURI, challenge string
	claims                        map[string]any
}

// NewOIDCIssuer starts an issuer, stopped when the test ends. It takes at
// most one OIDCIssuerOptions.
func NewOIDCIssuer(t Tester, opts ...OIDCIssuerOptions) *OIDCIssuer {
	t.Helper()
	var o OIDCIssuerOptions
	switch len(opts) {
	case 0:
	case 1:
		o = opts[0]
	default:
		t.Fatalf("mockvault: NewOIDCIssuer takes at most one OIDCIssuerOptions, got %d", len(opts))
		return nil
	}
	if o.Alg == "" {
		o.Alg = "RS256"
	}
	if o.Alg != "RS256" && o.Alg != "ES256" && o.Alg != "EdDSA" {
		t.Fatalf("mockvault: NewOIDCIssuer: unsupported Alg %q (RS256, ES256 or EdDSA)", o.Alg)
		return nil
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ClientID == "" {
		o.ClientID = "mockvault"
	}
	if o.ClientSecret == "" {
		o.ClientSecret = "secret"
	}
	i := &OIDCIssuer{ClientID: o.ClientID, ClientSecret: o.ClientSecret, alg: o.Alg, now: o.Now,
		codes: map[string]issuerGrant{}, userClaims: map[string]any{"sub": "user"}}
	i.RotateKey()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", i.discovery)
	mux.HandleFunc("GET /keys", i.jwks)
	mux.HandleFunc("GET /authorize", i.authorize)
	mux.HandleFunc("POST /token", i.token)
	if o.TLS {
		i.srv = httptest.NewTLSServer(mux)
	} else {
		i.srv = httptest.NewServer(mux)
	}
	i.URL = i.srv.URL
	t.Cleanup(i.srv.Close)
	return i
}

// JWKSURL is the URL of the issuer's JSON Web Key Set.
func (i *OIDCIssuer) JWKSURL() string { return i.URL + "/keys" }

// CAPEM is the PEM certificate of a TLS issuer ("" over plain HTTP).
func (i *OIDCIssuer) CAPEM() string {
	if i.srv.Certificate() == nil {
		return ""
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: i.srv.Certificate().Raw}))
}

// PublicKeyPEM is the current signing key's public key in PEM (PKIX), for
// jwt_validation_pubkeys.
func (i *OIDCIssuer) PublicKeyPEM() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	der, _ := x509.MarshalPKIXPublicKey(i.keys[len(i.keys)-1].key.Public())
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// RotateKey makes a new signing key. The JWKS publishes it next to the
// old ones, so tokens signed before still verify until RetireOldKeys.
func (i *OIDCIssuer) RotateKey() {
	var k crypto.Signer
	var err error
	switch i.alg {
	case "ES256":
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "EdDSA":
		_, k, err = ed25519.GenerateKey(rand.Reader)
	default:
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.seq++
	i.keys = append(i.keys, issuerKey{kid: fmt.Sprintf("key-%d", i.seq), key: k})
}

// RetireOldKeys removes every key but the current one from the JWKS:
// tokens signed with them no longer verify.
func (i *OIDCIssuer) RetireOldKeys() {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.keys = i.keys[len(i.keys)-1:]
}

// Claims are an ID token's usual claims: this issuer, sub, aud (a string
// for one audience, as issuers send it), and iat/nbf now, exp in five
// minutes on the issuer's clock. Add or change claims before Sign.
func (i *OIDCIssuer) Claims(sub string, aud ...string) map[string]any {
	now := i.now().Unix()
	c := map[string]any{"iss": i.URL, "sub": sub, "iat": now, "nbf": now, "exp": now + 300}
	switch len(aud) {
	case 0:
	case 1:
		c["aud"] = aud[0]
	default:
		c["aud"] = aud
	}
	return c
}

// GitHubActionsClaims are the claims of a GitHub Actions OIDC token for a
// workflow run of repository ("owner/name") on ref ("refs/heads/main"),
// with the audience GitHub uses by default (https://github.com/<owner>).
// Bind a role to them with bound_claims (e.g. repository, ref,
// job_workflow_ref, globs with bound_claims_type=glob).
func (i *OIDCIssuer) GitHubActionsClaims(repository, ref string) map[string]any {
	owner, _, _ := strings.Cut(repository, "/")
	c := i.Claims("repo:"+repository+":ref:"+ref, "https://github.com/"+owner)
	for k, v := range map[string]any{
		"jti": fmt.Sprintf("%x", sha256.Sum256([]byte(repository+ref+fmt.Sprint(c["iat"]))))[:32],
		"ref": ref, "ref_type": "branch", "repository": repository, "repository_owner": owner,
		"repository_visibility": "private", "repository_id": "123456789", "repository_owner_id": "987654",
		"actor": "octocat", "actor_id": "583231", "workflow": "CI", "event_name": "push",
		"sha":    "e83c5163316f89bfbde7d9ab23ca2e25604af290",
		"run_id": "1000000001", "run_number": "42", "run_attempt": "1", "runner_environment": "github-hosted",
		"workflow_ref":     repository + "/.github/workflows/ci.yml@" + ref,
		"job_workflow_ref": repository + "/.github/workflows/ci.yml@" + ref,
	} {
		c[k] = v
	}
	return c
}

// Sign signs claims with the current key (kid in the header) as a
// compact JWT.
func (i *OIDCIssuer) Sign(claims map[string]any) string {
	i.mu.Lock()
	k := i.keys[len(i.keys)-1]
	i.mu.Unlock()
	return signJWT(i.alg, k, claims)
}

func signJWT(alg string, k issuerKey, claims map[string]any) string {
	hdr, _ := json.Marshal(map[string]string{"alg": alg, "kid": k.kid, "typ": "JWT"})
	body, err := json.Marshal(claims)
	if err != nil {
		panic(fmt.Sprintf("mockvault: OIDCIssuer.Sign: claims do not encode as JSON: %v", err))
	}
	enc := base64.RawURLEncoding.EncodeToString
	input := enc(hdr) + "." + enc(body)
	var sig []byte
	switch key := k.key.(type) {
	case ed25519.PrivateKey:
		sig = ed25519.Sign(key, []byte(input))
	case *ecdsa.PrivateKey:
		h := sha256.Sum256([]byte(input))
		r, s, err := ecdsa.Sign(rand.Reader, key, h[:])
		if err != nil {
			panic(err)
		}
		sig = make([]byte, 64) // JWS: R and S, 32 bytes each
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
	case *rsa.PrivateKey:
		h := sha256.Sum256([]byte(input))
		sig, err = rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:])
		if err != nil {
			panic(err)
		}
	}
	return input + "." + enc(sig)
}

// SetUserClaims sets the claims of the ID tokens the code flow issues
// (iss, aud = client id, nonce, iat, exp and auth_time are added). Default {"sub":
// "user"}.
func (i *OIDCIssuer) SetUserClaims(claims map[string]any) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.userClaims = claims
}

// Authorize plays the user's browser on an authorization URL (the
// auth_url of auth/<mount>/oidc/auth_url): the issuer authenticates the
// user at once and redirects; Authorize returns the code and state of
// that redirect, for auth/<mount>/oidc/callback.
func (i *OIDCIssuer) Authorize(authURL string) (code, state string, err error) {
	c := &http.Client{
		Transport:     i.srv.Client().Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	resp, err := c.Get(authURL)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		var e struct{ Error string }
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return "", "", fmt.Errorf("authorize: %s: %s", resp.Status, e.Error)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		return "", "", err
	}
	return loc.Query().Get("code"), loc.Query().Get("state"), nil
}

// AuthorizeImplicit plays the browser on an authorization URL of the
// implicit flow (a mount with oidc_response_types=id_token and
// oidc_response_mode=form_post): it returns the ID token and state the
// issuer would post to the redirect URI, for POST
// auth/<mount>/oidc/callback (then GET it with code=no_code).
func (i *OIDCIssuer) AuthorizeImplicit(authURL string) (idToken, state string, err error) {
	u, err := url.Parse(authURL)
	if err != nil {
		return "", "", err
	}
	q := u.Query()
	if q.Get("client_id") != i.ClientID || q.Get("response_type") != "id_token" {
		return "", "", fmt.Errorf("authorize: not an implicit request of client %q: %s", i.ClientID, authURL)
	}
	i.mu.Lock()
	claims := i.idTokenClaims(q.Get("nonce"), i.userClaims)
	k := i.keys[len(i.keys)-1]
	i.mu.Unlock()
	return signJWT(i.alg, k, claims), q.Get("state"), nil
}

// idTokenClaims are the claims of an ID token for user claims and nonce.
func (i *OIDCIssuer) idTokenClaims(nonce string, user map[string]any) map[string]any {
	now := i.now().Unix()
	claims := map[string]any{"iss": i.URL, "aud": i.ClientID, "iat": now, "exp": now + 300, "auth_time": now}
	if nonce != "" {
		claims["nonce"] = nonce
	}
	for k, v := range user {
		claims[k] = v
	}
	return claims
}

func (i *OIDCIssuer) discovery(w http.ResponseWriter, _ *http.Request) {
	writeIssuerJSON(w, http.StatusOK, map[string]any{
		"issuer": i.URL, "authorization_endpoint": i.URL + "/authorize", "token_endpoint": i.URL + "/token",
		"jwks_uri": i.JWKSURL(), "response_types_supported": []string{"code", "id_token"},
		"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{i.alg},
		"scopes_supported": []string{"openid", "profile", "email", "groups"},
		"claims_supported": []string{"sub", "aud", "exp", "iat", "iss", "nbf", "jti"},
	})
}

func (i *OIDCIssuer) jwks(w http.ResponseWriter, _ *http.Request) {
	i.mu.Lock()
	defer i.mu.Unlock()
	b64 := base64.RawURLEncoding.EncodeToString
	keys := make([]map[string]string, 0, len(i.keys))
	for _, k := range i.keys {
		j := map[string]string{"kid": k.kid, "use": "sig", "alg": i.alg}
		switch pub := k.key.Public().(type) {
		case *rsa.PublicKey:
			j["kty"], j["n"], j["e"] = "RSA", b64(pub.N.Bytes()), b64(big.NewInt(int64(pub.E)).Bytes())
		case *ecdsa.PublicKey:
			x, y := make([]byte, 32), make([]byte, 32)
			pub.X.FillBytes(x)
			pub.Y.FillBytes(y)
			j["kty"], j["crv"], j["x"], j["y"] = "EC", "P-256", b64(x), b64(y)
		case ed25519.PublicKey:
			j["kty"], j["crv"], j["x"] = "OKP", "Ed25519", b64(pub)
		}
		keys = append(keys, j)
	}
	writeIssuerJSON(w, http.StatusOK, map[string]any{"keys": keys})
}

// authorize authenticates the user at once: it checks the client and the
// request and redirects to redirect_uri with a code and the state.
func (i *OIDCIssuer) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case q.Get("client_id") != i.ClientID:
		writeIssuerJSON(w, http.StatusBadRequest, map[string]string{"error": "unauthorized_client"})
		return
	case q.Get("response_type") != "code":
		writeIssuerJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_response_type"})
		return
	case q.Get("redirect_uri") == "" || q.Get("state") == "":
		writeIssuerJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	code := randomID()
	i.mu.Lock()
	claims := make(map[string]any, len(i.userClaims))
	for k, v := range i.userClaims {
		claims[k] = v
	}
	i.codes[code] = issuerGrant{nonce: q.Get("nonce"), redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge"), claims: claims}
	i.mu.Unlock()
	to, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		writeIssuerJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	rq := to.Query()
	rq.Set("code", code)
	rq.Set("state", q.Get("state"))
	to.RawQuery = rq.Encode()
	http.Redirect(w, r, to.String(), http.StatusFound)
}

// token exchanges a code (once) for an access token and an ID token,
// checking the client's credentials, the redirect_uri and the PKCE
// verifier.
func (i *OIDCIssuer) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeIssuerJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	id, secret, ok := r.BasicAuth()
	if ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != i.ClientID || secret != i.ClientSecret {
		writeIssuerJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	i.mu.Lock()
	g, found := i.codes[r.PostForm.Get("code")]
	delete(i.codes, r.PostForm.Get("code"))
	k := i.keys[len(i.keys)-1]
	i.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	switch {
	case r.PostForm.Get("grant_type") != "authorization_code", !found, g.redirectURI != r.PostForm.Get("redirect_uri"),
		g.challenge != "" && g.challenge != base64.RawURLEncoding.EncodeToString(sum[:]):
		writeIssuerJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	claims := i.idTokenClaims(g.nonce, g.claims)
	writeIssuerJSON(w, http.StatusOK, map[string]any{
		"access_token": randomID(), "token_type": "Bearer", "expires_in": 300,
		"id_token": signJWT(i.alg, k, claims),
	})
}

func writeIssuerJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
