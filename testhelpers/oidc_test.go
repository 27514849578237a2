package testhelpers_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/testhelpers"
)

// TestOIDCIssuerDocuments checks what a relying party reads: discovery
// names the issuer and its endpoints, the JWKS publishes every key until
// retired, tokens carry the current key's kid.
func TestOIDCIssuerDocuments(t *testing.T) {
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			iss := testhelpers.NewOIDCIssuer(t, testhelpers.OIDCIssuerOptions{Alg: alg, TLS: true})
			if !strings.HasPrefix(iss.URL, "https://") || !strings.Contains(iss.CAPEM(), "BEGIN CERTIFICATE") {
				t.Fatalf("TLS issuer %s", iss.URL)
			}
			client := &http.Client{Transport: httpsTransport(t, iss.CAPEM())}
			get := func(u string, into any) {
				t.Helper()
				resp, err := client.Get(u)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
					t.Fatal(err)
				}
			}
			var disc map[string]any
			get(iss.URL+"/.well-known/openid-configuration", &disc)
			if disc["issuer"] != iss.URL || disc["jwks_uri"] != iss.JWKSURL() || disc["token_endpoint"] != iss.URL+"/token" {
				t.Fatalf("discovery: %v", disc)
			}
			kid := func(tok string) string {
				var h map[string]string
				b, _ := base64URL(strings.Split(tok, ".")[0])
				_ = json.Unmarshal(b, &h)
				return h["kid"]
			}
			var set struct{ Keys []map[string]string }
			get(iss.JWKSURL(), &set)
			if len(set.Keys) != 1 || set.Keys[0]["kid"] != kid(iss.Sign(iss.Claims("a"))) {
				t.Fatalf("jwks: %v", set)
			}
			iss.RotateKey()
			get(iss.JWKSURL(), &set)
			if len(set.Keys) != 2 || set.Keys[1]["kid"] != kid(iss.Sign(iss.Claims("a"))) {
				t.Fatalf("jwks after rotation: %v", set)
			}
			iss.RetireOldKeys()
			get(iss.JWKSURL(), &set)
			if len(set.Keys) != 1 {
				t.Fatalf("jwks after retiring: %v", set)
			}
		})
	}
}

// TestOIDCIssuerTokenEndpoint checks the code flow's refusals: a wrong
// client secret, a reused code, a wrong PKCE verifier.
func TestOIDCIssuerTokenEndpoint(t *testing.T) {
	iss := testhelpers.NewOIDCIssuer(t)
	code, state, err := iss.Authorize(iss.URL + "/authorize?" + url.Values{"client_id": {iss.ClientID}, "response_type": {"code"},
		"redirect_uri": {"http://localhost/cb"}, "state": {"s1"}, "nonce": {"n1"}, "code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}}.Encode())
	if err != nil || code == "" || state != "s1" {
		t.Fatalf("authorize: %q %q %v", code, state, err)
	}
	if _, _, err := iss.Authorize(iss.URL + "/authorize?client_id=other&response_type=code&redirect_uri=x&state=s"); err == nil {
		t.Fatal("an unknown client was authorized")
	}
	exchange := func(secret, verifier string) int {
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://localhost/cb"}, "code_verifier": {verifier}}
		req, _ := http.NewRequest("POST", iss.URL+"/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(iss.ClientID, secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := exchange("wrong", ""); got != 401 {
		t.Fatalf("wrong secret: %d", got)
	}
	// RFC 7636's example verifier for that challenge; a wrong one burns
	// the code.
	if got := exchange(iss.ClientSecret, "wrong"); got != 400 {
		t.Fatalf("wrong verifier: %d", got)
	}
	if got := exchange(iss.ClientSecret, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"); got != 400 {
		t.Fatalf("reused code: %d", got)
	}
}

// ExampleOIDCIssuer_gitHubActions is a CI job's login as GitHub Actions
// does it: the job's OIDC token, a role bound to the repository with
// bound_claims (a glob on the ref), the token's metadata from
// claim_mappings. The same requests work against a real Vault configured
// with the issuer's discovery URL.
func ExampleOIDCIssuer_gitHubActions() {
	t := &exampleT{}
	defer t.done()
	v := testhelpers.RunT(t)
	iss := testhelpers.NewOIDCIssuer(t, testhelpers.OIDCIssuerOptions{Now: v.Server.Clock().Now})

	c := v.Client
	must(c.Sys().EnableAuthWithOptions("jwt", &api.EnableAuthOptions{Type: "jwt"}))
	_, err := c.Logical().Write("auth/jwt/config", map[string]any{"oidc_discovery_url": iss.URL, "bound_issuer": iss.URL})
	must(err)
	_, err = c.Logical().Write("auth/jwt/role/deploy", map[string]any{
		"role_type": "jwt", "user_claim": "actor", "bound_audiences": "https://github.com/acme",
		"bound_claims_type": "glob",
		"bound_claims":      map[string]any{"repository": "acme/app", "ref": "refs/heads/*"},
		"claim_mappings":    map[string]any{"repository": "repository", "ref": "ref"},
		"token_policies":    "deploy", "token_ttl": "15m",
	})
	must(err)

	// What the job gets from GitHub's token endpoint.
	jwt := iss.Sign(iss.GitHubActionsClaims("acme/app", "refs/heads/main"))
	s, err := c.Logical().Write("auth/jwt/login", map[string]any{"role": "deploy", "jwt": jwt})
	must(err)
	fmt.Println(s.Auth.Policies, s.Auth.LeaseDuration, s.Auth.Metadata["repository"], s.Auth.Metadata["ref"])

	// A fork's workflow is refused.
	_, err = c.Logical().Write("auth/jwt/login", map[string]any{"role": "deploy",
		"jwt": iss.Sign(iss.GitHubActionsClaims("acme/app", "refs/pull/7/merge"))})
	fmt.Println(err.(*api.ResponseError).Errors[0])

	// Output:
	// [default deploy] 900 acme/app refs/heads/main
	// error validating claims: claim "ref" does not match any associated bound claim values
}

// exampleT is a Tester for examples: it runs the cleanups at the end and
// panics on failure.
type exampleT struct{ cleanups []func() }

func (e *exampleT) Helper()                        {}
func (e *exampleT) Fatalf(format string, a ...any) { panic(fmt.Sprintf(format, a...)) }
func (e *exampleT) Cleanup(fn func())              { e.cleanups = append(e.cleanups, fn) }
func (e *exampleT) done() {
	for i := len(e.cleanups) - 1; i >= 0; i-- {
		e.cleanups[i]()
	}
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// httpsTransport trusts caPEM alone.
func httpsTransport(t *testing.T, caPEM string) *http.Transport {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(caPEM)) {
		t.Fatal("CA PEM does not parse")
	}
	return &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
}

var base64URL = base64.RawURLEncoding.DecodeString
