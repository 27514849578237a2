package testhelpers

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"time"

	"github.com/hashicorp/vault/api"
)

// CA is a test certificate authority for the TLS certificate auth method:
// register CA.PEM as a trusted certificate (auth/cert/certs/:name
// certificate=...) and log in with a client certificate it issued.
//
//	ca := testhelpers.NewCA(t)
//	cc := ca.Issue(t, testhelpers.CertOptions{CommonName: "app.example.com"})
//	srv := testhelpers.StartTLS(t, v.Server) // asks for client certificates, as Vault's listener does
//	client := cc.APIClient(t, srv)
//	sec, err := client.Logical().Write("auth/cert/login", map[string]any{"name": "app"})
type CA struct {
	Cert *x509.Certificate
	// PEM is the CA certificate, for a trusted entry's "certificate".
	PEM string
	key *ecdsa.PrivateKey
	// chain is an intermediate's certificate chain (DER), sent by the
	// certificates it issues.
	chain [][]byte
}

// CertOptions are what a client certificate says about its holder.
type CertOptions struct {
	CommonName          string
	DNSNames            []string
	EmailAddresses      []string
	URIs                []string
	OrganizationalUnits []string
	Organizations       []string
	// Extensions are added as they are (required_extensions,
	// allowed_metadata_extensions).
	Extensions []pkix.Extension
	// NotBefore and NotAfter default to an hour ago and a day from now.
	NotBefore, NotAfter time.Time
	// IsCA makes an intermediate CA (its own Issue works too).
	IsCA bool
}

// ClientCert is a certificate and its key.
type ClientCert struct {
	Cert *x509.Certificate
	// PEM and KeyPEM are the certificate and its PKCS#8 key.
	PEM, KeyPEM string
	// TLS is the pair for a tls.Config's Certificates, the chain up to
	// (not including) the root.
	TLS tls.Certificate
	ca  *CA
}

var certSerial atomic.Int64

// NewCA makes a self-signed root CA (ECDSA P-256).
func NewCA(t Tester) *CA {
	t.Helper()
	cc := issue(t, nil, CertOptions{CommonName: "mockvault test CA", IsCA: true})
	return cc.ca
}

// Issue makes a certificate signed by the CA, for TLS client
// authentication.
func (ca *CA) Issue(t Tester, o CertOptions) *ClientCert {
	t.Helper()
	return issue(t, ca, o)
}

// AsCA lets an intermediate issued with IsCA sign certificates.
func (c *ClientCert) AsCA() *CA { return c.ca }

func issue(t Tester, parent *CA, o CertOptions) *ClientCert {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("testhelpers: %v", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano() + certSerial.Add(1)),
		Subject: pkix.Name{CommonName: o.CommonName, OrganizationalUnit: o.OrganizationalUnits,
			Organization: o.Organizations},
		DNSNames: o.DNSNames, EmailAddresses: o.EmailAddresses, ExtraExtensions: o.Extensions,
		NotBefore: o.NotBefore, NotAfter: o.NotAfter, BasicConstraintsValid: true, IsCA: o.IsCA,
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	for _, u := range o.URIs {
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatalf("testhelpers: URI %q: %v", u, err)
		}
		tmpl.URIs = append(tmpl.URIs, pu)
	}
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = now.Add(-time.Hour)
	}
	if tmpl.NotAfter.IsZero() {
		tmpl.NotAfter = now.Add(24 * time.Hour)
	}
	if o.IsCA {
		tmpl.KeyUsage |= x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	signer, signerCert := key, tmpl
	if parent != nil {
		signer, signerCert = parent.key, parent.Cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, &key.PublicKey, signer)
	if err != nil {
		t.Fatalf("testhelpers: %v", err)
	}
	cert, _ := x509.ParseCertificate(der)
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	cc := &ClientCert{
		Cert: cert, PEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		KeyPEM: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})),
		TLS:    tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert},
	}
	if parent != nil && parent.chain != nil {
		cc.TLS.Certificate = append(cc.TLS.Certificate, parent.chain...)
	}
	if o.IsCA {
		cc.ca = &CA{Cert: cert, PEM: cc.PEM, key: key}
		if parent != nil {
			cc.ca.chain = cc.TLS.Certificate
		}
	}
	return cc
}

// Revoke returns a DER CRL signed by the CA listing the certificates,
// for auth/cert/crls/:name (crl=...).
func (ca *CA) Revoke(t Tester, certs ...*ClientCert) []byte {
	t.Helper()
	list := &x509.RevocationList{Number: big.NewInt(certSerial.Add(1)), ThisUpdate: time.Now().Add(-time.Minute),
		NextUpdate: time.Now().Add(24 * time.Hour)}
	for _, c := range certs {
		list.RevokedCertificateEntries = append(list.RevokedCertificateEntries,
			x509.RevocationListEntry{SerialNumber: c.Cert.SerialNumber, RevocationTime: time.Now().Add(-time.Minute)})
	}
	der, err := x509.CreateRevocationList(rand.Reader, list, ca.Cert, ca.key)
	if err != nil {
		t.Fatalf("testhelpers: %v", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})
}

// StartTLS serves h (a *mockvault.Server) over TLS on a loopback port,
// asking clients for a certificate without requiring one, as Vault's
// listener does; it stops when the test ends.
func StartTLS(t Tester, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// APIClient is a Vault client for srv (trusting its certificate) that
// presents this client certificate, with no token; like NewClient's, it
// ignores VAULT_* variables and never retries.
func (c *ClientCert) APIClient(t Tester, srv *httptest.Server) *api.Client {
	t.Helper()
	client, err := NewClient(srv.URL, "")
	if err != nil {
		t.Fatalf("testhelpers: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	tr := client.CloneConfig().HttpClient.Transport.(*http.Transport)
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{c.TLS}}
	return client
}
