package testhelpers_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/mockvault"
	"github.com/mockvault/mockvault/testhelpers"
)

// MOCKVAULT_RECORD_DIR records every test's traffic to a file named
// after the test; VerifyRecordings replays the files against VAULT_ADDR.
func TestRecordDirThenVerify(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(testhelpers.RecordDirEnv, dir)
	t.Run("app/login", func(t *testing.T) {
		v := testhelpers.RunT(t)
		tok, err := v.Client.Auth().Token().Create(&api.TokenCreateRequest{TTL: "1h"})
		if err != nil {
			t.Fatal(err)
		}
		c, _ := testhelpers.NewClient(v.Addr, tok.Auth.ClientToken)
		if _, err := c.Auth().Token().RenewSelf(600); err != nil {
			t.Fatal(err)
		}
		testhelpers.RunInMemory(t) // a second server of the same test gets its own file
	})
	for _, f := range []string{"TestRecordDirThenVerify__app__login.json", "TestRecordDirThenVerify__app__login-2.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv(testhelpers.RecordDirEnv, "")

	t.Setenv("VAULT_ADDR", "")
	t.Run("no real Vault", func(t *testing.T) {
		defer func() {
			if !t.Skipped() {
				t.Error("not skipped without VAULT_ADDR")
			}
		}()
		testhelpers.VerifyRecordings(t, filepath.Join(dir, "*.json"))
	})
	ref := testhelpers.RunT(t, mockvault.Options{RootToken: "real-root"}) // stands in for real Vault
	t.Setenv("VAULT_ADDR", ref.Addr)
	t.Setenv("VAULT_TOKEN", "real-root")
	testhelpers.VerifyRecordings(t, filepath.Join(dir, "*.json"))
	if n := ref.Server.CountRequests("PUT", "auth/token/renew-self"); n != 1 {
		t.Fatalf("renew-self replayed %d times on the reference", n)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "TestRecordDirThenVerify__app__login.json"))
	if !strings.Contains(string(b), `"token": "{{token:1}}"`) {
		t.Fatalf("recording:\n%s", b)
	}
}
