package mockvault_test

import (
	"crypto/sha256"
	"crypto/sha3"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/testhelpers"
)

func TestSysToolsRandomAndHash(t *testing.T) {
	v := testhelpers.RunT(t)
	c := v.Client
	sec, err := c.Logical().Write("sys/tools/random", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := base64.StdEncoding.DecodeString(sec.Data["random_bytes"].(string))
	if err != nil || len(b) != 32 {
		t.Fatalf("default: %v %d", err, len(b))
	}
	sec, err = c.Logical().Write("sys/tools/random/48", map[string]any{"format": "hex"})
	if err != nil || len(sec.Data["random_bytes"].(string)) != 96 {
		t.Fatalf("48 hex: %+v %v", sec, err)
	}
	sec, err = c.Logical().Write("sys/tools/random/seal/8", nil)
	if err != nil || len(sec.Warnings) != 1 || !strings.Contains(sec.Warnings[0], "no seal/entropy augmentation available") {
		t.Fatalf("seal source: %+v %v", sec, err)
	}
	_, err = c.Logical().Write("sys/tools/random/bogus/8", nil)
	mvWantErr(t, err, 400, `unsupported entropy source "bogus"`)
	_, err = c.Logical().Write("sys/tools/random/hex", nil)
	mvWantErr(t, err, 400, `error parsing url-set byte count: strconv.Atoi: parsing "hex": invalid syntax`)
	_, err = c.Logical().Write("sys/tools/random", map[string]any{"bytes": 0})
	mvWantErr(t, err, 400, `"bytes" cannot be less than 1`)
	_, err = c.Logical().Write("sys/tools/random", map[string]any{"bytes": 128*1024 + 1})
	mvWantErr(t, err, 400, `"bytes" should be less than 131072`)

	in := base64.StdEncoding.EncodeToString([]byte("hello"))
	sum256 := sha256.Sum256([]byte("hello"))
	sec, err = c.Logical().Write("sys/tools/hash", map[string]any{"input": in})
	if err != nil || sec.Data["sum"] != hex.EncodeToString(sum256[:]) {
		t.Fatalf("sha2-256: %+v %v", sec, err)
	}
	s3 := sha3.Sum512([]byte("hello"))
	sec, err = c.Logical().Write("sys/tools/hash/sha3-512", map[string]any{"input": in, "format": "base64"})
	if err != nil || sec.Data["sum"] != base64.StdEncoding.EncodeToString(s3[:]) {
		t.Fatalf("sha3-512: %+v %v", sec, err)
	}
	_, err = c.Logical().Write("sys/tools/hash/md5", map[string]any{"input": in})
	mvWantErr(t, err, 400, "unsupported algorithm md5")
	_, err = c.Logical().Write("sys/tools/hash", map[string]any{"input": "%%%"})
	mvWantErr(t, err, 400, "unable to decode input as base64")
}

func TestSysInitSealUnseal(t *testing.T) {
	v := testhelpers.RunT(t)
	c := v.Client
	// sys/init answers with or without a token.
	anon, _ := testhelpers.NewClient(v.Addr, "")
	for _, cl := range []*api.Client{c, anon} {
		if ok, err := cl.Sys().InitStatus(); err != nil || !ok {
			t.Fatalf("init status: %v %v", ok, err)
		}
	}
	_, err := anon.Sys().Init(&api.InitRequest{SecretShares: 1, SecretThreshold: 1})
	mvWantErr(t, err, 400, "Vault is already initialized")

	// Sealing needs a token.
	mvWantErr(t, anon.Sys().Seal(), 403, "permission denied")
	if err := c.Sys().Seal(); err != nil {
		t.Fatal(err)
	}
	st, err := anon.Sys().SealStatus()
	if err != nil || !st.Sealed || st.T != 1 || st.N != 1 {
		t.Fatalf("seal status: %+v %v", st, err)
	}
	_, err = c.Logical().Read("secret/data/x")
	mvWantErr(t, err, 503, "Vault is sealed")
	// A wrong key of the right length fails; a bad encoding is refused.
	_, err = anon.Sys().Unseal(base64.StdEncoding.EncodeToString(make([]byte, 32)))
	mvWantErr(t, err, 400, "")
	_, err = anon.Sys().Unseal("!!")
	mvWantErr(t, err, 400, "'key' must be a valid hex or base64 string")
	_, err = anon.Sys().Unseal(base64.StdEncoding.EncodeToString([]byte("short")))
	mvWantErr(t, err, 400, "invalid key: key is shorter than minimum 16 bytes")
	if st, err := anon.Sys().ResetUnsealProcess(); err != nil || !st.Sealed || st.Progress != 0 {
		t.Fatalf("reset: %+v %v", st, err)
	}
	// The unseal key, base64 or hex, unseals without a token.
	key, _ := base64.StdEncoding.DecodeString(v.Server.UnsealKey())
	st, err = anon.Sys().Unseal(hex.EncodeToString(key))
	if err != nil || st.Sealed {
		t.Fatalf("unseal: %+v %v", st, err)
	}
	if _, err := c.Auth().Token().LookupSelf(); err != nil {
		t.Fatal(err)
	}
	_, err = anon.Sys().ResetUnsealProcess()
	mvWantErr(t, err, 400, "vault is unsealed")
	// Step-down is a no-op on a single node.
	if err := c.Sys().StepDown(); err != nil {
		t.Fatal(err)
	}
	if st, _ := anon.Sys().SealStatus(); st.Sealed {
		t.Fatal("sealed after step-down")
	}
}

func TestSysKeyStatusAndRotate(t *testing.T) {
	v := testhelpers.RunT(t)
	c := v.Client
	ks, err := c.Sys().KeyStatus()
	if err != nil || ks.Term != 1 {
		t.Fatalf("key-status: %+v %v", ks, err)
	}
	// A batch token carries the key term it was sealed under; older terms
	// still open after a rotation.
	term := func(tok string) uint32 {
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, "hvb."))
		if err != nil || len(raw) < 5 {
			t.Fatalf("batch token %q: %v", tok, err)
		}
		return binary.BigEndian.Uint32(raw[:4])
	}
	before, err := c.Auth().Token().Create(&api.TokenCreateRequest{Type: "batch", Policies: []string{"default"}})
	if err != nil || term(before.Auth.ClientToken) != 1 {
		t.Fatalf("batch before: %+v %v", before, err)
	}
	if err := c.Sys().Rotate(); err != nil {
		t.Fatal(err)
	}
	if ks, err = c.Sys().KeyStatus(); err != nil || ks.Term != 2 {
		t.Fatalf("after rotate: %+v %v", ks, err)
	}
	after, err := c.Auth().Token().Create(&api.TokenCreateRequest{Type: "batch", Policies: []string{"default"}})
	if err != nil || term(after.Auth.ClientToken) != 2 {
		t.Fatalf("batch after: %+v %v", after, err)
	}
	if _, err := mvClient(t, v, before.Auth.ClientToken).Auth().Token().LookupSelf(); err != nil {
		t.Fatalf("term 1 batch token after rotate: %v", err)
	}
	// rotate is sudo.
	mvPolicy(t, v, "sysall", `path "sys/*" { capabilities = ["create", "read", "update"] }`)
	_, err = mvClient(t, v, mvToken(t, v, "sysall")).Logical().Write("sys/rotate", nil)
	mvDenied(t, err)
}

// The generate-root OTP flow with the dev unseal key gives a working root
// token, decoded as `vault operator generate-root -decode` does.
func TestSysGenerateRoot(t *testing.T) {
	v := testhelpers.RunT(t)
	anon, _ := testhelpers.NewClient(v.Addr, "")
	st, err := anon.Sys().GenerateRootStatus()
	if err != nil || st.Started || st.Required != 1 || st.OTPLength != 28 {
		t.Fatalf("status: %+v %v", st, err)
	}
	st, err = anon.Sys().GenerateRootInit("", "")
	if err != nil || !st.Started || len(st.OTP) != 28 || st.Nonce == "" {
		t.Fatalf("init: %+v %v", st, err)
	}
	otp := st.OTP
	_, err = anon.Sys().GenerateRootInit("", "")
	mvWantErr(t, err, 400, "root generation already in progress")
	_, err = anon.Sys().GenerateRootUpdate(v.Server.UnsealKey(), "wrong")
	mvWantErr(t, err, 400, "incorrect nonce supplied; nonce for this root generation operation is")
	st, err = anon.Sys().GenerateRootUpdate(v.Server.UnsealKey(), st.Nonce)
	if err != nil || !st.Complete || st.EncodedToken == "" || st.EncodedRootToken != st.EncodedToken {
		t.Fatalf("update: %+v %v", st, err)
	}
	enc, err := base64.RawStdEncoding.DecodeString(st.EncodedToken)
	if err != nil || len(enc) != len(otp) {
		t.Fatalf("encoded: %v", err)
	}
	tok := make([]byte, len(enc))
	for i := range enc {
		tok[i] = enc[i] ^ otp[i]
	}
	root := mvClient(t, v, string(tok))
	sec, err := root.Auth().Token().LookupSelf()
	if err != nil || sec.Data["path"] != "auth/token/root" || sec.Data["display_name"] != "root" {
		t.Fatalf("generated root: %+v %v", sec, err)
	}
	// Done: no attempt in progress; a cancel answers 204.
	if st, _ := anon.Sys().GenerateRootStatus(); st.Started {
		t.Fatalf("still started: %+v", st)
	}
	if err := anon.Sys().GenerateRootCancel(); err != nil {
		t.Fatal(err)
	}
}

// A rekey to 3 shares, threshold 2, with verification: the old key stops
// working, any two new shares unseal.
func TestSysRekey(t *testing.T) {
	v := testhelpers.RunT(t)
	c := v.Client
	anon, _ := testhelpers.NewClient(v.Addr, "")
	_, err := anon.Sys().RekeyInit(&api.RekeyInitRequest{SecretShares: 3, SecretThreshold: 1})
	mvWantErr(t, err, 500, "threshold must be greater than one for multiple shares")
	_, err = anon.Sys().RekeyInit(&api.RekeyInitRequest{SecretShares: 2, SecretThreshold: 3})
	mvWantErr(t, err, 400, "provided threshold greater than the total shares")
	st, err := anon.Sys().RekeyInit(&api.RekeyInitRequest{SecretShares: 3, SecretThreshold: 2, RequireVerification: true})
	if err != nil || !st.Started || st.T != 2 || st.N != 3 || st.Required != 1 || !st.VerificationRequired {
		t.Fatalf("init: %+v %v", st, err)
	}
	up, err := anon.Sys().RekeyUpdate(v.Server.UnsealKey(), st.Nonce)
	if err != nil || !up.Complete || len(up.KeysB64) != 3 || up.VerificationNonce == "" {
		t.Fatalf("update: %+v %v", up, err)
	}
	vs, err := anon.Sys().RekeyVerificationStatus()
	if err != nil || vs.Nonce != up.VerificationNonce || vs.T != 2 {
		t.Fatalf("verify status: %+v %v", vs, err)
	}
	if vu, err := anon.Sys().RekeyVerificationUpdate(up.Keys[0], up.VerificationNonce); err != nil || vu.Complete {
		t.Fatalf("verify 1: %+v %v", vu, err)
	}
	if vu, err := anon.Sys().RekeyVerificationUpdate(up.KeysB64[2], up.VerificationNonce); err != nil || !vu.Complete {
		t.Fatalf("verify 2: %+v %v", vu, err)
	}
	if err := c.Sys().Seal(); err != nil {
		t.Fatal(err)
	}
	if s, _ := anon.Sys().SealStatus(); s.T != 2 || s.N != 3 {
		t.Fatalf("seal config: %+v", s)
	}
	s, err := anon.Sys().Unseal(up.KeysB64[1])
	if err != nil || !s.Sealed || s.Progress != 1 || s.Nonce == "" {
		t.Fatalf("first share: %+v %v", s, err)
	}
	if s, err = anon.Sys().Unseal(up.KeysB64[0]); err != nil || s.Sealed {
		t.Fatalf("second share: %+v %v", s, err)
	}
	_, err = c.Sys().RekeyRetrieveBackup()
	mvWantErr(t, err, 400, "no backed-up keys found")
	// Reset brings back the dev server's single key (the banner's).
	v.Server.Reset()
	if s, _ := anon.Sys().SealStatus(); s.T != 1 || s.N != 1 {
		t.Fatalf("after reset: %+v", s)
	}
	if err := c.Sys().Seal(); err != nil {
		t.Fatal(err)
	}
	if s, err := anon.Sys().Unseal(v.Server.UnsealKey()); err != nil || s.Sealed {
		t.Fatalf("dev key after reset: %+v %v", s, err)
	}
}

// sys/remount moves a KV mount with its data and reports the migration;
// generic mounts as KV.
func TestSysRemountAndGeneric(t *testing.T) {
	v := testhelpers.RunT(t)
	c := v.Client
	if err := c.Sys().Mount("old", &api.MountInput{Type: "generic"}); err != nil {
		t.Fatal(err)
	}
	mounts, _ := c.Sys().ListMounts()
	if mounts["old/"].Type != "generic" {
		t.Fatalf("generic: %+v", mounts["old/"])
	}
	if _, err := c.Logical().Write("old/app", map[string]any{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	out, err := c.Sys().StartRemount("old", "new")
	if err != nil || out.MigrationID == "" {
		t.Fatalf("remount: %+v %v", out, err)
	}
	st, err := c.Sys().RemountStatus(out.MigrationID)
	if err != nil || st.MigrationInfo.MigrationStatus != "success" || st.MigrationInfo.SourceMount != "old/" || st.MigrationInfo.TargetMount != "new/" {
		t.Fatalf("status: %+v %v", st, err)
	}
	if sec, err := c.Logical().Read("new/app"); err != nil || sec.Data["k"] != "v" {
		t.Fatalf("moved data: %+v %v", sec, err)
	}
	mounts, _ = c.Sys().ListMounts()
	if mounts["old/"] != nil || mounts["new/"] == nil {
		t.Fatalf("mounts: %v", mounts)
	}
	_, err = c.Sys().StartRemount("new", "secret")
	mvWantErr(t, err, 400, `path already in use at "secret/"`)
	_, err = c.Sys().StartRemount("sys", "sys2")
	mvWantErr(t, err, 400, `cannot remount "sys/"`)
	_, err = c.Sys().StartRemount("nothing", "x")
	mvWantErr(t, err, 400, `no matching mount at "nothing/"`)
	_, err = c.Sys().StartRemount("auth/token", "auth/t2")
	mvWantErr(t, err, 400, `cannot remount "auth/token/"`)
}
