package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/testhelpers"
)

// kvPolicy is the narrow policy of the KV read: one secret, read only.
const kvPolicy = `path "secret/data/bench/app" { capabilities = ["read"] }`

// creatorPolicy lets a tree's parent create its children.
const creatorPolicy = `path "auth/token/create" { capabilities = ["update"] }`

// prep is what a target was set up with before the timed runs.
type prep struct {
	lookupToken string // a service token to look up
	renewToken  string // a periodic token to renew
	kvToken     string // a token with only kvPolicy (and default)
	roleID      string
	secretID    string
	ciphertext  string // transit/encrypt/bench of benchPlaintext
	jwt         string // a GitHub-Actions-style JWT for auth/jwt/role/bench
	k8sJWT      string // a service-account JWT for auth/kubernetes/role/bench
}

// benchPassword is the userpass user's password.
const benchPassword = "bench-password"

// benchPlaintext is what the transit workloads encrypt (base64 of 32 bytes).
const benchPlaintext = "bW9ja3ZhdWx0IGJlbmNobWFyayBwbGFpbnRleHQgMzI="

// setup configures t identically whatever it is: policies, a KV secret,
// AppRole at approle/ with one role and an unlimited secret ID, tokens.
func setup(t *target) (*prep, error) {
	c := t.client(t.root)
	ctx := context.Background()
	p := &prep{}
	if err := c.Sys().PutPolicy("bench-kv", kvPolicy); err != nil {
		return nil, err
	}
	if err := c.Sys().PutPolicy("bench-creator", creatorPolicy); err != nil {
		return nil, err
	}
	if _, err := c.KVv2("secret").Put(ctx, "bench/app", map[string]any{"user": "app", "password": "s3cr3t"}); err != nil {
		return nil, fmt.Errorf("kv put: %w", err)
	}
	create := func(r *api.TokenCreateRequest) (string, error) {
		s, err := c.Auth().Token().Create(r)
		if err != nil {
			return "", err
		}
		return s.Auth.ClientToken, nil
	}
	var err error
	if p.lookupToken, err = create(&api.TokenCreateRequest{Policies: []string{"default"}, TTL: "2h"}); err != nil {
		return nil, err
	}
	if p.renewToken, err = create(&api.TokenCreateRequest{Policies: []string{"default"}, Period: "2h"}); err != nil {
		return nil, err
	}
	if p.kvToken, err = create(&api.TokenCreateRequest{Policies: []string{"bench-kv"}, TTL: "2h"}); err != nil {
		return nil, err
	}
	if err := c.Sys().EnableAuthWithOptions("approle", &api.EnableAuthOptions{Type: "approle"}); err != nil {
		return nil, fmt.Errorf("enable approle: %w", err)
	}
	if _, err := c.Logical().Write("auth/approle/role/bench", map[string]any{
		"token_policies": "default", "token_ttl": "1h", "token_max_ttl": "4h", "secret_id_num_uses": 0,
	}); err != nil {
		return nil, err
	}
	rid, err := c.Logical().Read("auth/approle/role/bench/role-id")
	if err != nil {
		return nil, err
	}
	sid, err := c.Logical().Write("auth/approle/role/bench/secret-id", nil)
	if err != nil {
		return nil, err
	}
	p.roleID, _ = rid.Data["role_id"].(string)
	p.secretID, _ = sid.Data["secret_id"].(string)
	// Userpass at userpass/ with one user (bcrypt at Vault's default cost).
	if err := c.Sys().EnableAuthWithOptions("userpass", &api.EnableAuthOptions{Type: "userpass"}); err != nil {
		return nil, fmt.Errorf("enable userpass: %w", err)
	}
	if _, err := c.Logical().Write("auth/userpass/users/bench", map[string]any{
		"password": benchPassword, "token_policies": "default", "token_ttl": "1h",
	}); err != nil {
		return nil, err
	}
	// Kubernetes at kubernetes/: the fake API server of this process
	// reviews every login's JWT (no pem_keys: Vault only asks the API).
	if err := c.Sys().EnableAuthWithOptions("kubernetes", &api.EnableAuthOptions{Type: "kubernetes"}); err != nil {
		return nil, fmt.Errorf("enable kubernetes: %w", err)
	}
	if _, err := c.Logical().Write("auth/kubernetes/config", map[string]any{"kubernetes_host": benchKubernetes().URL, "disable_local_ca_jwt": true}); err != nil {
		return nil, err
	}
	if _, err := c.Logical().Write("auth/kubernetes/role/bench", map[string]any{
		"bound_service_account_names": "app", "bound_service_account_namespaces": "bench",
		"audience": "vault", "token_policies": "default", "token_ttl": "1h",
	}); err != nil {
		return nil, err
	}
	p.k8sJWT = benchKubernetes().Token("bench", "app", "vault")
	// Transit: an AES-256-GCM key and an ECDSA P-256 key.
	if err := c.Sys().Mount("transit", &api.MountInput{Type: "transit"}); err != nil {
		return nil, fmt.Errorf("mount transit: %w", err)
	}
	if _, err := c.Logical().Write("transit/keys/bench", nil); err != nil {
		return nil, err
	}
	if _, err := c.Logical().Write("transit/keys/bench-sign", map[string]any{"type": "ecdsa-p256"}); err != nil {
		return nil, err
	}
	enc, err := c.Logical().Write("transit/encrypt/bench", map[string]any{"plaintext": benchPlaintext})
	if err != nil {
		return nil, err
	}
	p.ciphertext, _ = enc.Data["ciphertext"].(string)
	// JWT at jwt/: the bench issuer's public key, a role bound to the
	// audience and the repository.
	if err := c.Sys().EnableAuthWithOptions("jwt", &api.EnableAuthOptions{Type: "jwt"}); err != nil {
		return nil, fmt.Errorf("enable jwt: %w", err)
	}
	if _, err := c.Logical().Write("auth/jwt/config", map[string]any{"jwt_validation_pubkeys": benchIssuer().PublicKeyPEM()}); err != nil {
		return nil, err
	}
	if _, err := c.Logical().Write("auth/jwt/role/bench", map[string]any{
		"role_type": "jwt", "user_claim": "actor", "bound_audiences": "https://github.com/acme",
		"bound_claims": map[string]any{"repository": "acme/app"}, "token_policies": "default", "token_ttl": "1h",
	}); err != nil {
		return nil, err
	}
	p.jwt = benchJWT()
	// PKI: an ECDSA root and a role issuing ECDSA leaves (not stored).
	if err := c.Sys().Mount("pki", &api.MountInput{Type: "pki", Config: api.MountConfigInput{MaxLeaseTTL: "87600h"}}); err != nil {
		return nil, fmt.Errorf("mount pki: %w", err)
	}
	if _, err := c.Logical().Write("pki/root/generate/internal", map[string]any{"common_name": "bench CA", "key_type": "ec", "ttl": "87600h"}); err != nil {
		return nil, err
	}
	if _, err := c.Logical().Write("pki/roles/bench", map[string]any{"allow_any_name": true, "key_type": "ec", "no_store": true}); err != nil {
		return nil, err
	}
	return p, nil
}

// setupTLS configures a TLS target: the cert method at cert/ trusting the
// bench CA as "bench".
func setupTLS(t *target) (*prep, error) {
	c := t.client(t.root)
	if err := c.Sys().EnableAuthWithOptions("cert", &api.EnableAuthOptions{Type: "cert"}); err != nil {
		return nil, fmt.Errorf("enable cert: %w", err)
	}
	if _, err := c.Logical().Write("auth/cert/certs/bench", map[string]any{
		"certificate": benchCA().ca.PEM, "token_policies": "default", "token_ttl": "1h",
	}); err != nil {
		return nil, err
	}
	return &prep{}, nil
}

// workload is one timed operation. op runs once per call with a client
// carrying token(p).
type workload struct {
	key   string
	name  string
	token func(t *target, p *prep) string
	op    func(p *prep) func(c *api.Client) error
	// tls: runs on the TLS targets, the clients presenting the bench
	// client certificate.
	tls bool
}

func rootTok(t *target, _ *prep) string { return t.root }

func noTok(*target, *prep) string { return "" }

// login is an op logging in at path with data, which must answer with an
// auth block.
func login(path string, data map[string]any) func(c *api.Client) error {
	return func(c *api.Client) error {
		s, err := c.Logical().Write(path, data)
		if err == nil && (s == nil || s.Auth == nil) {
			err = errors.New("login answer without auth")
		}
		return err
	}
}

var workloads = []workload{
	{key: "create-service", name: "token create (service)", token: rootTok, op: func(*prep) func(*api.Client) error {
		return func(c *api.Client) error {
			_, err := c.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}, TTL: "1h"})
			return err
		}
	}},
	{key: "create-batch", name: "token create (batch)", token: rootTok, op: func(*prep) func(*api.Client) error {
		return func(c *api.Client) error {
			_, err := c.Auth().Token().Create(&api.TokenCreateRequest{Type: "batch", Policies: []string{"default"}, TTL: "1h"})
			return err
		}
	}},
	{key: "lookup", name: "token lookup", token: rootTok, op: func(p *prep) func(*api.Client) error {
		return func(c *api.Client) error {
			_, err := c.Auth().Token().Lookup(p.lookupToken)
			return err
		}
	}},
	{key: "renew", name: "token renew", token: rootTok, op: func(p *prep) func(*api.Client) error {
		return func(c *api.Client) error {
			_, err := c.Auth().Token().Renew(p.renewToken, 0)
			return err
		}
	}},
	{key: "approle-login", name: "AppRole login", token: noTok, op: func(p *prep) func(*api.Client) error {
		return login("auth/approle/login", map[string]any{"role_id": p.roleID, "secret_id": p.secretID})
	}},
	{key: "userpass-login", name: "userpass login (bcrypt cost 10; the mock memoises comparisons)", token: noTok, op: func(*prep) func(*api.Client) error {
		return login("auth/userpass/login/bench", map[string]any{"password": benchPassword})
	}},
	{key: "transit-encrypt", name: "transit encrypt (aes256-gcm96)", token: rootTok, op: func(*prep) func(*api.Client) error {
		in := map[string]any{"plaintext": benchPlaintext}
		return func(c *api.Client) error {
			s, err := c.Logical().Write("transit/encrypt/bench", in)
			if err == nil && (s == nil || s.Data["ciphertext"] == nil) {
				err = errors.New("encrypt answer without ciphertext")
			}
			return err
		}
	}},
	{key: "transit-decrypt", name: "transit decrypt (aes256-gcm96)", token: rootTok, op: func(p *prep) func(*api.Client) error {
		in := map[string]any{"ciphertext": p.ciphertext}
		return func(c *api.Client) error {
			s, err := c.Logical().Write("transit/decrypt/bench", in)
			if err == nil && (s == nil || s.Data["plaintext"] != benchPlaintext) {
				err = errors.New("decrypt: wrong plaintext")
			}
			return err
		}
	}},
	{key: "transit-sign", name: "transit sign (ecdsa-p256)", token: rootTok, op: func(*prep) func(*api.Client) error {
		in := map[string]any{"input": benchPlaintext}
		return func(c *api.Client) error {
			s, err := c.Logical().Write("transit/sign/bench-sign", in)
			if err == nil && (s == nil || s.Data["signature"] == nil) {
				err = errors.New("sign answer without signature")
			}
			return err
		}
	}},
	{key: "pki-issue", name: "PKI issue (ecdsa-p256 leaf)", token: rootTok, op: func(*prep) func(*api.Client) error {
		in := map[string]any{"common_name": "svc.example.com", "ttl": "1h"}
		return func(c *api.Client) error {
			s, err := c.Logical().Write("pki/issue/bench", in)
			if err == nil && (s == nil || s.Data["certificate"] == nil) {
				err = errors.New("issue answer without certificate")
			}
			return err
		}
	}},
	{key: "kv-read", name: "KV v2 read under a narrow policy", token: func(_ *target, p *prep) string { return p.kvToken }, op: func(p *prep) func(*api.Client) error {
		return func(c *api.Client) error {
			s, err := c.KVv2("secret").Get(context.Background(), "bench/app")
			if err == nil && s.Data["user"] != "app" {
				err = fmt.Errorf("kv read: unexpected data %v", s.Data)
			}
			return err
		}
	}},
	{key: "jwt-login", name: "JWT login (RS256)", token: noTok, op: func(p *prep) func(*api.Client) error {
		return login("auth/jwt/login", map[string]any{"role": "bench", "jwt": p.jwt})
	}},
	{key: "kubernetes-login", name: "Kubernetes login (fake TokenReview API in this process)", token: noTok, op: func(p *prep) func(*api.Client) error {
		return login("auth/kubernetes/login", map[string]any{"role": "bench", "jwt": p.k8sJWT})
	}},
	{key: "cert-login", name: "TLS certificate login (https, -dev-tls)", token: noTok, tls: true, op: func(*prep) func(*api.Client) error {
		return login("auth/cert/login", map[string]any{"name": "bench"})
	}},
}

// measurement is a number of operations done in a time.
type measurement struct {
	ops     int64
	elapsed time.Duration
}

func (m measurement) rate() float64 {
	if m.elapsed <= 0 {
		return 0
	}
	return float64(m.ops) / m.elapsed.Seconds()
}

// timedRun runs op from every client in a loop for about d, and counts.
func timedRun(d time.Duration, clients []*api.Client, op func(c *api.Client) error) (measurement, error) {
	var stop atomic.Bool
	var total atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	timer := time.AfterFunc(d, func() { stop.Store(true) })
	defer timer.Stop()
	for _, c := range clients {
		wg.Add(1)
		go func(c *api.Client) {
			defer wg.Done()
			for !stop.Load() {
				if err := op(c); err != nil {
					once.Do(func() { firstErr = err })
					stop.Store(true)
					return
				}
				total.Add(1)
			}
		}(c)
	}
	wg.Wait()
	return measurement{ops: total.Load(), elapsed: time.Since(start)}, firstErr
}

// clientsFor makes n clients of t carrying token, each with its own
// connection, as n separate client processes would have.
func clientsFor(t *target, token string, n int) []*api.Client {
	out := make([]*api.Client, n)
	for i := range out {
		out[i] = t.client(token)
	}
	return out
}

// buildTree creates a token tree on t through the API: a parent (child of
// the root token, with the creator policy) and size-1 children created by
// the parent, from conc clients at once. It returns the parent's token.
func buildTree(t *target, size, conc int) (string, error) {
	c := t.client(t.root)
	s, err := c.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"bench-creator"}, TTL: "2h"})
	if err != nil {
		return "", err
	}
	parent := s.Auth.ClientToken
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for _, pc := range clientsFor(t, parent, conc) {
		wg.Add(1)
		go func(pc *api.Client) {
			defer wg.Done()
			for next.Add(1) < int64(size) {
				if _, err := pc.Auth().Token().Create(&api.TokenCreateRequest{TTL: "1h"}); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		}(pc)
	}
	wg.Wait()
	return parent, firstErr
}

// revokeTrees revokes the given trees from len(clients) clients at once
// (each takes the next tree until none is left), timing only that.
func revokeTrees(clients []*api.Client, trees []string) (measurement, error) {
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for _, c := range clients {
		wg.Add(1)
		go func(c *api.Client) {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(len(trees)) {
					return
				}
				if err := c.Auth().Token().RevokeTree(trees[i]); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		}(c)
	}
	wg.Wait()
	return measurement{ops: int64(len(trees)), elapsed: time.Since(start)}, firstErr
}

// toolT is the Tester of the bench issuer: the tool's process ends with it.
type toolT struct{}

func (toolT) Helper()                        {}
func (toolT) Fatalf(format string, a ...any) { panic(fmt.Sprintf(format, a...)) }
func (toolT) Cleanup(func())                 {}

// benchIssuer signs the JWT every target verifies (one key for all).
var benchIssuer = sync.OnceValue(func() *testhelpers.OIDCIssuer { return testhelpers.NewOIDCIssuer(toolT{}) })

// benchJWT is a GitHub-Actions-style token valid for a day.
func benchJWT() string {
	c := benchIssuer().GitHubActionsClaims("acme/app", "refs/heads/main")
	c["exp"] = time.Now().Add(24 * time.Hour).Unix()
	return benchIssuer().Sign(c)
}

// benchKubernetes is the fake Kubernetes API server (plain HTTP on
// loopback) every target's Kubernetes method asks to review the JWTs.
var benchKubernetes = sync.OnceValue(func() *testhelpers.Kubernetes { return testhelpers.NewKubernetes(toolT{}) })

// benchCert is the CA every TLS target trusts and the client certificate
// it issued, which every client of a TLS target presents.
type benchCert struct {
	ca   *testhelpers.CA
	cert *testhelpers.ClientCert
}

var benchCA = sync.OnceValue(func() benchCert {
	ca := testhelpers.NewCA(toolT{})
	return benchCert{ca: ca, cert: ca.Issue(toolT{}, testhelpers.CertOptions{CommonName: "app.example.com"})}
})

// benchTLS is the client side of a TLS target: trust roots, and the bench
// client certificate.
func benchTLS(roots *x509.CertPool) *tls.Config {
	return &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{benchCA().cert.TLS}}
}
