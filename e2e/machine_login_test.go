package e2e

// Kubernetes and TLS-certificate logins against real Vault 1.21.1 and the
// mock, side by side. They need what a scenario cannot give: a fake
// Kubernetes API server (testhelpers.Kubernetes on httptest) reachable from
// Vault, and a TLS listener asking for client certificates on both sides.
// So they run with the real binary as a local process only
// (MOCKVAULT_E2E_REAL=binary); otherwise they skip.

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mockvault/mockvault/mockvault"
	"github.com/mockvault/mockvault/testhelpers"
)

// loginPair is one server of the comparison: its address, the client
// talking to it (TLS or not) and its root token.
type loginPair struct {
	name, addr string
	client     *http.Client
}

// answer is what the comparison looks at: the status, the errors, and
// the parts of the auth block that do not vary between servers.
type answer struct {
	Status int
	Errors []string
	Auth   map[string]any
	Data   map[string]any
	// Lease is auth.lease_duration, compared within the suite's TTL
	// tolerance: the two servers answer in different seconds.
	Lease float64
}

// sameAnswer compares two answers, leases within DefaultCompareOptions'
// TTL tolerance.
func sameAnswer(a, b answer) bool {
	if math.Abs(a.Lease-b.Lease) > DefaultCompareOptions.TTLTolerance.Seconds() {
		return false
	}
	a.Lease, b.Lease = 0, 0
	return reflect.DeepEqual(a, b)
}

func (p *loginPair) do(t *testing.T, method, path, token string, body any) answer {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, p.addr+"/v1/"+path, rd)
	if token != "" {
		req.Header.Set("X-Vault-Token", token)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s %s: %v", p.name, method, path, err)
	}
	defer resp.Body.Close()
	var env struct {
		Errors []string       `json:"errors"`
		Auth   map[string]any `json:"auth"`
		Data   map[string]any `json:"data"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&env)
	a := answer{Status: resp.StatusCode, Errors: env.Errors, Data: env.Data}
	if env.Auth != nil {
		a.Auth = map[string]any{}
		for _, k := range []string{"policies", "token_policies", "metadata", "renewable", "token_type", "orphan", "num_uses"} {
			a.Auth[k] = env.Auth[k]
		}
		a.Lease, _ = env.Auth["lease_duration"].(float64)
	}
	return a
}

// token logs in at auth/cert/login and returns the client token.
func (p *loginPair) token(t *testing.T) string {
	t.Helper()
	resp, err := p.client.Post(p.addr+"/v1/auth/cert/login", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env struct {
		Auth struct {
			ClientToken string `json:"client_token"`
		} `json:"auth"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || env.Auth.ClientToken == "" {
		t.Fatalf("%s: login failed (%d)", p.name, resp.StatusCode)
	}
	return env.Auth.ClientToken
}

// both runs one request on both servers and fails on any difference.
func both(t *testing.T, real, mock *loginPair, what, method, path string, body any) answer {
	t.Helper()
	r := real.do(t, method, path, "root", body)
	m := mock.do(t, method, path, "root", body)
	if !sameAnswer(r, m) {
		rb, _ := json.Marshal(r)
		mb, _ := json.Marshal(m)
		t.Errorf("%s: %s %s differs\n vault: %s\n  mock: %s", what, method, path, rb, mb)
	}
	return r
}

// realBinary starts the real Vault binary as a dev server with extra
// flags, or skips unless MOCKVAULT_E2E_REAL=binary.
func realBinary(t *testing.T, extra ...string) (addr string, dir string) {
	t.Helper()
	if os.Getenv("MOCKVAULT_E2E_REAL") != "binary" {
		t.Skip("needs the real Vault binary as a local process: MOCKVAULT_E2E_REAL=binary")
	}
	bin := DefaultVaultBin()
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("no Vault binary at %s (tools/realvault/build.sh)", bin)
	}
	dir = t.TempDir()
	for i, a := range extra {
		extra[i] = strings.ReplaceAll(a, "{{dir}}", dir)
	}
	// A free port may be taken before Vault binds it: Vault then exits
	// at once saying so, and another port is tried.
	for attempt := 0; ; attempt++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		hostport := l.Addr().String()
		l.Close()
		cmd, logs, err := startVaultDev(bin, hostport, dir, extra...)
		if err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); <-exited })
		// Vault prints its banner once its listeners are bound.
		deadline := time.Now().Add(60 * time.Second)
		for !strings.Contains(logs.String(), "Vault server started") && time.Now().Before(deadline) {
			select {
			case <-exited:
				if attempt < 4 && strings.Contains(logs.String(), "address already in use") {
					break
				}
				t.Fatalf("vault exited: %s", logs.String())
			case <-time.After(50 * time.Millisecond):
				continue
			}
			break
		}
		select {
		case <-exited:
			continue // the port was taken: try another
		default:
		}
		return hostport, dir
	}
}

// waitFor polls sys/health through c until it answers 200.
func waitFor(t *testing.T, c *http.Client, addr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := waitHealthy(ctx, c, addr, 60*time.Second, nil); err != nil {
		t.Fatal(err)
	}
}

func TestKubernetesLoginAgainstRealVault(t *testing.T) {
	hostport, _ := realBinary(t)
	real := &loginPair{name: "vault", addr: "http://" + hostport, client: &http.Client{Timeout: 30 * time.Second}}
	waitFor(t, real.client, real.addr)
	srv := mockvault.New(mockvault.Options{Clock: mockvault.RealClock{}})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	mock := &loginPair{name: "mock", addr: hs.URL, client: &http.Client{Timeout: 30 * time.Second}}

	k8s := testhelpers.NewKubernetes(t)
	valid := k8s.Token("prod", "app", "vault")
	revoked := k8s.Token("prod", "app", "vault")
	k8s.Revoke(revoked)
	noAud := k8s.Token("prod", "app")
	otherAud := k8s.Token("prod", "app", "other")
	k8s.SetNamespaceLabels("labelled", map[string]string{"team": "a"})
	k8s.SetAnnotations("prod", "app", map[string]string{"vault.hashicorp.com/alias-metadata-env": "prod"})
	steps := []struct {
		what, method, path string
		body               any
	}{
		{"enable", "POST", "sys/auth/kubernetes", map[string]any{"type": "kubernetes"}},
		{"config", "POST", "auth/kubernetes/config", map[string]any{"kubernetes_host": k8s.URL, "disable_local_ca_jwt": true}},
		{"role", "POST", "auth/kubernetes/role/app", map[string]any{"bound_service_account_names": "app", "bound_service_account_namespaces": "prod",
			"audience": "vault", "token_policies": "app", "token_ttl": "15m"}},
		{"role without audience", "POST", "auth/kubernetes/role/any", map[string]any{"bound_service_account_names": "*",
			"bound_service_account_namespaces": "*", "alias_name_source": "serviceaccount_name"}},
		{"login", "POST", "auth/kubernetes/login", map[string]any{"role": "app", "jwt": valid}},
		{"login revoked", "POST", "auth/kubernetes/login", map[string]any{"role": "app", "jwt": revoked}},
		{"login wrong audience", "POST", "auth/kubernetes/login", map[string]any{"role": "app", "jwt": otherAud}},
		{"login any, token's own audience", "POST", "auth/kubernetes/login", map[string]any{"role": "any", "jwt": noAud}},
		{"login any, other audience", "POST", "auth/kubernetes/login", map[string]any{"role": "any", "jwt": otherAud}},
		{"reviewer jwt config", "POST", "auth/kubernetes/config", map[string]any{"kubernetes_host": k8s.URL, "disable_local_ca_jwt": true,
			"token_reviewer_jwt": "reviewer", "use_annotations_as_alias_metadata": true}},
		{"login, reviewer not accepted", "POST", "auth/kubernetes/login", map[string]any{"role": "app", "jwt": valid}},
	}
	got := map[string]int{}
	for _, s := range steps {
		a := both(t, real, mock, s.what, s.method, s.path, s.body)
		got[s.what] = a.Status
	}
	// The comparison means something only if logins both pass and fail.
	if got["login"] != 200 || got["login revoked"] != 403 || got["login any, token's own audience"] != 200 {
		t.Fatalf("unexpected statuses %v; reviews %+v", got, k8s.Reviews())
	}
	k8s.ReviewerJWT = "reviewer"
	if a := both(t, real, mock, "login with reviewer and annotations", "POST", "auth/kubernetes/login", map[string]any{"role": "app", "jwt": valid}); a.Status != 200 {
		t.Fatalf("login with reviewer: %+v", a)
	}
	both(t, real, mock, "selector role", "POST", "auth/kubernetes/role/sel", map[string]any{"bound_service_account_names": "app",
		"bound_service_account_namespace_selector": `{"matchLabels":{"team":"a"}}`, "audience": "vault"})
	for ns, want := range map[string]int{"labelled": 200, "prod": 403, "nope": 403} {
		a := both(t, real, mock, "selector login in "+ns, "POST", "auth/kubernetes/login", map[string]any{"role": "sel", "jwt": k8s.Token(ns, "app", "vault")})
		if a.Status != want {
			t.Errorf("selector login in %s: %+v, want %d", ns, a, want)
		}
	}

	// Both servers sent the same reviews (the fake saw each call twice).
	revs := k8s.Reviews()
	if len(revs)%2 != 0 {
		t.Fatalf("%d reviews: the two servers did not call the API alike", len(revs))
	}
}

func TestCertLoginAgainstRealVault(t *testing.T) {
	hostport, dir := realBinary(t, "-dev-tls", "-dev-tls-cert-dir={{dir}}")
	ca := testhelpers.NewCA(t)
	good := ca.Issue(t, testhelpers.CertOptions{CommonName: "app.example.com", DNSNames: []string{"app.svc"}})
	other := ca.Issue(t, testhelpers.CertOptions{CommonName: "other.test"})
	stranger := testhelpers.NewCA(t).Issue(t, testhelpers.CertOptions{CommonName: "app.example.com"})
	leaf := testhelpers.NewCA(t).Issue(t, testhelpers.CertOptions{CommonName: "leaf"})

	// Each server trusted through its own CA file, each client with a cert.
	var realPool *x509.CertPool
	deadline := time.Now().Add(60 * time.Second)
	for {
		pem, err := os.ReadFile(filepath.Join(dir, "vault-ca.pem"))
		if err == nil {
			realPool = x509.NewCertPool()
			realPool.AppendCertsFromPEM(pem)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no vault-ca.pem from -dev-tls")
		}
		time.Sleep(100 * time.Millisecond)
	}
	srv := mockvault.New(mockvault.Options{Clock: mockvault.RealClock{}})
	t.Cleanup(srv.Close)
	hs := testhelpers.StartTLS(t, srv)
	mockPool := x509.NewCertPool()
	mockPool.AddCert(hs.Certificate())
	pair := func(name, addr string, pool *x509.CertPool, cert *testhelpers.ClientCert) *loginPair {
		conf := &tls.Config{RootCAs: pool}
		if cert != nil {
			conf.Certificates = []tls.Certificate{cert.TLS}
		}
		return &loginPair{name: name, addr: addr, client: &http.Client{Timeout: 30 * time.Second,
			Transport: &http.Transport{TLSClientConfig: conf}}}
	}
	realAddr := "https://" + hostport
	root := pair("vault", realAddr, realPool, nil)
	waitFor(t, root.client, realAddr)
	mroot := pair("mock", hs.URL, mockPool, nil)
	both(t, root, mroot, "enable", "POST", "sys/auth/cert", map[string]any{"type": "cert"})
	both(t, root, mroot, "trust CA", "POST", "auth/cert/certs/web", map[string]any{"certificate": ca.PEM, "token_policies": "web",
		"allowed_common_names": "*.example.com"})
	both(t, root, mroot, "trust leaf", "POST", "auth/cert/certs/leaf", map[string]any{"certificate": leaf.PEM, "display_name": "the-leaf"})
	both(t, root, mroot, "no client cert", "POST", "auth/cert/login", nil)
	for _, c := range []struct {
		what string
		cert *testhelpers.ClientCert
		body any
		want int
	}{
		{"login", good, nil, 200},
		{"login named", good, map[string]any{"name": "web"}, 200},
		{"login named other entry", good, map[string]any{"name": "leaf"}, 400},
		{"login wrong CN", other, nil, 400},
		{"login untrusted CA", stranger, nil, 400},
		{"login trusted leaf", leaf, nil, 200},
	} {
		r, m := pair("vault", realAddr, realPool, c.cert), pair("mock", hs.URL, mockPool, c.cert)
		a := both(t, r, m, c.what, "POST", "auth/cert/login", c.body)
		if a.Status != c.want {
			t.Errorf("%s: status %d, want %d", c.what, a.Status, c.want)
		}
		if a.Auth != nil {
			md, _ := a.Auth["metadata"].(map[string]any)
			keys := make([]string, 0, len(md))
			for k := range md {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			t.Logf("%s: metadata keys %v", c.what, keys)
		}
	}
	// Renewals: Vault checks the renewing connection's certificate against
	// the login's (disable_binding false), then the entry's policies.
	for _, c := range []struct {
		what string
		cert *testhelpers.ClientCert
	}{{"renew with the login's cert", good}, {"renew with another cert", other}, {"renew without a cert", nil}} {
		r, m := pair("vault", realAddr, realPool, good), pair("mock", hs.URL, mockPool, good)
		rt, mt := r.token(t), m.token(t)
		r, m = pair("vault", realAddr, realPool, c.cert), pair("mock", hs.URL, mockPool, c.cert)
		ra, ma := r.do(t, "POST", "auth/token/renew-self", rt, nil), m.do(t, "POST", "auth/token/renew-self", mt, nil)
		if !sameAnswer(ra, ma) {
			t.Errorf("%s: vault %+v, mock %+v", c.what, ra, ma)
		}
		t.Logf("%s: %d %v", c.what, ra.Status, ra.Errors)
	}
	both(t, root, mroot, "metadata on failures", "POST", "auth/cert/config", map[string]any{"enable_metadata_on_failures": true})
	for _, c := range []*testhelpers.ClientCert{other, nil} {
		a := both(t, pair("vault", realAddr, realPool, c), pair("mock", hs.URL, mockPool, c), "failure with metadata", "POST", "auth/cert/login", nil)
		t.Logf("failure with metadata: %+v", a)
	}
	both(t, root, mroot, "no metadata on failures", "POST", "auth/cert/config", map[string]any{"enable_metadata_on_failures": false})
	// A renewal once the entry is gone.
	{
		r, m := pair("vault", realAddr, realPool, good), pair("mock", hs.URL, mockPool, good)
		rt, mt := r.token(t), m.token(t)
		both(t, root, mroot, "drop web", "DELETE", "auth/cert/certs/web", nil)
		ra, ma := r.do(t, "POST", "auth/token/renew-self", rt, nil), m.do(t, "POST", "auth/token/renew-self", mt, nil)
		if !sameAnswer(ra, ma) {
			t.Errorf("renew after delete: vault %+v, mock %+v", ra, ma)
		}
		t.Logf("renew after delete: %+v", ra)
		both(t, root, mroot, "trust CA again", "POST", "auth/cert/certs/web", map[string]any{"certificate": ca.PEM, "token_policies": "web",
			"allowed_common_names": "*.example.com"})
	}
	// A CRL from a distribution point: revoking "other" changes nothing
	// for "good".
	cdp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ca.crl" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(ca.Revoke(t, other))
	}))
	t.Cleanup(cdp.Close)
	both(t, root, mroot, "crl url 404", "POST", "auth/cert/crls/cdp", map[string]any{"url": cdp.URL + "/nope"})
	both(t, root, mroot, "crl url", "POST", "auth/cert/crls/cdp", map[string]any{"url": cdp.URL + "/ca.crl"})
	if a := both(t, root, mroot, "crl url read", "GET", "auth/cert/crls/cdp", nil); a.Status != 200 || a.Data["cdp"] == nil {
		t.Errorf("crl read %+v", a)
	}
	both(t, pair("vault", realAddr, realPool, good), pair("mock", hs.URL, mockPool, good), "login, other revoked", "POST", "auth/cert/login", nil)
	both(t, root, mroot, "revoke good", "POST", "auth/cert/crls/ca", map[string]any{"crl": string(ca.Revoke(t, good))})
	both(t, pair("vault", realAddr, realPool, good), pair("mock", hs.URL, mockPool, good), "login revoked", "POST", "auth/cert/login", nil)
}
