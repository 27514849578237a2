package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/testhelpers"
)

// syncBuf is a bytes.Buffer safe to read while the server writes to it.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestServerDevStartsAndStopsOnSignal(t *testing.T) {
	var out, errOut syncBuf
	ready := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"server", "-dev", "-dev-root-token-id=tok123", "-dev-listen-address=127.0.0.1:0"}, &out, &errOut, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case <-time.After(10 * time.Second):
		t.Fatalf("not ready: %s %s", out.String(), errOut.String())
	}
	resp, err := http.Get(addr + "/v1/sys/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
	c, err := testhelpers.NewClient(addr, "tok123")
	if err != nil {
		t.Fatal(err)
	}
	sec, err := c.Auth().Token().LookupSelf()
	if err != nil || sec.Data["policies"].([]any)[0] != "root" {
		t.Fatalf("lookup-self: %v %v", sec, err)
	}
	if !strings.Contains(out.String(), "Root Token: tok123") || !strings.Contains(out.String(), addr) {
		t.Fatalf("banner: %s", out.String())
	}
	// Mounting an engine the mock does not implement works and is logged.
	if err := c.Sys().Mount("ssh", &api.MountInput{Type: "ssh"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), `mockvault does not implement the \"ssh\" secrets engine`) {
		t.Fatalf("no warning logged: %s", errOut.String())
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not stop on SIGTERM")
	}
}

func TestServerNeedsDev(t *testing.T) {
	var out, errOut syncBuf
	if code := run([]string{"server"}, &out, &errOut, nil); code != 2 {
		t.Fatalf("exit %d", code)
	}
}

func TestServerRefusesBadSeed(t *testing.T) {
	dir := t.TempDir()
	p := dir + "/seed.hcl"
	if err := os.WriteFile(p, []byte("token \"x\" {\n  type = \"batch\"\n  num_uses = 2\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut syncBuf
	code := run([]string{"server", "-dev", "-dev-listen-address=127.0.0.1:0", "-seed", p}, &out, &errOut, nil)
	if code != 1 || !strings.Contains(errOut.String(), "line 1") || !strings.Contains(errOut.String(), `batch tokens cannot have "num_uses" set`) {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
}

// startServer runs the command in the background and returns its address
// and a stop function.
func startServer(t *testing.T, args ...string) (string, *syncBuf, *syncBuf) {
	t.Helper()
	var out, errOut syncBuf
	ready := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- run(append([]string{"server", "-dev", "-dev-listen-address=127.0.0.1:0"}, args...), &out, &errOut, ready)
	}()
	select {
	case addr := <-ready:
		t.Cleanup(func() {
			_ = syscall.Kill(syscall.Getpid(), syscall.SIGINT)
			<-done
		})
		return addr, &out, &errOut
	case code := <-done:
		t.Fatalf("exited %d: %s", code, errOut.String())
	case <-time.After(10 * time.Second):
		t.Fatal("not ready")
	}
	return "", nil, nil
}

func TestServerTLS(t *testing.T) {
	dir := t.TempDir()
	certPEM, keyPEM := selfSigned(t)
	cert, key := dir+"/cert.pem", dir+"/key.pem"
	if err := os.WriteFile(cert, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(key, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	addr, _, _ := startServer(t, "-tls-cert-file", cert, "-tls-key-file", key)
	if !strings.HasPrefix(addr, "https://") {
		t.Fatalf("address %s", addr)
	}
	c := lookupOverTLS(t, addr, cert)

	// The listener asks for client certificates: a cert login with the
	// official client's own TLS settings (VAULT_CLIENT_CERT's twins).
	ca := testhelpers.NewCA(t)
	if _, err := c.Logical().Write("sys/auth/cert", map[string]any{"type": "cert"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Logical().Write("auth/cert/certs/app", map[string]any{"certificate": ca.PEM}); err != nil {
		t.Fatal(err)
	}
	cc := ca.Issue(t, testhelpers.CertOptions{CommonName: "app"})
	ccert, ckey := dir+"/client.pem", dir+"/client-key.pem"
	if err := os.WriteFile(ccert, []byte(cc.PEM), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ckey, []byte(cc.KeyPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	ccfg := api.DefaultConfig()
	ccfg.Address = addr
	if err := ccfg.ConfigureTLS(&api.TLSConfig{CACert: cert, ClientCert: ccert, ClientKey: ckey}); err != nil {
		t.Fatal(err)
	}
	cl, err := api.NewClient(ccfg)
	if err != nil {
		t.Fatal(err)
	}
	cl.ClearToken()
	sec, err := cl.Logical().Write("auth/cert/login", nil)
	if err != nil || sec.Auth.Metadata["common_name"] != "app" {
		t.Fatalf("cert login: %v %+v", err, sec)
	}
}

// lookupOverTLS looks the root token up through a client trusting only
// the CA in caFile, as VAULT_CACERT makes one.
func lookupOverTLS(t *testing.T, addr, caFile string) *api.Client {
	t.Helper()
	cfg := api.DefaultConfig()
	cfg.Address = addr
	if err := cfg.ConfigureTLS(&api.TLSConfig{CACert: caFile}); err != nil {
		t.Fatal(err)
	}
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken("root")
	if _, err := c.Auth().Token().LookupSelf(); err != nil {
		t.Fatalf("over TLS: %v", err)
	}
	return c
}

func TestServerDebugLogHasNoTokens(t *testing.T) {
	addr, _, errOut := startServer(t, "-log-level=debug", "-dev-root-token-id=sekrit-root")
	c, _ := testhelpers.NewClient(addr, "sekrit-root")
	if _, err := c.Auth().Token().LookupSelf(); err != nil {
		t.Fatal(err)
	}
	// A token in the path (auth/token/lookup/<token>) is masked too.
	tok, err := c.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Logical().Read("auth/token/lookup/" + tok.Auth.ClientToken); err != nil {
		t.Fatal(err)
	}
	log := errOut.String()
	if !strings.Contains(log, "msg=request method=GET path=auth/token/lookup-self status=200") ||
		!strings.Contains(log, "path=auth/token/lookup/<redacted>") ||
		strings.Contains(log, "sekrit-root") || strings.Contains(log, tok.Auth.ClientToken) {
		t.Fatalf("log: %s", log)
	}
	var o, e syncBuf
	if code := run([]string{"server", "-dev", "-log-level=loud"}, &o, &e, nil); code != 2 || !strings.Contains(e.String(), "Unknown log level: loud") {
		t.Fatalf("bad level: %d %s", code, e.String())
	}
}

func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
}

// -dev-tls writes Vault's three files, serves https with them and prints
// VAULT_CACERT; a client trusting only that CA gets through; the files
// (and the temporary directory) are gone after shutdown.
func TestServerDevTLS(t *testing.T) {
	dir := t.TempDir()
	var out, errOut syncBuf
	ready := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"server", "-dev-tls", "-dev-tls-cert-dir", dir, "-dev-tls-san", "mock.example", "-dev-tls-san=10.1.2.3",
			"-dev-listen-address=127.0.0.1:0"}, &out, &errOut, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case code := <-done:
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.HasPrefix(addr, "https://127.0.0.1:") || strings.HasSuffix(addr, ":0") {
		t.Fatalf("address %s", addr)
	}
	banner := out.String()
	for _, want := range []string{"    $ export VAULT_ADDR='" + addr + "'\n", "    $ export VAULT_CACERT='" + dir + "/vault-ca.pem'\n", "Root Token: root\n"} {
		if !strings.Contains(banner, want) {
			t.Fatalf("banner lacks %q:\n%s", want, banner)
		}
	}
	for name, mode := range map[string]os.FileMode{"vault-ca.pem": 0o444, "vault-cert.pem": 0o400, "vault-key.pem": 0o400} {
		st, err := os.Stat(dir + "/" + name)
		if err != nil || st.Mode().Perm() != mode {
			t.Fatalf("%s: %v %v", name, st, err)
		}
	}
	certPEM, _ := os.ReadFile(dir + "/vault-cert.pem")
	blk, _ := pem.Decode(certPEM)
	leaf, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !contains(leaf.DNSNames, "localhost") || !contains(leaf.DNSNames, "mock.example") || len(leaf.IPAddresses) != 2 || !leaf.IPAddresses[1].Equal(net.ParseIP("10.1.2.3")) {
		t.Fatalf("SANs %v %v", leaf.DNSNames, leaf.IPAddresses)
	}
	lookupOverTLS(t, addr, dir+"/vault-ca.pem")
	// the image's HEALTHCHECK asks http://...: a -dev-tls server is healthy
	// too, and a plain one on a closed port is not
	for address, want := range map[string]int{addr: 0, "http://" + strings.TrimPrefix(addr, "https://"): 0, "http://127.0.0.1:1": 1} {
		var hout, herr bytes.Buffer
		if code := run([]string{"health", "-address", address}, &hout, &herr, nil); code != want {
			t.Errorf("health -address %s: exit %d, want %d: %s%s", address, code, want, hout.String(), herr.String())
		}
	}
	// Without the CA the certificate is not trusted.
	plain, _ := testhelpers.NewClient(addr, "root")
	if _, err := plain.Auth().Token().LookupSelf(); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("untrusted CA accepted: %v", err)
	}
	_ = syscall.Kill(syscall.Getpid(), syscall.SIGINT)
	if code := <-done; code != 0 {
		t.Fatalf("exit %d", code)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("files left: %v", ents)
	}
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// The dev flags scripts pass: KV v1 or none at secret/, the plugin dir
// accepted with a warning, JSON logs, the unseal key in the banner.
func TestServerDevFlags(t *testing.T) {
	addr, out, errOut := startServer(t, "-dev-kv-v1", "-dev-plugin-dir=/plugins", "-log-format=json")
	c, _ := testhelpers.NewClient(addr, "root")
	mounts, err := c.Sys().ListMounts()
	if err != nil || mounts["secret/"] == nil || mounts["secret/"].Options["version"] != "1" {
		t.Fatalf("secret/: %+v %v", mounts["secret/"], err)
	}
	if !strings.Contains(errOut.String(), `"@level":"warn","@message":"mockvault runs no external plugins: -dev-plugin-dir ignored","dir":"/plugins"`) {
		t.Fatalf("log: %s", errOut.String())
	}
	i := strings.Index(out.String(), "\nUnseal Key: ")
	if i < 0 {
		t.Fatalf("banner: %s", out.String())
	}
	key := strings.Fields(out.String()[i:])[2]
	// The banner's key unseals the server (vault operator unseal KEY).
	if err := c.Sys().Seal(); err != nil {
		t.Fatal(err)
	}
	if st, err := c.Sys().Unseal(key); err != nil || st.Sealed {
		t.Fatalf("unseal with the banner's key: %+v %v", st, err)
	}
}

func TestServerDevNoKV(t *testing.T) {
	addr2, _, _ := startServer(t, "-dev-no-kv")
	c2, _ := testhelpers.NewClient(addr2, "root")
	if mounts, err := c2.Sys().ListMounts(); err != nil || mounts["secret/"] != nil {
		t.Fatalf("-dev-no-kv: %v %v", mounts, err)
	}
}

func TestServerFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"server", "-dev", "-dev-bogus"}, 2, "flag provided but not defined: -dev-bogus"},
		{[]string{"server", "-config", "/etc/vault.hcl"}, 2, "mockvault does not read Vault configuration files (-config /etc/vault.hcl)"},
		{[]string{"server", "-dev", "-log-format=xml"}, 2, "unknown log format: xml"},
		{[]string{"server", "-dev-tls", "-tls-cert-file=a", "-tls-key-file=b"}, 2, "-dev-tls generates its own certificate"},
		{[]string{"server", "-dev-tls", "-dev-tls-cert-dir=/nonexistent/dir", "-dev-listen-address=127.0.0.1:0"}, 1, "Error initializing Dev TLS: stat /nonexistent/dir"},
		{[]string{"frobnicate"}, 2, "Unknown command: frobnicate"},
	} {
		var out, errOut syncBuf
		if code := run(tc.args, &out, &errOut, nil); code != tc.code || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%v: exit %d: %s", tc.args, code, errOut.String())
		}
	}
}

// An environment twin sets a flag; the flag itself wins.
func TestServerEnvTwins(t *testing.T) {
	t.Setenv("MOCKVAULT_DEV_NO_KV", "true")
	t.Setenv("VAULT_LOG_FORMAT", "json")
	t.Setenv("MOCKVAULT_DEV_TLS_SAN", "a.example,b.example")
	c, code := parseServerFlags([]string{"-log-format=standard"}, io.Discard, io.Discard)
	if code != 0 || !c.dev || !c.devNoKV || c.jsonLog || strings.Join(c.devTLSSANs, " ") != "a.example b.example" {
		t.Fatalf("%d %+v", code, c)
	}
	t.Setenv("MOCKVAULT_DEV_TLS", "maybe")
	var errOut syncBuf
	if _, code := parseServerFlags([]string{"-dev"}, io.Discard, &errOut); code != 2 || !strings.Contains(errOut.String(), `invalid MOCKVAULT_DEV_TLS "maybe"`) {
		t.Fatalf("%d %s", code, errOut.String())
	}
}

// mockvault version, -h and server -h: every server flag is listed with
// its default and environment twin.
func TestVersionAndHelp(t *testing.T) {
	var out, errOut syncBuf
	if code := run([]string{"version"}, &out, &errOut, nil); code != 0 || !strings.HasPrefix(out.String(), "mockvault ") || !strings.Contains(out.String(), "(a mock of Vault v1.21.1)") {
		t.Fatalf("version: %d %q", code, out.String())
	}
	out = syncBuf{}
	if code := run([]string{"-h"}, &out, &errOut, nil); code != 0 || !strings.Contains(out.String(), "server ") || !strings.Contains(out.String(), "version ") ||
		!strings.Contains(out.String(), "  -dev-tls\n") {
		t.Fatalf("-h: %d %s", code, out.String())
	}
	out = syncBuf{}
	if code := run([]string{"server", "-h"}, &out, &errOut, nil); code != 0 {
		t.Fatalf("server -h: %d %s", code, errOut.String())
	}
	var c config
	for _, f := range serverFlags(&c) {
		line := "  -" + f.name + "\n"
		i := strings.Index(out.String(), line)
		if i < 0 {
			t.Fatalf("server -h lacks -%s:\n%s", f.name, out.String())
		}
		next := out.String()[i+len(line):]
		next = next[:strings.Index(next, "\n")]
		if !strings.Contains(next, "(default ") || (f.env != "" && !strings.Contains(next, "env "+f.env)) {
			t.Errorf("-%s: %q", f.name, next)
		}
	}
	if !strings.Contains(out.String(), "(default 127.0.0.1:8200; env VAULT_DEV_LISTEN_ADDRESS)") {
		t.Fatalf("listen default:\n%s", out.String())
	}
}
