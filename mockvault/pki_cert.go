package mockvault

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Pure X.509 helpers of the PKI engine: keys, serials, key IDs, PEM and
// the signature algorithms Vault's certutil picks. No HTTP here.

// pkiKeyBits is Vault's certutil.ValidateDefaultOrValueKeyTypeSignatureLength:
// the key size and signature hash size a key type and request give, or the
// error Vault answers for them.
func pkiKeyBits(keyType string, keyBits, sigBits int) (int, int, error) {
	if keyBits == 0 {
		switch keyType {
		case "rsa":
			keyBits = 2048
		case "ec":
			keyBits = 256
		}
	}
	switch keyType {
	case "rsa":
		if keyBits < 2048 {
			return keyBits, sigBits, fmt.Errorf("RSA keys < 2048 bits are unsafe and not supported: got %d", keyBits)
		}
		switch keyBits {
		case 2048, 3072, 4096, 8192:
		default:
			return keyBits, sigBits, fmt.Errorf("unsupported bit length for RSA key: %d", keyBits)
		}
		if sigBits == 0 {
			sigBits = 256
		}
		switch sigBits {
		case 256, 384, 512:
		default:
			return keyBits, sigBits, fmt.Errorf("unsupported hash signature algorithm: %d", sigBits)
		}
	case "ec":
		// The signature hash follows the curve at signing time; the
		// requested value is kept as given.
		if _, ok := map[int]bool{224: true, 256: true, 384: true, 521: true}[keyBits]; !ok {
			return keyBits, sigBits, fmt.Errorf("unsupported bit length for EC key: %d", keyBits)
		}
	case "any", "ed25519":
		sigBits = 0
	default:
		return keyBits, sigBits, fmt.Errorf("unknown key type %s", keyType)
	}
	return keyBits, sigBits, nil
}

// pkiGenerateKey makes a private key of a validated type and size.
func pkiGenerateKey(keyType string, bits int) (crypto.Signer, error) {
	switch keyType {
	case "rsa":
		return rsa.GenerateKey(rand.Reader, bits)
	case "ec":
		var c elliptic.Curve
		switch bits {
		case 224:
			c = elliptic.P224()
		case 384:
			c = elliptic.P384()
		case 521:
			c = elliptic.P521()
		default:
			c = elliptic.P256()
		}
		return ecdsa.GenerateKey(c, rand.Reader)
	case "ed25519":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	}
	return nil, fmt.Errorf("unknown key type %s", keyType)
}

// pkiKeyTypeOf names a key's type as Vault does ("rsa", "ec", "ed25519").
func pkiKeyTypeOf(pub crypto.PublicKey) string {
	switch pub.(type) {
	case *rsa.PublicKey:
		return "rsa"
	case *ecdsa.PublicKey:
		return "ec"
	case ed25519.PublicKey:
		return "ed25519"
	}
	return "unknown"
}

// pkiKeyBitsOf is a public key's size (RSA modulus, EC curve; 0 for Ed25519).
func pkiKeyBitsOf(pub crypto.PublicKey) int {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		return k.N.BitLen()
	case *ecdsa.PublicKey:
		return k.Curve.Params().BitSize
	}
	return 0
}

// pkiMarshalKey encodes a private key as Vault returns it: PKCS#1 for RSA,
// SEC 1 for EC, PKCS#8 for Ed25519 (or for every type with pkcs8).
func pkiMarshalKey(k crypto.Signer, pkcs8 bool) (der []byte, pemType string) {
	if !pkcs8 {
		switch key := k.(type) {
		case *rsa.PrivateKey:
			return x509.MarshalPKCS1PrivateKey(key), "RSA PRIVATE KEY"
		case *ecdsa.PrivateKey:
			b, _ := x509.MarshalECPrivateKey(key)
			return b, "EC PRIVATE KEY"
		}
	}
	b, _ := x509.MarshalPKCS8PrivateKey(k)
	return b, "PRIVATE KEY"
}

// pkiKeyPEM is the key in PEM, as pkiMarshalKey encodes it.
func pkiKeyPEM(k crypto.Signer, pkcs8 bool) string {
	der, typ := pkiMarshalKey(k, pkcs8)
	return pkiPEM(typ, der)
}

// pkiParseKey reads a PEM private key of any of the encodings above.
func pkiParseKey(block *pem.Block) (crypto.Signer, error) {
	if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("unsupported private key type")
	}
	return s, nil
}

// pkiPEM is one PEM block without its trailing newline, as Vault answers.
func pkiPEM(typ string, der []byte) string {
	return strings.TrimSpace(string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})))
}

func pkiCertPEM(c *x509.Certificate) string { return pkiPEM("CERTIFICATE", c.Raw) }

// pkiB64 is DER in base64, the "der" format.
func pkiB64(der []byte) string { return base64.StdEncoding.EncodeToString(der) }

// pkiHexColons formats bytes as Vault's certutil.GetHexFormatted: lower
// case hex pairs joined by ":".
func pkiHexColons(b []byte) string {
	h := hex.EncodeToString(b)
	var sb strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			sb.WriteByte(':')
		}
		sb.WriteString(h[i : i+2])
	}
	return sb.String()
}

// pkiSerialOf is a certificate's serial in Vault's "xx:xx:..." form.
func pkiSerialOf(c *x509.Certificate) string { return pkiHexColons(c.SerialNumber.Bytes()) }

// pkiNormalizeSerial accepts "xx:xx", "xx-xx" and upper case, as Vault's
// serial lookups do.
func pkiNormalizeSerial(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, "-", ":"))
}

// pkiNewSerial is a random 160-bit serial (certutil.GenerateSerialNumber).
func pkiNewSerial() *big.Int {
	max := new(big.Int).Lsh(big.NewInt(1), 160)
	max.Sub(max, big.NewInt(1))
	n, err := rand.Int(rand.Reader, max)
	if err != nil {
		panic(err)
	}
	return n
}

// pkiSubjectKeyID is certutil.GetSubjectKeyID: SHA-1 of the raw public key.
func pkiSubjectKeyID(pub crypto.PublicKey) []byte {
	var raw []byte
	switch k := pub.(type) {
	case *rsa.PublicKey:
		raw, _ = asn1.Marshal(struct {
			N *big.Int
			E int
		}{k.N, k.E})
	case *ecdsa.PublicKey:
		raw, _ = k.Bytes()
	case ed25519.PublicKey:
		raw = k
	}
	sum := sha1.Sum(raw)
	return sum[:]
}

// pkiSigAlg is the algorithm an issuer's key signs with: the hash size
// asked for (RSA), the curve's (EC), or pure Ed25519.
func pkiSigAlg(pub crypto.PublicKey, sigBits int, pss bool) x509.SignatureAlgorithm {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		algs := map[int][2]x509.SignatureAlgorithm{
			384: {x509.SHA384WithRSA, x509.SHA384WithRSAPSS},
			512: {x509.SHA512WithRSA, x509.SHA512WithRSAPSS},
		}
		a, ok := algs[sigBits]
		if !ok {
			a = [2]x509.SignatureAlgorithm{x509.SHA256WithRSA, x509.SHA256WithRSAPSS}
		}
		if pss {
			return a[1]
		}
		return a[0]
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P384():
			return x509.ECDSAWithSHA384
		case elliptic.P521():
			return x509.ECDSAWithSHA512
		}
		return x509.ECDSAWithSHA256
	case ed25519.PublicKey:
		return x509.PureEd25519
	}
	return x509.UnknownSignatureAlgorithm
}

// pkiSigAlgNames are Vault's names of signature algorithms (certutil's
// SignatureAlgorithmNames, lower case), as revocation_signature_algorithm
// takes them.
var pkiSigAlgNames = map[string]x509.SignatureAlgorithm{
	"sha256withrsa": x509.SHA256WithRSA, "sha384withrsa": x509.SHA384WithRSA, "sha512withrsa": x509.SHA512WithRSA,
	"ecdsawithsha256": x509.ECDSAWithSHA256, "ecdsawithsha384": x509.ECDSAWithSHA384, "ecdsawithsha512": x509.ECDSAWithSHA512,
	"sha256withrsapss": x509.SHA256WithRSAPSS, "sha384withrsapss": x509.SHA384WithRSAPSS, "sha512withrsapss": x509.SHA512WithRSAPSS,
	"pureed25519": x509.PureEd25519, "ed25519": x509.PureEd25519,
}

// pkiSigAlgName is Vault's name of a signature algorithm (certutil's
// InvSignatureAlgorithmNames), as issuers report it.
func pkiSigAlgName(a x509.SignatureAlgorithm) string {
	switch a {
	case x509.UnknownSignatureAlgorithm:
		return ""
	case x509.PureEd25519:
		return "Ed25519"
	}
	return strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(a.String(), "-RSAPSS", "WithRSAPSS"), "-RSA", "WithRSA"), "ECDSA-", "ECDSAWith")
}

// pkiKeyUsages parses role key_usage names (case and a "KeyUsage" prefix
// ignored, unknown names skipped, as Vault's parseKeyUsages).
func pkiKeyUsages(names []string) x509.KeyUsage {
	byName := map[string]x509.KeyUsage{
		"digitalsignature": x509.KeyUsageDigitalSignature, "contentcommitment": x509.KeyUsageContentCommitment,
		"keyencipherment": x509.KeyUsageKeyEncipherment, "dataencipherment": x509.KeyUsageDataEncipherment,
		"keyagreement": x509.KeyUsageKeyAgreement, "certsign": x509.KeyUsageCertSign, "crlsign": x509.KeyUsageCRLSign,
		"encipheronly": x509.KeyUsageEncipherOnly, "decipheronly": x509.KeyUsageDecipherOnly,
	}
	var ku x509.KeyUsage
	for _, n := range names {
		ku |= byName[strings.ToLower(strings.TrimPrefix(strings.TrimSpace(n), "KeyUsage"))]
	}
	return ku
}

// pkiExtKeyUsages parses role ext_key_usage names the same way.
func pkiExtKeyUsages(names []string) []x509.ExtKeyUsage {
	byName := map[string]x509.ExtKeyUsage{
		"any": x509.ExtKeyUsageAny, "serverauth": x509.ExtKeyUsageServerAuth, "clientauth": x509.ExtKeyUsageClientAuth,
		"codesigning": x509.ExtKeyUsageCodeSigning, "emailprotection": x509.ExtKeyUsageEmailProtection,
		"ipsecendsystem": x509.ExtKeyUsageIPSECEndSystem, "ipsectunnel": x509.ExtKeyUsageIPSECTunnel,
		"ipsecuser": x509.ExtKeyUsageIPSECUser, "timestamping": x509.ExtKeyUsageTimeStamping,
		"ocspsigning": x509.ExtKeyUsageOCSPSigning, "microsoftservergatedcrypto": x509.ExtKeyUsageMicrosoftServerGatedCrypto,
		"netscapeservergatedcrypto": x509.ExtKeyUsageNetscapeServerGatedCrypto,
	}
	var out []x509.ExtKeyUsage
	for _, n := range names {
		if u, ok := byName[strings.ToLower(strings.TrimPrefix(strings.TrimSpace(n), "ExtKeyUsage"))]; ok {
			out = append(out, u)
		}
	}
	return out
}

// pkiParseCSR is Vault's parseCSR: the CSR field, its PEM and its
// signature, with Vault's texts.
func pkiParseCSR(s string) (*x509.CertificateRequest, error) {
	if s == "" {
		return nil, errors.New(`"csr" is empty`)
	}
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("csr contains no data")
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("certificate request could not be parsed: %v", err)
	}
	return csr, nil
}

// pkiParseCertsPEM is certutil.ParseCertsPEM: every certificate of a PEM
// text, with its error texts.
func pkiParseCertsPEM(s string) ([]*x509.Certificate, error) {
	block, rest := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("unable to parse certificate: invalid PEM")
	}
	var out []*x509.Certificate
	for block != nil {
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("unable to parse certificate: %w", err)
		}
		out = append(out, c)
		block, rest = pem.Decode(rest)
	}
	return out, nil
}

// pkiParseOtherSANs is Vault's ParseOtherSANs: "<oid>;UTF8:<value>" entries
// by OID.
func pkiParseOtherSANs(others []string) (map[string][]string, error) {
	out := map[string][]string{}
	for _, o := range others {
		oid, rest, ok := strings.Cut(o, ";")
		if !ok {
			return nil, fmt.Errorf("expected a semicolon in other SAN %q", o)
		}
		typ, val, ok := strings.Cut(rest, ":")
		if !ok {
			return nil, fmt.Errorf("expected a colon in other SAN %q", o)
		}
		if !strings.EqualFold(typ, "utf8") && !strings.EqualFold(typ, "utf-8") {
			return nil, fmt.Errorf("only utf8 other SANs are supported; found non-supported type in other SAN %q", o)
		}
		out[oid] = append(out[oid], val)
	}
	return out, nil
}

// pkiAddOtherSANs is certutil.HandleOtherSANs: a SAN extension holding the
// other names (UTF8String in an otherName) and the template's own SANs,
// which then replaces the one Go would write.
func pkiAddOtherSANs(tmpl *x509.Certificate, sans map[string][]string) error {
	var raw []asn1.RawValue
	for _, oid := range sortedKeys(sans) {
		id, err := pkiParseOID(oid)
		if err != nil {
			return err
		}
		for _, v := range sans[oid] {
			utf8, _ := asn1.MarshalWithParams(v, "utf8")
			inner, err := asn1.Marshal(struct {
				ID    asn1.ObjectIdentifier
				Value asn1.RawValue
			}{id, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: utf8}})
			if err != nil {
				return err
			}
			// inner is a SEQUENCE; an otherName is its content, tagged [0].
			var seq asn1.RawValue
			if _, err := asn1.Unmarshal(inner, &seq); err != nil {
				return err
			}
			raw = append(raw, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: seq.Bytes})
		}
	}
	if len(raw) == 0 {
		return nil
	}
	for _, n := range tmpl.EmailAddresses {
		raw = append(raw, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, Bytes: []byte(n)})
	}
	for _, n := range tmpl.DNSNames {
		raw = append(raw, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 2, Bytes: []byte(n)})
	}
	for _, u := range tmpl.URIs {
		raw = append(raw, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 6, Bytes: []byte(u.String())})
	}
	for _, ip := range tmpl.IPAddresses {
		b := ip.To4()
		if b == nil {
			b = ip
		}
		raw = append(raw, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 7, Bytes: b})
	}
	val, err := asn1.Marshal(raw)
	if err != nil {
		return err
	}
	tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 17}, Value: val})
	return nil
}

// pkiParseOID reads a dotted OID.
func pkiParseOID(s string) (asn1.ObjectIdentifier, error) {
	var out asn1.ObjectIdentifier
	for _, part := range strings.Split(s, ".") {
		n, err := strconv.Atoi(part)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("unable to parse OID %q", s)
		}
		out = append(out, n)
	}
	return out, nil
}
