package mockvault_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mockvault/mockvault/testhelpers"
)

// The vault CLI against the mock: runs only when MOCKVAULT_VAULT_BIN
// points to a vault binary (the same binary is server and CLI).
func vaultCLI(t *testing.T) func(args ...string) (string, error) {
	t.Helper()
	bin := os.Getenv("MOCKVAULT_VAULT_BIN")
	if bin == "" {
		t.Skip("MOCKVAULT_VAULT_BIN not set")
	}
	v := testhelpers.RunT(t)
	home := t.TempDir()
	return func(args ...string) (string, error) {
		token := v.RootToken
		if len(args) > 0 && strings.HasPrefix(args[0], "VAULT_TOKEN=") {
			token, args = strings.TrimPrefix(args[0], "VAULT_TOKEN="), args[1:]
		}
		cmd := exec.Command(bin, args...)
		cmd.Env = []string{"HOME=" + home, "VAULT_ADDR=" + v.Addr, "VAULT_TOKEN=" + token, "PATH=" + os.Getenv("PATH")}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
}

func mustCLI(t *testing.T, run func(args ...string) (string, error), args ...string) string {
	t.Helper()
	out, err := run(args...)
	if err != nil {
		t.Fatalf("vault %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// runAs runs the CLI with another token.
func runAs(run func(args ...string) (string, error), token string, args ...string) (string, error) {
	return run(append([]string{"VAULT_TOKEN=" + token}, args...)...)
}

func TestCLIKV(t *testing.T) {
	run := vaultCLI(t)
	mustCLI(t, run, "kv", "put", "secret/app", "user=alice", "pw=s3cret")
	mustCLI(t, run, "kv", "put", "-mount=secret", "app", "user=bob")
	out := mustCLI(t, run, "kv", "get", "-format=json", "secret/app")
	var got struct {
		Data struct {
			Data     map[string]string `json:"data"`
			Metadata map[string]any    `json:"metadata"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Data.Data["user"] != "bob" || got.Data.Metadata["version"] != float64(2) {
		t.Fatalf("kv get: %s", out)
	}
	if out := mustCLI(t, run, "kv", "get", "-version=1", "-field=pw", "secret/app"); strings.TrimSpace(out) != "s3cret" {
		t.Fatalf("field: %q", out)
	}
	if out := mustCLI(t, run, "kv", "list", "secret/"); !strings.Contains(out, "app") {
		t.Fatalf("list: %s", out)
	}
	mustCLI(t, run, "kv", "patch", "secret/app", "extra=1")
	mustCLI(t, run, "kv", "metadata", "get", "secret/app")
	mustCLI(t, run, "kv", "delete", "secret/app")
	mustCLI(t, run, "kv", "undelete", "-versions=3", "secret/app")
	mustCLI(t, run, "kv", "destroy", "-versions=1", "secret/app")
	mustCLI(t, run, "kv", "metadata", "delete", "secret/app")
	if out, err := run("kv", "get", "secret/app"); err == nil || !strings.Contains(out, "No value found") {
		t.Fatalf("get after metadata delete: %v %s", err, out)
	}
	mustCLI(t, run, "secrets", "enable", "-path=old", "-version=1", "kv")
	mustCLI(t, run, "kv", "put", "old/k", "a=b")
	if out := mustCLI(t, run, "kv", "get", "-field=a", "old/k"); strings.TrimSpace(out) != "b" {
		t.Fatalf("kv v1 get: %q", out)
	}
	if out := mustCLI(t, run, "secrets", "list"); !strings.Contains(out, "old/") || !strings.Contains(out, "secret/") {
		t.Fatalf("secrets list: %s", out)
	}
	mustCLI(t, run, "secrets", "tune", "-default-lease-ttl=1h", "old/")
	mustCLI(t, run, "secrets", "disable", "old/")
}

func TestCLIPolicyAndAuth(t *testing.T) {
	run := vaultCLI(t)
	f := filepath.Join(t.TempDir(), "p.hcl")
	if err := os.WriteFile(f, []byte(`path "secret/data/app" { capabilities = ["read"] }`), 0o600); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, run, "policy", "write", "app", f)
	if out := mustCLI(t, run, "policy", "list"); !strings.Contains(out, "app") || !strings.Contains(out, "root") {
		t.Fatalf("policy list: %s", out)
	}
	if out := mustCLI(t, run, "policy", "read", "app"); !strings.Contains(out, `secret/data/app`) {
		t.Fatalf("policy read: %s", out)
	}
	out := mustCLI(t, run, "token", "create", "-policy=app", "-field=token")
	tok := strings.TrimSpace(out)
	if caps := mustCLI(t, run, "token", "capabilities", tok, "secret/data/app"); strings.TrimSpace(caps) != "read" {
		t.Fatalf("capabilities: %q", caps)
	}
	// vault kv with a narrow token: the preflight (sys/internal/ui/mounts)
	// passes on any access below the mount.
	mustCLI(t, run, "kv", "put", "secret/app", "k=v")
	if out, err := runAs(run, tok, "kv", "get", "-field=k", "secret/app"); err != nil || strings.TrimSpace(out) != "v" {
		t.Fatalf("narrow kv get: %v %s", err, out)
	}
	if out, err := runAs(run, tok, "kv", "put", "secret/app", "k=w"); err == nil || !strings.Contains(out, "permission denied") {
		t.Fatalf("narrow kv put: %v %s", err, out)
	}
	mustCLI(t, run, "policy", "delete", "app")

	mustCLI(t, run, "auth", "enable", "approle")
	mustCLI(t, run, "auth", "enable", "-path=ci", "-token-type=batch", "approle")
	if out := mustCLI(t, run, "auth", "list", "-detailed"); !strings.Contains(out, "ci/") || !strings.Contains(out, "batch") {
		t.Fatalf("auth list: %s", out)
	}
	mustCLI(t, run, "auth", "tune", "-default-lease-ttl=30m", "-token-type=default-batch", "approle/")
	if out, err := run("auth", "tune", "-token-type=batch", "token/"); err == nil || !strings.Contains(out, "'token_type' cannot be set for 'token' or 'ns_token' auth mounts") {
		t.Fatalf("tune token/: %v %s", err, out)
	}
	mustCLI(t, run, "auth", "disable", "ci/")
	if out, err := run("auth", "enable", "no-such-method"); err == nil || !strings.Contains(out, "plugin not found in the catalog") {
		t.Fatalf("unknown method: %v %s", err, out)
	}
	// Wrapping through the CLI.
	mustCLI(t, run, "kv", "put", "secret/w", "a=b")
	out = mustCLI(t, run, "kv", "get", "-wrap-ttl=5m", "-format=json", "secret/w")
	var w struct {
		WrapInfo struct {
			Token string `json:"token"`
		} `json:"wrap_info"`
	}
	if err := json.Unmarshal([]byte(out), &w); err != nil || w.WrapInfo.Token == "" {
		t.Fatalf("wrapped get: %v %s", err, out)
	}
	if out := mustCLI(t, run, "unwrap", "-field=data", w.WrapInfo.Token); !strings.Contains(out, "a:b") {
		t.Fatalf("unwrap: %s", out)
	}
	if out, err := run("unwrap", w.WrapInfo.Token); err == nil || !strings.Contains(out, "wrapping token is not valid or does not exist") {
		t.Fatalf("second unwrap: %v %s", err, out)
	}
}

// What a new user tries first with an engine the mock does not implement:
// the CLI shows that mockvault is the reason, not the user's setup.
func TestCLIUnimplementedEngine(t *testing.T) {
	run := vaultCLI(t)
	mustCLI(t, run, "secrets", "enable", "ssh")
	out, err := run("write", "ssh/roles/web", "key_type=ca")
	if err == nil || !strings.Contains(out, `mockvault does not implement the "ssh" secrets engine`) || !strings.Contains(out, "Code: 404") {
		t.Fatalf("write under ssh/: %v\n%s", err, out)
	}
	mustCLI(t, run, "auth", "enable", "ldap")
	out, err = run("login", "-method=ldap", "username=alice", "password=pw")
	if err == nil || !strings.Contains(out, `mockvault does not implement the "ldap" auth method`) {
		t.Fatalf("ldap login: %v\n%s", err, out)
	}
	out, err = run("write", "sys/quotas/rate-limit/global", "rate=100")
	if err == nil || !strings.Contains(out, "mockvault does not implement sys/quotas") {
		t.Fatalf("quota write: %v\n%s", err, out)
	}
}

// A CI script's audit set-up with the real CLI: enable a file device, list
// it, and find the root token's audit-hash in the log.
func TestCLIAudit(t *testing.T) {
	run := vaultCLI(t)
	file := filepath.Join(t.TempDir(), "audit.log")
	mustCLI(t, run, "audit", "enable", "file", "file_path="+file)
	out := mustCLI(t, run, "audit", "list", "-detailed")
	if !strings.Contains(out, "file/") || !strings.Contains(out, "file_path="+file) {
		t.Fatalf("audit list: %s", out)
	}
	hash := strings.TrimSpace(mustCLI(t, run, "write", "-field=hash", "sys/audit-hash/file", "input=root"))
	b, err := os.ReadFile(file)
	if err != nil || !strings.Contains(string(b), `"client_token":"`+hash+`"`) {
		t.Fatalf("hash %q not in the log (%v):\n%s", hash, err, b)
	}
	mustCLI(t, run, "audit", "disable", "file")
	if out, err := run("audit", "list"); err == nil || !strings.Contains(out, "No audit devices are enabled.") {
		t.Fatalf("audit list after disable: %v %s", err, out)
	}
}

// TestCLIUserpass: a CI script's userpass set-up and login through the
// vault CLI (its userpass login handler prompts for nothing when the
// password is given).
func TestCLIUserpass(t *testing.T) {
	run := vaultCLI(t)
	mustCLI(t, run, "auth", "enable", "userpass")
	mustCLI(t, run, "write", "auth/userpass/users/alice", "password=pw", "token_policies=app", "token_ttl=30m")
	out := mustCLI(t, run, "login", "-method=userpass", "-no-store", "-format=json", "username=alice", "password=pw")
	var sec struct {
		Auth struct {
			ClientToken   string            `json:"client_token"`
			Policies      []string          `json:"policies"`
			Metadata      map[string]string `json:"metadata"`
			LeaseDuration int               `json:"lease_duration"`
			EntityID      string            `json:"entity_id"`
		} `json:"auth"`
	}
	// -no-store prints a notice before the JSON.
	if err := json.Unmarshal([]byte(out[max(strings.Index(out, "{"), 0):]), &sec); err != nil {
		t.Fatalf("login output: %v\n%s", err, out)
	}
	a := sec.Auth
	if !strings.HasPrefix(a.ClientToken, "hvs.") || strings.Join(a.Policies, ",") != "app,default" || a.Metadata["username"] != "alice" || a.LeaseDuration != 1800 || a.EntityID == "" {
		t.Fatalf("login: %+v", a)
	}
	out, err := run("login", "-method=userpass", "-no-store", "username=alice", "password=wrong")
	if err == nil || !strings.Contains(out, "invalid username or password") || !strings.Contains(out, "Code: 400") {
		t.Fatalf("wrong password: %v\n%s", err, out)
	}
	out = mustCLI(t, run, "list", "auth/userpass/users")
	if !strings.Contains(out, "alice") {
		t.Fatalf("list users:\n%s", out)
	}
}
