package mockvault_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/mockvault"
	"github.com/mockvault/mockvault/testhelpers"
)

// pkiVault starts a server with pki mounted at path, a root CA generated.
func pkiVault(t *testing.T, path string) (*testhelpers.Vault, *x509.Certificate) {
	t.Helper()
	v := testhelpers.RunT(t)
	if err := v.Client.Sys().Mount(path, &api.MountInput{Type: "pki", Config: api.MountConfigInput{MaxLeaseTTL: "87600h"}}); err != nil {
		t.Fatalf("mount: %v", err)
	}
	s, err := v.Client.Logical().Write(path+"/root/generate/internal", map[string]any{"common_name": "example.com", "ttl": "8760h", "key_type": "ec"})
	if err != nil {
		t.Fatalf("root: %v", err)
	}
	return v, mustCert(t, s.Data["certificate"].(string))
}

func mustCert(t *testing.T, s string) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode([]byte(s))
	if b == nil {
		t.Fatalf("no PEM in %q", s)
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestPKIRootIssueVerify(t *testing.T) {
	v, root := pkiVault(t, "pki")
	c := v.Client.Logical()
	if !root.IsCA || root.Subject.CommonName != "example.com" {
		t.Fatalf("root: CA %v CN %q", root.IsCA, root.Subject.CommonName)
	}
	if _, err := c.Write("pki/roles/example-dot-com", map[string]any{"allowed_domains": "example.com", "allow_subdomains": true, "max_ttl": "72h"}); err != nil {
		t.Fatal(err)
	}
	keys, err := c.List("pki/keys")
	if err != nil || keys == nil || len(keys.Data["keys"].([]any)) != 1 {
		t.Fatalf("keys: %v %v", keys, err)
	}
	s, err := c.Write("pki/issue/example-dot-com", map[string]any{"common_name": "www.example.com", "ip_sans": "127.0.0.1", "ttl": "1h"})
	if err != nil {
		t.Fatal(err)
	}
	leaf := mustCert(t, s.Data["certificate"].(string))
	pool := x509.NewCertPool()
	pool.AddCert(root)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "www.example.com"}); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if got := leaf.NotAfter.Sub(leaf.NotBefore); got != time.Hour+30*time.Second {
		t.Fatalf("validity %v", got)
	}
	if sn := s.Data["serial_number"].(string); !strings.Contains(sn, ":") || sn != strings.ToLower(sn) {
		t.Fatalf("serial %q", sn)
	}
	if s.Data["private_key_type"] != "rsa" {
		t.Fatalf("key type %v", s.Data["private_key_type"])
	}
	if _, err := c.Write("pki/issue/example-dot-com", map[string]any{"common_name": "www.other.com"}); err == nil || !strings.Contains(err.Error(), "common name www.other.com not allowed by this role") {
		t.Fatalf("other name: %v", err)
	}
	// The CA is served without a token.
	anon, _ := v.Client.Clone()
	anon.ClearToken()
	ca, err := anon.Logical().Read("pki/cert/ca")
	if err != nil || ca == nil {
		t.Fatalf("anon cert/ca: %v", err)
	}
	if !mustCert(t, ca.Data["certificate"].(string)).Equal(root) {
		t.Fatal("cert/ca is not the root")
	}
	if _, err := anon.Logical().Read("pki/roles/example-dot-com"); err == nil {
		t.Fatal("roles read without a token")
	}
}

// A server presenting a mock-issued leaf and a client trusting only the
// mock's CA complete a TLS handshake, in both directions (mTLS).
func TestPKITLSHandshake(t *testing.T) {
	v, _ := pkiVault(t, "pki")
	c := v.Client.Logical()
	if _, err := c.Write("pki/roles/svc", map[string]any{"allowed_domains": "example.com", "allow_subdomains": true, "allow_localhost": true, "key_type": "ec"}); err != nil {
		t.Fatal(err)
	}
	issue := func(cn string) tls.Certificate {
		s, err := c.Write("pki/issue/svc", map[string]any{"common_name": cn, "ip_sans": "127.0.0.1", "ttl": "1h"})
		if err != nil {
			t.Fatal(err)
		}
		pair, err := tls.X509KeyPair([]byte(s.Data["certificate"].(string)), []byte(s.Data["private_key"].(string)))
		if err != nil {
			t.Fatal(err)
		}
		return pair
	}
	caPEM, err := v.Client.Logical().ReadRaw("pki/ca/pem")
	if err != nil {
		t.Fatal(err)
	}
	defer caPEM.Body.Close()
	body, _ := io.ReadAll(caPEM.Body)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(body) {
		t.Fatalf("ca/pem: %q", body)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, r.TLS.PeerCertificates[0].Subject.CommonName)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{issue("localhost")}, ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert}
	srv.StartTLS()
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{issue("client.example.com")}}}}
	resp, err := client.Get(srv.URL)
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if string(got) != "client.example.com" {
		t.Fatalf("server saw client %q", got)
	}
	// A client trusting another CA refuses the server.
	other, _ := pkiVault(t, "pki")
	otherCA, _ := other.Client.Logical().Read("pki/cert/ca")
	pool2 := x509.NewCertPool()
	pool2.AppendCertsFromPEM([]byte(otherCA.Data["certificate"].(string)))
	bad := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool2}}}
	if _, err := bad.Get(srv.URL); err == nil {
		t.Fatal("a client trusting another CA completed the handshake")
	}
}

// Snapshot/Restore covers issuers, roles, issued and revoked certificates;
// a restored copy is independent of later changes.
func TestPKISnapshotRestore(t *testing.T) {
	v, root := pkiVault(t, "pki")
	c := v.Client.Logical()
	if _, err := c.Write("pki/roles/r", map[string]any{"allow_any_name": true, "key_type": "ec"}); err != nil {
		t.Fatal(err)
	}
	s, err := c.Write("pki/issue/r", map[string]any{"common_name": "a.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	serial := s.Data["serial_number"].(string)
	sn := v.Server.Snapshot()
	if _, err := c.Write("pki/revoke", map[string]any{"serial_number": serial}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Delete("pki/roles/r"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Delete("pki/root"); err != nil {
		t.Fatal(err)
	}
	v.Server.Restore(sn)
	ca, err := c.Read("pki/cert/ca")
	if err != nil || !mustCert(t, ca.Data["certificate"].(string)).Equal(root) {
		t.Fatalf("CA after restore: %v", err)
	}
	if r, err := c.Read("pki/roles/r"); err != nil || r == nil {
		t.Fatalf("role after restore: %v %v", r, err)
	}
	cert, err := c.Read("pki/cert/" + serial)
	if err != nil || cert.Data["revocation_time"].(json.Number).String() != "0" {
		t.Fatalf("cert after restore: %v %v", cert, err)
	}
	if _, err := c.Write("pki/issue/r", map[string]any{"common_name": "b.example.com"}); err != nil {
		t.Fatalf("issue after restore: %v", err)
	}
}

// Revoking puts the serial on a CRL signed by the CA; the clock drives
// its dates and the revocation time.
func TestPKIRevokeCRL(t *testing.T) {
	clock := mockvault.NewManualClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	v := testhelpers.RunT(t, mockvault.Options{Clock: clock})
	c := v.Client.Logical()
	if err := v.Client.Sys().Mount("pki", &api.MountInput{Type: "pki"}); err != nil {
		t.Fatal(err)
	}
	s, err := c.Write("pki/root/generate/internal", map[string]any{"common_name": "CRL CA", "key_type": "ec", "ttl": "720h"})
	if err != nil {
		t.Fatal(err)
	}
	root := mustCert(t, s.Data["certificate"].(string))
	if !root.NotBefore.Equal(clock.Now().Add(-30 * time.Second)) {
		t.Fatalf("root NotBefore %v", root.NotBefore)
	}
	if _, err := c.Write("pki/roles/r", map[string]any{"allow_any_name": true, "key_type": "ec"}); err != nil {
		t.Fatal(err)
	}
	s, err = c.Write("pki/issue/r", map[string]any{"common_name": "gone.example.com", "ttl": "24h"})
	if err != nil {
		t.Fatal(err)
	}
	leaf := mustCert(t, s.Data["certificate"].(string))
	clock.Advance(time.Hour)
	if _, err := c.Write("pki/revoke", map[string]any{"serial_number": s.Data["serial_number"]}); err != nil {
		t.Fatal(err)
	}
	raw, err := c.ReadRaw("pki/crl")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Body.Close()
	der, _ := io.ReadAll(raw.Body)
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatalf("parse CRL: %v", err)
	}
	if err := crl.CheckSignatureFrom(root); err != nil {
		t.Fatalf("CRL signature: %v", err)
	}
	if len(crl.RevokedCertificateEntries) != 1 || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(leaf.SerialNumber) != 0 {
		t.Fatalf("CRL entries %+v", crl.RevokedCertificateEntries)
	}
	if !crl.RevokedCertificateEntries[0].RevocationTime.Equal(clock.Now()) || !crl.ThisUpdate.Equal(clock.Now()) {
		t.Fatalf("CRL times %v %v", crl.RevokedCertificateEntries[0].RevocationTime, crl.ThisUpdate)
	}
	l, err := c.List("pki/certs/revoked")
	if err != nil || len(l.Data["keys"].([]any)) != 1 {
		t.Fatalf("certs/revoked: %v %v", l, err)
	}
	// Past the CA's expiry the root cannot issue what would outlive it.
	clock.Advance(700 * time.Hour)
	if _, err := c.Write("pki/issue/r", map[string]any{"common_name": "late.example.com", "ttl": "48h"}); err == nil || !strings.Contains(err.Error(), "beyond the expiration of the CA certificate") {
		t.Fatalf("issue past the CA: %v", err)
	}
}

// A role's name rules, with the answers Vault 1.21.1 gives (checked by the
// conformance scenarios pki/issue and pki/names).
func TestPKIRoleNameRules(t *testing.T) {
	v, _ := pkiVault(t, "pki")
	c := v.Client.Logical()
	if _, err := c.Write("pki/roles/web", map[string]any{"allowed_domains": []string{"example.com", "*.glob.test"},
		"allow_subdomains": true, "allow_glob_domains": true, "allow_wildcard_certificates": false, "key_type": "ec",
		"allowed_uri_sans": "spiffe://example.com/*"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		body map[string]any
		want string // "" when allowed
	}{
		{map[string]any{"common_name": "a.example.com"}, ""},
		{map[string]any{"common_name": "a.glob.test"}, ""},
		{map[string]any{"common_name": "example.com"}, "common name example.com not allowed by this role"},
		{map[string]any{"common_name": "*.example.com"}, "common name *.example.com not allowed by this role"},
		{map[string]any{"common_name": "a.example.com", "alt_names": "b.other.com"}, "subject alternate name b.other.com not allowed by this role"},
		{map[string]any{"common_name": "a.example.com", "ip_sans": "300.1.1.1"}, `the value "300.1.1.1" is not a valid IP address`},
		{map[string]any{"common_name": "a.example.com", "uri_sans": "spiffe://example.com/svc"}, ""},
		{map[string]any{"common_name": "a.example.com", "uri_sans": "spiffe://other/x"}, "URI Subject Alternative Names were provided via the API which are not valid for this role"},
		{map[string]any{}, `the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false`},
		{map[string]any{"common_name": "a.example.com", "format": "p12"}, `the "format" path parameter must be "pem", "der", or "pem_bundle"`},
	} {
		s, err := c.Write("pki/issue/web", tc.body)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.body, err)
		case tc.want == "" && s.Data["certificate"] == nil:
			t.Errorf("%v: no certificate", tc.body)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: got %v, want %q", tc.body, err, tc.want)
		}
	}
	if _, err := c.Write("pki/issue/nope", map[string]any{"common_name": "a.example.com"}); err == nil || !strings.Contains(err.Error(), "unknown role: nope") {
		t.Errorf("unknown role: %v", err)
	}
	if _, err := c.Write("pki/roles/bad", map[string]any{"ttl": "2h", "max_ttl": "1h"}); err == nil || !strings.Contains(err.Error(), `"ttl" value must be less than "max_ttl" value`) {
		t.Errorf("ttl > max_ttl: %v", err)
	}
	r, err := c.Read("pki/roles/web")
	if err != nil || r.Data["key_bits"].(json.Number).String() != "256" || r.Data["signature_bits"].(json.Number).String() != "0" {
		t.Errorf("role read: %v %v", r, err)
	}
}
