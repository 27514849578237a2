package mockvault_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/mockvault"
	"github.com/mockvault/mockvault/testhelpers"
)

const tokenSeed = `
policy "app" {
  rules = <<EOT
path "auth/token/lookup-self" { capabilities = ["read"] }
EOT
}
token_role "ops" {
  config = { allowed_policies = "ops", orphan = true }
}
token "app-token" {
  policies = ["app"]
  ttl      = "1h"
}
token "child-token" {
  parent   = "app-token"
  policies = ["app"]
}
`

func TestSeedTokensPoliciesRoles(t *testing.T) {
	v := testhelpers.RunT(t)
	sd, err := mockvault.ParseSeed([]byte(tokenSeed))
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Server.Seed(sd); err != nil {
		t.Fatal(err)
	}
	look, err := v.Client.Auth().Token().Lookup("app-token")
	if err != nil || look.Data["policies"].([]any)[0] != "app" {
		t.Fatalf("seeded token: %v %v", look, err)
	}
	child, err := v.Client.Auth().Token().Lookup("child-token")
	if err != nil || child.Data["orphan"] != false {
		t.Fatalf("seeded child: %v %v", child, err)
	}
	// The child dies with its parent, as any token tree does.
	if err := v.Client.Auth().Token().RevokeTree("app-token"); err != nil {
		t.Fatal(err)
	}
	_, err = v.Client.Auth().Token().Lookup("child-token")
	wantErr(t, err, 403, "bad token")
	r, err := v.Client.Logical().Read("auth/token/roles/ops")
	if err != nil || r.Data["orphan"] != true {
		t.Fatalf("role: %v %v", r, err)
	}
	if _, err := v.Client.Auth().Token().CreateWithRole(&api.TokenCreateRequest{}, "ops"); err != nil {
		t.Fatal(err)
	}
}

func TestSeedErrorsNameTheLineAndLeaveNoHalfState(t *testing.T) {
	_, err := mockvault.ParseSeed([]byte("policy \"a\" {\n  rules = \"x\"\n  bogus = 1\n}\n"))
	if err == nil || !strings.Contains(err.Error(), "line 1") || !strings.Contains(err.Error(), "bogus") {
		t.Fatalf("unknown field: %v", err)
	}
	_, err = mockvault.ParseSeed([]byte("policy \"a\" {\n  rules = \n"))
	if err == nil || !strings.Contains(err.Error(), "2:") && !strings.Contains(err.Error(), "3:") {
		t.Fatalf("syntax: %v", err)
	}
	// A JSON seed cut off inside a string escape is an error, not a
	// panic of hcl's JSON scanner.
	_, err = mockvault.ParseSeed([]byte("{\"policy\": {\"a\": {\"rules\": \"\\u00"))
	if err == nil || err.Error() != "seed: 1:33: literal not terminated" {
		t.Fatalf("cut escape: %v", err)
	}
	v := testhelpers.RunT(t)
	sd, err := mockvault.ParseSeed([]byte(`
token "good" { policies = ["default"] }

token "bad" { type = "batch", period = "1h" }
`))
	if err != nil {
		t.Fatal(err)
	}
	err = v.Server.Seed(sd)
	if err == nil || !strings.Contains(err.Error(), "line 4") || !strings.Contains(err.Error(), `batch tokens cannot have "period" set`) {
		t.Fatalf("seed error: %v", err)
	}
	if _, err := v.Client.Auth().Token().Lookup("good"); err == nil {
		t.Fatal("half-seeded: token good exists")
	}
}

func TestDirectReadWrite(t *testing.T) {
	v := testhelpers.RunT(t)
	if _, err := v.Server.Write("sys/auth/approle", map[string]any{"type": "approle"}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Server.Write("auth/approle/role/ci", map[string]any{"token_type": "batch", "token_ttl": "15m"}); err != nil {
		t.Fatal(err)
	}
	role, err := v.Server.Read("auth/approle/role/ci")
	if err != nil || role["token_type"] != "batch" {
		t.Fatalf("role: %v %v", role, err)
	}
	if _, err := v.Server.Write("secret/data/app", map[string]any{"data": map[string]any{"k": "v"}}); err != nil {
		t.Fatal(err)
	}
	sec, err := v.Client.KVv2("secret").Get(context.Background(), "app")
	if err != nil || sec.Data["k"] != "v" {
		t.Fatalf("kv: %v %v", sec, err)
	}
	if missing, err := v.Server.Read("auth/approle/role/nope"); err != nil || missing != nil {
		t.Fatalf("missing role: %v %v", missing, err)
	}
	if _, err := v.Server.Write("auth/approle/role/bad", map[string]any{"token_type": "nope"}); err == nil || !strings.Contains(err.Error(), "invalid 'token_type' value") {
		t.Fatalf("bad write: %v", err)
	}
}
