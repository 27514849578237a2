package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/mockvault"
	"github.com/mockvault/mockvault/testhelpers"
)

// -record FILE writes the traffic when the server stops; `mockvault
// verify FILE` replays it against VAULT_ADDR and a fresh mock.
func TestRecordThenVerify(t *testing.T) {
	file := filepath.Join(t.TempDir(), "rec.json")
	var out, errOut syncBuf
	ready := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"server", "-dev", "-dev-listen-address=127.0.0.1:0", "-record", file}, &out, &errOut, ready)
	}()
	addr := <-ready
	c, err := testhelpers.NewClient(addr, "root")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.Auth().Token().Create(&api.TokenCreateRequest{Type: "batch", TTL: "10m", Policies: []string{"dev"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Logical().Write("auth/token/lookup", map[string]any{"token": tok.Auth.ClientToken}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Logical().Write("auth/token/revoke", map[string]any{"token": tok.Auth.ClientToken}); err == nil {
		t.Fatal("a batch token was revoked")
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := <-done; code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "recorded 3 steps to "+file) {
		t.Fatalf("stdout: %s", out.String())
	}
	b, err := os.ReadFile(file)
	if err != nil || strings.Contains(string(b), tok.Auth.ClientToken) || !strings.Contains(string(b), `"token": "{{token:1}}"`) {
		t.Fatalf("recording (%v):\n%s", err, b)
	}

	var vout, verr syncBuf
	t.Setenv("VAULT_ADDR", "")
	if code := run([]string{"verify", file}, &vout, &verr, nil); code != 2 || !strings.Contains(verr.String(), "VAULT_ADDR") {
		t.Fatalf("without VAULT_ADDR: %d %s", code, verr.String())
	}
	ref := testhelpers.RunT(t, mockvault.Options{RootToken: "other-root"}) // stands in for real Vault
	t.Setenv("VAULT_ADDR", ref.Addr)
	t.Setenv("VAULT_TOKEN", "other-root")
	if code := run([]string{"verify", file}, &vout, &verr, nil); code != 0 || !strings.Contains(vout.String(), "3/3 steps match real Vault (vault)") {
		t.Fatalf("verify: exit %d\n%s%s", code, vout.String(), verr.String())
	}
}

// A file that is not a recording is a setup error (exit 2), named.
func TestVerifyBadFile(t *testing.T) {
	ref := testhelpers.RunT(t)
	t.Setenv("VAULT_ADDR", ref.Addr)
	t.Setenv("VAULT_TOKEN", "root")
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	other := filepath.Join(dir, "other.json")
	_ = os.WriteFile(bad, []byte("{"), 0o644)
	_ = os.WriteFile(other, []byte(`{"format":"something-else/2","steps":[]}`), 0o644)
	for file, want := range map[string]string{bad: "bad.json: reading recording", other: `format "something-else/2"`, filepath.Join(dir, "none.json"): "no such file"} {
		var out, errOut syncBuf
		if code := run([]string{"verify", file}, &out, &errOut, nil); code != 2 || !strings.Contains(errOut.String(), want) {
			t.Errorf("%s: exit %d, stderr %q, want 2 and %q", file, code, errOut.String(), want)
		}
	}
	var out, errOut syncBuf
	if code := run([]string{"verify"}, &out, &errOut, nil); code != 2 || !strings.Contains(errOut.String(), "usage: verify") {
		t.Errorf("no file: exit %d, %s", code, errOut.String())
	}
}
