package mockvault

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"strings"
)

// The JWT method's token handling, pure (no HTTP, no state): compact JWS
// parsing, signature verification with the standard library, JWK and PEM
// public keys. Error texts are those of the libraries Vault's plugin uses
// (go-jose, go-oidc, cap/jwt), since login answers carry them.

// jwtAlgs are the signing algorithms Vault's JWT method accepts (cap/jwt),
// in its order.
var jwtAlgs = []string{"RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA"}

// jws is a parsed compact JWS: its header, payload and signature.
type jws struct {
	alg, kid  string
	signed    []byte // header.payload, the signing input
	payload   []byte
	signature []byte
	decoded   map[string]any // the claims, once decoded
}

// b64urlDecode is go-jose's base64URLDecode: padding is tolerated.
func b64urlDecode(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// parseJWS parses a compact JWS as go-jose does, with its errors.
func parseJWS(token string) (*jws, error) {
	if strings.Count(token, ".") != 2 {
		return nil, errors.New("go-jose/go-jose: compact JWS format must have three parts")
	}
	parts := strings.SplitN(token, ".", 3)
	hdr, err := b64urlDecode(parts[0])
	if err != nil {
		return nil, err
	}
	payload, err := b64urlDecode(parts[1])
	if err != nil {
		return nil, err
	}
	sig, err := b64urlDecode(parts[2])
	if err != nil {
		return nil, err
	}
	var h struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
	}
	if len(hdr) > 0 {
		if err := json.Unmarshal(hdr, &h); err != nil {
			return nil, err
		}
	}
	return &jws{alg: h.Alg, kid: h.Kid, signed: []byte(parts[0] + "." + parts[1]), payload: payload, signature: sig}, nil
}

// verify checks the signature with key under the header's algorithm.
func (j *jws) verify(key crypto.PublicKey) bool {
	return verifyJWSSignature(j.alg, key, j.signed, j.signature)
}

// verifyJWSSignature checks a JWS signature of signed made with algorithm
// alg (RFC 7518 RS*, PS*, ES*, and EdDSA) against key: the one verifier of
// JWT logins, Kubernetes service-account tokens and identity tokens. Any
// mismatch (wrong key type or curve for the algorithm, alg "none", HMAC
// with a public key) is a failure, as in go-jose.
//
// A verdict is memoised by the algorithm, the key's contents, the signed
// input and the signature (a pure function of them): tests log in with
// the same token again and again, and the public-key check was most of a
// login's cost.
func verifyJWSSignature(alg string, key crypto.PublicKey, signed, sig []byte) bool {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return checkJWSSignature(alg, key, signed, sig)
	}
	k := contentKey([]byte(alg), der, signed, sig)
	if ok, hit := jwsMemo.get(k); hit {
		return ok
	}
	ok := checkJWSSignature(alg, key, signed, sig)
	jwsMemo.put(k, ok)
	return ok
}

var jwsMemo = newBoundedMemo[[32]byte, bool](1024)

// checkJWSSignature is verifyJWSSignature without the memo.
func checkJWSSignature(alg string, key crypto.PublicKey, signed, sig []byte) bool {
	h := crypto.SHA256
	switch {
	case strings.HasSuffix(alg, "384"):
		h = crypto.SHA384
	case strings.HasSuffix(alg, "512"):
		h = crypto.SHA512
	}
	digest := func() []byte { d := h.New(); d.Write(signed); return d.Sum(nil) }
	switch k := key.(type) {
	case *rsa.PublicKey:
		switch alg {
		case "RS256", "RS384", "RS512":
			return rsa.VerifyPKCS1v15(k, h, digest(), sig) == nil
		case "PS256", "PS384", "PS512":
			return rsa.VerifyPSS(k, h, digest(), sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil
		}
	case *ecdsa.PublicKey:
		curve := map[string]elliptic.Curve{"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521()}[alg]
		if curve == nil || k.Curve != curve {
			return false
		}
		size := (curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return false
		}
		r := new(big.Int).SetBytes(sig[:size])
		s := new(big.Int).SetBytes(sig[size:])
		return ecdsa.Verify(k, digest(), r, s)
	case ed25519.PublicKey:
		return alg == "EdDSA" && ed25519.Verify(k, signed, sig)
	}
	return false
}

// claims decodes the payload as a JSON object (numbers as float64, as
// go-jose decodes them).
// The first decoding is kept (a login reads the claims twice: checking
// the signature, then validating them); each caller gets its own copy.
func (j *jws) claims() (map[string]any, error) {
	if j.decoded != nil {
		return maps.Clone(j.decoded), nil
	}
	c, ok := unmarshalObjectFast(j.payload)
	if !ok {
		if err := json.Unmarshal(j.payload, &c); err != nil {
			return nil, err
		}
	}
	if c == nil {
		c = map[string]any{} // a "null" payload: no claims
	}
	j.decoded = c
	return maps.Clone(c), nil
}

// parsePublicKeyPEM is Vault's certutil.ParsePublicKeyPEM: a PKIX public
// key or a certificate's key; RSA, ECDSA or Ed25519.
func parsePublicKeyPEM(data []byte) (crypto.PublicKey, error) {
	block, rest := pem.Decode(data)
	if block != nil {
		if len(bytes.TrimSpace(rest)) > 0 {
			return nil, errors.New("unexpected trailing data after parsed PEM block")
		}
		raw, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			cert, cerr := x509.ParseCertificate(block.Bytes)
			if cerr != nil {
				return nil, err
			}
			raw = cert.PublicKey
		}
		switch k := raw.(type) {
		case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
			return k, nil
		}
	}
	return nil, errors.New("data does not contain any valid public keys")
}

// jwkKey is a parsed JWK: its id and public key.
type jwkKey struct {
	kid string
	key crypto.PublicKey
}

// parseJWKS reads a JWKS document ({"keys":[...]}); like go-jose, one bad
// key fails the whole set.
func parseJWKS(body []byte) ([]jwkKey, error) {
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, err
	}
	out := make([]jwkKey, 0, len(set.Keys))
	for _, k := range set.Keys {
		pub, err := k.publicKey()
		if err != nil {
			return nil, err
		}
		out = append(out, jwkKey{kid: k.Kid, key: pub})
	}
	return out, nil
}

func (k jwk) publicKey() (crypto.PublicKey, error) {
	dec := func(s string) []byte { b, _ := b64urlDecode(s); return b }
	switch k.Kty {
	case "RSA":
		n, e := dec(k.N), dec(k.E)
		if len(n) == 0 || len(e) == 0 {
			return nil, errors.New("go-jose/go-jose: invalid RSA key, missing n/e values")
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}, nil
	case "EC":
		curve := map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()}[k.Crv]
		if curve == nil {
			return nil, fmt.Errorf("go-jose/go-jose: unsupported elliptic curve '%s'", k.Crv)
		}
		x, y := dec(k.X), dec(k.Y)
		if len(x) == 0 || len(y) == 0 {
			return nil, errors.New("go-jose/go-jose: invalid EC key, missing x/y values")
		}
		size := (curve.Params().BitSize + 7) / 8
		if len(x) != size {
			return nil, errors.New("go-jose/go-jose: invalid EC public key, wrong length for x")
		}
		if len(y) != size {
			return nil, errors.New("go-jose/go-jose: invalid EC public key, wrong length for y")
		}
		pub := &ecdsa.PublicKey{Curve: curve, X: new(big.Int).SetBytes(x), Y: new(big.Int).SetBytes(y)}
		if !curve.IsOnCurve(pub.X, pub.Y) {
			return nil, errors.New("go-jose/go-jose: invalid EC key, X/Y are not on declared curve")
		}
		return pub, nil
	case "OKP":
		x := dec(k.X)
		if k.Crv != "Ed25519" {
			return nil, fmt.Errorf("go-jose/go-jose: unknown curve %s'", k.Crv)
		}
		if len(x) == 0 {
			return nil, errors.New("go-jose/go-jose: invalid Ed key, missing x value")
		}
		return ed25519.PublicKey(x), nil
	}
	return nil, fmt.Errorf("go-jose/go-jose: unknown json web key type '%s'", k.Kty)
}
