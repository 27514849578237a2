package mockvault_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/mockvault/mockvault/mockvault"
	"github.com/mockvault/mockvault/testhelpers"
)

// A workload reads a signed identity token; a relying party verifies it
// with the server's unauthenticated JWKS, as it would with Vault.
func Example_identityToken() {
	srv := mockvault.New(mockvault.Options{})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	root, _ := testhelpers.NewClient(hs.URL, srv.RootToken())

	// A key, a role signing with it, and a token with an entity.
	_, _ = root.Logical().Write("identity/oidc/key/app", map[string]any{"algorithm": "ES256", "allowed_client_ids": "*"})
	_, _ = root.Logical().Write("identity/oidc/role/app", map[string]any{"key": "app", "ttl": "1h",
		"template": `{"team": "payments"}`})
	_ = root.Sys().PutPolicy("idtoken", `path "identity/oidc/token/app" { capabilities = ["read"] }`)
	_, _ = root.Logical().Write("auth/token/roles/workload", map[string]any{"allowed_policies": "idtoken", "allowed_entity_aliases": "svc"})
	login, _ := root.Logical().Write("auth/token/create/workload", map[string]any{"policies": "idtoken", "entity_alias": "svc"})
	workload, _ := root.Clone()
	workload.SetToken(login.Auth.ClientToken)

	sec, _ := workload.Logical().Read("identity/oidc/token/app")
	token := sec.Data["token"].(string)

	// The relying party: fetch the JWKS, verify, check the claims.
	resp, _ := http.Get(hs.URL + "/v1/identity/oidc/.well-known/keys")
	var jwks jose.JSONWebKeySet
	_ = json.NewDecoder(resp.Body).Decode(&jwks)
	resp.Body.Close()
	parsed, _ := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.ES256})
	keys := jwks.Key(parsed.Headers[0].KeyID)
	var claims jwt.Claims
	var extra struct {
		Team string `json:"team"`
	}
	err := parsed.Claims(keys[0].Key, &claims, &extra)
	fmt.Println("verified:", err == nil)
	fmt.Println("subject is the entity:", claims.Subject == login.Auth.EntityID)
	fmt.Println("audience is the role's client_id:", claims.Audience.Contains(sec.Data["client_id"].(string)))
	fmt.Println("team:", extra.Team)
	// Output:
	// verified: true
	// subject is the entity: true
	// audience is the role's client_id: true
	// team: payments
}
