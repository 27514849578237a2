package mockvault_test

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/mockvault"
	"github.com/mockvault/mockvault/testhelpers"
)

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// An engine Vault has and the mock does not implement mounts (setup
// scripts keep working), warns, and every request under it says that the
// mock is the reason, also a login without a token.
func TestUnimplementedEnginesSaySo(t *testing.T) {
	var logs syncBuffer
	v := testhelpers.RunT(t, mockvault.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	sys := v.Client.Sys()

	// The enable answer carries the warning (the API client drops it, so
	// ask through Logical to see it).
	sec, err := v.Client.Logical().Write("sys/mounts/ssh", map[string]any{"type": "ssh"})
	if err != nil {
		t.Fatal(err)
	}
	if sec == nil || len(sec.Warnings) != 1 || !strings.Contains(sec.Warnings[0], `mockvault does not implement the "ssh" secrets engine`) {
		t.Fatalf("enable ssh: %+v", sec)
	}
	if !strings.Contains(logs.String(), `mockvault does not implement the \"ssh\" secrets engine`) || !strings.Contains(logs.String(), "level=WARN") {
		t.Fatalf("log: %q", logs.String())
	}
	mounts, err := sys.ListMounts()
	if err != nil || mounts["ssh/"] == nil || mounts["ssh/"].Type != "ssh" {
		t.Fatalf("ssh not listed: %v %v", mounts, err)
	}
	_, err = v.Client.Logical().Write("ssh/roles/web", map[string]any{"key_type": "ca"})
	mvWantErr(t, err, 404, "1 error occurred:\n\t* unsupported path (mockvault does not implement the \"ssh\" secrets engine)\n\n")
	rawGet404(t, v.Client, "ssh/public_key", `mockvault does not implement the \"ssh\" secrets engine`)

	if err := sys.EnableAuthWithOptions("ldap", &api.EnableAuthOptions{Type: "ldap"}); err != nil {
		t.Fatal(err)
	}
	anon, err := v.Client.Clone()
	if err != nil {
		t.Fatal(err)
	}
	anon.ClearToken()
	_, err = anon.Logical().Write("auth/ldap/login/alice", map[string]any{"password": "pw"})
	mvWantErr(t, err, 404, `mockvault does not implement the "ldap" auth method`)

	// Disabling works as for any mount; the type stays mountable elsewhere.
	if err := sys.Unmount("ssh"); err != nil {
		t.Fatal(err)
	}
	if err := sys.Mount("ssh-int", &api.MountInput{Type: "ssh"}); err != nil {
		t.Fatal(err)
	}
	// Unknown types are still refused as Vault refuses them.
	mvWantErr(t, sys.Mount("x", &api.MountInput{Type: "no-such-engine"}), 400, "plugin not found in the catalog: no-such-engine")
	// Implemented engines mount without a warning.
	sec, err = v.Client.Logical().Write("sys/mounts/transitless", map[string]any{"type": "kv"})
	if err != nil || sec != nil {
		t.Fatalf("kv enable: %+v %v", sec, err)
	}
}

// rawGet404 reads path (the API client hides a 404 read's errors) and
// wants a 404 whose body contains want.
func rawGet404(t *testing.T, c *api.Client, path, want string) {
	t.Helper()
	resp, err := c.Logical().ReadRaw(path)
	if resp == nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 404 || !strings.Contains(string(body), want) {
		t.Fatalf("GET %s: %d %s, want 404 with %s", path, resp.StatusCode, body, want)
	}
}

// sys paths Vault has and the mock does not serve say so after the usual
// checks; paths Vault does not have keep Vault's plain answer.
func TestUnimplementedSysPathsSaySo(t *testing.T) {
	v := testhelpers.RunT(t)
	_, err := v.Client.Logical().Write("sys/quotas/rate-limit/global", map[string]any{"rate": 100})
	mvWantErr(t, err, 404, "unsupported path (mockvault does not implement sys/quotas)")
	rawGet404(t, v.Client, "sys/nosuchpath", `"1 error occurred:\n\t* unsupported path\n\n"`)
	// A token without sudo is denied first, as Vault denies it.
	mvPolicy(t, v, "reader", `path "sys/*" { capabilities = ["read", "update"] }`)
	tok, err := v.Client.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"reader"}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := v.Client.Clone()
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(tok.Auth.ClientToken)
	_, err = c.Logical().Write("sys/raw/core/x", map[string]any{"value": "x"})
	mvDenied(t, err)
	// Served neighbours are untouched: a GET on an update-only path is
	// still Vault's 405, not the catch-all.
	_, err = v.Client.Logical().Read("sys/leases/lookup")
	mvWantErr(t, err, 405, "")
}
