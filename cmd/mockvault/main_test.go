package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
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
	cfg := api.DefaultConfig()
	cfg.Address = addr
	if err := cfg.ConfigureTLS(&api.TLSConfig{CACert: cert}); err != nil {
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
