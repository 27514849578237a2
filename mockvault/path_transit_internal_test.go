package mockvault

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hashicorp/vault/api"
)

// RFC 5649, section 6: the 20-octet example.
func TestTransitKWPVector(t *testing.T) {
	kek, _ := hex.DecodeString("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8")
	key, _ := hex.DecodeString("c37b7e6492584340bed12207808941155068f738")
	want, _ := hex.DecodeString("138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a")
	got, err := kwpWrap(kek, key)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("wrap: %x %v", got, err)
	}
	back, err := kwpUnwrap(kek, got)
	if err != nil || !bytes.Equal(back, key) {
		t.Fatalf("unwrap: %x %v", back, err)
	}
	got[3] ^= 1
	if _, err := kwpUnwrap(kek, got); err == nil {
		t.Fatal("a tampered wrap unwrapped")
	}
}

// transitTestServer is a server with transit at transit/ and a root client.
func transitTestServer(t *testing.T) (*Server, *api.Client) {
	t.Helper()
	s := New(Options{})
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	cfg := api.DefaultConfig()
	cfg.Address = hs.URL
	cfg.MaxRetries = 0
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(s.RootToken())
	if err := c.Sys().Mount("transit", &api.MountInput{Type: "transit"}); err != nil {
		t.Fatal(err)
	}
	return s, c
}

// wrapForImport wraps key material as Vault's BYOK import expects it.
func wrapForImport(t *testing.T, c *api.Client, material []byte) string {
	t.Helper()
	s, err := c.Logical().Read("transit/wrapping_key")
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode([]byte(s.Data["public_key"].(string)))
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if pub.(*rsa.PublicKey).Size() != 512 {
		t.Fatalf("wrapping key of %d bytes", pub.(*rsa.PublicKey).Size())
	}
	eph := make([]byte, 32)
	_, _ = rand.Read(eph)
	wrappedEph, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, pub.(*rsa.PublicKey), eph, []byte{})
	if err != nil {
		t.Fatal(err)
	}
	wrapped, err := kwpWrap(eph, material)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(append(wrappedEph, wrapped...))
}

// Imported keys work with material the test knows: an AES key decrypts
// what the test encrypted; asymmetric keys sign what the test verifies.
func TestTransitImport(t *testing.T) {
	_, c := transitTestServer(t)
	write := func(p string, data map[string]any) *api.Secret {
		t.Helper()
		s, err := c.Logical().Write(p, data)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		return s
	}
	// AES-256.
	aesKey := bytes.Repeat([]byte{0x42}, 32)
	write("transit/keys/aes/import", map[string]any{"ciphertext": wrapForImport(t, c, aesKey)})
	block, _ := aes.NewCipher(aesKey)
	gcm, _ := cipher.NewGCM(block)
	nonce := make([]byte, 12)
	ct := "vault:v1:" + base64.StdEncoding.EncodeToString(append(nonce, gcm.Seal(nil, nonce, []byte("imported"), nil)...))
	if got := write("transit/decrypt/aes", map[string]any{"ciphertext": ct}).Data["plaintext"]; got != base64.StdEncoding.EncodeToString([]byte("imported")) {
		t.Fatalf("decrypt: %v", got)
	}
	r, _ := c.Logical().Read("transit/keys/aes")
	if r.Data["imported_key"] != true || r.Data["imported_key_allow_rotation"] != false {
		t.Fatalf("read: %v", r.Data)
	}
	if _, err := c.Logical().Write("transit/keys/aes/rotate", nil); err == nil || !strings.Contains(err.Error(), "does not allow rotation") {
		t.Fatalf("rotate: %v", err)
	}
	// A second version through import_version.
	write("transit/keys/aes/import_version", map[string]any{"ciphertext": wrapForImport(t, c, bytes.Repeat([]byte{1}, 32))})
	if r, _ := c.Logical().Read("transit/keys/aes"); r.Data["latest_version"].(interface{ String() string }).String() != "2" {
		t.Fatalf("import_version: %v", r.Data)
	}
	// ECDSA P-256, Ed25519, RSA-2048 private keys (PKCS#8).
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	msg := []byte("signed by an imported key")
	sum := sha256.Sum256(msg)
	for _, tc := range []struct {
		name, typ string
		key       crypto.Signer
		check     func(sig []byte) bool
	}{
		{"ec", "ecdsa-p256", ec, func(sig []byte) bool { return ecdsa.VerifyASN1(&ec.PublicKey, sum[:], sig) }},
		{"ed", "ed25519", ed, func(sig []byte) bool { return ed25519.Verify(ed.Public().(ed25519.PublicKey), msg, sig) }},
		{"rsa", "rsa-2048", rk, func(sig []byte) bool { return rsa.VerifyPSS(&rk.PublicKey, crypto.SHA256, sum[:], sig, nil) == nil }},
	} {
		der, err := x509.MarshalPKCS8PrivateKey(tc.key)
		if err != nil {
			t.Fatal(err)
		}
		write("transit/keys/"+tc.name+"/import", map[string]any{"type": tc.typ, "ciphertext": wrapForImport(t, c, der), "exportable": true})
		sig := write("transit/sign/"+tc.name, map[string]any{"input": base64.StdEncoding.EncodeToString(msg)}).Data["signature"].(string)
		raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(sig, "vault:v1:"))
		if !tc.check(raw) {
			t.Fatalf("%s: signature does not verify with the imported key", tc.typ)
		}
	}
	// A public key first, its private key later completes the version.
	pubPEM := pemPublicKey(&ec.PublicKey)
	write("transit/keys/later/import", map[string]any{"type": "ecdsa-p256", "public_key": pubPEM})
	if _, err := c.Logical().Write("transit/sign/later", map[string]any{"input": "aGk="}); err == nil {
		t.Fatal("signed without a private key")
	}
	der, _ := x509.MarshalPKCS8PrivateKey(ec)
	write("transit/keys/later/import_version", map[string]any{"ciphertext": wrapForImport(t, c, der), "version": 1})
	write("transit/sign/later", map[string]any{"input": "aGk="})
	// Wrong material.
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	write("transit/keys/later2/import", map[string]any{"type": "ecdsa-p256", "public_key": pubPEM})
	der, _ = x509.MarshalPKCS8PrivateKey(other)
	if _, err := c.Logical().Write("transit/keys/later2/import_version", map[string]any{"ciphertext": wrapForImport(t, c, der), "version": 1}); err == nil ||
		!strings.Contains(err.Error(), "cannot import key, key pair does not match") {
		t.Fatalf("mismatch: %v", err)
	}
	if _, err := c.Logical().Write("transit/keys/bad/import", map[string]any{"ciphertext": wrapForImport(t, c, bytes.Repeat([]byte{1}, 20))}); err == nil ||
		!strings.Contains(err.Error(), "invalid key size 20 bytes for key type aes256-gcm96") {
		t.Fatalf("bad size: %v", err)
	}
}

// No input makes a transit handler panic.
func TestTransitNoPanics(t *testing.T) {
	s, c := transitTestServer(t)
	for _, typ := range []string{"aes256-gcm96", "ed25519", "ecdsa-p384", "rsa-2048", "chacha20-poly1305"} {
		if _, err := c.Logical().Write("transit/keys/"+typ, map[string]any{"type": typ, "derived": typ == "ed25519"}); err != nil {
			t.Fatal(err)
		}
	}
	odd := []any{nil, "", "x", "!!", "vault:v1:AAAA", "vault:v2147483648:AAAA", -3, 1e20, true, []any{nil}, map[string]any{"a": 1},
		[]any{map[string]any{"input": nil, "ciphertext": 1, "plaintext": "!!", "key_version": -9, "context": []any{}}}}
	for _, op := range []string{"encrypt", "decrypt", "rewrap", "datakey/wrapped", "hmac", "sign", "verify", "keys", "restore"} {
		for _, typ := range []string{"aes256-gcm96", "ed25519", "rsa-2048"} {
			for _, f := range []string{"plaintext", "ciphertext", "batch_input", "input", "signature", "hmac", "key_version", "context",
				"nonce", "salt_length", "marshaling_algorithm", "hash_algorithm", "prehashed", "backup", "associated_data"} {
				for _, val := range odd {
					_, _ = c.Logical().Write("transit/"+op+"/"+typ, map[string]any{f: val, "input": "aGk=", "plaintext": "aGk="})
				}
			}
		}
	}
	if n := s.panicCount(); n != 0 {
		t.Fatalf("%d panics", n)
	}
}
