package mockvault

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strconv"
	"strings"
)

// Transit certificates and BYOK export: keys/:name/csr,
// keys/:name/set-certificate and byok-export/:destination/:source.

// signingKey is the named key and the requested version (latest by
// default) for csr and set-certificate, which refuse keys that cannot sign
// (noSign words that as each endpoint does in Vault) or are derived.
func (t *transitState) signingKey(d *fieldData, noSign string) (*transitKey, int, error) {
	name := d.str("name")
	k := t.key(name)
	switch {
	case k == nil:
		return nil, 0, tUser("key with provided name '%s' not found", name)
	case !k.typ.signs():
		return nil, 0, tUser(noSign, k.typ)
	case k.derived:
		return nil, 0, tUser("operation not supported on keys with derivation enabled")
	}
	ver := k.latest
	if d.has("version") {
		ver = d.integer("version")
	}
	return k, ver, nil
}

// csr makes a certificate request signed by a key version.
func (t *transitState) csr(req *request, d *fieldData) (*response, error) {
	k, ver, err := t.signingKey(d, "key type '%s' does not support signing")
	if err != nil {
		return nil, err
	}
	tmpl := &x509.CertificateRequest{}
	if s := d.str("csr"); s != "" {
		block, _ := pem.Decode([]byte(s))
		if block == nil {
			return nil, tUser("could not decode PEM certificate request")
		}
		parsed, err := x509.ParseCertificateRequest(block.Bytes)
		if err != nil {
			return nil, tUser("%s", err)
		}
		tmpl = parsed
	}
	tmpl.Signature = nil
	tmpl.SignatureAlgorithm = x509.UnknownSignatureAlgorithm
	tmpl.PublicKey = nil
	tmpl.PublicKeyAlgorithm = x509.UnknownPublicKeyAlgorithm
	e, terr := k.entry(ver)
	if terr == nil && e.privateMissing() {
		terr = userErr("private key not imported for key version selected")
	}
	if terr != nil {
		return nil, tUser("could not create the csr: %s", terr.msg)
	}
	signer, terr := k.signer(e)
	if terr != nil {
		return nil, tInternal("could not create the csr: %s", terr.msg)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, signer)
	if err != nil {
		return nil, tInternal("could not create the csr: could not create the cerfificate request: %s", err)
	}
	return dataResp(map[string]any{"name": k.name, "type": k.typ.String(),
		"csr": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))}), nil
}

// signer is the private key of version e as a crypto.Signer.
func (k *transitKey) signer(e *transitKeyEntry) (crypto.Signer, *transitErr) {
	switch {
	case k.typ.isECDSA():
		return e.ecdsaPrivate(k.typ.curve()), nil
	case k.typ == tkEd25519:
		return ed25519.PrivateKey(e.Key), nil
	case k.typ.isRSA():
		return e.RSAKey, nil
	}
	return nil, internalErr("selected key type '%s' does not support signing", k.typ)
}

// setCertificate attaches a certificate chain whose leaf holds the public
// key of a key version.
func (t *transitState) setCertificate(req *request, d *fieldData) (*response, error) {
	k, ver, err := t.signingKey(d, "key type %s does not support signing")
	if err != nil {
		return nil, err
	}
	chainPEM := d.str("certificate_chain")
	chain, err := parseCertChain(chainPEM)
	if err != nil {
		return nil, tUser("%s", err)
	}
	if terr := k.setChain(ver, chain); terr != nil {
		if terr.internal || terr.plain {
			return nil, tInternal("failed to persist certificate chain: %s", terr.msg)
		}
		return nil, tUser("failed to persist certificate chain: %s", terr.msg)
	}
	return dataResp(map[string]any{"name": k.name, "type": k.typ.String(), "certificate-chain": chainPEM}), nil
}

func parseCertChain(s string) ([]*x509.Certificate, error) {
	rest := []byte(strings.TrimSpace(s))
	var blocks []*pem.Block
	for len(rest) > 0 {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, errors.New("could not decode PEM block in certificate chain")
		}
		if b.Type == "CERTIFICATE" || b.Type == "X05 CERTIFICATE" {
			blocks = append(blocks, b)
		}
	}
	if len(blocks) == 0 {
		return nil, errors.New("provided certificate chain did not contain any valid PEM certificate")
	}
	var out []*x509.Certificate
	for _, b := range blocks {
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, errors.New("failed to parse certificate in certificate chain: " + err.Error())
		}
		out = append(out, c)
	}
	return out, nil
}

// setChain is Vault's ValidateAndPersistCertificateChain.
func (k *transitKey) setChain(ver int, chain []*x509.Certificate) *transitErr {
	if chain[0].BasicConstraintsValid && chain[0].IsCA {
		return userErr("certificate in the first position is not a leaf certificate")
	}
	for _, c := range chain[1:] {
		if c.BasicConstraintsValid && !c.IsCA {
			return userErr("provided certificate chain contains more than one leaf certificate")
		}
	}
	leaf := chain[0]
	prefix := "could not validate key match between leaf certificate key and key version in transit: "
	match := (k.typ.isECDSA() && leaf.PublicKeyAlgorithm == x509.ECDSA) || (k.typ == tkEd25519 && leaf.PublicKeyAlgorithm == x509.Ed25519) ||
		(k.typ.isRSA() && leaf.PublicKeyAlgorithm == x509.RSA)
	if !match {
		return userErr("%sprovided leaf certificate public key algorithm '%s' does not match the transit key type '%s'", prefix, leaf.PublicKeyAlgorithm, k.typ)
	}
	e, terr := k.entry(ver)
	if terr != nil {
		return userErr("%s%s", prefix, terr.msg)
	}
	valid := false
	switch pub := leaf.PublicKey.(type) {
	case *ecdsa.PublicKey:
		valid = e.ecdsaPublic(k.typ.curve()).Equal(pub)
	case ed25519.PublicKey:
		raw, err := base64.StdEncoding.DecodeString(e.FormattedPublicKey)
		valid = err == nil && ed25519.PublicKey(raw).Equal(pub)
	case *rsa.PublicKey:
		valid = e.rsaPublic() != nil && e.rsaPublic().Equal(pub)
	}
	if !valid {
		return plainErr("leaf certificate public key does match the key version selected")
	}
	next := *e
	next.CertificateChain = nil
	for _, c := range chain {
		next.CertificateChain = append(next.CertificateChain, c.Raw)
	}
	k.versions[ver] = &next
	return nil
}

// byokExport wraps the versions of source for import elsewhere, under the
// RSA key destination (another Vault's wrapping key, imported as a public
// key).
func (t *transitState) byokExport(req *request, d *fieldData) (*response, error) {
	dst := t.key(d.str("destination"))
	if dst == nil {
		return nil, tInternal("no such destination key to export to")
	}
	src := t.key(d.str("source"))
	if src == nil {
		return nil, tInternal("no such source key for export")
	}
	if !src.exportable {
		return nil, tUser("key is not exportable")
	}
	if src.typ.entOnly() {
		return nil, tUser("key type %s is only available in enterprise versions of Vault", src.typ)
	}
	hash := d.str("hash")
	out := map[string]string{}
	wrap := func(v int) error {
		s, terr := dst.byokWrap(src, src.versions[v], hash)
		if terr != nil {
			return tInternal("%s", terr.msg)
		}
		out[strconv.Itoa(v)] = s
		return nil
	}
	if version := d.str("version"); version == "" {
		for _, v := range src.ring() {
			if err := wrap(v); err != nil {
				return nil, err
			}
		}
	} else {
		v := src.latest
		if version != "latest" {
			var err error
			if v, err = strconv.Atoi(strings.TrimPrefix(version, "v")); err != nil {
				return nil, tUser("invalid key version")
			}
		}
		if v < src.minDecryption {
			return nil, tUser("version for export is below minimum decryption version")
		}
		if _, terr := src.entry(v); terr != nil {
			return nil, tUser("version does not exist or cannot be found")
		}
		if err := wrap(v); err != nil {
			return nil, err
		}
	}
	return dataResp(map[string]any{"name": src.name, "type": src.typ.String(), "keys": out}), nil
}

// byokWrap wraps e (a version of src) under this key's latest version, as
// Vault's WrapKey does.
func (k *transitKey) byokWrap(src *transitKey, e *transitKeyEntry, hash string) (string, *transitErr) {
	var material []byte
	switch {
	case src.typ.aead() || src.typ.cmac() || src.typ.in(tkHMAC, tkAES128CBC, tkAES256CBC):
		material = e.Key
	case src.typ.isRSA() || src.typ.isECDSA() || src.typ == tkEd25519:
		signer, terr := src.signer(e)
		if terr != nil {
			return "", terr
		}
		der, err := x509.MarshalPKCS8PrivateKey(signer)
		if err != nil {
			return "", plainErr("failed to wrap target key for import: %s", err)
		}
		material = der
	default:
		return "", plainErr("unable to export to unknown key type: %v", src.typ)
	}
	h, err := importHash(hash)
	if err != nil {
		return "", plainErr("%s", err)
	}
	if !k.typ.signs() {
		return "", plainErr("message signing not supported for key type %v", k.typ)
	}
	dst, terr := k.entry(k.latest)
	if terr != nil {
		return "", terr
	}
	pub := dst.rsaPublic()
	if pub == nil {
		return "", plainErr("unsupported key type in use; must be a rsa key")
	}
	eph := randBytes(32)
	wrappedEph, err := rsa.EncryptOAEP(h(), rand.Reader, pub, eph, []byte{})
	if err != nil {
		return "", plainErr("failed to wrap target key for import: failed to encrypt ephemeral wrapping key with public key: %s", err)
	}
	wrapped, err := kwpWrap(eph, material)
	if err != nil {
		return "", plainErr("failed to wrap target key for import: failed to wrap target key with KWP: %s", err)
	}
	return base64.StdEncoding.EncodeToString(append(wrappedEph, wrapped...)), nil
}
