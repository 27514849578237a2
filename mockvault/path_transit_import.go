package mockvault

import (
	"crypto/aes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"hash"
	"strings"
	"time"
)

// Transit BYOK import: wrapping_key, keys/:name/import and import_version.
// A key to import is wrapped as Vault expects: an ephemeral AES-256 key
// encrypted with RSA-OAEP under the mount's RSA-4096 wrapping key,
// followed by the key material wrapped with AES key wrap with padding
// (RFC 5649) under the ephemeral key.

// transitWrappedKeyBytes is the RSA-4096 ciphertext length in front of
// the wrapped key.
const transitWrappedKeyBytes = 512

// wrapping is the mount's wrapping key, made on first use.
func (t *transitState) wrapping(now time.Time) (*transitKeyEntry, *transitErr) {
	if t.wrappingKey == nil {
		k := &transitKey{name: "import/wrapping-key", typ: tkRSA4096}
		if terr := k.rotate(now); terr != nil {
			return nil, terr
		}
		t.wrappingKey = k
	}
	return t.wrappingKey.versions[t.wrappingKey.latest], nil
}

func (t *transitState) wrappingKeyRead(req *request, d *fieldData) (*response, error) {
	e, terr := t.wrapping(req.now)
	if terr != nil {
		return nil, tInternal("%s", terr.msg)
	}
	return dataResp(map[string]any{"public_key": pemPublicKey(e.rsaPublic())}), nil
}

func importHash(name string) (func() hash.Hash, error) {
	switch strings.ToUpper(name) {
	case "SHA1":
		return sha1.New, nil
	case "SHA224":
		return sha256.New224, nil
	case "SHA256":
		return sha256.New, nil
	case "SHA384":
		return sha512.New384, nil
	case "SHA512":
		return sha512.New, nil
	}
	return nil, fmt.Errorf("unknown hash function: %s", name)
}

// importedKey reads the key material of an import request: unwrapped from
// ciphertext, or a PEM public key.
func (t *transitState) importedKey(req *request, d *fieldData, typ tkType, private bool) ([]byte, error) {
	if !private {
		if !typ.importsPublic() {
			return nil, tInternal("provided type does not support public_key import")
		}
		return []byte(d.str("public_key")), nil
	}
	h, err := importHash(d.str("hash_function"))
	if err != nil {
		return nil, tUser("%s", err)
	}
	ct, err := base64.StdEncoding.DecodeString(d.str("ciphertext"))
	if err != nil {
		return nil, tInternal("%s", err)
	}
	if len(ct) <= transitWrappedKeyBytes {
		return nil, tInternal("provided ciphertext is too short")
	}
	e, terr := t.wrapping(req.now)
	if terr != nil {
		return nil, tInternal("%s", terr.msg)
	}
	eph, err := rsa.DecryptOAEP(h(), rand.Reader, e.RSAKey, ct[:transitWrappedKeyBytes], []byte{})
	if err != nil {
		return nil, tInternal("%s", err)
	}
	if len(eph) != 32 {
		return nil, tInternal("expected ephemeral AES key to be 256-bit")
	}
	key, err := kwpUnwrap(eph, ct[transitWrappedKeyBytes:])
	if err != nil {
		return nil, tInternal("%s", err)
	}
	return key, nil
}

func (t *transitState) keyImport(req *request, d *fieldData) (*response, error) {
	name := d.str("name")
	autoRotate := d.duration("auto_rotate_period")
	allowRotation := d.boolean("allow_rotation", false)
	if _, ok := req.data["convergent_encryption"]; ok {
		return nil, tInternal("import cannot be used on keys with convergent encryption enabled")
	}
	if autoRotate > 0 && !allowRotation {
		return nil, tInternal("allow_rotation must be set to true if auto-rotation is enabled")
	}
	_, private := req.data["ciphertext"]
	typName := d.str("type")
	typ, ok := tkTypeByName(strings.ToLower(typName))
	if !ok || typ == tkManaged || typ.in(tkMLDSA, tkHybrid, tkSLHDSA) {
		return nil, tUser("unknown key type: %v", typName)
	}
	if typ.entOnly() {
		return nil, tUser("key type %s is only available in enterprise versions of Vault", typ)
	}
	if t.keys[name] != nil {
		return nil, tInternal("the import path cannot be used with an existing key; use import-version to rotate an existing imported key")
	}
	key, err := t.importedKey(req, d, typ, private)
	if err != nil {
		return nil, err
	}
	k := &transitKey{name: name, typ: typ, derived: d.boolean("derived", false), exportable: d.boolean("exportable", false),
		allowPlaintextBackup: d.boolean("allow_plaintext_backup", false), autoRotate: autoRotate,
		allowImportedRotation: allowRotation, imported: true}
	if k.derived {
		k.kdf = kdfHKDF
	}
	if terr := k.importKey(key, private, req.now); terr != nil {
		return nil, tInternal("error importing key: %s", terr.msg)
	}
	t.keys[name] = k
	return nil, nil
}

func (t *transitState) keyImportVersion(req *request, d *fieldData) (*response, error) {
	name := d.str("name")
	_, private := req.data["ciphertext"]
	k := t.keys[name]
	switch {
	case k == nil:
		return nil, tInternal("no key found with name %s; to import a new key, use the import/ endpoint", name)
	case !k.imported:
		return nil, tInternal("the import_version endpoint can only be used with an imported key")
	case k.convergent:
		return nil, tInternal("import_version cannot be used on keys with convergent encryption enabled")
	}
	key, err := t.importedKey(req, d, k.typ, private)
	if err != nil {
		return nil, err
	}
	next := k.clone()
	var terr *transitErr
	if d.has("version") {
		ver := d.integer("version")
		if terr = next.versionUpdatable(ver, private); terr == nil {
			terr = next.importPrivateFor(ver, key)
		}
	} else {
		terr = next.importKey(key, private, req.now)
	}
	if terr != nil {
		return nil, tInternal("%s", terr.msg)
	}
	t.keys[name] = next
	return nil, nil
}

// importKey adds imported material as a new version (Vault's
// ImportPublicOrPrivate); a private key for a latest version holding only
// its public key completes that version.
func (k *transitKey) importKey(key []byte, private bool, now time.Time) *transitErr {
	if k.latest > 0 && private {
		if e := k.versions[k.latest]; e != nil && e.privateMissing() {
			if k.importPrivateFor(k.latest, key) == nil {
				return nil
			}
		}
	}
	e := &transitKeyEntry{CreationTime: now, DeprecatedCreationTime: now.Unix()}
	if k.typ != tkHMAC {
		e.HMACKey = randBytes(32)
	}
	if k.typ == tkEd25519 && k.derived && !private {
		return plainErr("unable to import only public key for derived Ed25519 key: imported key should not be an Ed25519 key pair but is instead an HKDF key")
	}
	symmetric := k.typ.aead() || k.typ.cmac() || k.typ.in(tkHMAC, tkAES128CBC, tkAES256CBC)
	if symmetric {
		n := len(key)
		if (k.typ != tkHMAC && n != k.typ.symmetricSize()) || (k.typ == tkHMAC && (n < transitHMACMinKeySize || n > transitHMACMaxKeySize)) {
			return plainErr("invalid key size %d bytes for key type %s", n, k.typ)
		}
		e.Key = key
		if k.typ == tkHMAC {
			k.keySize = n
			e.HMACKey = key
		}
	} else {
		var parsed any
		if private {
			p, err := x509.ParsePKCS8PrivateKey(key)
			if err != nil {
				return plainErr("error parsing asymmetric key: %s", err)
			}
			parsed = p
		} else {
			block, _ := pem.Decode(key)
			if block == nil {
				return plainErr("error parsing public key: not in PEM format")
			}
			p, err := x509.ParsePKIXPublicKey(block.Bytes)
			if err != nil {
				return plainErr("error parsing public key: %s", err)
			}
			parsed = p
		}
		if terr := k.fillEntry(e, parsed); terr != nil {
			return terr
		}
	}
	k.addVersion(e)
	return nil
}

// fillEntry puts a parsed key into e (Vault's parseFromKey).
func (k *transitKey) fillEntry(e *transitKeyEntry, parsed any) *transitErr {
	wrongType := func() *transitErr {
		return plainErr("invalid key type: expected %s, got %T", k.typ, parsed)
	}
	switch key := parsed.(type) {
	case *ecdsa.PrivateKey, *ecdsa.PublicKey:
		if !k.typ.isECDSA() {
			return wrongType()
		}
		var pub *ecdsa.PublicKey
		if priv, ok := key.(*ecdsa.PrivateKey); ok {
			pub = &priv.PublicKey
			e.ECD = priv.D
		} else {
			pub = key.(*ecdsa.PublicKey)
		}
		if pub.Curve != k.typ.curve() {
			return plainErr("invalid curve: expected %s, got %s", k.typ.curve().Params().Name, pub.Curve.Params().Name)
		}
		e.ECX, e.ECY = pub.X, pub.Y
		e.FormattedPublicKey = pemPublicKey(pub)
	case ed25519.PrivateKey:
		if k.typ != tkEd25519 {
			return wrongType()
		}
		e.Key = key
		e.FormattedPublicKey = base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
	case ed25519.PublicKey:
		if k.typ != tkEd25519 {
			return wrongType()
		}
		e.FormattedPublicKey = base64.StdEncoding.EncodeToString(key)
	case *rsa.PrivateKey, *rsa.PublicKey:
		if !k.typ.isRSA() {
			return wrongType()
		}
		want := k.typ.rsaBits() / 8
		if priv, ok := key.(*rsa.PrivateKey); ok {
			if priv.Size() != want {
				return plainErr("invalid key size: expected %d bytes, got %d bytes", want, priv.Size())
			}
			e.RSAKey, e.RSAPublicKey = priv, &priv.PublicKey
		} else {
			pub := key.(*rsa.PublicKey)
			if pub.Size() != want {
				return plainErr("invalid key size: expected %d bytes, got %d bytes", want, pub.Size())
			}
			e.RSAPublicKey = pub
		}
	default:
		return wrongType()
	}
	return nil
}

// versionUpdatable is Vault's KeyVersionCanBeUpdated.
func (k *transitKey) versionUpdatable(ver int, private bool) *transitErr {
	e, terr := k.entry(ver)
	if terr != nil {
		return terr
	}
	if !k.typ.importsPublic() {
		return plainErr("provided type does not support importing key versions")
	}
	missing := e.privateMissing()
	if missing && !private {
		return plainErr("cannot add a public key to a key version that already has a public key set")
	}
	if !missing {
		return plainErr("private key imported, key version cannot be updated")
	}
	return nil
}

// importPrivateFor completes version ver, which holds a public key only,
// with its private key.
func (k *transitKey) importPrivateFor(ver int, key []byte) *transitErr {
	old, terr := k.entry(ver)
	if terr != nil {
		return terr
	}
	parsed, err := x509.ParsePKCS8PrivateKey(key)
	if err != nil {
		return plainErr("error parsing asymmetric key: %s", err)
	}
	mismatch := plainErr("cannot import key, key pair does not match")
	switch p := parsed.(type) {
	case *ecdsa.PrivateKey:
		if old.ECX == nil || !old.ecdsaPublic(p.Curve).Equal(&p.PublicKey) {
			return mismatch
		}
	case *rsa.PrivateKey:
		if old.RSAPublicKey == nil || !p.PublicKey.Equal(old.RSAPublicKey) {
			return mismatch
		}
	case ed25519.PrivateKey:
		pub, err := base64.StdEncoding.DecodeString(old.FormattedPublicKey)
		if err != nil || !ed25519.PublicKey(pub).Equal(p.Public()) {
			return mismatch
		}
	}
	e := *old
	if terr := k.fillEntry(&e, parsed); terr != nil {
		return terr
	}
	k.versions[ver] = &e
	return nil
}

// kwpIV is RFC 5649's alternative initial value.
var kwpIV = [4]byte{0xA6, 0x59, 0x59, 0xA6}

// kwpWrap is AES key wrap with padding (RFC 5649), for at least 16 bytes
// of key material (as Tink's KWP, which Vault uses, requires).
func kwpWrap(kek, data []byte) ([]byte, error) {
	if len(data) < 16 {
		return nil, errors.New("kwp: data to wrap must be at least 16 bytes")
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	padded := make([]byte, (len(data)+7)/8*8)
	copy(padded, data)
	n := len(padded) / 8
	var a [8]byte
	copy(a[:4], kwpIV[:])
	binary.BigEndian.PutUint32(a[4:], uint32(len(data)))
	r := make([]byte, len(padded))
	copy(r, padded)
	var b [16]byte
	for j := 0; j < 6; j++ {
		for i := 0; i < n; i++ {
			copy(b[:8], a[:])
			copy(b[8:], r[i*8:i*8+8])
			block.Encrypt(b[:], b[:])
			t := uint64(n*j + i + 1)
			binary.BigEndian.PutUint64(a[:], binary.BigEndian.Uint64(b[:8])^t)
			copy(r[i*8:], b[8:])
		}
	}
	return append(a[:], r...), nil
}

// kwpUnwrap undoes kwpWrap, checking the integrity value and padding.
func kwpUnwrap(kek, wrapped []byte) ([]byte, error) {
	if len(wrapped) < 24 || len(wrapped)%8 != 0 {
		return nil, errors.New("kwp: invalid wrapped key size")
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	n := len(wrapped)/8 - 1
	var a [8]byte
	copy(a[:], wrapped[:8])
	r := make([]byte, n*8)
	copy(r, wrapped[8:])
	var b [16]byte
	for j := 5; j >= 0; j-- {
		for i := n - 1; i >= 0; i-- {
			t := uint64(n*j + i + 1)
			binary.BigEndian.PutUint64(b[:8], binary.BigEndian.Uint64(a[:])^t)
			copy(b[8:], r[i*8:i*8+8])
			block.Decrypt(b[:], b[:])
			copy(a[:], b[:8])
			copy(r[i*8:], b[8:])
		}
	}
	size := int(binary.BigEndian.Uint32(a[4:]))
	ok := subtle.ConstantTimeCompare(a[:4], kwpIV[:]) == 1 && size <= n*8 && size > n*8-8
	if ok {
		for _, c := range r[size:] {
			ok = ok && c == 0
		}
	}
	if !ok {
		return nil, errors.New("kwp: invalid wrapped key")
	}
	return r[:size], nil
}
