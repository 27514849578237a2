package mockvault_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/testhelpers"
)

// oidcVault starts a server and returns it with a token that has an
// entity (a token role's entity alias) and may read identity tokens.
func oidcVault(t *testing.T) (*testhelpers.Vault, *api.Client, string) {
	t.Helper()
	v := testhelpers.RunT(t)
	c := v.Client
	if err := c.Sys().PutPolicy("idtok", `path "identity/oidc/token/*" { capabilities = ["read"] }`); err != nil {
		t.Fatal(err)
	}
	trWrite(t, c, "auth/token/roles/app", map[string]any{"allowed_policies": "idtok", "allowed_entity_aliases": "svc"})
	sec := trWrite(t, c, "auth/token/create/app", map[string]any{"policies": "idtok", "entity_alias": "svc"})
	if sec.Auth == nil || sec.Auth.EntityID == "" {
		t.Fatalf("token without entity: %+v", sec.Auth)
	}
	app, err := c.Clone()
	if err != nil {
		t.Fatal(err)
	}
	app.SetToken(sec.Auth.ClientToken)
	return v, app, sec.Auth.EntityID
}

// fetchJWKS reads the unauthenticated key set as a relying party does.
func fetchJWKS(t *testing.T, addr string) (jose.JSONWebKeySet, http.Header) {
	t.Helper()
	resp, err := http.Get(addr + "/v1/identity/oidc/.well-known/keys")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("jwks: %d %s", resp.StatusCode, b)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(b, &set); err != nil {
		t.Fatalf("jwks %s: %v", b, err)
	}
	return set, resp.Header
}

// verifyWithJWKS checks a token's signature with go-jose and the server's
// JWKS, and returns its claims.
func verifyWithJWKS(t *testing.T, addr, token string, alg jose.SignatureAlgorithm) map[string]any {
	t.Helper()
	set, _ := fetchJWKS(t, addr)
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{alg})
	if err != nil {
		t.Fatalf("parse %s: %v", token, err)
	}
	kid := tok.Headers[0].KeyID
	keys := set.Key(kid)
	if len(keys) != 1 {
		t.Fatalf("kid %s: %d keys in the JWKS", kid, len(keys))
	}
	var claims map[string]any
	if err := tok.Claims(keys[0].Key, &claims); err != nil {
		t.Fatalf("verify: %v", err)
	}
	return claims
}

func TestIdentityTokenVerifiesWithJWKS(t *testing.T) {
	for _, alg := range []jose.SignatureAlgorithm{jose.RS256, jose.RS384, jose.RS512, jose.ES256, jose.ES384, jose.ES512, jose.EdDSA} {
		t.Run(string(alg), func(t *testing.T) {
			v, app, eid := oidcVault(t)
			trWrite(t, v.Client, "identity/oidc/key/k", map[string]any{"algorithm": string(alg), "allowed_client_ids": "*"})
			trWrite(t, v.Client, "identity/oidc/role/r", map[string]any{"key": "k", "ttl": "1h",
				"template": `{"who": {{identity.entity.id}}, "meta": {{identity.entity.metadata}}, "n": 1}`})
			role := trRead(t, v.Client, "identity/oidc/role/r")
			cid := role.Data["client_id"].(string)
			if len(cid) != 26 {
				t.Fatalf("client_id %q", cid)
			}
			sec, err := app.Logical().Read("identity/oidc/token/r")
			if err != nil {
				t.Fatal(err)
			}
			if sec.Data["client_id"] != cid || sec.Data["ttl"] != json.Number("3600") {
				t.Fatalf("answer %v", sec.Data)
			}
			claims := verifyWithJWKS(t, v.Addr, sec.Data["token"].(string), alg)
			want := map[string]any{"iss": v.Addr + "/v1/identity/oidc", "aud": cid, "sub": eid, "namespace": "root", "who": eid}
			for k, w := range want {
				if claims[k] != w {
					t.Errorf("claim %s = %v, want %v", k, claims[k], w)
				}
			}
			if exp, iat := claims["exp"].(float64), claims["iat"].(float64); exp-iat != 3600 || int64(iat) != v.Clock.Now().Unix() {
				t.Errorf("exp %v iat %v", exp, iat)
			}
			if m, ok := claims["meta"].(map[string]any); !ok || len(m) != 0 || claims["n"] != 1.0 {
				t.Errorf("template claims %v", claims)
			}
			// The server agrees, for the role's client id and no other.
			assertIntrospect(t, v.Client, sec.Data["token"].(string), cid, `{"active":true}`)
			assertIntrospect(t, v.Client, sec.Data["token"].(string), "other", `{"active":false,"error":"error validating claims: go-jose/go-jose/jwt: validation failed, invalid audience claim (aud)"}`)
		})
	}
}

func assertIntrospect(t *testing.T, c *api.Client, token, clientID, want string) {
	t.Helper()
	r := c.NewRequest("POST", "/v1/identity/oidc/introspect")
	if err := r.SetJSONBody(map[string]any{"token": token, "client_id": clientID}); err != nil {
		t.Fatal(err)
	}
	resp, err := c.RawRequest(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if got := strings.TrimSpace(string(b)); got != want {
		t.Fatalf("introspect: %s, want %s", got, want)
	}
}

// Rotation follows the server clock: the rotated key stays in the JWKS for
// verification_ttl, so a token signed before the rotation verifies until
// then, and expires with its ttl.
func TestIdentityTokenRotation(t *testing.T) {
	v, app, _ := oidcVault(t)
	trWrite(t, v.Client, "identity/oidc/key/k", map[string]any{"rotation_period": "1h", "verification_ttl": "2h", "allowed_client_ids": "*"})
	trWrite(t, v.Client, "identity/oidc/role/r", map[string]any{"key": "k", "ttl": "90m"})
	sec, err := app.Logical().Read("identity/oidc/token/r")
	if err != nil {
		t.Fatal(err)
	}
	old := sec.Data["token"].(string)
	kids := func() []string {
		set, hdr := fetchJWKS(t, v.Addr)
		if !strings.HasPrefix(hdr.Get("Cache-Control"), "max-age=") {
			t.Errorf("Cache-Control %q", hdr.Get("Cache-Control"))
		}
		var out []string
		for _, k := range set.Keys {
			out = append(out, k.KeyID)
		}
		return out
	}
	if n := len(kids()); n != 2 {
		t.Fatalf("current and next key: %d", n)
	}
	oldKid := kidOf(t, old)
	v.Clock.Advance(61 * time.Minute) // rotated once
	if k := kids(); len(k) != 3 || !slices.Contains(k, oldKid) {
		t.Fatalf("after one rotation: %v (old %s)", k, oldKid)
	}
	sec, err = app.Logical().Read("identity/oidc/token/r")
	if err != nil {
		t.Fatal(err)
	}
	if kidOf(t, sec.Data["token"].(string)) == oldKid {
		t.Fatal("still signing with the rotated key")
	}
	verifyWithJWKS(t, v.Addr, old, jose.RS256)
	v.Clock.Advance(60 * time.Minute) // 2h01 after issue: the token is expired (and a minute of leeway)
	assertIntrospect(t, v.Client, old, "", `{"active":false,"error":"error validating claims: go-jose/go-jose/jwt: validation failed, token is expired (exp)"}`)
	v.Clock.Advance(2 * time.Hour) // the first key's verification_ttl is over
	// Two rotated keys within their verification_ttl, current and next.
	if k := kids(); slices.Contains(k, oldKid) || len(k) != 4 {
		t.Fatalf("expired key still published: %v", k)
	}
	assertIntrospect(t, v.Client, old, "", `{"active":false,"error":"unable to validate the token signature"}`)
	// A long jump catches up without walking every period. The default key
	// rotates too (daily), which gives it material: its rotated key,
	// current and next key are published with k's four.
	v.Clock.Advance(24 * 365 * time.Hour)
	if k := kids(); len(k) != 7 {
		t.Fatalf("after a year: %v", k)
	}
}

func kidOf(t *testing.T, token string) string {
	t.Helper()
	h, _, _ := strings.Cut(token, ".")
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	var hdr map[string]string
	if err := json.Unmarshal(b, &hdr); err != nil {
		t.Fatal(err)
	}
	return hdr["kid"]
}

func TestIdentityTokenErrors(t *testing.T) {
	v, app, _ := oidcVault(t)
	c := v.Client
	cases := []struct {
		c       *api.Client
		op, p   string
		data    map[string]any
		status  int
		message string
	}{
		{c, "w", "identity/oidc/key/k", map[string]any{"rotation_period": "30s"}, 400, "rotation_period must be at least one minute"},
		{c, "w", "identity/oidc/key/k", map[string]any{"rotation_period": "1h", "verification_ttl": "11h"}, 400, "verification_ttl cannot be longer than 10x rotation_period"},
		{c, "w", "identity/oidc/key/k", map[string]any{"algorithm": "HS256"}, 400, `unknown signing algorithm "HS256"`},
		{c, "w", "identity/oidc/key/k", map[string]any{"verification_ttl": "1h"}, 204, ""},
		{c, "w", "identity/oidc/role/r", map[string]any{}, 400, "the key parameter is required"},
		{c, "w", "identity/oidc/role/r", map[string]any{"key": "nope"}, 400, `cannot find key "nope"`},
		{c, "w", "identity/oidc/role/r", map[string]any{"key": "k"}, 400, "a role's token ttl cannot be longer than the verification_ttl of the key it references"},
		{c, "w", "identity/oidc/role/r", map[string]any{"key": "k", "ttl": "1h", "template": `{"iss": "x"}`}, 400, `top level key "iss" not allowed. Restricted keys: iat, aud, exp, iss, sub, namespace, nonce, auth_time, at_hash, c_hash`},
		{c, "w", "identity/oidc/role/r", map[string]any{"key": "k", "ttl": "1h", "template": `{"a": {{identity.entity.id}`}, 400, "error parsing template: unbalanced templating characters"},
		{c, "w", "identity/oidc/role/r", map[string]any{"key": "k", "ttl": "1h", "template": `{"a": 1`}, 400, "error parsing template JSON: unexpected end of JSON input"},
		{c, "w", "identity/oidc/role/r", map[string]any{"key": "k", "ttl": "1h", "client_id": "cid"}, 204, ""},
		{app, "r", "identity/oidc/token/r", nil, 400, `the key "k" does not list the client ID of the role "r" as an allowed client ID`},
		{c, "w", "identity/oidc/key/k", map[string]any{"allowed_client_ids": "cid"}, 204, ""},
		{c, "r", "identity/oidc/token/r", nil, 400, "no entity associated with the request's token"},
		{app, "r", "identity/oidc/token/nope", nil, 400, `role "nope" not found`},
		{c, "w", "identity/oidc/key/k", map[string]any{"verification_ttl": "30m"}, 400, `unable to update key "k" because it is currently referenced by one or more roles with a token ttl greater than 1800 seconds`},
		{c, "d", "identity/oidc/key/k", nil, 400, `unable to delete key "k" because it is currently referenced by these roles: r`},
		{c, "d", "identity/oidc/key/default", nil, 400, `deletion of key "default" not allowed`},
		{c, "w", "identity/oidc/key/nope/rotate", nil, 400, `no named key found at "nope"`},
		{c, "w", "identity/oidc/config", map[string]any{"issuer": "https://x.example/path"}, 400, "invalid issuer, which must include only a scheme, host, and optional port (e.g. https://example.com:8200)"},
	}
	for _, tc := range cases {
		var err error
		switch tc.op {
		case "w":
			_, err = tc.c.Logical().Write(tc.p, tc.data)
		case "r":
			_, err = tc.c.Logical().Read(tc.p)
		case "d":
			_, err = tc.c.Logical().Delete(tc.p)
		}
		if tc.status == 204 {
			if err != nil {
				t.Errorf("%s %s: %v", tc.op, tc.p, err)
			}
			continue
		}
		re, ok := err.(*api.ResponseError)
		if !ok || re.StatusCode != tc.status || len(re.Errors) != 1 || re.Errors[0] != tc.message {
			t.Errorf("%s %s %v: %v, want %d %q", tc.op, tc.p, tc.data, err, tc.status, tc.message)
		}
	}
	if _, err := app.Logical().Read("identity/oidc/token/r"); err != nil {
		t.Fatalf("allowed now: %v", err)
	}
}

// A fresh server has the default key, without key material; a mount that
// is not KV gives it some, and it is published.
func TestIdentityDefaultKey(t *testing.T) {
	v := testhelpers.RunT(t)
	list, err := v.Client.Logical().List("identity/oidc/key")
	if err != nil || list == nil || len(list.Data["keys"].([]any)) != 1 { // default
		t.Fatalf("keys: %v %v", list, err)
	}
	trWrite(t, v.Client, "identity/oidc/key/bare", nil)
	if ids, ok := trRead(t, v.Client, "identity/oidc/key/bare").Data["allowed_client_ids"].([]any); !ok || len(ids) != 0 {
		t.Fatalf("a new key allows no client ids, as an empty list")
	}
	k := trRead(t, v.Client, "identity/oidc/key/default")
	if k.Data["algorithm"] != "RS256" || k.Data["rotation_period"] != json.Number("86400") {
		t.Fatalf("default key %v", k.Data)
	}
	if set, _ := fetchJWKS(t, v.Addr); len(set.Keys) != 0 {
		t.Fatalf("keys before any mount: %d", len(set.Keys))
	}
	if err := v.Client.Sys().Mount("kv2", &api.MountInput{Type: "kv"}); err != nil {
		t.Fatal(err)
	}
	if set, _ := fetchJWKS(t, v.Addr); len(set.Keys) != 0 {
		t.Fatalf("keys after a KV mount: %d", len(set.Keys))
	}
	if err := v.Client.Sys().EnableAuthWithOptions("approle", &api.EnableAuthOptions{Type: "approle"}); err != nil {
		t.Fatal(err)
	}
	if set, _ := fetchJWKS(t, v.Addr); len(set.Keys) != 2 {
		t.Fatalf("keys after an auth mount: %d", len(set.Keys))
	}
	// Snapshots carry the key material: a restored server publishes the
	// same keys.
	before, _ := fetchJWKS(t, v.Addr)
	snap := v.Server.Snapshot()
	v.Server.Reset()
	if set, _ := fetchJWKS(t, v.Addr); len(set.Keys) != 0 {
		t.Fatalf("keys after reset: %d", len(set.Keys))
	}
	v.Server.Restore(snap)
	after, _ := fetchJWKS(t, v.Addr)
	a, _ := json.Marshal(before)
	b, _ := json.Marshal(after)
	if string(a) != string(b) {
		t.Fatalf("restored JWKS differs:\n%s\n%s", a, b)
	}
}

// The OIDC provider endpoints and MFA say the mock is why they fail.
func TestIdentityUnimplementedPaths(t *testing.T) {
	v := testhelpers.RunT(t)
	for p, want := range map[string]string{
		"identity/oidc/provider/default": "mockvault does not implement identity OIDC providers",
		"identity/oidc/client/c":         "mockvault does not implement identity OIDC providers",
		"identity/mfa/method/totp":       "mockvault does not implement identity/mfa",
	} {
		// (Logical().Read hides a 404's errors.)
		_, err := v.Client.Logical().Write(p, map[string]any{"x": 1})
		re, ok := err.(*api.ResponseError)
		if !ok || re.StatusCode != 404 || !strings.Contains(re.Errors[0], want) {
			t.Errorf("%s: %v", p, err)
		}
	}
}

// TestIdentityTokenTemplateFromStore: a workload logged in with userpass
// gets an identity token whose template reads its entity's name and
// metadata, its userpass alias and its groups from the identity store.
func TestIdentityTokenTemplateFromStore(t *testing.T) {
	v := testhelpers.RunT(t)
	c := v.Client
	if err := c.Sys().EnableAuthWithOptions("userpass", &api.EnableAuthOptions{Type: "userpass"}); err != nil {
		t.Fatal(err)
	}
	auths, err := c.Sys().ListAuth()
	if err != nil {
		t.Fatal(err)
	}
	acc := auths["userpass/"].Accessor
	trWrite(t, c, "auth/userpass/users/svc", map[string]any{"password": "pw"})
	login, err := c.Logical().Write("auth/userpass/login/svc", map[string]any{"password": "pw"})
	if err != nil {
		t.Fatal(err)
	}
	eid := login.Auth.EntityID
	trWrite(t, c, "identity/entity/id/"+eid, map[string]any{"name": "billing", "metadata": map[string]any{"team": "pay"}})
	trWrite(t, c, "identity/group", map[string]any{"name": "ops", "policies": "idtok", "member_entity_ids": eid})
	if err := c.Sys().PutPolicy("idtok", `path "identity/oidc/token/*" { capabilities = ["read"] }`); err != nil {
		t.Fatal(err)
	}
	trWrite(t, c, "identity/oidc/key/k", map[string]any{"allowed_client_ids": "*"})
	trWrite(t, c, "identity/oidc/role/r", map[string]any{"key": "k",
		"template": `{"name": {{identity.entity.name}}, "team": {{identity.entity.metadata.team}}, "user": {{identity.entity.aliases.` + acc + `.name}}, "groups": {{identity.entity.groups.names}}}`})

	app, _ := c.Clone()
	app.SetToken(login.Auth.ClientToken) // the group's policy lets it read tokens
	sec, err := app.Logical().Read("identity/oidc/token/r")
	if err != nil {
		t.Fatal(err)
	}
	claims := verifyWithJWKS(t, v.Addr, sec.Data["token"].(string), jose.RS256)
	if claims["sub"] != eid || claims["name"] != "billing" || claims["team"] != "pay" || claims["user"] != "svc" {
		t.Fatalf("claims %v", claims)
	}
	if g, _ := claims["groups"].([]any); len(g) != 1 || g[0] != "ops" {
		t.Fatalf("groups claim %v", claims["groups"])
	}
	// A disabled entity's token is refused before the endpoint is reached.
	trWrite(t, c, "identity/entity/id/"+eid, map[string]any{"disabled": true})
	_, err = app.Logical().Read("identity/oidc/token/r")
	mvWantErr(t, err, 403, "permission denied")
}
