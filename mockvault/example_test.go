package mockvault_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/hashicorp/vault/api/auth/approle"
	"github.com/mockvault/mockvault/mockvault"
	"github.com/mockvault/mockvault/testhelpers"
)

// A token with ttl=15m works at 14m59s and is gone at 15m: no sleeping.
func ExampleManualClock() {
	clock := mockvault.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	srv := mockvault.New(mockvault.Options{Clock: clock})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	root, _ := testhelpers.NewClient(hs.URL, srv.RootToken())

	sec, _ := root.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}, TTL: "15m"})
	app, _ := root.Clone()
	app.SetToken(sec.Auth.ClientToken)

	clock.Advance(15*time.Minute - time.Second)
	_, err := app.Auth().Token().LookupSelf()
	fmt.Println("at 14m59s:", err == nil)

	clock.Advance(time.Second)
	_, err = app.Auth().Token().LookupSelf()
	fmt.Println("at 15m:", err.(*api.ResponseError).StatusCode)
	// Output:
	// at 14m59s: true
	// at 15m: 403
}

// Renewal before the max TTL: a renewal past the explicit max is capped,
// with Vault's warning.
func ExampleServer_Advance() {
	srv := mockvault.New(mockvault.Options{})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	root, _ := testhelpers.NewClient(hs.URL, srv.RootToken())

	sec, _ := root.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}, TTL: "1h", ExplicitMaxTTL: "90m"})
	srv.Advance(50 * time.Minute)
	r, _ := root.Auth().Token().Renew(sec.Auth.ClientToken, 3600)
	fmt.Println(r.Auth.LeaseDuration, r.Warnings[0])
	// Output:
	// 2400 TTL of "1h" exceeded the effective max_ttl of "40m"; TTL value is capped accordingly
}

// A 503 storm on a path: the client's retries ride it out.
func ExampleServer_FailNext() {
	srv := mockvault.New(mockvault.Options{})
	hs := httptest.NewServer(srv)
	defer hs.Close()

	srv.FailNext(mockvault.Fault{Method: "GET", Path: "auth/token/lookup-self", Count: 2, Status: 503})
	cfg := &api.Config{Address: hs.URL, MaxRetries: 3, MinRetryWait: time.Millisecond, MaxRetryWait: time.Millisecond}
	c, _ := api.NewClient(cfg)
	c.SetToken(srv.RootToken())
	_, err := c.Auth().Token().LookupSelf()
	fmt.Println("succeeded after retries:", err == nil)
	fmt.Println("calls:", srv.CountRequests("GET", "auth/token/lookup-self"))
	// Output:
	// succeeded after retries: true
	// calls: 3
}

// The request log answers "what was called, and with which token?"
func ExampleServer_Requests() {
	srv := mockvault.New(mockvault.Options{})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	root, _ := testhelpers.NewClient(hs.URL, srv.RootToken())

	sec, _ := root.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}, TTL: "1h"})
	app, _ := root.Clone()
	app.SetToken(sec.Auth.ClientToken)
	_, _ = app.Auth().Token().RenewSelf(0)

	fmt.Println("renewed:", srv.Renewed(sec.Auth.Accessor))
	fmt.Println("root calls:", len(srv.RootUsed()))
	for _, r := range srv.Requests() {
		fmt.Println(r.Method, r.Path, r.Status, r.Root)
	}
	// Output:
	// renewed: true
	// root calls: 1
	// POST auth/token/create 200 true
	// PUT auth/token/renew-self 200 false
}

// Seed once, snapshot, and give every test a fresh copy cheaply.
func ExampleServer_Snapshot() {
	srv := mockvault.New(mockvault.Options{})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	root, _ := testhelpers.NewClient(hs.URL, srv.RootToken())
	_ = srv.SetPolicy("app", `path "secret/*" { capabilities = ["read"] }`)
	snap := srv.Snapshot()

	_, _ = root.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"app"}})
	fmt.Println("tokens before restore:", len(srv.Tokens()))
	srv.Restore(snap)
	fmt.Println("tokens after restore:", len(srv.Tokens()))
	srv.Reset()
	fmt.Println("policy app after reset:", srv.HasPolicy("app"))
	// Output:
	// tokens before restore: 2
	// tokens after restore: 1
	// policy app after reset: false
}

// Seal the whole server; sys/health tells the truth.
func ExampleServer_Seal() {
	srv := mockvault.New(mockvault.Options{})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	c, _ := testhelpers.NewClient(hs.URL, srv.RootToken())

	srv.Seal()
	h, _ := c.Sys().Health()
	_, err := c.Auth().Token().LookupSelf()
	fmt.Println("sealed:", h.Sealed, err.(*api.ResponseError).StatusCode)
	srv.Unseal()
	_, err = c.Auth().Token().LookupSelf()
	fmt.Println("unsealed:", err == nil)
	// Output:
	// sealed: true 503
	// unsealed: true
}

// A 503 storm on AppRole login: the official approle helper, through a
// client that retries, logs in once the storm is over.
func ExampleServer_FailNext_approleLogin() {
	srv := mockvault.New(mockvault.Options{})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	root, _ := testhelpers.NewClient(hs.URL, srv.RootToken())
	_ = root.Sys().EnableAuthWithOptions("approle", &api.EnableAuthOptions{Type: "approle"})
	_, _ = root.Logical().Write("auth/approle/role/ci", map[string]any{"token_type": "batch", "token_ttl": "15m"})
	rid, _ := root.Logical().Read("auth/approle/role/ci/role-id")
	sid, _ := root.Logical().Write("auth/approle/role/ci/secret-id", nil)

	srv.FailNext(mockvault.Fault{Method: "PUT", Path: "auth/approle/login", Count: 3, Status: 503})
	c, _ := api.NewClient(&api.Config{Address: hs.URL, MaxRetries: 5, MinRetryWait: time.Millisecond, MaxRetryWait: time.Millisecond})
	auth, _ := approle.NewAppRoleAuth(rid.Data["role_id"].(string), &approle.SecretID{FromString: sid.Data["secret_id"].(string)})
	s, err := c.Auth().Login(context.Background(), auth)
	fmt.Println("logged in:", err == nil, s.Auth.ClientToken[:4])
	fmt.Println("login attempts:", srv.CountRequests("PUT", "auth/approle/login"))
	// Output:
	// logged in: true hvb.
	// login attempts: 4
}

// A secret ID with ttl=10m stops working on the server clock. Vault only
// deletes expired secret IDs in its once-a-minute tidy, and so does the
// mock: move the clock past that.
func ExampleManualClock_secretIDTTL() {
	srv := mockvault.New(mockvault.Options{})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	root, _ := testhelpers.NewClient(hs.URL, srv.RootToken())
	_ = root.Sys().EnableAuthWithOptions("approle", &api.EnableAuthOptions{Type: "approle"})
	_, _ = root.Logical().Write("auth/approle/role/app", map[string]any{"secret_id_ttl": "10m"})
	rid, _ := root.Logical().Read("auth/approle/role/app/role-id")
	sid, _ := root.Logical().Write("auth/approle/role/app/secret-id", nil)
	login := func() error {
		_, err := root.Logical().Write("auth/approle/login", map[string]any{"role_id": rid.Data["role_id"], "secret_id": sid.Data["secret_id"]})
		return err
	}
	srv.Advance(9 * time.Minute)
	fmt.Println("at 9m:", login() == nil)
	srv.Advance(2 * time.Minute)
	fmt.Println("at 11m:", login() == nil)
	// Output:
	// at 9m: true
	// at 11m: false
}

// A response-wrapping token expires on the server clock.
func ExampleManualClock_wrappingTokenExpiry() {
	srv := mockvault.New(mockvault.Options{})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	root, _ := testhelpers.NewClient(hs.URL, srv.RootToken())
	wc, _ := root.Clone()
	wc.SetToken(root.Token())
	wc.SetWrappingLookupFunc(func(string, string) string { return "5m" })
	wrapped, _ := wc.Logical().Write("sys/wrapping/wrap", map[string]any{"password": "s3cret"})

	srv.Advance(5 * time.Minute)
	_, err := root.Logical().Unwrap(wrapped.WrapInfo.Token)
	fmt.Println("unwrap after 5m:", err.(*api.ResponseError).StatusCode)
	// Output:
	// unwrap after 5m: 400
}

// Envelope encryption with transit: a data key from datakey/plaintext
// encrypts the data locally; only its wrapped copy is stored. Later,
// transit/decrypt unwraps the data key and the data decrypts locally.
func Example_transitEnvelopeEncryption() {
	srv := mockvault.New(mockvault.Options{})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	client, _ := testhelpers.NewClient(hs.URL, srv.RootToken())
	_ = client.Sys().Mount("transit", &api.MountInput{Type: "transit"})
	_, _ = client.Logical().Write("transit/keys/orders", nil)

	// Encrypt: a fresh 256-bit data key, in the clear and wrapped.
	dk, _ := client.Logical().Write("transit/datakey/plaintext/orders", nil)
	key, _ := base64.StdEncoding.DecodeString(dk.Data["plaintext"].(string))
	wrappedKey := dk.Data["ciphertext"].(string) // store this next to the data
	block, _ := aes.NewCipher(key)
	gcm, _ := cipher.NewGCM(block)
	nonce := make([]byte, gcm.NonceSize())
	_, _ = rand.Read(nonce)
	sealed := gcm.Seal(nil, nonce, []byte("order #42: 3 widgets"), nil)

	// Decrypt: unwrap the data key with Vault, open the data locally.
	un, _ := client.Logical().Write("transit/decrypt/orders", map[string]any{"ciphertext": wrappedKey})
	key2, _ := base64.StdEncoding.DecodeString(un.Data["plaintext"].(string))
	block2, _ := aes.NewCipher(key2)
	gcm2, _ := cipher.NewGCM(block2)
	plain, err := gcm2.Open(nil, nonce, sealed, nil)
	fmt.Println(strings.HasPrefix(wrappedKey, "vault:v1:"), len(key), string(plain), err)
	// Output:
	// true 32 order #42: 3 widgets <nil>
}

// A group policy reaching a token: an AppRole login gets an identity
// entity; putting that entity in a group with a policy lets the token
// already issued use the policy, and taking the policy away stops it.
func Example_identityGroupPolicy() {
	srv := mockvault.New(mockvault.Options{})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	root, _ := testhelpers.NewClient(hs.URL, srv.RootToken())

	_ = root.Sys().PutPolicy("app-read", `path "secret/data/app" { capabilities = ["read"] }`)
	_, _ = root.Logical().Write("secret/data/app", map[string]any{"data": map[string]any{"db": "s3cr3t"}})
	_ = root.Sys().EnableAuthWithOptions("approle", &api.EnableAuthOptions{Type: "approle"})
	_, _ = root.Logical().Write("auth/approle/role/app", nil)
	rid, _ := root.Logical().Read("auth/approle/role/app/role-id")
	sid, _ := root.Logical().Write("auth/approle/role/app/secret-id", nil)

	app, _ := api.NewClient(&api.Config{Address: hs.URL})
	auth, _ := approle.NewAppRoleAuth(rid.Data["role_id"].(string), &approle.SecretID{FromString: sid.Data["secret_id"].(string)})
	secret, _ := app.Auth().Login(context.Background(), auth)

	_, err := app.Logical().Read("secret/data/app")
	fmt.Println("before the group:", err.(*api.ResponseError).StatusCode)

	_, _ = root.Logical().Write("identity/group", map[string]any{
		"name": "apps", "policies": "app-read", "member_entity_ids": secret.Auth.EntityID})
	s, _ := app.Logical().Read("secret/data/app")
	fmt.Println("in the group:", s.Data["data"].(map[string]any)["db"])

	_, _ = root.Logical().Write("identity/group/name/apps", map[string]any{"policies": ""})
	_, err = app.Logical().Read("secret/data/app")
	fmt.Println("policy removed:", err.(*api.ResponseError).StatusCode)
	// Output:
	// before the group: 403
	// in the group: s3cr3t
	// policy removed: 403
}

// Issue a TLS certificate from a PKI mount and serve HTTPS with it; the
// client trusts only the mock's CA, as a service under test would.
func Example_pkiTLS() {
	srv := mockvault.New(mockvault.Options{})
	hs := httptest.NewServer(srv)
	defer hs.Close()
	root, _ := testhelpers.NewClient(hs.URL, srv.RootToken())

	_ = root.Sys().Mount("pki", &api.MountInput{Type: "pki"})
	ca, _ := root.Logical().Write("pki/root/generate/internal", map[string]any{"common_name": "Test CA", "ttl": "24h", "key_type": "ec"})
	_, _ = root.Logical().Write("pki/roles/web", map[string]any{"allowed_domains": "localhost", "allow_bare_domains": true, "key_type": "ec"})
	leaf, _ := root.Logical().Write("pki/issue/web", map[string]any{"common_name": "localhost", "ip_sans": "127.0.0.1", "ttl": "1h"})

	pair, _ := tls.X509KeyPair([]byte(leaf.Data["certificate"].(string)), []byte(leaf.Data["private_key"].(string)))
	web := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "hello over TLS") }))
	web.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	web.StartTLS()
	defer web.Close()

	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(ca.Data["certificate"].(string)))
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(web.URL)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(string(body))
	// Output: hello over TLS
}
