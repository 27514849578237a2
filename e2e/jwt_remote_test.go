package e2e

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/mockvault/mockvault/testhelpers"
)

// TestJWTRemoteKeySources compares real Vault and the mock on what needs
// an issuer the server fetches from: jwks_url (with key rotation and
// Vault's key cache), oidc_discovery_url, and the OIDC authorization-code
// flow (oidc/auth_url, the issuer's redirect, oidc/callback). The issuer
// (testhelpers.OIDCIssuer) runs in this process on loopback, so only a
// real Vault on this host can reach it: MOCKVAULT_E2E_REAL=binary, or
// =env with a loopback VAULT_ADDR. Elsewhere the test is skipped.
func TestJWTRemoteKeySources(t *testing.T) {
	var real Target
	switch RealMode() {
	case "binary":
		bin := DefaultVaultBin()
		if err := ensureBinary(bin); err != nil {
			t.Fatal(err)
		}
		real = NewBinaryTarget(bin)
	case "env", "auto":
		if e, ok := NewEnvTarget(); ok && (strings.Contains(os.Getenv("VAULT_ADDR"), "127.0.0.1") || strings.Contains(os.Getenv("VAULT_ADDR"), "localhost")) {
			real = e
		}
	}
	if real == nil {
		t.Skip("needs a real Vault on this host to reach the test's issuer: MOCKVAULT_E2E_REAL=binary (or env with a loopback VAULT_ADDR)")
	}
	ctx := context.Background()
	targets := []Target{real, NewMockTarget()}
	if err := StartAll(ctx, targets); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, tg := range targets {
			_ = tg.Stop()
		}
	})
	sessions := []*Session{NewSession(targets[0]), NewSession(targets[1])}
	for _, s := range sessions {
		s.BeginScenario()
	}
	iss := testhelpers.NewOIDCIssuer(t)
	n := 0
	// step sends st to both servers and reports any difference.
	step := func(st Step) {
		t.Helper()
		n++
		a, b := sessions[0].Do(ctx, st), sessions[1].Do(ctx, st)
		for name, ex := range map[string]Exchange{"vault": a, "mock": b} {
			if ex.Err != "" || (st.WantStatus != 0 && ex.Status != st.WantStatus) {
				t.Errorf("step %d %s: %s status %d, want %d: %v %s", n, st, name, ex.Status, st.WantStatus, ex.Body, ex.Err)
			}
		}
		opt := DefaultCompareOptions
		opt.Names = [2]string{"vault", "mock"}
		for _, d := range Compare(a, b, st, opt) {
			t.Errorf("step %d %s: %s", n, st, d)
		}
	}
	login := func(mount, token string) Step {
		return POST("auth/"+mount+"/login", M{"role": "r", "jwt": token}).Anonymous()
	}
	claims := iss.Claims("svc", "vault")
	claims["groups"] = []string{"eng"}
	role := M{"role_type": "jwt", "user_claim": "sub", "bound_audiences": "vault", "groups_claim": "groups", "token_policies": "p"}

	// jwks_url: keys fetched at config time, cached, refetched when no
	// cached key verifies.
	old := iss.Sign(claims)
	step(POST("sys/auth/jwks", M{"type": "jwt"}).Want(204))
	step(POST("auth/jwks/config", M{"jwks_url": iss.URL + "/nope"}).Want(400))
	step(POST("auth/jwks/config", M{"jwks_url": iss.JWKSURL()}).Want(204))
	step(GET("auth/jwks/config").Want(200))
	step(POST("auth/jwks/role/r", role).Want(204))
	step(login("jwks", old).Want(200))
	iss.RotateKey()
	step(login("jwks", iss.Sign(claims)).Want(200))
	step(login("jwks", old).Want(200))
	iss.RetireOldKeys()
	step(login("jwks", old).Want(200).Because("the retired key is still cached"))
	step(POST("auth/jwks/config", M{"jwks_url": iss.JWKSURL()}).Want(204))
	step(login("jwks", old).Want(400).Because("a config write empties the cache"))
	step(login("jwks", strings.Replace(iss.Sign(claims), "eyJhbGciOiJSUzI1NiI", "eyJhbGciOiJIUzI1NiI", 1)).Want(400).Because("HS256 in the header"))

	// oidc_discovery_url: the issuer must name itself as configured.
	step(POST("sys/auth/disc", M{"type": "jwt"}).Want(204))
	step(POST("auth/disc/config", M{"oidc_discovery_url": iss.URL + "/"}).Want(400))
	step(POST("auth/disc/config", M{"oidc_discovery_url": iss.URL, "bound_issuer": iss.URL}).Want(204))
	step(POST("auth/disc/role/r", role).Want(204))
	step(login("disc", iss.Sign(claims)).Want(200))

	// jwks_pairs: several issuers, each with its own keys.
	other := testhelpers.NewOIDCIssuer(t, testhelpers.OIDCIssuerOptions{Alg: "ES256"})
	step(POST("sys/auth/pairs", M{"type": "jwt"}).Want(204))
	step(POST("auth/pairs/config", M{"jwks_pairs": []any{M{"jwks_url": iss.JWKSURL()}, M{"jwks_url": other.JWKSURL(), "jwks_ca_pem": ""}}}).Want(204))
	step(GET("auth/pairs/config").Want(200))
	step(POST("auth/pairs/role/r", role).Want(204))
	step(login("pairs", iss.Sign(claims)).Want(200))
	step(login("pairs", other.Sign(claims)).Want(200))
	step(login("pairs", testhelpers.NewOIDCIssuer(t).Sign(claims)).Want(400).Because("the last key set's error"))

	// The authorization-code flow, the issuer playing the browser.
	cb := "http://localhost:8250/oidc/callback"
	step(POST("sys/auth/oidc", M{"type": "oidc"}).Want(204))
	step(POST("auth/oidc/config", M{"oidc_discovery_url": iss.URL, "oidc_client_id": iss.ClientID, "oidc_client_secret": iss.ClientSecret, "default_role": "web"}).Want(204))
	step(POST("auth/oidc/role/web", M{"user_claim": "email", "allowed_redirect_uris": cb, "groups_claim": "groups",
		"claim_mappings": M{"name": "name"}, "oidc_scopes": "profile", "token_policies": "p", "max_age": "1h"}).Want(204))
	iss.SetUserClaims(map[string]any{"sub": "u1", "email": "ada@example.com", "name": "Ada", "groups": []string{"eng"}})
	step(POST("auth/oidc/oidc/auth_url", M{"redirect_uri": "http://127.0.0.2:8250/oidc/callback"}).Anonymous().Want(200).Because("a redirect not allowed: an empty auth_url"))
	step(POST("auth/oidc/oidc/auth_url", M{"redirect_uri": cb, "client_nonce": "cn"}).Anonymous().Want(200).
		Save("auth_url", "data.auth_url").Ignore("data.auth_url"))
	for _, s := range sessions {
		u, err := url.Parse(s.vars["auth_url"])
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		for _, k := range []string{"client_id", "redirect_uri", "scope", "response_type", "code_challenge_method", "max_age"} {
			if q.Get(k) != map[string]string{"client_id": iss.ClientID, "redirect_uri": cb, "scope": "openid profile", "response_type": "code", "code_challenge_method": "S256", "max_age": "3600"}[k] {
				t.Errorf("%s: auth_url %s = %q", s.T.Name(), k, q.Get(k))
			}
		}
		code, state, err := iss.Authorize(s.vars["auth_url"])
		if err != nil {
			t.Fatalf("%s: %v", s.T.Name(), err)
		}
		s.vars["code"], s.vars["state"] = code, state
	}
	step(GET("auth/oidc/oidc/callback?state={{state}}&code={{code}}").Anonymous().Want(400).Because("client_nonce missing"))
	step(POST("auth/oidc/oidc/auth_url", M{"redirect_uri": cb}).Anonymous().Want(200).Save("auth_url", "data.auth_url").Ignore("data.auth_url"))
	for _, s := range sessions {
		code, state, err := iss.Authorize(s.vars["auth_url"])
		if err != nil {
			t.Fatalf("%s: %v", s.T.Name(), err)
		}
		s.vars["code"], s.vars["state"] = code, state
	}
	step(GET("auth/oidc/oidc/callback?state={{state}}&code={{code}}").Anonymous().Want(200))
	step(GET("auth/oidc/oidc/callback?state={{state}}&code={{code}}").Anonymous().Want(400).Because("a state is used once"))

	// form_post with the implicit flow: the provider posts the ID token to
	// the callback, whose page hands code=no_code to the GET callback.
	step(POST("sys/auth/fp", M{"type": "oidc"}).Want(204))
	step(POST("auth/fp/config", M{"oidc_discovery_url": iss.URL, "oidc_client_id": iss.ClientID, "oidc_client_secret": iss.ClientSecret,
		"oidc_response_mode": "form_post", "oidc_response_types": "id_token"}).Want(204))
	uiCB := "https://vault.example/ui/vault/auth/fp/oidc/callback"
	step(POST("auth/fp/role/web", M{"user_claim": "email", "allowed_redirect_uris": uiCB, "token_policies": "p"}).Want(204))
	step(GET("auth/fp/oidc/callback?state=st_x&code=no_code").Anonymous().Want(400))
	step(POST("auth/fp/oidc/auth_url", M{"role": "web", "redirect_uri": uiCB}).Anonymous().Want(200).Save("auth_url", "data.auth_url").Ignore("data.auth_url"))
	for _, s := range sessions {
		u, _ := url.Parse(s.vars["auth_url"])
		q := u.Query()
		if q.Get("redirect_uri") != "https://vault.example/v1/auth/fp/oidc/callback" || q.Get("response_mode") != "form_post" ||
			q.Get("response_type") != "id_token" || q.Get("code_challenge") != "" {
			t.Errorf("%s: implicit auth_url %s", s.T.Name(), u)
		}
		idt, state, err := iss.AuthorizeImplicit(s.vars["auth_url"])
		if err != nil {
			t.Fatalf("%s: %v", s.T.Name(), err)
		}
		s.vars["id_token"], s.vars["state"] = idt, state
		ex := s.Do(ctx, POST("auth/fp/oidc/callback", RawBody("state={{state}}&id_token={{id_token}}")).
			Header("Content-Type", "application/x-www-form-urlencoded").Anonymous())
		if ex.Status != 200 || !strings.HasPrefix(ex.ContentType, "text/html") || !strings.Contains(ex.Text, "oidc-callback") ||
			!strings.Contains(ex.Text, state) || !strings.Contains(ex.Text, "no_code") {
			t.Errorf("%s: form_post callback: %d %s %.300s", s.T.Name(), ex.Status, ex.ContentType, ex.Text)
		}
	}
	step(GET("auth/fp/oidc/callback?state={{state}}&code=no_code").Anonymous().Want(200))

	for _, s := range sessions {
		s.EndScenario(ctx, []Step{DELETE("sys/auth/jwks"), DELETE("sys/auth/disc"), DELETE("sys/auth/oidc"), DELETE("sys/auth/pairs"), DELETE("sys/auth/fp")})
	}
}
