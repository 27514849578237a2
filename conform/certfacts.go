package conform

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Certificate facts. Certificates, keys, CSRs and CRLs differ between
// servers in every byte (keys, serials, signatures, times), so they are not
// compared as is, and their shape says little. A value at a Rules.CertPaths
// path, and a non-JSON body under Rules.RawFacts, is compared as its
// facts instead: for each PEM block (or a base64 DER or raw DER value) what
// a client relies on. Certificates: subject, issuer, SANs (DNS, email, IP,
// URI), key type and size, CA flag and path length, key usages, extended
// key usages, validity length (to 10 s), signature algorithm, key IDs
// present, the authority key ID matching its issuer's, serial format.
// Private keys: PEM type, key type and size. CSRs: subject, SANs, key.
// CRLs: issuer, number present, revoked entry count, validity length.

var hexColonRe = regexp.MustCompile(`^[0-9a-f]{2}(:[0-9a-f]{2})*$`)

// PEMFacts returns the facts of a PEM, base64 DER or raw DER value.
func PEMFacts(s string) any {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	var out []any
	rest := []byte(strings.TrimSpace(s))
	for len(rest) > 0 {
		b, r := pem.Decode(rest)
		if b == nil {
			break
		}
		out = append(out, blockFacts(b.Type, b.Bytes))
		rest = []byte(strings.TrimSpace(string(r)))
	}
	if len(out) == 0 {
		der := []byte(s)
		if d, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, "base64:")); err == nil {
			der = d
		}
		for _, typ := range []string{"CERTIFICATE", "X509 CRL", "CERTIFICATE REQUEST", "PRIVATE KEY"} {
			if f := blockFacts(typ, der); f != nil {
				if m, ok := f.(map[string]any); !ok || m["error"] == nil {
					return f
				}
			}
		}
		return map[string]any{"error": "not a certificate, CRL, CSR or key"}
	}
	if len(out) == 1 {
		return out[0]
	}
	return out
}

func blockFacts(typ string, der []byte) any {
	switch {
	case typ == "CERTIFICATE":
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return map[string]any{"error": "certificate: " + err.Error()}
		}
		return certFacts(c)
	case typ == "X509 CRL":
		l, err := x509.ParseRevocationList(der)
		if err != nil {
			return map[string]any{"error": "crl: " + err.Error()}
		}
		return map[string]any{"type": "crl", "issuer": l.Issuer.String(), "number": l.Number != nil,
			"revoked": len(l.RevokedCertificateEntries), "validity": roundDur(l.NextUpdate.Sub(l.ThisUpdate)),
			"signature_algorithm": l.SignatureAlgorithm.String()}
	case typ == "CERTIFICATE REQUEST":
		c, err := x509.ParseCertificateRequest(der)
		if err != nil {
			return map[string]any{"error": "csr: " + err.Error()}
		}
		return map[string]any{"type": "csr", "subject": c.Subject.String(), "dns": c.DNSNames, "emails": c.EmailAddresses,
			"key": keyFacts(c.PublicKey), "signature_ok": c.CheckSignature() == nil}
	case strings.HasSuffix(typ, "PRIVATE KEY"):
		var k any
		var err error
		switch typ {
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(der)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(der)
		default:
			k, err = x509.ParsePKCS8PrivateKey(der)
		}
		if err != nil {
			return map[string]any{"error": typ + ": " + err.Error()}
		}
		signer, _ := k.(crypto.Signer)
		if signer == nil {
			return map[string]any{"error": typ + ": not a signing key"}
		}
		return map[string]any{"type": "private key", "pem": typ, "key": keyFacts(signer.Public())}
	}
	return map[string]any{"error": "PEM block " + typ}
}

func certFacts(c *x509.Certificate) map[string]any {
	var ips, uris []string
	for _, ip := range c.IPAddresses {
		ips = append(ips, ip.String())
	}
	for _, u := range c.URIs {
		uris = append(uris, u.String())
	}
	var ku []string
	for i, n := range []string{"DigitalSignature", "ContentCommitment", "KeyEncipherment", "DataEncipherment",
		"KeyAgreement", "CertSign", "CRLSign", "EncipherOnly", "DecipherOnly"} {
		if c.KeyUsage&(1<<i) != 0 {
			ku = append(ku, n)
		}
	}
	var eku []string
	for _, u := range c.ExtKeyUsage {
		eku = append(eku, fmt.Sprint(u))
	}
	sort.Strings(eku)
	serial := "other"
	if s := hexColonSerial(c); hexColonRe.MatchString(s) && len(c.SerialNumber.Bytes()) >= 16 {
		serial = "random, 16+ bytes"
	}
	return map[string]any{
		"type": "certificate", "subject": c.Subject.String(), "issuer": c.Issuer.String(),
		"dns": c.DNSNames, "emails": c.EmailAddresses, "ips": ips, "uris": uris,
		"key": keyFacts(c.PublicKey), "ca": c.IsCA, "basic_constraints": c.BasicConstraintsValid,
		"max_path_len": fmt.Sprintf("%d/%v", c.MaxPathLen, c.MaxPathLenZero), "key_usage": ku, "ext_key_usage": eku,
		"validity": roundDur(c.NotAfter.Sub(c.NotBefore)), "signature_algorithm": c.SignatureAlgorithm.String(),
		"subject_key_id": len(c.SubjectKeyId) > 0, "authority_key_id": len(c.AuthorityKeyId) > 0,
		"self_signed": string(c.RawIssuer) == string(c.RawSubject) && c.CheckSignatureFrom(c) == nil,
		"serial":      serial, "crl_distribution_points": c.CRLDistributionPoints,
		"issuing_certificate_url": c.IssuingCertificateURL, "ocsp_server": c.OCSPServer,
		"permitted_dns_domains": c.PermittedDNSDomains, "other_sans": otherSANs(c),
	}
}

// otherSANs are the certificate's otherName SANs as "<oid>;UTF8:<value>"
// (Go's parser skips them).
func otherSANs(c *x509.Certificate) []string {
	var out []string
	for _, e := range c.Extensions {
		if !e.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 17}) {
			continue
		}
		var names []asn1.RawValue
		if _, err := asn1.Unmarshal(e.Value, &names); err != nil {
			return []string{"unparsable SAN extension"}
		}
		for _, n := range names {
			if n.Class != asn1.ClassContextSpecific || n.Tag != 0 {
				continue
			}
			var oid asn1.ObjectIdentifier
			rest, err := asn1.Unmarshal(n.Bytes, &oid)
			if err != nil {
				out = append(out, "unparsable otherName")
				continue
			}
			var wrapped asn1.RawValue
			var val string
			if _, err := asn1.Unmarshal(rest, &wrapped); err == nil {
				_, _ = asn1.UnmarshalWithParams(wrapped.Bytes, &val, "utf8")
			}
			out = append(out, oid.String()+";UTF8:"+val)
		}
	}
	sort.Strings(out)
	return out
}

func hexColonSerial(c *x509.Certificate) string {
	b := c.SerialNumber.Bytes()
	parts := make([]string, len(b))
	for i, x := range b {
		parts[i] = fmt.Sprintf("%02x", x)
	}
	return strings.Join(parts, ":")
}

func keyFacts(pub any) string {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("rsa-%d", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "ec-" + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "ed25519"
	}
	return fmt.Sprintf("%T", pub)
}

// roundDur is a validity length to 10 s: servers truncate both ends to
// whole seconds at slightly different instants.
func roundDur(d time.Duration) string { return d.Round(10 * time.Second).String() }

// jsonRoundTrip makes facts look like a decoded JSON answer ([]any,
// map[string]any, json.Number), as the comparison expects.
func jsonRoundTrip(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var out any
	if dec.Decode(&out) != nil {
		return v
	}
	return out
}
