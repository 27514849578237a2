package mockvault_test

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/mockvault"
	"github.com/mockvault/mockvault/testhelpers"
	"golang.org/x/crypto/chacha20poly1305"
)

// transitVault starts a server with transit mounted at each of mounts.
func transitVault(t *testing.T, mounts ...string) *testhelpers.Vault {
	t.Helper()
	v := testhelpers.RunT(t)
	if len(mounts) == 0 {
		mounts = []string{"transit"}
	}
	for _, m := range mounts {
		if err := v.Client.Sys().Mount(m, &api.MountInput{Type: "transit"}); err != nil {
			t.Fatalf("mount %s: %v", m, err)
		}
	}
	return v
}

func trWrite(t *testing.T, c *api.Client, p string, data map[string]any) *api.Secret {
	t.Helper()
	s, err := c.Logical().Write(p, data)
	if err != nil {
		t.Fatalf("write %s: %v", p, err)
	}
	return s
}

func trRead(t *testing.T, c *api.Client, p string) *api.Secret {
	t.Helper()
	s, err := c.Logical().Read(p)
	if err != nil || s == nil {
		t.Fatalf("read %s: %v %v", p, s, err)
	}
	return s
}

// trWantErr checks an error's status and its first message.
func trWantErr(t *testing.T, err error, code int, msg string) {
	t.Helper()
	var re *api.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("want %d %q, got %v", code, msg, err)
	}
	if re.StatusCode != code || len(re.Errors) == 0 || re.Errors[0] != msg {
		t.Fatalf("want %d %q, got %d %q", code, msg, re.StatusCode, re.Errors)
	}
}

// trRaw sends a request and returns the status and decoded body.
func trRaw(t *testing.T, v *testhelpers.Vault, method, p, token string, body any) (int, map[string]any) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, v.Addr+"/v1/"+p, bytes.NewReader(b))
	req.Header.Set("X-Vault-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s %s: %q", method, p, raw)
		}
	}
	return resp.StatusCode, m
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func unb64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("base64 %q: %v", s, err)
	}
	return b
}

func trEncrypt(t *testing.T, c *api.Client, p, plaintext string, extra map[string]any) string {
	t.Helper()
	data := map[string]any{"plaintext": b64(plaintext)}
	for k, v := range extra {
		data[k] = v
	}
	return trWrite(t, c, p, data).Data["ciphertext"].(string)
}

func trDecrypt(t *testing.T, c *api.Client, p, ct string, extra map[string]any) string {
	t.Helper()
	data := map[string]any{"ciphertext": ct}
	for k, v := range extra {
		data[k] = v
	}
	return string(unb64(t, trWrite(t, c, p, data).Data["plaintext"].(string)))
}

// Every key type Vault CE creates, read back with exactly Vault's fields.
func TestTransitKeyTypes(t *testing.T) {
	v := transitVault(t)
	c := v.Client
	common := []string{"allow_plaintext_backup", "auto_rotate_period", "deletion_allowed", "derived", "exportable",
		"imported_key", "latest_version", "min_available_version", "min_decryption_version", "min_encryption_version",
		"name", "supports_decryption", "supports_derivation", "supports_encryption", "supports_signing", "type"}
	for _, tc := range []struct {
		typ      string
		body     map[string]any
		extra    []string
		enc, sig bool
		keyName  string
	}{
		{typ: "aes256-gcm96", body: map[string]any{}, extra: []string{"keys"}, enc: true},
		{typ: "aes128-gcm96", extra: []string{"keys"}, enc: true},
		{typ: "chacha20-poly1305", extra: []string{"keys"}, enc: true},
		{typ: "ed25519", extra: []string{"keys"}, sig: true, keyName: "ed25519"},
		{typ: "ecdsa-p256", extra: []string{"keys"}, sig: true, keyName: "P-256"},
		{typ: "ecdsa-p384", extra: []string{"keys"}, sig: true, keyName: "P-384"},
		{typ: "ecdsa-p521", extra: []string{"keys"}, sig: true, keyName: "P-521"},
		{typ: "rsa-2048", extra: []string{"keys"}, enc: true, sig: true, keyName: "rsa-2048"},
		{typ: "hmac", body: map[string]any{"key_size": 48}, extra: []string{"key_size"}},
	} {
		body := map[string]any{"type": tc.typ}
		for k, x := range tc.body {
			body[k] = x
		}
		if tc.typ == "aes256-gcm96" {
			delete(body, "type") // the default
		}
		s := trWrite(t, c, "transit/keys/"+tc.typ, body)
		want := append(append([]string{}, common...), tc.extra...)
		if got := trKeys(s.Data); strings.Join(got, ",") != strings.Join(trSorted(want), ",") {
			t.Fatalf("%s fields: %v", tc.typ, got)
		}
		d := s.Data
		if d["type"] != tc.typ || d["supports_encryption"] != tc.enc || d["supports_signing"] != tc.sig || d["latest_version"] != json.Number("1") {
			t.Fatalf("%s: %v", tc.typ, d)
		}
		if tc.keyName != "" {
			k1 := d["keys"].(map[string]any)["1"].(map[string]any)
			if k1["name"] != tc.keyName || k1["public_key"] == "" {
				t.Fatalf("%s key: %v", tc.typ, k1)
			}
			if _, err := time.Parse(time.RFC3339Nano, k1["creation_time"].(string)); err != nil {
				t.Fatalf("%s creation_time: %v", tc.typ, k1)
			}
		}
	}
	trWantErr(t, func() error {
		_, err := c.Logical().Write("transit/keys/h0", map[string]any{"type": "hmac"})
		return err
	}(),
		500, "1 error occurred:\n\t* invalid key size for HMAC key, must be between 32 and 512 bytes\n\n")
	_, err := c.Logical().Write("transit/keys/x", map[string]any{"type": "aes128-cmac"})
	trWantErr(t, err, 400, "key type aes128-cmac is only available in enterprise versions of Vault")
	_, err = c.Logical().Write("transit/keys/x", map[string]any{"type": "nope"})
	trWantErr(t, err, 400, "unknown key type nope")
	l, err := c.Logical().List("transit/keys")
	if err != nil || len(l.Data["keys"].([]any)) != 9 {
		t.Fatalf("list: %v %v", l, err)
	}
}

// The ciphertext is Vault's layout: vault:v1: + base64(nonce | sealed),
// readable with the exported key and the standard library.
func TestTransitCiphertextLayout(t *testing.T) {
	v := transitVault(t)
	c := v.Client
	for _, typ := range []string{"aes256-gcm96", "aes128-gcm96", "chacha20-poly1305"} {
		trWrite(t, c, "transit/keys/"+typ, map[string]any{"type": typ, "exportable": true})
		ct := trEncrypt(t, c, "transit/encrypt/"+typ, "secret message", map[string]any{"associated_data": b64("ad")})
		if !strings.HasPrefix(ct, "vault:v1:") {
			t.Fatalf("%s: %s", typ, ct)
		}
		raw := unb64(t, strings.TrimPrefix(ct, "vault:v1:"))
		key := unb64(t, trRead(t, c, "transit/export/encryption-key/"+typ+"/1").Data["keys"].(map[string]any)["1"].(string))
		var aead cipher.AEAD
		if typ == "chacha20-poly1305" {
			aead, _ = chacha20poly1305.New(key)
		} else {
			block, _ := aes.NewCipher(key)
			aead, _ = cipher.NewGCM(block)
		}
		if len(raw) != 12+len("secret message")+16 {
			t.Fatalf("%s: %d bytes", typ, len(raw))
		}
		plain, err := aead.Open(nil, raw[:12], raw[12:], []byte("ad"))
		if err != nil || string(plain) != "secret message" {
			t.Fatalf("%s: %q %v", typ, plain, err)
		}
		// And the other way: a ciphertext made here decrypts there.
		nonce := bytes.Repeat([]byte{7}, 12)
		mine := "vault:v1:" + base64.StdEncoding.EncodeToString(append(nonce, aead.Seal(nil, nonce, []byte("from outside"), nil)...))
		if got := trDecrypt(t, c, "transit/decrypt/"+typ, mine, nil); got != "from outside" {
			t.Fatalf("%s: %q", typ, got)
		}
		// Tampered: one bit flipped.
		raw[len(raw)-1] ^= 1
		_, err = c.Logical().Write("transit/decrypt/"+typ, map[string]any{"ciphertext": "vault:v1:" + base64.StdEncoding.EncodeToString(raw), "associated_data": b64("ad")})
		want := "cipher: message authentication failed"
		if typ == "chacha20-poly1305" {
			want = "chacha20poly1305: message authentication failed"
		}
		trWantErr(t, err, 400, want)
	}
}

func TestTransitEncryptOptions(t *testing.T) {
	v := transitVault(t)
	c := v.Client
	// Upsert: encrypt makes the key.
	ct := trEncrypt(t, c, "transit/encrypt/app", "hello", nil)
	if got := trDecrypt(t, c, "transit/decrypt/app", ct, nil); got != "hello" {
		t.Fatal(got)
	}
	if d := trRead(t, c, "transit/keys/app").Data; d["type"] != "aes256-gcm96" || d["derived"] != false {
		t.Fatalf("upserted: %v", d)
	}
	// Derived keys need the context; each context its own key.
	ctx := map[string]any{"context": b64("tenant-1")}
	ct = trEncrypt(t, c, "transit/encrypt/derived", "hello", ctx)
	if d := trRead(t, c, "transit/keys/derived").Data; d["derived"] != true || d["kdf"] != "hkdf_sha256" {
		t.Fatalf("derived upsert: %v", d)
	}
	if got := trDecrypt(t, c, "transit/decrypt/derived", ct, ctx); got != "hello" {
		t.Fatal(got)
	}
	_, err := c.Logical().Write("transit/decrypt/derived", map[string]any{"ciphertext": ct, "context": b64("tenant-2")})
	trWantErr(t, err, 400, "cipher: message authentication failed")
	// Convergent encryption repeats itself.
	trWrite(t, c, "transit/keys/conv", map[string]any{"derived": true, "convergent_encryption": true})
	a := trEncrypt(t, c, "transit/encrypt/conv", "same", ctx)
	b := trEncrypt(t, c, "transit/encrypt/conv", "same", ctx)
	o := trEncrypt(t, c, "transit/encrypt/conv", "same", map[string]any{"context": b64("other")})
	if a != b || a == o {
		t.Fatalf("convergent: %s %s %s", a, b, o)
	}
	// Versions: rotate, min_decryption_version refuses old ciphertexts.
	v1 := trEncrypt(t, c, "transit/encrypt/app", "v1", nil)
	trWrite(t, c, "transit/keys/app/rotate", nil)
	v2 := trEncrypt(t, c, "transit/encrypt/app", "v2", nil)
	if !strings.HasPrefix(v2, "vault:v2:") {
		t.Fatal(v2)
	}
	rw := trWrite(t, c, "transit/rewrap/app", map[string]any{"ciphertext": v1}).Data["ciphertext"].(string)
	if !strings.HasPrefix(rw, "vault:v2:") || trDecrypt(t, c, "transit/decrypt/app", rw, nil) != "v1" {
		t.Fatalf("rewrap: %s", rw)
	}
	trWrite(t, c, "transit/keys/app/config", map[string]any{"min_decryption_version": 2})
	_, err = c.Logical().Write("transit/decrypt/app", map[string]any{"ciphertext": v1})
	trWantErr(t, err, 400, "ciphertext or signature version is disallowed by policy (too old)")
	// Absurd versions.
	_, err = c.Logical().Write("transit/encrypt/app", map[string]any{"plaintext": b64("x"), "key_version": 99})
	trWantErr(t, err, 400, "requested version for encryption is higher than the latest key version")
	_, err = c.Logical().Write("transit/decrypt/app", map[string]any{"ciphertext": "vault:v99999999999999999999:AAAA"})
	trWantErr(t, err, 400, "invalid ciphertext: version number could not be decoded")
	// A key of another type refuses.
	trWrite(t, c, "transit/keys/sig", map[string]any{"type": "ed25519"})
	_, err = c.Logical().Write("transit/encrypt/sig", map[string]any{"plaintext": b64("x")})
	trWantErr(t, err, 400, "message encryption not supported for key type ed25519")
	_, err = c.Logical().Write("transit/decrypt/nope", map[string]any{"ciphertext": v1})
	trWantErr(t, err, 400, "encryption key not found")
}

// A batch with a failed item is answered whole under 400, or under
// partial_failure_response_code when some items succeeded.
func TestTransitBatchPartialFailure(t *testing.T) {
	v := transitVault(t)
	root := v.Server.RootToken()
	trWrite(t, v.Client, "transit/keys/k", nil)
	code, body := trRaw(t, v, "POST", "transit/encrypt/k", root, map[string]any{
		"batch_input": []any{map[string]any{"plaintext": b64("a"), "reference": "one"}, map[string]any{"plaintext": "!!"}},
	})
	results := body["data"].(map[string]any)["batch_results"].([]any)
	if code != 400 || body["mount_type"] != "" || len(results) != 2 || results[1].(map[string]any)["error"] != "illegal base64 data at input byte 0" {
		t.Fatalf("%d %v", code, body)
	}
	first := results[0].(map[string]any)
	if first["reference"] != "one" || first["key_version"] != float64(1) {
		t.Fatalf("%v", first)
	}
	code, body = trRaw(t, v, "POST", "transit/decrypt/k", root, map[string]any{
		"batch_input":                   []any{map[string]any{"ciphertext": first["ciphertext"]}, map[string]any{"ciphertext": "bad"}},
		"partial_failure_response_code": 207,
	})
	results = body["data"].(map[string]any)["batch_results"].([]any)
	if code != 207 || results[0].(map[string]any)["plaintext"] != b64("a") || results[1].(map[string]any)["error"] != "invalid ciphertext: no prefix" {
		t.Fatalf("%d %v", code, body)
	}
	// All good: a plain 200.
	s := trWrite(t, v.Client, "transit/encrypt/k", map[string]any{"batch_input": []any{map[string]any{"plaintext": b64("x")}}})
	if len(s.Data["batch_results"].([]any)) != 1 {
		t.Fatal(s.Data)
	}
}

// Signatures verify with the standard library against the public keys
// Vault's read and export give.
func TestTransitSignaturesVerifyWithStdlib(t *testing.T) {
	v := transitVault(t)
	c := v.Client
	msg := []byte("sign me")
	sum256 := sha256.Sum256(msg)
	sum512 := sha512.Sum512(msg)
	sign := func(key string, body map[string]any) []byte {
		t.Helper()
		body["input"] = base64.StdEncoding.EncodeToString(msg)
		sig := trWrite(t, c, "transit/sign/"+key, body).Data["signature"].(string)
		if !strings.HasPrefix(sig, "vault:v1:") {
			t.Fatal(sig)
		}
		body["signature"] = sig
		if valid := trWrite(t, c, "transit/verify/"+key, body).Data["valid"]; valid != true {
			t.Fatalf("%s does not verify its own signature", key)
		}
		rest := strings.TrimPrefix(sig, "vault:v1:")
		if body["marshaling_algorithm"] == "jws" {
			b, err := base64.RawURLEncoding.DecodeString(rest)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		return unb64(t, rest)
	}
	parsePEM := func(s string) any {
		t.Helper()
		block, _ := pem.Decode([]byte(s))
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		return pub
	}
	for _, curve := range []string{"ecdsa-p256", "ecdsa-p384", "ecdsa-p521"} {
		s := trWrite(t, c, "transit/keys/"+curve, map[string]any{"type": curve})
		pub := parsePEM(s.Data["keys"].(map[string]any)["1"].(map[string]any)["public_key"].(string)).(*ecdsa.PublicKey)
		if !ecdsa.VerifyASN1(pub, sum256[:], sign(curve, map[string]any{})) {
			t.Fatalf("%s: asn1 signature does not verify", curve)
		}
		jws := sign(curve, map[string]any{"marshaling_algorithm": "jws", "hash_algorithm": "sha2-512"})
		n := len(jws) / 2
		if !ecdsa.Verify(pub, sum512[:], new(big.Int).SetBytes(jws[:n]), new(big.Int).SetBytes(jws[n:])) {
			t.Fatalf("%s: jws signature does not verify", curve)
		}
		exp := trRead(t, c, "transit/export/public-key/"+curve).Data["keys"].(map[string]any)["1"].(string)
		if !parsePEM(exp).(*ecdsa.PublicKey).Equal(pub) {
			t.Fatalf("%s: export differs from read", curve)
		}
	}
	s := trWrite(t, c, "transit/keys/ed", map[string]any{"type": "ed25519"})
	pub := ed25519.PublicKey(unb64(t, s.Data["keys"].(map[string]any)["1"].(map[string]any)["public_key"].(string)))
	if !ed25519.Verify(pub, msg, sign("ed", map[string]any{})) {
		t.Fatal("ed25519 signature does not verify")
	}
	s = trWrite(t, c, "transit/keys/rsa", map[string]any{"type": "rsa-2048"})
	rpub := parsePEM(s.Data["keys"].(map[string]any)["1"].(map[string]any)["public_key"].(string)).(*rsa.PublicKey)
	if err := rsa.VerifyPSS(rpub, crypto.SHA256, sum256[:], sign("rsa", map[string]any{}), nil); err != nil {
		t.Fatal("pss:", err)
	}
	if err := rsa.VerifyPSS(rpub, crypto.SHA256, sum256[:], sign("rsa", map[string]any{"salt_length": "hash"}), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}); err != nil {
		t.Fatal("pss hash salt:", err)
	}
	if err := rsa.VerifyPKCS1v15(rpub, crypto.SHA512, sum512[:], sign("rsa", map[string]any{"signature_algorithm": "pkcs1v15", "hash_algorithm": "sha2-512"})); err != nil {
		t.Fatal("pkcs1v15:", err)
	}
	// Derived Ed25519: the sign answer carries the context's public key,
	// and a read with the context gives the same.
	trWrite(t, c, "transit/keys/ded", map[string]any{"type": "ed25519", "derived": true})
	ctx := b64("user-7")
	r := trWrite(t, c, "transit/sign/ded", map[string]any{"input": base64.StdEncoding.EncodeToString(msg), "context": ctx})
	dpub := ed25519.PublicKey(unb64(t, r.Data["public_key"].(string)))
	if !ed25519.Verify(dpub, msg, unb64(t, strings.TrimPrefix(r.Data["signature"].(string), "vault:v1:"))) {
		t.Fatal("derived ed25519 signature does not verify")
	}
	read, err := c.Logical().ReadWithData("transit/keys/ded", map[string][]string{"context": {ctx}})
	if err != nil {
		t.Fatal(err)
	}
	if read.Data["keys"].(map[string]any)["1"].(map[string]any)["public_key"] != r.Data["public_key"] {
		t.Fatal("derived public keys differ")
	}
	// Batch sign and verify.
	bs := trWrite(t, c, "transit/sign/ed", map[string]any{"batch_input": []any{
		map[string]any{"input": b64("a"), "reference": "ra"}, map[string]any{"input": "!!"},
	}}).Data["batch_results"].([]any)
	if bs[0].(map[string]any)["reference"] != "ra" || bs[1].(map[string]any)["error"] != "unable to decode input: illegal base64 data at input byte 0" {
		t.Fatal(bs)
	}
	bv := trWrite(t, c, "transit/verify/ed", map[string]any{"batch_input": []any{
		map[string]any{"input": b64("a"), "signature": bs[0].(map[string]any)["signature"]},
		map[string]any{"input": b64("b"), "signature": bs[0].(map[string]any)["signature"]},
	}}).Data["batch_results"].([]any)
	if bv[0].(map[string]any)["valid"] != true || bv[1].(map[string]any)["valid"] != false {
		t.Fatal(bv)
	}
	_, err = c.Logical().Write("transit/sign/rsa", map[string]any{"input": b64("x"), "key_version": 2})
	trWantErr(t, err, 500, "1 error occurred:\n\t* requested version for signing is higher than the latest key version\n\n")
}

func TestTransitHMACHashRandom(t *testing.T) {
	v := transitVault(t)
	c := v.Client
	trWrite(t, c, "transit/keys/k", map[string]any{"exportable": true})
	trWrite(t, c, "transit/keys/h", map[string]any{"type": "hmac", "key_size": 64, "exportable": true})
	for _, name := range []string{"k", "h"} {
		key := unb64(t, trRead(t, c, "transit/export/hmac-key/"+name+"/1").Data["keys"].(map[string]any)["1"].(string))
		got := trWrite(t, c, "transit/hmac/"+name+"/sha2-512", map[string]any{"input": b64("data")}).Data["hmac"].(string)
		m := hmac.New(sha512.New, key)
		m.Write([]byte("data"))
		if got != "vault:v1:"+base64.StdEncoding.EncodeToString(m.Sum(nil)) {
			t.Fatalf("%s: %s", name, got)
		}
		if ok := trWrite(t, c, "transit/verify/"+name+"/sha2-512", map[string]any{"input": b64("data"), "hmac": got}).Data["valid"]; ok != true {
			t.Fatalf("%s: hmac does not verify", name)
		}
		if ok := trWrite(t, c, "transit/verify/"+name, map[string]any{"input": b64("data"), "hmac": got}).Data["valid"]; ok != false {
			t.Fatalf("%s: sha2-256 verify of a sha2-512 hmac", name)
		}
	}
	sum := trWrite(t, c, "transit/hash/sha2-256", map[string]any{"input": b64("hello")}).Data["sum"]
	if sum != "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" {
		t.Fatal(sum)
	}
	rb := trWrite(t, c, "transit/random/48", map[string]any{"format": "hex"}).Data["random_bytes"].(string)
	if len(rb) != 96 {
		t.Fatal(rb)
	}
	_, err := c.Logical().Write("transit/random/bogus/4", nil)
	trWantErr(t, err, 400, `unsupported entropy source "bogus"; must be "platform" or "seal", or "all"`)
}

// auto_rotate_period follows the server clock.
func TestTransitAutoRotate(t *testing.T) {
	v := transitVault(t)
	c := v.Client
	trWrite(t, c, "transit/keys/k", map[string]any{"auto_rotate_period": "24h"})
	v.Clock.Advance(24*time.Hour - time.Minute)
	if d := trRead(t, c, "transit/keys/k").Data; d["latest_version"] != json.Number("1") {
		t.Fatalf("rotated early: %v", d)
	}
	v.Clock.Advance(2 * time.Minute)
	d := trRead(t, c, "transit/keys/k").Data
	if d["latest_version"] != json.Number("2") {
		t.Fatalf("not rotated: %v", d)
	}
	created, _ := d["keys"].(map[string]any)["2"].(json.Number).Int64()
	if created != v.Clock.Now().Unix() {
		t.Fatalf("creation time %d, clock %d", created, v.Clock.Now().Unix())
	}
	// Turned off, no more rotations.
	trWrite(t, c, "transit/keys/k/config", map[string]any{"auto_rotate_period": 0})
	v.Clock.Advance(72 * time.Hour)
	if d := trRead(t, c, "transit/keys/k").Data; d["latest_version"] != json.Number("2") {
		t.Fatalf("rotated while off: %v", d)
	}
}

// A token allowed to encrypt with one key can neither decrypt nor make
// keys through encrypt.
func TestTransitACLEncryptOnly(t *testing.T) {
	v := transitVault(t)
	c := v.Client
	trWrite(t, c, "transit/keys/app", nil)
	if err := c.Sys().PutPolicy("enc", `path "transit/encrypt/app" { capabilities = ["update"] }`); err != nil {
		t.Fatal(err)
	}
	sec, err := c.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"enc"}})
	if err != nil {
		t.Fatal(err)
	}
	app, _ := c.Clone()
	app.SetToken(sec.Auth.ClientToken)
	ct := trEncrypt(t, app, "transit/encrypt/app", "hello", nil)
	_, err = app.Logical().Write("transit/decrypt/app", map[string]any{"ciphertext": ct})
	trWantErr(t, err, 403, "1 error occurred:\n\t* permission denied\n\n")
	_, err = app.Logical().Write("transit/encrypt/other", map[string]any{"plaintext": b64("x")})
	trWantErr(t, err, 403, "1 error occurred:\n\t* permission denied\n\n")
	if got := trDecrypt(t, c, "transit/decrypt/app", ct, nil); got != "hello" {
		t.Fatal(got)
	}
	// update on a glob still cannot create a key: that needs create.
	if err := c.Sys().PutPolicy("enc", `path "transit/encrypt/*" { capabilities = ["update"] }`); err != nil {
		t.Fatal(err)
	}
	_, err = app.Logical().Write("transit/encrypt/new", map[string]any{"plaintext": b64("x")})
	trWantErr(t, err, 403, "1 error occurred:\n\t* permission denied\n\n")
}

// Keys live in the mount's state: Snapshot/Restore and Reset cover them,
// and mounts never share keys.
func TestTransitSnapshotRestore(t *testing.T) {
	v := transitVault(t, "transit", "other")
	c := v.Client
	trWrite(t, c, "transit/keys/k", map[string]any{"exportable": true, "allow_plaintext_backup": true})
	ct := trEncrypt(t, c, "transit/encrypt/k", "kept", nil)
	snap := v.Server.Snapshot()
	trWrite(t, c, "transit/keys/k/rotate", nil)
	trWrite(t, c, "transit/keys/k/config", map[string]any{"min_decryption_version": 2, "deletion_allowed": true})
	trWrite(t, c, "transit/keys/x", nil)
	v.Server.Restore(snap)
	if d := trRead(t, c, "transit/keys/k").Data; d["latest_version"] != json.Number("1") || d["deletion_allowed"] != false {
		t.Fatalf("restored: %v", d)
	}
	if s, _ := c.Logical().Read("transit/keys/x"); s != nil {
		t.Fatal("key made after the snapshot survived")
	}
	if got := trDecrypt(t, c, "transit/decrypt/k", ct, nil); got != "kept" {
		t.Fatal(got)
	}
	// Restore twice from the same snapshot: independent copies.
	trWrite(t, c, "transit/keys/k/rotate", nil)
	v.Server.Restore(snap)
	if d := trRead(t, c, "transit/keys/k").Data; d["latest_version"] != json.Number("1") {
		t.Fatalf("second restore: %v", d)
	}
	// Another mount: no key k; a backup moves it there.
	_, err := c.Logical().Write("other/decrypt/k", map[string]any{"ciphertext": ct})
	trWantErr(t, err, 400, "encryption key not found")
	backup := trRead(t, c, "transit/backup/k").Data["backup"].(string)
	trWrite(t, c, "other/restore/moved", map[string]any{"backup": backup})
	if got := trDecrypt(t, c, "other/decrypt/moved", ct, nil); got != "kept" {
		t.Fatal(got)
	}
	d := trRead(t, c, "other/keys/moved").Data
	if d["restore_info"] == nil || d["backup_info"] == nil {
		t.Fatalf("restore info: %v", d)
	}
	v.Server.Reset()
	mounts, err := c.Sys().ListMounts()
	if err != nil || mounts["transit/"] != nil {
		t.Fatalf("transit survived Reset: %v", err)
	}
	// Mounted again, it starts empty.
	if err := c.Sys().Mount("transit", &api.MountInput{Type: "transit"}); err != nil {
		t.Fatal(err)
	}
	if s, _ := c.Logical().Read("transit/keys/k"); s != nil {
		t.Fatal("key survived Reset")
	}
}

func TestTransitDeleteAndTrim(t *testing.T) {
	v := transitVault(t)
	c := v.Client
	trWrite(t, c, "transit/keys/k", nil)
	_, err := c.Logical().Delete("transit/keys/k")
	trWantErr(t, err, 400, "error deleting policy k: deletion is not allowed for this key")
	for i := 0; i < 3; i++ {
		trWrite(t, c, "transit/keys/k/rotate", nil)
	}
	_, err = c.Logical().Write("transit/keys/k/trim", map[string]any{"min_available_version": 2})
	trWantErr(t, err, 400, "minimum available version cannot be set when minimum encryption version is not set")
	trWrite(t, c, "transit/keys/k/config", map[string]any{"min_encryption_version": 3, "min_decryption_version": 3})
	d := trWrite(t, c, "transit/keys/k/trim", map[string]any{"min_available_version": 3}).Data
	if d["min_available_version"] != json.Number("3") || len(d["keys"].(map[string]any)) != 2 {
		t.Fatalf("trim: %v", d)
	}
	_, err = c.Logical().Write("transit/keys/k/config", map[string]any{"min_decryption_version": 1})
	trWantErr(t, err, 400, "min decryption version should not be less then min available version")
	trWrite(t, c, "transit/keys/k/config", map[string]any{"deletion_allowed": true})
	if _, err := c.Logical().Delete("transit/keys/k"); err != nil {
		t.Fatal(err)
	}
	if s, _ := c.Logical().Read("transit/keys/k"); s != nil {
		t.Fatal("deleted key still there")
	}
}

// RSA keys encrypt (OAEP, PKCS#1 v1.5) and their exported private key
// decrypts what the mock encrypted.
func TestTransitRSAEncryption(t *testing.T) {
	v := transitVault(t)
	c := v.Client
	trWrite(t, c, "transit/keys/r", map[string]any{"type": "rsa-2048", "exportable": true})
	pemKey := trRead(t, c, "transit/export/encryption-key/r").Data["keys"].(map[string]any)["1"].(string)
	block, _ := pem.Decode([]byte(pemKey))
	priv, err := x509.ParsePKCS1PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	ct := trEncrypt(t, c, "transit/encrypt/r", "rsa secret", nil)
	plain, err := rsa.DecryptOAEP(sha256.New(), nil, priv, unb64(t, strings.TrimPrefix(ct, "vault:v1:")), nil)
	if err != nil || string(plain) != "rsa secret" {
		t.Fatalf("%q %v", plain, err)
	}
	ct = trEncrypt(t, c, "transit/encrypt/r", "pkcs", map[string]any{"padding_scheme": "pkcs1v15"})
	if got := trDecrypt(t, c, "transit/decrypt/r", ct, map[string]any{"padding_scheme": "pkcs1v15"}); got != "pkcs" {
		t.Fatal(got)
	}
	_, err = c.Logical().Write("transit/decrypt/r", map[string]any{"ciphertext": ct})
	trWantErr(t, err, 500, "1 error occurred:\n\t* failed to RSA decrypt the ciphertext: crypto/rsa: decryption error\n\n")
}

// Bad input of every kind gets an answer, never a panic.
func TestTransitBadInputNeverPanics(t *testing.T) {
	v := transitVault(t)
	root := v.Server.RootToken()
	for _, k := range []string{"aes", "ed", "ec", "h"} {
		typ := map[string]string{"aes": "aes256-gcm96", "ed": "ed25519", "ec": "ecdsa-p256", "h": "hmac"}[k]
		trWrite(t, v.Client, "transit/keys/"+k, map[string]any{"type": typ, "key_size": map[string]int{"h": 32}[k], "exportable": true})
	}
	values := []any{nil, "!!", "vault:v0:AAAA", -1, 1.5, true, []any{1, "x", nil},
		map[string]any{}, []any{map[string]any{"plaintext": 1, "ciphertext": []any{}, "key_version": "z", "input": true}}}
	fieldsList := []string{"plaintext", "ciphertext", "context", "nonce", "key_version", "batch_input", "input", "signature",
		"hmac", "associated_data", "padding_scheme", "hash_algorithm", "marshaling_algorithm", "salt_length", "bits", "backup",
		"min_decryption_version", "min_available_version", "type", "derived", "convergent_encryption", "public_key"}
	var paths []string
	for _, k := range []string{"aes", "ec", "missing"} {
		for _, p := range []string{"encrypt/", "decrypt/", "rewrap/", "datakey/plaintext/", "hmac/", "sign/", "verify/", "keys/", "keys/%s/config", "keys/%s/trim", "keys/%s/rotate", "restore/", "keys/%s/import", "keys/%s/import_version"} {
			if strings.Contains(p, "%s") {
				paths = append(paths, strings.Replace(p, "%s", k, 1))
			} else {
				paths = append(paths, p+k)
			}
		}
	}
	for _, p := range paths {
		for _, f := range fieldsList {
			for _, val := range values {
				code, body := trRaw(t, v, "POST", "transit/"+p, root, map[string]any{f: val})
				if code >= 500 && code != 500 || code == 0 {
					t.Fatalf("POST %s %s=%v: %d %v", p, f, val, code, body)
				}
				if code == 500 && strings.Contains(strings.Join(toStrs(body["errors"]), ""), "internal error") {
					t.Fatalf("POST %s %s=%v panicked: %v", p, f, val, body)
				}
			}
		}
	}
	for _, p := range []string{"export/encryption-key/aes/v", "export/public-key/h", "export/signing-key/ec/latest", "export/x/y/z", "backup/aes", "keys/ed?context=!!"} {
		if code, body := trRaw(t, v, "GET", "transit/"+p, root, nil); code == 0 || code > 500 {
			t.Fatalf("GET %s: %d %v", p, code, body)
		}
	}
}

func trKeys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return trSorted(out)
}

func trSorted(in []string) []string {
	out := append([]string(nil), in...)
	sort.Strings(out)
	return out
}

func toStrs(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// Two servers never share keys (no global state).
func TestTransitServersIndependent(t *testing.T) {
	a, b := transitVault(t), transitVault(t)
	trWrite(t, a.Client, "transit/keys/k", nil)
	ct := trEncrypt(t, a.Client, "transit/encrypt/k", "x", nil)
	trWrite(t, b.Client, "transit/keys/k", nil)
	_, err := b.Client.Logical().Write("transit/decrypt/k", map[string]any{"ciphertext": ct})
	trWantErr(t, err, 400, "cipher: message authentication failed")
	_ = mockvault.Options{}
}

// A key moves between two mounts the way it moves between two Vaults:
// the destination's wrapping key is imported as a public key, byok-export
// wraps the source for it, the destination imports it.
func TestTransitBYOKExport(t *testing.T) {
	v := transitVault(t, "a", "b")
	c := v.Client
	wrapPEM := trRead(t, c, "b/wrapping_key").Data["public_key"].(string)
	trWrite(t, c, "a/keys/b-wrapping/import", map[string]any{"type": "rsa-4096", "public_key": wrapPEM})
	trWrite(t, c, "a/keys/src", map[string]any{"exportable": true})
	trWrite(t, c, "a/keys/src/rotate", nil)
	ct := trEncrypt(t, c, "a/encrypt/src", "moved", nil)
	exp := trRead(t, c, "a/byok-export/b-wrapping/src/latest").Data
	if exp["name"] != "src" || exp["type"] != "aes256-gcm96" || len(exp["keys"].(map[string]any)) != 1 {
		t.Fatalf("byok-export: %v", exp)
	}
	trWrite(t, c, "b/keys/src/import", map[string]any{"ciphertext": exp["keys"].(map[string]any)["2"]})
	// Vault's import makes version 1 of the imported material.
	if got := trDecrypt(t, c, "b/decrypt/src", strings.Replace(ct, "vault:v2:", "vault:v1:", 1), nil); got != "moved" {
		t.Fatal(got)
	}
	// A signing key.
	trWrite(t, c, "a/keys/ed", map[string]any{"type": "ed25519", "exportable": true})
	exp = trRead(t, c, "a/byok-export/b-wrapping/ed").Data
	trWrite(t, c, "b/keys/ed/import", map[string]any{"type": "ed25519", "ciphertext": exp["keys"].(map[string]any)["1"]})
	sig := trWrite(t, c, "b/sign/ed", map[string]any{"input": b64("hi")}).Data["signature"]
	if ok := trWrite(t, c, "a/verify/ed", map[string]any{"input": b64("hi"), "signature": sig}).Data["valid"]; ok != true {
		t.Fatal("a signature of the moved key does not verify at the source")
	}
	trWrite(t, c, "a/keys/locked", nil)
	_, err := c.Logical().Read("a/byok-export/b-wrapping/locked")
	trWantErr(t, err, 400, "key is not exportable")
	_, err = c.Logical().Read("a/byok-export/nope/src")
	trWantErr(t, err, 500, "1 error occurred:\n\t* no such destination key to export to\n\n")
}

// A CSR signed by a transit key, a certificate for it, the chain attached.
func TestTransitCSRAndCertificate(t *testing.T) {
	v := transitVault(t)
	c := v.Client
	trWrite(t, c, "transit/keys/tls", map[string]any{"type": "ecdsa-p256"})
	csrPEM := trWrite(t, c, "transit/keys/tls/csr", nil).Data["csr"].(string)
	block, _ := pem.Decode([]byte(csrPEM))
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil || csr.CheckSignature() != nil {
		t.Fatalf("csr: %v", err)
	}
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ca"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "leaf"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), BasicConstraintsValid: true}
	ca, _ := x509.ParseCertificate(caDER)
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, csr.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pemOf := func(der []byte) string {
		return strings.TrimSpace(string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	}
	chain := pemOf(leafDER) + "\n" + pemOf(caDER)
	_, err = c.Logical().Write("transit/keys/tls/set-certificate", map[string]any{"certificate_chain": pemOf(caDER)})
	trWantErr(t, err, 400, "failed to persist certificate chain: certificate in the first position is not a leaf certificate")
	trWrite(t, c, "transit/keys/tls/set-certificate", map[string]any{"certificate_chain": chain})
	k1 := trRead(t, c, "transit/keys/tls").Data["keys"].(map[string]any)["1"].(map[string]any)
	if k1["certificate_chain"] != chain {
		t.Fatalf("read: %v", k1["certificate_chain"])
	}
	if got := trRead(t, c, "transit/export/certificate-chain/tls").Data["keys"].(map[string]any)["1"]; got != chain {
		t.Fatalf("export: %v", got)
	}
	trWrite(t, c, "transit/keys/other", map[string]any{"type": "ecdsa-p256"})
	_, err = c.Logical().Write("transit/keys/other/set-certificate", map[string]any{"certificate_chain": chain})
	trWantErr(t, err, 500, "1 error occurred:\n\t* failed to persist certificate chain: leaf certificate public key does match the key version selected\n\n")
}
