package mockvault

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"sync"
	"time"
)

// Identity tokens (Vault's vault/identity_store_oidc.go): named signing
// keys that rotate on the server clock, roles that say which key signs
// and what the token carries, and the OIDC discovery documents.
//
// This file is the state and the key material; path_identity_oidc.go is
// the HTTP side.

// oidcSupportedAlgs are the signing algorithms, in Vault's order (the
// discovery document lists them so).
var oidcSupportedAlgs = []string{"RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "EdDSA"}

// oidcReservedClaims may not be set by a role's template.
var oidcReservedClaims = []string{"iat", "aud", "exp", "iss", "sub", "namespace", "nonce", "auth_time", "at_hash", "c_hash"}

const (
	oidcDefaultKey = "default"
	// oidcMaxRotationsKept bounds the catch-up of a clock jump: a key's
	// verification_ttl is at most 10 rotation periods, so older rotations
	// leave nothing behind.
	oidcMaxRotationsKept = 12
)

// oidcState is the identity store's token state: Vault's oidc_tokens/
// storage.
type oidcState struct {
	// issuer is identity/oidc/config's issuer ("" for the server's own
	// address).
	issuer string
	keys   map[string]*oidcKey
	roles  map[string]*oidcRole
}

// oidcKey is a named key (Vault's namedKey).
type oidcKey struct {
	algorithm        string
	verificationTTL  time.Duration
	rotationPeriod   time.Duration
	allowedClientIDs []string
	nextRotation     time.Time
	// signing and next are nil until the key has material (the default key
	// has none until a mount or a role needs it).
	signing, next *oidcSigner
	// ring holds every public key still published: the current and next
	// keys, and rotated ones until they expire.
	ring []oidcRingEntry
}

type oidcRingEntry struct {
	signer   *oidcSigner
	expireAt time.Time // zero: never
}

// oidcRole is a role tokens are issued against.
type oidcRole struct {
	key      string
	template string
	clientID string
	ttl      time.Duration
}

// oidcSigner is one key pair. Its key id is known at once; the key itself
// is made on first use (RSA generation is slow, and most keys are never
// published), once, also when snapshots share it.
type oidcSigner struct {
	kid, alg string
	once     sync.Once
	priv     crypto.Signer
}

func newOIDCSigner(alg string) *oidcSigner { return &oidcSigner{kid: newUUID(), alg: alg} }

// newOIDCState is a fresh identity store's: the default key exists,
// without material.
func newOIDCState(now time.Time) *oidcState {
	return &oidcState{
		keys: map[string]*oidcKey{oidcDefaultKey: {
			algorithm: "RS256", verificationTTL: 24 * time.Hour, rotationPeriod: 24 * time.Hour,
			nextRotation: now.Add(24 * time.Hour), allowedClientIDs: []string{"*"},
		}},
		roles: map[string]*oidcRole{},
	}
}

func (o *oidcState) clone() *oidcState {
	out := &oidcState{issuer: o.issuer, keys: make(map[string]*oidcKey, len(o.keys)), roles: make(map[string]*oidcRole, len(o.roles))}
	for n, k := range o.keys {
		cp := *k
		cp.allowedClientIDs = cloneStrings(k.allowedClientIDs)
		cp.ring = append([]oidcRingEntry(nil), k.ring...)
		out.keys[n] = &cp
	}
	for n, r := range o.roles {
		cp := *r
		out.roles[n] = &cp
	}
	return out
}

// key returns the private key, making it on first use.
func (g *oidcSigner) key() crypto.Signer {
	g.once.Do(func() {
		var err error
		switch g.alg {
		case "RS256", "RS384", "RS512":
			g.priv, err = rsa.GenerateKey(rand.Reader, 2048)
		case "ES256":
			g.priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		case "ES384":
			g.priv, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		case "ES512":
			g.priv, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
		case "EdDSA":
			_, g.priv, err = ed25519.GenerateKey(rand.Reader)
		default:
			err = fmt.Errorf("unknown algorithm %q", g.alg)
		}
		if err != nil {
			panic(err) // only a broken random source or an unchecked algorithm gets here
		}
	})
	return g.priv
}

// generate gives k new current and next keys (a new key, or a change of
// algorithm): Vault's generateAndSetKey and generateAndSetNextKey.
func (k *oidcKey) generate() {
	k.signing = newOIDCSigner(k.algorithm)
	k.next = newOIDCSigner(k.algorithm)
	k.ring = append(k.ring, oidcRingEntry{signer: k.signing}, oidcRingEntry{signer: k.next})
}

// rotate makes the next key current at time at: the old current key stays
// published for vttl.
func (k *oidcKey) rotate(at time.Time, vttl time.Duration) {
	if k.signing != nil {
		for i := range k.ring {
			if k.ring[i].signer == k.signing {
				k.ring[i].expireAt = at.Add(vttl)
				break
			}
		}
	}
	if k.next == nil {
		k.next = newOIDCSigner(k.algorithm)
		k.ring = append(k.ring, oidcRingEntry{signer: k.next})
	}
	k.signing = k.next
	k.nextRotation = at.Add(k.rotationPeriod)
	k.next = newOIDCSigner(k.algorithm)
	k.ring = append(k.ring, oidcRingEntry{signer: k.next})
}

// tick does what Vault's periodic function does, caught up to now: keys
// due are rotated (each rotation at the time it was due, as a Vault
// running all along would have), and public keys past their
// verification_ttl are dropped.
func (o *oidcState) tick(now time.Time) {
	for _, k := range o.keys {
		if k.rotationPeriod > 0 && now.After(k.nextRotation) {
			due := int64(now.Sub(k.nextRotation)/k.rotationPeriod) + 1
			if due > oidcMaxRotationsKept {
				skip := due - oidcMaxRotationsKept
				k.rotate(k.nextRotation, k.verificationTTL)
				k.nextRotation = k.nextRotation.Add(time.Duration(skip-1) * k.rotationPeriod)
			}
			for now.After(k.nextRotation) {
				k.rotate(k.nextRotation, k.verificationTTL)
			}
		}
		kept := k.ring[:0]
		for _, e := range k.ring {
			if e.expireAt.IsZero() || !e.expireAt.Before(now) {
				kept = append(kept, e)
			}
		}
		k.ring = kept
	}
}

// ensureDefaultMaterial gives the default key its material if it has none
// (Vault's lazyGenerateDefaultKey).
func (o *oidcState) ensureDefaultMaterial(now time.Time) {
	k := o.keys[oidcDefaultKey]
	if k == nil {
		k = newOIDCState(now).keys[oidcDefaultKey]
		o.keys[oidcDefaultKey] = k
	}
	if k.signing == nil {
		k.generate()
	}
}

// publishedKeys are the JWKS's keys: those of keys a role uses, and of the
// default key (every mount uses it), sorted by key id.
func (o *oidcState) publishedKeys() []*oidcSigner {
	names := map[string]bool{oidcDefaultKey: true}
	for _, r := range o.roles {
		names[r.key] = true
	}
	var out []*oidcSigner
	for n := range names {
		if k := o.keys[n]; k != nil {
			for _, e := range k.ring {
				out = append(out, e.signer)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].kid < out[j].kid })
	return out
}

// allPublicKeys counts every public key stored (Vault's public_keys/).
func (o *oidcState) allPublicKeys() int {
	n := 0
	for _, k := range o.keys {
		n += len(k.ring)
	}
	return n
}

// jwk is a public JSON Web Key, its members in go-jose's order.
type jwk struct {
	Use string `json:"use,omitempty"`
	Kty string `json:"kty,omitempty"`
	Kid string `json:"kid,omitempty"`
	Crv string `json:"crv,omitempty"`
	Alg string `json:"alg,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
}

var b64url = base64.RawURLEncoding

// publicJWK is the signer's public key as a JWK.
func (g *oidcSigner) publicJWK() jwk {
	out := jwk{Use: "sig", Kid: g.kid, Alg: g.alg}
	switch pub := g.key().Public().(type) {
	case *rsa.PublicKey:
		out.Kty = "RSA"
		out.N = b64url.EncodeToString(pub.N.Bytes())
		out.E = b64url.EncodeToString(big.NewInt(int64(pub.E)).Bytes())
	case *ecdsa.PublicKey:
		out.Kty, out.Crv = "EC", pub.Curve.Params().Name
		size := (pub.Curve.Params().BitSize + 7) / 8
		out.X = b64url.EncodeToString(pub.X.FillBytes(make([]byte, size)))
		out.Y = b64url.EncodeToString(pub.Y.FillBytes(make([]byte, size)))
	case ed25519.PublicKey:
		out.Kty, out.Crv = "OKP", "Ed25519"
		out.X = b64url.EncodeToString(pub)
	}
	return out
}

// oidcHash is the digest of an RSA or ECDSA algorithm.
func oidcHash(alg string) crypto.Hash {
	switch alg[len(alg)-3:] {
	case "384":
		return crypto.SHA384
	case "512":
		return crypto.SHA512
	}
	return crypto.SHA256
}

func digest(h crypto.Hash, msg []byte) []byte {
	switch h {
	case crypto.SHA384:
		d := sha512.Sum384(msg)
		return d[:]
	case crypto.SHA512:
		d := sha512.Sum512(msg)
		return d[:]
	}
	d := sha256.Sum256(msg)
	return d[:]
}

// sign makes a compact JWS of payload, its protected header {"alg","kid"}
// as go-jose writes it.
func (g *oidcSigner) sign(payload []byte) (string, error) {
	header, _ := json.Marshal(map[string]string{"alg": g.alg, "kid": g.kid})
	input := b64url.EncodeToString(header) + "." + b64url.EncodeToString(payload)
	var sig []byte
	var err error
	switch priv := g.key().(type) {
	case *rsa.PrivateKey:
		h := oidcHash(g.alg)
		sig, err = rsa.SignPKCS1v15(rand.Reader, priv, h, digest(h, []byte(input)))
	case *ecdsa.PrivateKey:
		var r, s *big.Int
		r, s, err = ecdsa.Sign(rand.Reader, priv, digest(oidcHash(g.alg), []byte(input)))
		if err == nil {
			size := (priv.Curve.Params().BitSize + 7) / 8
			sig = append(r.FillBytes(make([]byte, size)), s.FillBytes(make([]byte, size))...)
		}
	case ed25519.PrivateKey:
		sig = ed25519.Sign(priv, []byte(input))
	}
	if err != nil {
		return "", err
	}
	return input + "." + b64url.EncodeToString(sig), nil
}

// verify checks a JWS signature made with algorithm alg (the token's
// header) against the signer's public key.
func (g *oidcSigner) verify(alg string, input, sig []byte) bool {
	return verifyJWSSignature(alg, g.key().Public(), input, sig)
}

// errJWSParts is go-jose's answer to a token that is not three parts.
var errJWSParts = errors.New("go-jose/go-jose: compact JWS format must have three parts")
