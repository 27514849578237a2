package mockvault

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// The file names `vault server -dev-tls` writes into its certificate
// directory; VAULT_CACERT points at the first.
const (
	DevTLSCAFile   = "vault-ca.pem"
	DevTLSCertFile = "vault-cert.pem"
	DevTLSKeyFile  = "vault-key.pem"
)

// DevTLS is what `vault server -dev-tls` generates: a CA ("Vault Dev CA",
// ten years) and a server certificate it signed (one year) for localhost,
// localhost4, localhost6, localhost.localdomain, the host name and
// 127.0.0.1, plus any extra names; P-256 keys, as Vault's.
type DevTLS struct {
	CAPEM, CertPEM, KeyPEM []byte
}

// NewDevTLS generates a dev CA and server certificate. Each extra SAN is
// an IP address or a DNS name.
func NewDevTLS(extraSANs ...string) (*DevTLS, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caID := subjectKeyID(&caKey.PublicKey)
	ca := &x509.Certificate{
		SerialNumber: devSerial(), Subject: pkix.Name{CommonName: "Vault Dev CA"},
		BasicConstraintsValid: true, IsCA: true, KeyUsage: x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		NotBefore:   now.Add(-time.Minute), NotAfter: now.Add(10 * 365 * 24 * time.Hour),
		SubjectKeyId: caID, AuthorityKeyId: caID,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("error creating CA certificate: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	leaf := &x509.Certificate{
		SerialNumber: devSerial(), Subject: pkix.Name{CommonName: host},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		NotBefore:   now.Add(-time.Minute), NotAfter: now.Add(365 * 24 * time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost", "localhost4", "localhost6", "localhost.localdomain"},
		SubjectKeyId: subjectKeyID(&key.PublicKey), AuthorityKeyId: caID,
	}
	if !contains(leaf.DNSNames, host) {
		leaf.DNSNames = append(leaf.DNSNames, host)
	}
	for _, san := range extraSANs {
		if ip := net.ParseIP(san); ip != nil {
			leaf.IPAddresses = append(leaf.IPAddresses, ip)
		} else if san != "" {
			leaf.DNSNames = append(leaf.DNSNames, san)
		}
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("error creating server certificate: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	return &DevTLS{
		CAPEM:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	}, nil
}

// WriteFiles writes the three files into dir with Vault's modes (the CA
// readable by all, the certificate and key by the owner only).
func (d *DevTLS) WriteFiles(dir string) error {
	for _, f := range []struct {
		name string
		data []byte
		mode os.FileMode
	}{{DevTLSCAFile, d.CAPEM, 0o444}, {DevTLSCertFile, d.CertPEM, 0o400}, {DevTLSKeyFile, d.KeyPEM, 0o400}} {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, f.mode); err != nil {
			return err
		}
	}
	return nil
}

// RemoveFiles removes what WriteFiles wrote, as Vault does on shutdown.
func (d *DevTLS) RemoveFiles(dir string) {
	for _, n := range []string{DevTLSCAFile, DevTLSCertFile, DevTLSKeyFile} {
		_ = os.Remove(filepath.Join(dir, n))
	}
}

// ServerConfig is a TLS configuration serving the server certificate.
func (d *DevTLS) ServerConfig() (*tls.Config, error) {
	cert, err := tls.X509KeyPair(d.CertPEM, d.KeyPEM)
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// CertPool is a pool trusting the dev CA, for clients.
func (d *DevTLS) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(d.CAPEM)
	return pool
}

// subjectKeyID is the SHA-1 of the marshalled public key, as certutil's.
func subjectKeyID(pub *ecdsa.PublicKey) []byte {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	sum := sha1.Sum(der)
	return sum[:]
}

// devSerial is a random serial below 2^159, as Vault's dev certificates.
func devSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 159))
	if err != nil {
		panic(err)
	}
	return n
}
