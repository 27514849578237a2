package mockvault_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/testhelpers"
)

// jwtSetup mounts the JWT method at auth/jwt with config and returns the
// server's client.
func jwtSetup(t *testing.T, config map[string]any) (*testhelpers.Vault, *api.Client) {
	t.Helper()
	v, _, c := jwtVault(t, "jwt", "jwt", testhelpers.OIDCIssuerOptions{})
	if config != nil {
		arWrite(t, c, "auth/jwt/config", config)
	}
	return v, c
}

// jwtVault starts a server, an issuer on the server's clock (options o)
// and mounts the JWT method of type typ at mount.
func jwtVault(t testing.TB, mount, typ string, o testhelpers.OIDCIssuerOptions) (*testhelpers.Vault, *testhelpers.OIDCIssuer, *api.Client) {
	t.Helper()
	v := testhelpers.RunT(t)
	o.Now = v.Server.Clock().Now
	iss := testhelpers.NewOIDCIssuer(t, o)
	if err := v.Client.Sys().EnableAuthWithOptions(mount, &api.EnableAuthOptions{Type: typ}); err != nil {
		t.Fatal(err)
	}
	return v, iss, v.Client
}

// jwtErr writes data to p and returns the error text, failing when the
// write succeeds or answers another status than want.
func jwtErr(t *testing.T, c *api.Client, p string, data map[string]any, want int) string {
	t.Helper()
	_, err := c.Logical().Write(p, data)
	re, ok := err.(*api.ResponseError)
	if !ok {
		t.Fatalf("%s %v: want a %d, got %v", p, data, want, err)
	}
	if re.StatusCode != want {
		t.Fatalf("%s: status %d, want %d: %v", p, re.StatusCode, want, re.Errors)
	}
	return strings.Join(re.Errors, "|")
}

func TestJWTConfigValidation(t *testing.T) {
	iss := testhelpers.NewOIDCIssuer(t)
	_, c := jwtSetup(t, nil)
	if s, err := c.Logical().Read("auth/jwt/config"); err != nil || s != nil {
		t.Fatalf("config before write: %v %v", s, err)
	}
	for _, tc := range []struct {
		data map[string]any
		want string
	}{
		{map[string]any{}, "exactly one of 'jwt_validation_pubkeys', 'jwks_url', 'jwks_pairs' or 'oidc_discovery_url' must be set"},
		{map[string]any{"jwks_url": iss.JWKSURL(), "jwt_validation_pubkeys": iss.PublicKeyPEM()}, "exactly one of"},
		{map[string]any{"jwt_validation_pubkeys": "nope"}, "error parsing public key: data does not contain any valid public keys"},
		{map[string]any{"jwt_validation_pubkeys": iss.PublicKeyPEM(), "jwt_supported_algs": "HS256"}, `invalid jwt_supported_algs: unsupported signing algorithm "HS256"`},
		{map[string]any{"jwt_validation_pubkeys": iss.PublicKeyPEM(), "oidc_client_id": "x"}, "both 'oidc_client_id' and 'oidc_client_secret' must be set for OIDC"},
		{map[string]any{"jwt_validation_pubkeys": iss.PublicKeyPEM(), "oidc_client_id": "x", "oidc_client_secret": "y"}, "'oidc_discovery_url' must be set for OIDC"},
		{map[string]any{"oidc_discovery_url": iss.URL + "/nope"}, "error checking oidc discovery URL"},
		{map[string]any{"jwks_url": iss.URL + "/nope"}, "error checking jwks URL " + iss.URL + "/nope"},
		{map[string]any{"jwks_url": iss.JWKSURL(), "jwks_ca_pem": "junk"}, "error checking jwks_ca_pem"},
		{map[string]any{"jwt_validation_pubkeys": iss.PublicKeyPEM(), "oidc_response_mode": "x"}, `invalid response_mode: "x"`},
		{map[string]any{"jwt_validation_pubkeys": iss.PublicKeyPEM(), "oidc_response_types": "id_token"}, "query response_mode may not be used with an id_token response_type"},
		{map[string]any{"jwt_validation_pubkeys": iss.PublicKeyPEM(), "oidc_response_types": "token"}, "invalid response_types [token]. 'code' and 'id_token' are allowed"},
	} {
		if got := jwtErr(t, c, "auth/jwt/config", tc.data, 400); !strings.Contains(got, tc.want) {
			t.Errorf("%v: got %q, want %q", tc.data, got, tc.want)
		}
	}
	arWrite(t, c, "auth/jwt/config", map[string]any{"oidc_discovery_url": iss.URL, "oidc_client_id": "mockvault",
		"oidc_client_secret": "secret", "default_role": "Dev", "bound_issuer": iss.URL})
	got := arRead(t, c, "auth/jwt/config").Data
	if _, ok := got["oidc_client_secret"]; ok {
		t.Fatal("the client secret is read back")
	}
	want := map[string]any{"oidc_discovery_url": iss.URL, "oidc_client_id": "mockvault", "default_role": "dev",
		"bound_issuer": iss.URL, "namespace_in_state": true, "jwt_validation_pubkeys": []any{}, "jwks_pairs": []any{},
		"oidc_response_types": []any{}, "provider_config": map[string]any{}}
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("%s = %#v, want %#v", k, got[k], w)
		}
	}
}

func TestJWTRoleCRUD(t *testing.T) {
	iss := testhelpers.NewOIDCIssuer(t)
	_, c := jwtSetup(t, map[string]any{"jwt_validation_pubkeys": iss.PublicKeyPEM()})
	for _, tc := range []struct {
		data map[string]any
		want string
	}{
		{map[string]any{"role_type": "jwt"}, "a user claim must be defined on the role"},
		{map[string]any{"role_type": "x", "user_claim": "sub"}, "invalid 'role_type': x"},
		{map[string]any{"user_claim": "sub"}, "'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified."},
		{map[string]any{"role_type": "jwt", "user_claim": "sub"}, "must have at least one bound constraint when creating/updating a role"},
		{map[string]any{"role_type": "jwt", "user_claim": "sub", "bound_subject": "x", "bound_claims_type": "regex"}, "invalid 'bound_claims_type': regex"},
		{map[string]any{"role_type": "jwt", "user_claim": "sub", "bound_claims_type": "glob", "bound_claims": map[string]any{"a": 1}}, "claim is not a string: 1"},
		{map[string]any{"role_type": "jwt", "user_claim": "sub", "bound_subject": "x", "claim_mappings": map[string]any{"a": "role"}}, `metadata key "role" is reserved and may not be a mapping destination`},
		{map[string]any{"role_type": "jwt", "user_claim": "sub", "bound_subject": "x", "token_ttl": "2h", "token_max_ttl": "1h"}, "'token_ttl' cannot be greater than 'token_max_ttl'"},
		{map[string]any{"role_type": "jwt", "user_claim": "sub", "bound_subject": "x", "token_type": "nope"}, `invalid 'token_type' value "nope"`},
	} {
		if got := jwtErr(t, c, "auth/jwt/role/r", tc.data, 400); !strings.Contains(got, tc.want) {
			t.Errorf("%v: got %q, want %q", tc.data, got, tc.want)
		}
	}
	arWrite(t, c, "auth/jwt/role/CI", map[string]any{
		"role_type": "jwt", "user_claim": "sub", "bound_audiences": "a,b", "bound_claims": map[string]any{"repository": "o/r"},
		"claim_mappings": map[string]any{"repository": "repo"}, "groups_claim": "groups", "token_policies": "ci",
		"token_ttl": "10m", "clock_skew_leeway": -1, "ttl": "5m",
	})
	d := arRead(t, c, "auth/jwt/role/ci").Data
	want := map[string]any{
		"role_type": "jwt", "user_claim": "sub", "bound_audiences": []any{"a", "b"}, "bound_claims_type": "string",
		"bound_claims": map[string]any{"repository": "o/r"}, "claim_mappings": map[string]any{"repository": "repo"},
		"groups_claim": "groups", "token_policies": []any{"ci"}, "token_ttl": json.Number("600"), "ttl": json.Number("600"),
		"clock_skew_leeway": json.Number("-1"), "expiration_leeway": json.Number("0"), "allowed_redirect_uris": nil,
		"oidc_scopes": nil, "token_type": "default", "verbose_oidc_logging": false,
	}
	for k, w := range want {
		if !reflect.DeepEqual(d[k], w) {
			t.Errorf("%s = %#v, want %#v", k, d[k], w)
		}
	}
	s, err := c.Logical().Write("auth/jwt/role/v", map[string]any{"role_type": "jwt", "user_claim": "sub", "bound_subject": "x", "verbose_oidc_logging": true})
	if err != nil || s == nil || len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "verbose_oidc_logging has been enabled") {
		t.Fatalf("verbose role: %+v %v", s, err)
	}
	l, err := c.Logical().List("auth/jwt/role")
	if err != nil || !reflect.DeepEqual(l.Data["keys"], []any{"ci", "v"}) {
		t.Fatalf("list: %+v %v", l, err)
	}
	if _, err := c.Logical().Delete("auth/jwt/role/ci"); err != nil {
		t.Fatal(err)
	}
	if s, err := c.Logical().Read("auth/jwt/role/ci"); err != nil || s != nil {
		t.Fatalf("deleted role: %v %v", s, err)
	}
}

// jwtLogin logs in on mount with role and token.
func jwtLogin(c *api.Client, mount, role, token string) (*api.Secret, error) {
	return c.Logical().Write("auth/"+mount+"/login", map[string]any{"role": role, "jwt": token})
}

// TestJWTGitHubActionsLogin is a CI job's login: a role bound to the
// repository (a glob on the ref), the token's metadata from claim_mappings,
// renewals under the role's current TTLs.
func TestJWTGitHubActionsLogin(t *testing.T) {
	v, iss, c := jwtVault(t, "jwt", "jwt", testhelpers.OIDCIssuerOptions{})
	arWrite(t, c, "auth/jwt/config", map[string]any{"oidc_discovery_url": iss.URL, "bound_issuer": iss.URL})
	arWrite(t, c, "auth/jwt/role/deploy", map[string]any{
		"role_type": "jwt", "user_claim": "actor", "bound_audiences": "https://github.com/acme",
		"bound_claims_type": "glob", "bound_claims": map[string]any{"repository": "acme/*", "ref": []any{"refs/heads/main", "refs/tags/v*"}},
		"claim_mappings": map[string]any{"repository": "repository", "/ref": "ref"}, "token_policies": "deploy",
		"token_ttl": "15m", "token_max_ttl": "1h",
	})
	s, err := jwtLogin(c, "jwt", "deploy", iss.Sign(iss.GitHubActionsClaims("acme/app", "refs/heads/main")))
	if err != nil {
		t.Fatal(err)
	}
	a := s.Auth
	if !reflect.DeepEqual(a.Metadata, map[string]string{"role": "deploy", "repository": "acme/app", "ref": "refs/heads/main"}) ||
		!reflect.DeepEqual(a.Policies, []string{"default", "deploy"}) || a.LeaseDuration != 900 || !a.Renewable {
		t.Fatalf("auth: %+v", a)
	}
	look, err := c.Auth().Token().Lookup(a.ClientToken)
	if err != nil || look.Data["display_name"] != "jwt-octocat" || look.Data["path"] != "auth/jwt/login" {
		t.Fatalf("lookup: %+v %v", look, err)
	}
	// A tag matches the glob; another repository or branch does not.
	if _, err := jwtLogin(c, "jwt", "deploy", iss.Sign(iss.GitHubActionsClaims("acme/app", "refs/tags/v1.2"))); err != nil {
		t.Fatal(err)
	}
	for claims, want := range map[string]string{
		"other/app refs/heads/main": `error validating token: invalid audience (aud) claim: audience claim does not match any expected audience`,
		"acme/app refs/heads/dev":   `error validating claims: claim "ref" does not match any associated bound claim values`,
	} {
		repo, ref, _ := strings.Cut(claims, " ")
		_, err := jwtLogin(c, "jwt", "deploy", iss.Sign(iss.GitHubActionsClaims(repo, ref)))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", claims, err, want)
		}
	}
	// Renewal follows the role; a deleted role stops it.
	v.Clock.Advance(10 * time.Minute)
	if r, err := c.Auth().Token().Renew(a.ClientToken, 0); err != nil || r.Auth.LeaseDuration != 900 {
		t.Fatalf("renew: %+v %v", r, err)
	}
	if _, err := c.Logical().Delete("auth/jwt/role/deploy"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Auth().Token().Renew(a.ClientToken, 0); err == nil || !strings.Contains(err.Error(), "role deploy does not exist during renewal") {
		t.Fatalf("renew without role: %v", err)
	}
}

// hs256 signs claims with HMAC-SHA256 under key (an attacker using the
// public key as the secret).
func hs256(key string, claims map[string]any) string {
	enc := base64.RawURLEncoding.EncodeToString
	h, _ := json.Marshal(map[string]string{"alg": "HS256", "typ": "JWT"})
	b, _ := json.Marshal(claims)
	in := enc(h) + "." + enc(b)
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(in))
	return in + "." + enc(m.Sum(nil))
}

// TestJWTLoginRejects is hostile and wrong input, on the server clock.
func TestJWTLoginRejects(t *testing.T) {
	v, iss, c := jwtVault(t, "jwt", "jwt", testhelpers.OIDCIssuerOptions{})
	now := v.Server.Clock().Now
	other := testhelpers.NewOIDCIssuer(t, testhelpers.OIDCIssuerOptions{Now: now, Alg: "ES256"})
	arWrite(t, c, "auth/jwt/config", map[string]any{"jwt_validation_pubkeys": iss.PublicKeyPEM(), "bound_issuer": iss.URL})
	arWrite(t, c, "auth/jwt/role/r", map[string]any{"role_type": "jwt", "user_claim": "sub", "bound_audiences": "vault",
		"groups_claim": "groups", "bound_subject": "svc"})
	arWrite(t, c, "auth/jwt/role/noaud", map[string]any{"role_type": "jwt", "user_claim": "sub", "bound_subject": "svc"})
	arWrite(t, c, "auth/jwt/role/web", map[string]any{"user_claim": "sub", "allowed_redirect_uris": "http://localhost:8250/cb"})
	good := func() map[string]any { c := iss.Claims("svc", "vault"); c["groups"] = []any{"a", "b"}; return c }
	with := func(k string, val any) map[string]any {
		c := good()
		if val == nil {
			delete(c, k)
		} else {
			c[k] = val
		}
		return c
	}
	if s, err := jwtLogin(c, "jwt", "r", iss.Sign(good())); err != nil || s.Auth == nil {
		t.Fatalf("good token: %v", err)
	}
	n := now().Unix()
	parts := strings.Split(iss.Sign(good()), ".")
	for name, tc := range map[string]struct {
		role, token, want string
	}{
		"no role":          {"", iss.Sign(good()), "missing role"},
		"unknown role":     {"nope", iss.Sign(good()), `role "nope" could not be found`},
		"oidc role":        {"web", iss.Sign(good()), "role with oidc role_type is not allowed"},
		"no token":         {"r", "", "missing token"},
		"two parts":        {"r", "a.b", "error validating token: error verifying token signature: go-jose/go-jose: compact JWS format must have three parts"},
		"other key":        {"r", other.Sign(good()), "error verifying token signature: no known key successfully validated the token signature"},
		"alg none":         {"r", base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + parts[1] + ".", "no known key successfully validated the token signature"},
		"hmac with pubkey": {"r", hs256(iss.PublicKeyPEM(), good()), "no known key successfully validated the token signature"},
		"tampered":         {"r", parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"admin"}`)) + "." + parts[2], "no known key successfully validated the token signature"},
		"expired":          {"r", iss.Sign(with("exp", n-61)), "error validating token: invalid expiration time (exp) claim: token is expired"},
		"not yet valid":    {"r", iss.Sign(with("nbf", n+61)), "invalid not before (nbf) claim: token not yet valid"},
		"future iat":       {"r", iss.Sign(with("iat", n+61)), "invalid issued at (iat) claim: token issued in the future"},
		"no times":         {"r", iss.Sign(map[string]any{"iss": iss.URL, "sub": "svc", "aud": "vault"}), "no issued at (iat), not before (nbf), or expiration time (exp) claims in token"},
		"wrong issuer":     {"r", iss.Sign(with("iss", "https://evil")), "error validating token: invalid issuer (iss) claim"},
		"wrong subject":    {"r", iss.Sign(with("sub", "x")), "error validating token: invalid subject (sub) claim"},
		"wrong audience":   {"r", iss.Sign(with("aud", "other")), "invalid audience (aud) claim: audience claim does not match any expected audience"},
		"aud unbound":      {"noaud", iss.Sign(good()), "audience claim found in JWT but no audiences bound to the role"},
		"bad exp type":     {"r", iss.Sign(with("exp", "soon")), "go-jose/go-jose/jwt: expected number value to unmarshal NumericDate"},
		"no groups":        {"r", iss.Sign(with("groups", nil)), `failed to fetch groups: "groups" claim not found in token`},
		"bad groups":       {"r", iss.Sign(with("groups", map[string]any{"a": 1})), `"groups" claim could not be converted to string list`},
		"oversized":        {"r", strings.Repeat("a", 1<<19) + "!.b.c", "error verifying token signature: illegal base64 data"},
	} {
		_, err := jwtLogin(c, "jwt", tc.role, tc.token)
		re, ok := err.(*api.ResponseError)
		if !ok || re.StatusCode != 400 || !strings.Contains(strings.Join(re.Errors, "|"), tc.want) {
			t.Errorf("%s: %v, want 400 %q", name, err, tc.want)
		}
		if ok && strings.Contains(strings.Join(re.Errors, "|"), tc.token) && tc.token != "" {
			t.Errorf("%s: the error echoes the JWT", name)
		}
	}
	// Within the default 60s clock skew leeway an expired token passes;
	// the server clock decides.
	tok := iss.Sign(with("exp", n+30))
	if _, err := jwtLogin(c, "jwt", "r", tok); err != nil {
		t.Fatal(err)
	}
	v.Clock.Advance(91 * time.Second)
	if _, err := jwtLogin(c, "jwt", "r", tok); err == nil || !strings.Contains(err.Error(), "token is expired") {
		t.Fatalf("after 91s: %v", err)
	}
	// token_bound_cidrs: a bare permission denied from outside.
	arWrite(t, c, "auth/jwt/role/r", map[string]any{"role_type": "jwt", "token_bound_cidrs": "10.0.0.0/8"})
	if _, err := jwtLogin(c, "jwt", "r", iss.Sign(good())); err == nil || !strings.Contains(err.Error(), "Code: 403") {
		t.Fatalf("outside bound cidrs: %v", err)
	}
}

// TestJWTKeyRotation: with jwks_url the mock follows the issuer's JWKS as
// Vault does: a token of a new key is verified after a refetch, one of a
// retired key fails once the keys are fetched again.
func TestJWTKeyRotation(t *testing.T) {
	_, iss, c := jwtVault(t, "ci", "jwt", testhelpers.OIDCIssuerOptions{Alg: "EdDSA", TLS: true})
	arWrite(t, c, "auth/ci/config", map[string]any{"jwks_url": iss.JWKSURL(), "jwks_ca_pem": iss.CAPEM()})
	arWrite(t, c, "auth/ci/role/r", map[string]any{"role_type": "jwt", "user_claim": "sub", "bound_audiences": "vault"})
	old := iss.Sign(iss.Claims("svc", "vault"))
	if _, err := jwtLogin(c, "ci", "r", old); err != nil {
		t.Fatal(err)
	}
	iss.RotateKey()
	if _, err := jwtLogin(c, "ci", "r", iss.Sign(iss.Claims("svc", "vault"))); err != nil {
		t.Fatalf("new key: %v", err)
	}
	if _, err := jwtLogin(c, "ci", "r", old); err != nil {
		t.Fatalf("old key, still published: %v", err)
	}
	// Like Vault (go-oidc's key cache), keys fetched stay trusted until a
	// verification fails or the config is written again.
	iss.RetireOldKeys()
	if _, err := jwtLogin(c, "ci", "r", old); err != nil {
		t.Fatalf("old key, cached: %v", err)
	}
	arWrite(t, c, "auth/ci/config", map[string]any{"jwks_url": iss.JWKSURL(), "jwks_ca_pem": iss.CAPEM()})
	_, err := jwtLogin(c, "ci", "r", old)
	if err == nil || !strings.Contains(err.Error(), "error verifying token signature: failed to verify id token signature") {
		t.Fatalf("retired key: %v", err)
	}
	_, err = jwtLogin(c, "ci", "r", hs256("x", iss.Claims("svc", "vault")))
	if err == nil || !strings.Contains(err.Error(), `oidc: malformed jwt: unexpected signature algorithm "HS256"`) {
		t.Fatalf("HS256 at a JWKS: %v", err)
	}
}

// TestOIDCCodeFlow drives oidc/auth_url and oidc/callback against the
// issuer, no browser: state, nonce, PKCE and the client's credentials are
// checked on the way.
func TestOIDCCodeFlow(t *testing.T) {
	v, iss, c := jwtVault(t, "oidc", "oidc", testhelpers.OIDCIssuerOptions{})
	cb := "http://localhost:8250/oidc/callback"
	arWrite(t, c, "auth/oidc/config", map[string]any{"oidc_discovery_url": iss.URL, "oidc_client_id": iss.ClientID,
		"oidc_client_secret": iss.ClientSecret, "default_role": "user"})
	arWrite(t, c, "auth/oidc/role/user", map[string]any{"user_claim": "email", "allowed_redirect_uris": cb,
		"groups_claim": "groups", "claim_mappings": map[string]any{"name": "name"}, "token_policies": "dev"})
	iss.SetUserClaims(map[string]any{"sub": "u1", "email": "ada@example.com", "name": "Ada", "groups": []any{"eng"}})

	authURL := func(redirect string, extra map[string]any) string {
		t.Helper()
		body := map[string]any{"redirect_uri": redirect}
		for k, v := range extra {
			body[k] = v
		}
		s := arWrite(t, c, "auth/oidc/oidc/auth_url", body)
		return s.Data["auth_url"].(string)
	}
	u := authURL("http://127.0.0.1:9999/oidc/callback", nil)
	if u != "" {
		t.Fatalf("a redirect not allowed gave %q", u)
	}
	u = authURL("http://localhost:1234/oidc/callback", nil) // loopback: any port
	pu, _ := url.Parse(u)
	q := pu.Query()
	if !strings.HasPrefix(u, iss.URL+"/authorize?") || q.Get("client_id") != iss.ClientID || q.Get("scope") != "openid" ||
		q.Get("code_challenge_method") != "S256" || !strings.HasPrefix(q.Get("state"), "st_") || !strings.HasPrefix(q.Get("nonce"), "n_") {
		t.Fatalf("auth_url %s", u)
	}
	code, state, err := iss.Authorize(u)
	if err != nil {
		t.Fatal(err)
	}
	callback := func(state, code string, extra ...string) (*api.Secret, error) {
		q := map[string][]string{"state": {state}, "code": {code}}
		if len(extra) == 2 {
			q[extra[0]] = []string{extra[1]}
		}
		return c.Logical().ReadWithData("auth/oidc/oidc/callback", q)
	}
	s, err := callback(state, code)
	if err != nil {
		t.Fatal(err)
	}
	if s.Auth == nil || !reflect.DeepEqual(s.Auth.Metadata, map[string]string{"role": "user", "name": "Ada"}) ||
		!reflect.DeepEqual(s.Auth.Policies, []string{"default", "dev"}) {
		t.Fatalf("callback auth: %+v", s.Auth)
	}
	if _, err := callback(state, code); err == nil || !strings.Contains(err.Error(), "Vault login failed. Expired or missing OAuth state.") {
		t.Fatalf("state reused: %v", err)
	}
	// A code the issuer does not know fails the exchange.
	_, state, _ = iss.Authorize(authURL(cb, nil))
	if _, err := callback(state, "forged"); err == nil || !strings.Contains(err.Error(), "Vault login failed. Error exchanging oidc code") {
		t.Fatalf("forged code: %v", err)
	}
	// client_nonce must come back.
	code, state, _ = iss.Authorize(authURL(cb, map[string]any{"client_nonce": "abc"}))
	if _, err := callback(state, code, "client_nonce", "xyz"); err == nil || !strings.Contains(err.Error(), "invalid client_nonce") {
		t.Fatalf("client nonce: %v", err)
	}
	// A pending request expires after ten minutes on the server clock.
	code, state, _ = iss.Authorize(authURL(cb, nil))
	v.Clock.Advance(11 * time.Minute)
	if _, err := callback(state, code); err == nil || !strings.Contains(err.Error(), "Expired or missing OAuth state") {
		t.Fatalf("expired request: %v", err)
	}
	// A JWT mount without client credentials has no OIDC flow.
	if got := jwtErr(t, c, "auth/oidc/oidc/auth_url", map[string]any{"role": "nope", "redirect_uri": cb}, 400); got != `role "nope" could not be found` {
		t.Fatalf("unknown role: %q", got)
	}
}

// TestJWTSnapshotAndOIDCType: an "oidc" mount is the same method; roles
// and config survive Snapshot/Restore as copies.
func TestJWTSnapshotRestore(t *testing.T) {
	iss := testhelpers.NewOIDCIssuer(t)
	v, c := jwtSetup(t, nil)
	arWrite(t, c, "auth/jwt/config", map[string]any{"jwt_validation_pubkeys": iss.PublicKeyPEM()})
	arWrite(t, c, "auth/jwt/role/r", map[string]any{"role_type": "jwt", "user_claim": "sub", "bound_claims": map[string]any{"n": 1}})
	snap := v.Server.Snapshot()
	arWrite(t, c, "auth/jwt/role/r", map[string]any{"role_type": "jwt", "bound_claims": map[string]any{"n": 2}})
	v.Server.Restore(snap)
	d := arRead(t, c, "auth/jwt/role/r").Data
	if !reflect.DeepEqual(d["bound_claims"], map[string]any{"n": json.Number("1")}) {
		t.Fatalf("restored role: %v", d["bound_claims"])
	}
	claims := iss.Claims("svc")
	claims["n"] = 1
	if _, err := jwtLogin(c, "jwt", "r", iss.Sign(claims)); err != nil {
		t.Fatalf("numeric bound claim: %v", err)
	}
}

// TestJWTJWKSPairs: several issuers' JWKS on one mount; a token of any of
// them logs in, one of an unknown key gets the last key set's error.
func TestJWTJWKSPairs(t *testing.T) {
	a := testhelpers.NewOIDCIssuer(t)
	b := testhelpers.NewOIDCIssuer(t, testhelpers.OIDCIssuerOptions{Alg: "ES256", TLS: true})
	_, c := jwtSetup(t, map[string]any{"jwks_pairs": []any{
		map[string]any{"jwks_url": a.JWKSURL()}, map[string]any{"jwks_url": b.JWKSURL(), "jwks_ca_pem": b.CAPEM()}}})
	if got := jwtErr(t, c, "auth/jwt/config", map[string]any{"jwks_pairs": []any{"x"}}, 400); !strings.Contains(got, "invalid jwks_pairs: jwks_pairs must be provided as a list of json objects") {
		t.Fatal(got)
	}
	arWrite(t, c, "auth/jwt/role/r", map[string]any{"role_type": "jwt", "user_claim": "sub", "bound_audiences": "vault"})
	for _, iss := range []*testhelpers.OIDCIssuer{a, b} {
		if _, err := jwtLogin(c, "jwt", "r", iss.Sign(iss.Claims("svc", "vault"))); err != nil {
			t.Fatalf("%s: %v", iss.URL, err)
		}
	}
	stranger := testhelpers.NewOIDCIssuer(t)
	if _, err := jwtLogin(c, "jwt", "r", stranger.Sign(stranger.Claims("svc", "vault"))); err == nil || !strings.Contains(err.Error(), "failed to verify id token signature") {
		t.Fatalf("unknown key: %v", err)
	}
}

// TestOIDCFormPost is the implicit flow with form_post: the provider posts
// the ID token to the callback, whose page passes code=no_code on to the
// GET callback, which verifies the token (nonce included).
func TestOIDCFormPost(t *testing.T) {
	v, iss, c := jwtVault(t, "oidc", "oidc", testhelpers.OIDCIssuerOptions{})
	arWrite(t, c, "auth/oidc/config", map[string]any{"oidc_discovery_url": iss.URL, "oidc_client_id": iss.ClientID,
		"oidc_client_secret": iss.ClientSecret, "oidc_response_mode": "form_post", "oidc_response_types": "id_token"})
	cb := "https://vault.example/ui/vault/auth/oidc/oidc/callback"
	arWrite(t, c, "auth/oidc/role/web", map[string]any{"user_claim": "sub", "allowed_redirect_uris": cb})
	u := arWrite(t, c, "auth/oidc/oidc/auth_url", map[string]any{"role": "web", "redirect_uri": cb}).Data["auth_url"].(string)
	if !strings.Contains(u, url.QueryEscape("https://vault.example/v1/auth/oidc/oidc/callback")) || !strings.Contains(u, "response_mode=form_post") {
		t.Fatalf("auth_url %s", u)
	}
	idToken, state, err := iss.AuthorizeImplicit(u)
	if err != nil {
		t.Fatal(err)
	}
	post := func(form url.Values) (int, string) {
		resp, err := http.PostForm(v.Addr+"/v1/auth/oidc/oidc/callback", form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post(url.Values{"state": {"st_nope"}, "id_token": {idToken}}); code != 400 || !strings.Contains(body, "Expired or missing OAuth state") {
		t.Fatalf("unknown state: %d %s", code, body)
	}
	if code, body := post(url.Values{"state": {state}, "id_token": {idToken}}); code != 200 || !strings.Contains(body, `"state":"`+state+`"`) {
		t.Fatalf("form post: %d %s", code, body)
	}
	s, err := c.Logical().ReadWithData("auth/oidc/oidc/callback", map[string][]string{"state": {state}, "code": {"no_code"}})
	if err != nil || s.Auth == nil || s.Auth.Metadata["role"] != "web" {
		t.Fatalf("callback: %+v %v", s, err)
	}
}

// BenchmarkJWTLogin logs in with a GitHub-Actions-style RS256 JWT (JWT
// method at jwt/ with the issuer's public key, a role bound to the
// audience and the repository).
func BenchmarkJWTLogin(b *testing.B) {
	v, iss, c := jwtVault(b, "jwt", "jwt", testhelpers.OIDCIssuerOptions{})
	if _, err := c.Logical().Write("auth/jwt/config", map[string]any{"jwt_validation_pubkeys": iss.PublicKeyPEM()}); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Logical().Write("auth/jwt/role/bench", map[string]any{
		"role_type": "jwt", "user_claim": "actor", "bound_audiences": "https://github.com/acme",
		"bound_claims": map[string]any{"repository": "acme/app"}, "token_policies": "default", "token_ttl": "1h",
	}); err != nil {
		b.Fatal(err)
	}
	claims := iss.GitHubActionsClaims("acme/app", "refs/heads/main")
	claims["exp"] = v.Server.Clock().Now().Add(24 * time.Hour).Unix()
	runBoth(b, v.Addr, "", loginOp("auth/jwt/login", map[string]any{"role": "bench", "jwt": iss.Sign(claims)}))
}

// TestJWTLoginWithOwnIdentityTokens: a JWT mount whose jwks_url is the
// server's own identity token JWKS. The key fetch runs without the server
// lock, so the server can answer it: a workload trades its identity token
// for a token of the JWT mount.
func TestJWTLoginWithOwnIdentityTokens(t *testing.T) {
	v := testhelpers.RunT(t)
	c := v.Client
	// In order: a role needs its key.
	for _, w := range []struct {
		p string
		d map[string]any
	}{
		{"sys/auth/jwt", map[string]any{"type": "jwt"}},
		{"identity/oidc/key/k", map[string]any{"allowed_client_ids": "*"}},
		{"identity/oidc/role/workload", map[string]any{"key": "k", "client_id": "vault-jwt"}},
		{"auth/token/roles/app", map[string]any{"allowed_entity_aliases": "svc"}},
		{"sys/policies/acl/read-idtoken", map[string]any{"policy": `path "identity/oidc/token/*" { capabilities = ["read"] }`}},
	} {
		if _, err := c.Logical().Write(w.p, w.d); err != nil {
			t.Fatalf("%s: %v", w.p, err)
		}
	}
	if _, err := c.Logical().Write("auth/jwt/config", map[string]any{"jwks_url": v.Addr + "/v1/identity/oidc/.well-known/keys"}); err != nil {
		t.Fatalf("config with the server's own JWKS: %v", err)
	}
	if _, err := c.Logical().Write("auth/jwt/role/workload", map[string]any{
		"role_type": "jwt", "user_claim": "sub", "bound_audiences": "vault-jwt", "token_policies": "app",
	}); err != nil {
		t.Fatal(err)
	}
	sec, err := c.Logical().Write("auth/token/create/app", map[string]any{"entity_alias": "svc", "policies": "read-idtoken"})
	if err != nil {
		t.Fatal(err)
	}
	wl, _ := c.Clone()
	wl.SetToken(sec.Auth.ClientToken)
	idt, err := wl.Logical().Read("identity/oidc/token/workload")
	if err != nil {
		t.Fatal(err)
	}
	anon, _ := c.Clone()
	anon.ClearToken()
	login, err := anon.Logical().Write("auth/jwt/login", map[string]any{"role": "workload", "jwt": idt.Data["token"]})
	if err != nil {
		t.Fatalf("login with the server's own identity token: %v", err)
	}
	// The JWT's subject is the workload's entity: the login's alias is
	// on the jwt mount, so it has an entity of its own.
	if login.Auth == nil || login.Auth.EntityID == "" || !slices.Contains(login.Auth.Policies, "app") {
		t.Fatalf("login: %+v", login.Auth)
	}
}
