package mockvault

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/chacha20poly1305"
)

// Transit keys: what Vault's keysutil.Policy holds, the parts the mock
// needs, and the cryptography of each key type.

// tkType is a key type, numbered as Vault stores it (backups carry the
// number).
type tkType int

const (
	tkAES256 tkType = iota
	tkECDSAP256
	tkEd25519
	tkRSA2048
	tkRSA4096
	tkChaCha20
	tkECDSAP384
	tkECDSAP521
	tkAES128
	tkRSA3072
	tkManaged
	tkHMAC
	tkAES128CMAC
	tkAES256CMAC
	tkMLDSA
	tkHybrid
	tkAES192CMAC
	tkSLHDSA
	tkAES128CBC
	tkAES256CBC
)

var tkTypeNames = [...]string{
	tkAES256: "aes256-gcm96", tkECDSAP256: "ecdsa-p256", tkEd25519: "ed25519", tkRSA2048: "rsa-2048",
	tkRSA4096: "rsa-4096", tkChaCha20: "chacha20-poly1305", tkECDSAP384: "ecdsa-p384", tkECDSAP521: "ecdsa-p521",
	tkAES128: "aes128-gcm96", tkRSA3072: "rsa-3072", tkManaged: "managed_key", tkHMAC: "hmac",
	tkAES128CMAC: "aes128-cmac", tkAES256CMAC: "aes256-cmac", tkMLDSA: "ml-dsa", tkHybrid: "hybrid",
	tkAES192CMAC: "aes192-cmac", tkSLHDSA: "slh-dsa", tkAES128CBC: "aes128-cbc", tkAES256CBC: "aes256-cbc",
}

func (t tkType) String() string {
	if t >= 0 && int(t) < len(tkTypeNames) {
		return tkTypeNames[t]
	}
	return "[unknown]"
}

// tkTypeByName parses a type name ("aes256-gcm96"...).
func tkTypeByName(s string) (tkType, bool) {
	for i, n := range tkTypeNames {
		if n == s {
			return tkType(i), true
		}
	}
	return 0, false
}

func (t tkType) in(types ...tkType) bool {
	for _, x := range types {
		if t == x {
			return true
		}
	}
	return false
}

func (t tkType) aead() bool    { return t.in(tkAES128, tkAES256, tkChaCha20) }
func (t tkType) isRSA() bool   { return t.in(tkRSA2048, tkRSA3072, tkRSA4096) }
func (t tkType) isECDSA() bool { return t.in(tkECDSAP256, tkECDSAP384, tkECDSAP521) }
func (t tkType) cmac() bool    { return t.in(tkAES128CMAC, tkAES192CMAC, tkAES256CMAC) }
func (t tkType) entOnly() bool {
	return t.in(tkManaged, tkAES128CMAC, tkAES192CMAC, tkAES256CMAC, tkMLDSA, tkHybrid, tkAES128CBC, tkAES256CBC, tkSLHDSA)
}
func (t tkType) encrypts() bool {
	return t.aead() || t.isRSA() || t.in(tkManaged, tkAES128CBC, tkAES256CBC)
}
func (t tkType) signs() bool {
	return t.isECDSA() || t.isRSA() || t.in(tkEd25519, tkManaged, tkMLDSA, tkHybrid, tkSLHDSA)
}
func (t tkType) derives() bool        { return t.aead() || t.in(tkEd25519, tkAES128CBC, tkAES256CBC) }
func (t tkType) hashesInput() bool    { return t.isECDSA() || t.isRSA() || t == tkManaged }
func (t tkType) associatedData() bool { return t.aead() || t == tkManaged }
func (t tkType) importsPublic() bool  { return t.isRSA() || t.isECDSA() || t == tkEd25519 }

// symmetricSize is the key length of the symmetric types.
func (t tkType) symmetricSize() int {
	switch t {
	case tkAES128, tkAES128CMAC, tkAES128CBC:
		return 16
	case tkAES192CMAC:
		return 24
	}
	return 32
}

func (t tkType) curve() elliptic.Curve {
	switch t {
	case tkECDSAP384:
		return elliptic.P384()
	case tkECDSAP521:
		return elliptic.P521()
	}
	return elliptic.P256()
}

func (t tkType) rsaBits() int {
	switch t {
	case tkRSA3072:
		return 3072
	case tkRSA4096:
		return 4096
	}
	return 2048
}

const (
	transitHMACMinKeySize = 32
	transitHMACMaxKeySize = 512
	// convergent version of keys made today (Vault's currentConvergentVersion).
	transitConvergentVersion = 3
	kdfHKDF                  = 1
	errTooOld                = "ciphertext or signature version is disallowed by policy (too old)"
)

// transitKeyEntry is one version of a key, in Vault's storage (and
// backup) format. It is never changed once made.
type transitKeyEntry struct {
	Key                    []byte          `json:"key"`
	HMACKey                []byte          `json:"hmac_key"`
	CreationTime           time.Time       `json:"time"`
	ECX                    *big.Int        `json:"ec_x,omitempty"`
	ECY                    *big.Int        `json:"ec_y,omitempty"`
	ECD                    *big.Int        `json:"ec_d,omitempty"`
	RSAKey                 *rsa.PrivateKey `json:"rsa_key,omitempty"`
	RSAPublicKey           *rsa.PublicKey  `json:"rsa_public_key,omitempty"`
	FormattedPublicKey     string          `json:"public_key,omitempty"`
	ConvergentVersion      int             `json:"convergent_version,omitempty"`
	DeprecatedCreationTime int64           `json:"creation_time"`
	ManagedKeyUUID         string          `json:"managed_key_id,omitempty"`
	CertificateChain       [][]byte        `json:"certificate_chain,omitempty"`
}

func (e *transitKeyEntry) privateMissing() bool {
	return e.RSAKey == nil && e.ECD == nil && len(e.Key) == 0 && e.ManagedKeyUUID == ""
}

func (e *transitKeyEntry) ecdsaPublic(c elliptic.Curve) *ecdsa.PublicKey {
	return &ecdsa.PublicKey{Curve: c, X: e.ECX, Y: e.ECY}
}

func (e *transitKeyEntry) ecdsaPrivate(c elliptic.Curve) *ecdsa.PrivateKey {
	return &ecdsa.PrivateKey{PublicKey: *e.ecdsaPublic(c), D: e.ECD}
}

func (e *transitKeyEntry) rsaPublic() *rsa.PublicKey {
	if e.RSAKey != nil {
		return &e.RSAKey.PublicKey
	}
	return e.RSAPublicKey
}

// transitOpInfo is a key's backup_info / restore_info.
type transitOpInfo struct {
	Time    time.Time `json:"time"`
	Version int       `json:"version"`
}

// transitKey is a named key (Vault's keysutil.Policy).
type transitKey struct {
	name                  string
	typ                   tkType
	derived               bool
	kdf                   int
	convergent            bool
	convergentVersion     int
	exportable            bool
	deletionAllowed       bool
	allowPlaintextBackup  bool
	minDecryption         int
	minEncryption         int
	minAvailable          int
	latest                int
	keySize               int
	autoRotate            time.Duration
	backupInfo            *transitOpInfo
	restoreInfo           *transitOpInfo
	imported              bool
	allowImportedRotation bool
	parameterSet          string
	// versions are every version not trimmed (Vault's archive);
	// Vault's in-use key ring is the part from minDecryption up.
	versions map[int]*transitKeyEntry
}

func (k *transitKey) clone() *transitKey {
	cp := *k
	cp.versions = make(map[int]*transitKeyEntry, len(k.versions))
	for v, e := range k.versions {
		cp.versions[v] = e
	}
	return &cp
}

// entry is version ver of the key ring (Vault's safeGetKeyEntry): nil for
// versions below min_decryption_version, which Vault keeps archived only.
func (k *transitKey) entry(ver int) (*transitKeyEntry, *transitErr) {
	e := k.versions[ver]
	if e == nil || ver < k.minDecryption {
		return nil, userErr("no such key version")
	}
	return e, nil
}

// ring is the versions Vault's read and export show, in order.
func (k *transitKey) ring() []int {
	var out []int
	for v := k.minDecryption; v <= k.latest; v++ {
		if k.versions[v] != nil {
			out = append(out, v)
		}
	}
	return out
}

// newEntry makes a fresh version of the key's type (RotateInMemory).
func (k *transitKey) newEntry(now time.Time) (*transitKeyEntry, *transitErr) {
	e := &transitKeyEntry{CreationTime: now, DeprecatedCreationTime: now.Unix()}
	if !k.typ.cmac() && k.typ != tkHMAC {
		e.HMACKey = randBytes(32)
	}
	switch {
	case k.typ.aead() || k.typ.cmac() || k.typ.in(tkHMAC, tkAES128CBC, tkAES256CBC):
		n := k.typ.symmetricSize()
		if k.typ == tkHMAC {
			n = k.keySize
			if n < transitHMACMinKeySize || n > transitHMACMaxKeySize {
				return nil, plainErr("invalid key size for HMAC key, must be between %d and %d bytes", transitHMACMinKeySize, transitHMACMaxKeySize)
			}
		}
		e.Key = randBytes(n)
		if k.typ == tkHMAC {
			e.HMACKey = e.Key
		}
	case k.typ.isECDSA():
		priv, err := ecdsa.GenerateKey(k.typ.curve(), rand.Reader)
		if err != nil {
			return nil, plainErr("%s", err)
		}
		e.ECD, e.ECX, e.ECY = priv.D, priv.X, priv.Y
		e.FormattedPublicKey = pemPublicKey(&priv.PublicKey)
	case k.typ == tkEd25519:
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, plainErr("%s", err)
		}
		e.Key = priv
		e.FormattedPublicKey = base64.StdEncoding.EncodeToString(pub)
	case k.typ.isRSA():
		priv, err := rsa.GenerateKey(rand.Reader, k.typ.rsaBits())
		if err != nil {
			return nil, plainErr("%s", err)
		}
		e.RSAKey = priv
		e.RSAPublicKey = &priv.PublicKey
	default:
		return nil, plainErr("unsupported key type %v", k.typ)
	}
	if k.convergent && (k.convergentVersion == -1 || k.convergentVersion > 1) {
		e.ConvergentVersion = transitConvergentVersion
	}
	return e, nil
}

// rotate adds a version (Vault's Policy.Rotate).
func (k *transitKey) rotate(now time.Time) *transitErr {
	if k.imported && !k.allowImportedRotation {
		return plainErr("imported key %s does not allow rotation within Vault", k.name)
	}
	e, err := k.newEntry(now)
	if err != nil {
		return err
	}
	k.addVersion(e)
	k.imported = false
	return nil
}

func (k *transitKey) addVersion(e *transitKeyEntry) {
	if k.versions == nil {
		k.versions = map[int]*transitKeyEntry{}
	}
	k.latest++
	k.versions[k.latest] = e
	if k.minDecryption == 0 {
		k.minDecryption = 1
	}
}

// prefix is Vault's version template "vault:v{{version}}:".
func versionPrefix(ver int) string { return "vault:v" + strconv.Itoa(ver) + ":" }

// splitVersioned parses "vault:v<N>:<rest>" with what's the message
// naming the value ("ciphertext", "signature").
func splitVersioned(value, what string) (int, string, *transitErr) {
	if !strings.HasPrefix(value, "vault:v") {
		return 0, "", userErr("invalid %s: no prefix", what)
	}
	verStr, rest, ok := strings.Cut(strings.TrimPrefix(value, "vault:v"), ":")
	if !ok {
		return 0, "", userErr("invalid %s: wrong number of fields", what)
	}
	ver, err := strconv.Atoi(verStr)
	if err != nil {
		return 0, "", userErr("invalid %s: version number could not be decoded", what)
	}
	return ver, rest, nil
}

// convergentVersionOf is the convergent scheme of version ver (0: none).
func (k *transitKey) convergentVersionOf(ver int) int {
	if !k.convergent {
		return 0
	}
	cv := k.convergentVersion
	if cv == 0 {
		cv = 1
	}
	if e := k.versions[ver]; e != nil && e.ConvergentVersion != 0 {
		cv = e.ConvergentVersion
	}
	return cv
}

// nonceAllowed: a caller's nonce is only taken by legacy (version 1)
// convergent keys.
func (k *transitKey) nonceAllowed() bool {
	return k.typ.aead() && k.convergent && k.convergentVersion == 1
}

// deriveKey is the per-context key of a derived key: HKDF-SHA256 of the
// version's key with the context as info (Vault's Kdf_hkdf_sha256).
func (k *transitKey) deriveKey(ctx []byte, ver, n int) ([]byte, *transitErr) {
	if !k.typ.derives() {
		return nil, userErr("derivation not supported for key type %v", k.typ)
	}
	if k.latest == 0 {
		return nil, internalErr("unable to access the key; no key versions found")
	}
	if ver <= 0 || ver > k.latest {
		return nil, userErr("invalid key version")
	}
	if len(ctx) == 0 {
		return nil, userErr("missing 'context' for key derivation; the key was created using a derived key, which means additional, per-request information must be included in order to perform operations with the key")
	}
	e, terr := k.entry(ver)
	if terr != nil {
		return nil, terr
	}
	if k.kdf != kdfHKDF {
		return nil, internalErr("unsupported key derivation mode")
	}
	if k.typ == tkEd25519 {
		seed, err := hkdf.Key(sha256.New, e.Key, nil, string(ctx), ed25519.SeedSize)
		if err != nil {
			return nil, internalErr("error generating derived key: %v", err)
		}
		return ed25519.NewKeyFromSeed(seed), nil
	}
	out, err := hkdf.Key(sha256.New, e.Key, nil, string(ctx), n)
	if err != nil {
		return nil, internalErr("error reading returned derived bytes: %v", err)
	}
	return out, nil
}

// getKey is the key material of version ver: derived when the key is.
func (k *transitKey) getKey(ctx []byte, ver, n int) ([]byte, *transitErr) {
	if !k.derived {
		e, err := k.entry(ver)
		if err != nil {
			return nil, err
		}
		return e.Key, nil
	}
	return k.deriveKey(ctx, ver, n)
}

func (k *transitKey) aeadFor(key []byte) (cipher.AEAD, *transitErr) {
	if k.typ == tkChaCha20 {
		a, err := chacha20poly1305.New(key)
		if err != nil {
			return nil, internalErr("%s", err)
		}
		return a, nil
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, internalErr("%s", err)
	}
	a, err := cipher.NewGCM(block)
	if err != nil {
		return nil, internalErr("%s", err)
	}
	return a, nil
}

// encOpts are the inputs of one encryption.
type encOpts struct {
	version int
	context []byte
	nonce   []byte
	// ad is associated_data as sent (base64), decoded where Vault's
	// factory decodes it; "" is none.
	ad      string
	padding string
}

// encrypt is Vault's EncryptWithOptions: plaintext is base64.
func (k *transitKey) encrypt(o encOpts, plaintextB64 string) (string, *transitErr) {
	if !k.typ.encrypts() {
		return "", userErr("message encryption not supported for key type %v", k.typ)
	}
	plaintext, err := base64.StdEncoding.DecodeString(plaintextB64)
	if err != nil {
		return "", userErr("%s", err)
	}
	switch {
	case o.version == 0:
		o.version = k.latest
	case o.version < 0:
		return "", userErr("requested version for encryption is negative")
	case o.version > k.latest:
		return "", userErr("requested version for encryption is higher than the latest key version")
	case o.version < k.minEncryption:
		return "", userErr("requested version for encryption is less than the minimum encryption key version")
	}
	var ct []byte
	switch {
	case k.typ.aead():
		encBytes, hmacBytes := k.typ.symmetricSize(), 0
		cv := k.convergentVersionOf(o.version)
		if cv > 2 {
			hmacBytes = 32
			if len(o.nonce) > 0 {
				return "", userErr("nonce provided when not allowed")
			}
		} else if len(o.nonce) > 0 && (!k.convergent || cv != 1) {
			return "", userErr("nonce provided when not allowed")
		}
		key, terr := k.getKey(o.context, o.version, encBytes+hmacBytes)
		if terr != nil {
			return "", terr
		}
		if len(key) < encBytes+hmacBytes {
			return "", internalErr("could not derive key, length too small")
		}
		encKey, hmacKey := key[:encBytes], o.context
		if hmacBytes > 0 {
			hmacKey = key[encBytes : encBytes+hmacBytes]
		}
		ad, terr := o.associatedData()
		if terr != nil {
			return "", terr
		}
		aead, terr := k.aeadFor(encKey)
		if terr != nil {
			return "", terr
		}
		nonce := o.nonce
		switch {
		case k.convergent && cv == 1:
			if len(nonce) != aead.NonceSize() {
				return "", userErr("base64-decoded nonce must be %d bytes long when using convergent encryption with this key", aead.NonceSize())
			}
		case k.convergent:
			if len(hmacKey) == 0 {
				return "", internalErr("invalid hmac key length of zero")
			}
			m := hmac.New(sha256.New, hmacKey)
			m.Write(plaintext)
			nonce = m.Sum(nil)[:aead.NonceSize()]
		default:
			nonce = randBytes(aead.NonceSize())
		}
		ct = aead.Seal(nil, nonce, plaintext, ad)
		if !(k.convergent && cv == 1) {
			ct = append(append([]byte(nil), nonce...), ct...)
		}
	case k.typ.isRSA():
		e, terr := k.entry(o.version)
		if terr != nil {
			return "", terr
		}
		pub := e.rsaPublic()
		if o.padding == "pkcs1v15" {
			ct, err = rsa.EncryptPKCS1v15(rand.Reader, pub, plaintext)
		} else {
			ct, err = rsa.EncryptOAEP(sha256.New(), rand.Reader, pub, plaintext, nil)
		}
		if err != nil {
			return "", internalErr("failed to RSA encrypt the plaintext: %v", err)
		}
	default:
		return "", plainErr("unsupported key type %v", k.typ)
	}
	return versionPrefix(o.version) + base64.StdEncoding.EncodeToString(ct), nil
}

func (o encOpts) associatedData() ([]byte, *transitErr) {
	if o.ad == "" {
		return nil, nil
	}
	ad, err := base64.StdEncoding.DecodeString(o.ad)
	if err != nil {
		return nil, internalErr("unable to get associated_data/additional_data from factory[0]: %v", err)
	}
	return ad, nil
}

// decrypt is Vault's DecryptWithOptions; the plaintext comes back base64.
func (k *transitKey) decrypt(o encOpts, value string) (string, *transitErr) {
	if !k.typ.encrypts() {
		return "", userErr("message decryption not supported for key type %v", k.typ)
	}
	ver, body, terr := splitVersioned(value, "ciphertext")
	if terr != nil {
		return "", terr
	}
	if ver == 0 {
		ver = 1
	}
	if ver > k.latest {
		return "", userErr("invalid ciphertext: version is too new")
	}
	if k.minDecryption > 0 && ver < k.minDecryption {
		return "", userErr(errTooOld)
	}
	cv := k.convergentVersionOf(ver)
	if cv == 1 && len(o.nonce) == 0 {
		return "", userErr("invalid convergent nonce supplied")
	}
	raw, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		return "", userErr("invalid ciphertext: could not decode base64")
	}
	var plain []byte
	switch {
	case k.typ.aead():
		n := k.typ.symmetricSize()
		key, terr := k.getKey(o.context, ver, n)
		if terr != nil {
			return "", terr
		}
		if len(key) != n {
			return "", internalErr("could not derive enc key, length not correct")
		}
		ad, terr := o.associatedData()
		if terr != nil {
			return "", terr
		}
		aead, terr := k.aeadFor(key)
		if terr != nil {
			return "", terr
		}
		if len(raw) < aead.NonceSize() {
			return "", userErr("invalid ciphertext length")
		}
		nonce, sealed := raw[:aead.NonceSize()], raw[aead.NonceSize():]
		if k.convergent && k.convergentVersion == 1 {
			nonce, sealed = o.nonce, raw
		}
		plain, err = aead.Open(nil, nonce, sealed, ad)
		if err != nil {
			return "", userErr("%s", err)
		}
	case k.typ.isRSA():
		e, terr := k.entry(ver)
		if terr != nil {
			return "", terr
		}
		if e.RSAKey == nil {
			return "", internalErr("failed to RSA decrypt the ciphertext: crypto/rsa: missing private key")
		}
		if o.padding == "pkcs1v15" {
			plain, err = rsa.DecryptPKCS1v15(rand.Reader, e.RSAKey, raw)
		} else {
			plain, err = rsa.DecryptOAEP(sha256.New(), rand.Reader, e.RSAKey, raw, nil)
		}
		if err != nil {
			return "", internalErr("failed to RSA decrypt the ciphertext: %v", err)
		}
	default:
		return "", internalErr("unsupported key type %v", k.typ)
	}
	return base64.StdEncoding.EncodeToString(plain), nil
}

// hmacKey is the HMAC key of version ver (Vault's Policy.HMACKey).
func (k *transitKey) hmacKey(ver int) ([]byte, *transitErr) {
	switch {
	case ver < 0:
		return nil, plainErr("key version does not exist (cannot be negative)")
	case ver > k.latest:
		return nil, plainErr("key version does not exist; latest key version is %d", k.latest)
	}
	e, terr := k.entry(ver)
	if terr != nil {
		return nil, terr
	}
	if k.typ == tkHMAC {
		return e.Key, nil
	}
	if e.HMACKey == nil {
		return nil, plainErr("no HMAC key exists for that key version")
	}
	return e.HMACKey, nil
}

// pemPublicKey is a PKIX public key in PEM, as Vault formats them.
func pemPublicKey(pub crypto.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ""
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func randBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}
