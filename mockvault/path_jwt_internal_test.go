package mockvault

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzJWTLogin sends arbitrary JWTs to a configured JWT mount: never a
// panic, always Vault's 200 or 400 (a 403 only from bound CIDRs, none
// here), and the token never echoed in an error.
func FuzzJWTLogin(f *testing.F) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	pub := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	enc := base64.RawURLEncoding.EncodeToString
	sign := func(hdr, claims string) string {
		in := enc([]byte(hdr)) + "." + enc([]byte(claims))
		h := sha256.Sum256([]byte(in))
		r, s, _ := ecdsa.Sign(rand.Reader, key, h[:])
		sig := make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		return in + "." + enc(sig)
	}
	for _, tok := range []string{
		sign(`{"alg":"ES256"}`, `{"sub":"a","exp":4102444800,"groups":["g"],"n":{"m":[1,2]}}`),
		sign(`{"alg":"ES256"}`, `null`),
		sign(`{"alg":"ES256","kid":7}`, `{"aud":[1]}`),
		enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(`{"sub":"a"}`)) + ".",
		"a.b.c", "...", "e30.e30.e30", "",
	} {
		f.Add(tok)
	}
	s := New(Options{})
	for _, w := range []struct {
		p string
		d map[string]any
	}{
		{"sys/auth/jwt", map[string]any{"type": "jwt"}},
		{"auth/jwt/config", map[string]any{"jwt_validation_pubkeys": pub}},
		{"auth/jwt/role/r", map[string]any{"role_type": "jwt", "user_claim": "sub", "bound_subject": "a", "groups_claim": "/n/m", "claim_mappings": map[string]any{"/n/x": "x"}}},
		{"auth/jwt/role/glob", map[string]any{"role_type": "jwt", "user_claim": "/n", "user_claim_json_pointer": true, "bound_claims_type": "glob", "bound_claims": map[string]any{"sub": "*a*"}}},
	} {
		if _, err := s.Write(w.p, w.d); err != nil {
			f.Fatal(err)
		}
	}
	f.Fuzz(func(t *testing.T, tok string) {
		for _, role := range []string{"r", "glob"} {
			body, _ := json.Marshal(map[string]string{"role": role, "jwt": tok})
			req := httptest.NewRequest(http.MethodPost, "http://x/v1/auth/jwt/login", strings.NewReader(string(body)))
			w := httptest.NewRecorder()
			s.ServeHTTP(w, req)
			if s.panicCount() != 0 {
				t.Fatalf("%q panicked", tok)
			}
			if w.Code != 200 && w.Code != 400 && !(w.Code == 500 && len(tok) > 1<<20) {
				t.Fatalf("%q: status %d: %s", tok, w.Code, w.Body)
			}
			if w.Code == 400 && len(tok) > 8 && strings.Contains(w.Body.String(), tok) {
				t.Fatalf("the error echoes the token: %s", w.Body)
			}
		}
	})
}

// The signature memo answers as the check does: a verdict is kept by key,
// signed input and signature, so another key, another payload or a
// tampered signature is checked afresh, however often the good one was
// seen.
func TestJWSSignatureMemo(t *testing.T) {
	keyA, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	keyB, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	signed := []byte("eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0")
	h := sha256.Sum256(signed)
	r, s, _ := ecdsa.Sign(rand.Reader, keyA, h[:])
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	for i := 0; i < 3; i++ {
		if !verifyJWSSignature("ES256", &keyA.PublicKey, signed, sig) {
			t.Fatal("good signature refused")
		}
		if verifyJWSSignature("ES256", &keyB.PublicKey, signed, sig) {
			t.Fatal("accepted under another key")
		}
		if verifyJWSSignature("ES256", &keyA.PublicKey, append(signed[:len(signed):len(signed)], 'x'), sig) {
			t.Fatal("accepted for another payload")
		}
		bad := append([]byte(nil), sig...)
		bad[10] ^= 1
		if verifyJWSSignature("ES256", &keyA.PublicKey, signed, bad) {
			t.Fatal("tampered signature accepted")
		}
		if verifyJWSSignature("ES384", &keyA.PublicKey, signed, sig) {
			t.Fatal("accepted under another algorithm")
		}
	}
}
