package mockvault_test

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/testhelpers"
)

// certVault is a server with the cert method at auth/cert, served over
// TLS asking for client certificates, and a test CA trusted as "web".
func certVault(t testing.TB, data map[string]any) (*testhelpers.Vault, *httptest.Server, *testhelpers.CA) {
	t.Helper()
	v := testhelpers.RunT(t)
	if err := v.Client.Sys().EnableAuthWithOptions("cert", &api.EnableAuthOptions{Type: "cert"}); err != nil {
		t.Fatalf("enable: %v", err)
	}
	ca := testhelpers.NewCA(t)
	body := map[string]any{"certificate": ca.PEM}
	for k, x := range data {
		body[k] = x
	}
	arWrite(t, v.Client, "auth/cert/certs/web", body)
	return v, testhelpers.StartTLS(t, v.Server), ca
}

func certLogin(t *testing.T, c *api.Client, name string) (*api.Secret, error) {
	t.Helper()
	var d map[string]any
	if name != "" {
		d = map[string]any{"name": name}
	}
	return c.Logical().Write("auth/cert/login", d)
}

func TestCertLoginWithClientCertificate(t *testing.T) {
	v, srv, ca := certVault(t, map[string]any{"token_policies": "web", "token_ttl": "1h", "allowed_common_names": "*.example.com"})
	cc := ca.Issue(t, testhelpers.CertOptions{CommonName: "app.example.com"})
	client := cc.APIClient(t, srv)
	sec, err := certLogin(t, client, "")
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	a := sec.Auth
	if a.LeaseDuration != 3600 || a.Metadata["cert_name"] != "web" || a.Metadata["common_name"] != "app.example.com" ||
		a.Metadata["serial_number"] != cc.Cert.SerialNumber.String() || a.Metadata["authority_key_id"] == "" {
		t.Fatalf("auth %+v", a)
	}
	client.SetToken(a.ClientToken)
	look, err := client.Auth().Token().LookupSelf()
	if err != nil || look.Data["display_name"] != "cert-web" {
		t.Fatalf("lookup %v %v", err, look)
	}
	// Named login, case-insensitive, works too; the wrong CN does not.
	if _, err := certLogin(t, cc.APIClient(t, srv), "WEB"); err != nil {
		t.Fatal(err)
	}
	other := ca.Issue(t, testhelpers.CertOptions{CommonName: "evil.test"})
	_, err = certLogin(t, other.APIClient(t, srv), "")
	wantErr(t, err, 400, "failed to match all constraints for this login certificate")
	// Renewal follows the entry; a change of policies stops it.
	arWrite(t, v.Client, "auth/cert/certs/web", map[string]any{"token_policies": "web,extra"})
	_, err = client.Auth().Token().RenewSelf(0)
	wantErr(t, err, 500, "policies have changed, not renewing")
}

func TestCertLoginRefusals(t *testing.T) {
	v, srv, ca := certVault(t, nil)
	// Not over TLS, no client certificate, an untrusted CA, a revoked or
	// expired certificate.
	_, err := certLogin(t, arAs(t, v, ""), "")
	wantErr(t, err, 400, "tls connection required")
	stranger := testhelpers.NewCA(t).Issue(t, testhelpers.CertOptions{CommonName: "x"})
	_, err = certLogin(t, stranger.APIClient(t, srv), "")
	wantErr(t, err, 400, "failed to match all constraints for this login certificate")
	revoked := ca.Issue(t, testhelpers.CertOptions{CommonName: "r"})
	arWrite(t, v.Client, "auth/cert/crls/ca", map[string]any{"crl": string(ca.Revoke(t, revoked))})
	_, err = certLogin(t, revoked.APIClient(t, srv), "")
	wantErr(t, err, 400, "failed to match all constraints")
	crl := arRead(t, v.Client, "auth/cert/crls/ca").Data["serials"].(map[string]any)
	if _, ok := crl[revoked.Cert.SerialNumber.String()]; !ok {
		t.Fatalf("crl %v", crl)
	}
	ok := ca.Issue(t, testhelpers.CertOptions{CommonName: "ok"})
	if _, err := certLogin(t, ok.APIClient(t, srv), ""); err != nil {
		t.Fatal(err)
	}
	v.Clock.Advance(48 * time.Hour) // past the certificate's NotAfter on the server clock
	_, err = certLogin(t, ok.APIClient(t, srv), "")
	wantErr(t, err, 500, "failed to verify client's certificate: x509: certificate has expired or is not yet valid")
}

func TestCertConstraintsAndTrustedLeaf(t *testing.T) {
	v, srv, ca := certVault(t, map[string]any{
		"allowed_dns_sans": "*.svc", "allowed_organizational_units": "ops",
		"required_extensions": "1.2.3.4:team-*", "allowed_metadata_extensions": "1.2.3.4",
	})
	ext, _ := asn1.Marshal("team-a")
	good := ca.Issue(t, testhelpers.CertOptions{CommonName: "c", DNSNames: []string{"api.svc"}, OrganizationalUnits: []string{"ops"},
		Extensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3, 4}, Value: ext}}})
	sec, err := certLogin(t, good.APIClient(t, srv), "")
	if err != nil {
		t.Fatal(err)
	}
	if sec.Auth.Metadata["1-2-3-4"] != "team-a" {
		t.Fatalf("metadata %v", sec.Auth.Metadata)
	}
	noExt := ca.Issue(t, testhelpers.CertOptions{CommonName: "c", DNSNames: []string{"api.svc"}, OrganizationalUnits: []string{"ops"}})
	_, err = certLogin(t, noExt.APIClient(t, srv), "")
	wantErr(t, err, 400, "failed to match all constraints")

	// A trusted leaf (non-CA entry) is matched by serial and content.
	leaf := testhelpers.NewCA(t).Issue(t, testhelpers.CertOptions{CommonName: "leaf"})
	arWrite(t, v.Client, "auth/cert/certs/leaf", map[string]any{"certificate": leaf.PEM})
	sec, err = certLogin(t, leaf.APIClient(t, srv), "leaf")
	if err != nil || sec.Auth.Metadata["cert_name"] != "leaf" {
		t.Fatalf("%v %+v", err, sec)
	}
}

func TestCertEntryAndConfigEndpoints(t *testing.T) {
	v, _, ca := certVault(t, nil)
	c := v.Client
	d := arRead(t, c, "auth/cert/certs/web").Data
	if d["display_name"] != "web" || d["ocsp_max_retries"].(interface{ String() string }).String() != "4" || d["allowed_names"] != nil {
		t.Fatalf("read %v", d)
	}
	w := func(p string, data map[string]any) error { _, err := c.Logical().Write(p, data); return err }
	wantErr(t, w("auth/cert/certs/bad", map[string]any{"certificate": "nope"}), 400, "failed to parse certificate")
	wantErr(t, w("auth/cert/certs/bad", map[string]any{"certificate": ca.PEM, "token_ttl": "2h", "token_max_ttl": "1h"}), 400,
		"'token_ttl' cannot be greater than 'token_max_ttl'")
	s, err := c.Logical().Write("auth/cert/certs/web", map[string]any{"ttl": "800h"})
	if err != nil || len(s.Warnings) != 1 || s.Warnings[0] != "Given ttl of 2880000 seconds is greater than current mount/system default of 2764800 seconds" {
		t.Fatalf("%v %+v", err, s)
	}
	cfg := arRead(t, c, "auth/cert/config").Data
	if cfg["disable_binding"] != false || cfg["ocsp_cache_size"].(interface{ String() string }).String() != "0" {
		t.Fatalf("config %v", cfg)
	}
	wantErr(t, w("auth/cert/config", map[string]any{"ocsp_cache_size": 1}), 400, "invalid ocsp cache size, must be >= 2 and <= 100000")
	wantErr(t, w("auth/cert/config", map[string]any{"role_cache_size": -2}), 400, "invalid role cache size, must be <= 100000 or -1 to disable role caching")
	arWrite(t, c, "auth/cert/config", map[string]any{"enable_identity_alias_metadata": true, "ocsp_cache_size": 50})
	if cfg := arRead(t, c, "auth/cert/config").Data; cfg["enable_identity_alias_metadata"] != true {
		t.Fatalf("config %v", cfg)
	}
	_, err = c.Logical().Read("auth/cert/crls/none")
	wantErr(t, err, 400, "no such CRL none")
	wantErr(t, w("auth/cert/crls/x", map[string]any{}), 400, "one of 'crl' or 'url' must be provided")
	l, err := c.Logical().List("auth/cert/certs")
	if err != nil || len(l.Data["keys"].([]any)) != 1 {
		t.Fatalf("%v %v", err, l)
	}
}

// TestMachineAuthSnapshotRestore: Restore brings back the Kubernetes and
// cert mounts' config, roles, entries and CRLs as they were, independent
// of later writes.
func TestMachineAuthSnapshotRestore(t *testing.T) {
	v, _, ca := certVault(t, map[string]any{"allowed_names": "a"})
	c := v.Client
	if err := c.Sys().EnableAuthWithOptions("kubernetes", &api.EnableAuthOptions{Type: "kubernetes"}); err != nil {
		t.Fatal(err)
	}
	arWrite(t, c, "auth/kubernetes/config", map[string]any{"kubernetes_host": "https://h", "disable_local_ca_jwt": true, "pem_keys": testhelpers.NewKubernetes(t).PublicKeyPEM()})
	arWrite(t, c, "auth/kubernetes/role/r", map[string]any{"bound_service_account_names": "a", "bound_service_account_namespaces": "n", "token_policies": "p"})
	arWrite(t, c, "auth/cert/crls/c", map[string]any{"crl": string(ca.Revoke(t, ca.Issue(t, testhelpers.CertOptions{CommonName: "x"})))})
	snap := v.Server.Snapshot()
	arWrite(t, c, "auth/kubernetes/role/r", map[string]any{"token_policies": "changed"})
	arWrite(t, c, "auth/kubernetes/config", map[string]any{"kubernetes_host": "https://other", "disable_local_ca_jwt": true})
	arWrite(t, c, "auth/cert/certs/web", map[string]any{"allowed_names": "b"})
	if _, err := c.Logical().Delete("auth/cert/crls/c"); err != nil {
		t.Fatal(err)
	}
	v.Server.Restore(snap)
	if p := arRead(t, c, "auth/kubernetes/role/r").Data["token_policies"].([]any); p[0] != "p" {
		t.Fatalf("role %v", p)
	}
	if cfg := arRead(t, c, "auth/kubernetes/config").Data; cfg["kubernetes_host"] != "https://h" || len(cfg["pem_keys"].([]any)) != 1 {
		t.Fatalf("config %v", cfg)
	}
	if n := arRead(t, c, "auth/cert/certs/web").Data["allowed_names"].([]any); n[0] != "a" {
		t.Fatalf("cert %v", n)
	}
	arRead(t, c, "auth/cert/crls/c")
}

// TestCertMetadataOnFailures: with enable_metadata_on_failures a refused
// login answers the client certificate's facts next to the error.
func TestCertMetadataOnFailures(t *testing.T) {
	v, srv, ca := certVault(t, map[string]any{"allowed_common_names": "good"})
	arWrite(t, v.Client, "auth/cert/config", map[string]any{"enable_metadata_on_failures": true})
	bad := ca.Issue(t, testhelpers.CertOptions{CommonName: "bad"})
	hc := bad.APIClient(t, srv).CloneConfig().HttpClient
	resp, err := hc.Post(srv.URL+"/v1/auth/cert/login", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Errors []string          `json:"errors"`
		Data   map[string]string `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 400 || body.Data["common_name"] != "bad" || body.Data["serial_number"] != bad.Cert.SerialNumber.String() ||
		body.Errors[0] != "failed to match all constraints for this login certificate" {
		t.Fatalf("%d %+v", resp.StatusCode, body)
	}
}

// TestCertCRLFromURL: a CRL fetched from a distribution point revokes.
func TestCertCRLFromURL(t *testing.T) {
	v, srv, ca := certVault(t, nil)
	cc := ca.Issue(t, testhelpers.CertOptions{CommonName: "c"})
	cdp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(ca.Revoke(t, cc)) }))
	defer cdp.Close()
	arWrite(t, v.Client, "auth/cert/crls/cdp", map[string]any{"url": cdp.URL})
	if c := arRead(t, v.Client, "auth/cert/crls/cdp").Data["cdp"].(map[string]any); c["url"] != cdp.URL {
		t.Fatalf("cdp %v", c)
	}
	_, err := certLogin(t, cc.APIClient(t, srv), "")
	wantErr(t, err, 400, "failed to match all constraints")
}
