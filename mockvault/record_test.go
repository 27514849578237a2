package mockvault_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/mockvault"
	"github.com/mockvault/mockvault/testhelpers"
)

// A recording keeps every exchange, with the secrets the server handed
// out as variables bound to the step that created them.
func TestRecordingBindsSecrets(t *testing.T) {
	v := testhelpers.RunT(t, mockvault.Options{Record: true, RootToken: "root-token-1234"})
	c := v.Client
	if err := c.Sys().EnableAuthWithOptions("approle", &api.EnableAuthOptions{Type: "approle"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Logical().Write("auth/approle/role/ci", map[string]any{"token_type": "batch", "token_ttl": "15m"}); err != nil {
		t.Fatal(err)
	}
	rid, err := c.Logical().Read("auth/approle/role/ci/role-id")
	if err != nil {
		t.Fatal(err)
	}
	sid, err := c.Logical().Write("auth/approle/role/ci/secret-id", nil)
	if err != nil {
		t.Fatal(err)
	}
	login, err := c.Logical().Write("auth/approle/login", map[string]any{"role_id": rid.Data["role_id"], "secret_id": sid.Data["secret_id"]})
	if err != nil {
		t.Fatal(err)
	}
	batch := login.Auth.ClientToken
	svc, err := c.Auth().Token().Create(&api.TokenCreateRequest{TTL: "1h"})
	if err != nil {
		t.Fatal(err)
	}
	v.Clock.Advance(10 * time.Minute)
	bc, _ := testhelpers.NewClient(v.Addr, batch)
	if _, err := bc.Auth().Token().LookupSelf(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Logical().Write("auth/token/lookup", map[string]any{"token": svc.Auth.ClientToken}); err != nil {
		t.Fatal(err)
	}
	v.Server.FailNext(mockvault.Fault{Path: "sys/health", Status: 503})
	_, _ = c.Sys().Health()
	unknown, _ := testhelpers.NewClient(v.Addr, "hvs.AAAAAAAAAAAAAAAAAAAAAAAA")
	_, _ = unknown.Auth().Token().LookupSelf()

	rec := v.Server.Recording()
	var buf bytes.Buffer
	if _, err := rec.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	file := buf.String()
	for what, secret := range map[string]string{
		"root token": "root-token-1234", "role id": rid.Data["role_id"].(string), "secret id": sid.Data["secret_id"].(string),
		"secret id accessor": sid.Data["secret_id_accessor"].(string), "batch token": batch,
		"service token": svc.Auth.ClientToken, "accessor": svc.Auth.Accessor, "unknown token": "hvs.AAAAAAAAAAAAAAAAAAAAAAAA",
	} {
		if strings.Contains(file, secret) {
			t.Errorf("the recording holds the %s", what)
		}
	}
	back, err := mockvault.ReadRecording(&buf)
	if err != nil {
		t.Fatal(err)
	}
	steps := back.Steps
	if len(steps) != 10 {
		t.Fatalf("%d steps:\n%s", len(steps), file)
	}
	want := []struct{ method, path, token string }{
		{"POST", "sys/auth/approle", "{{root}}"},
		{"PUT", "auth/approle/role/ci", "{{root}}"},
		{"GET", "auth/approle/role/ci/role-id", "{{root}}"},
		{"PUT", "auth/approle/role/ci/secret-id", "{{root}}"},
		{"PUT", "auth/approle/login", "{{root}}"},
		{"POST", "auth/token/create", "{{root}}"},
		{"GET", "auth/token/lookup-self", "{{token:1}}"},
		{"PUT", "auth/token/lookup", "{{root}}"},
		{"GET", "sys/health?drsecondarycode=299&haunhealthycode=299&performancestandbycode=299&removedcode=299&sealedcode=299&standbycode=299&uninitcode=299", "{{root}}"},
		{"GET", "auth/token/lookup-self", "{{unrecorded:1}}"},
	}
	for i, w := range want {
		s := steps[i]
		if s.Method != w.method || s.Path != w.path || s.Token != w.token {
			t.Errorf("step %d: %s %s as %s, want %s %s as %s", i+1, s.Method, s.Path, s.Token, w.method, w.path, w.token)
		}
	}
	eq := func(what string, got, want any) {
		t.Helper()
		if g, w := js(got), js(want); g != w {
			t.Errorf("%s: %s, want %s", what, g, w)
		}
	}
	eq("role-id saves", steps[2].Saves, map[string]string{"role_id:1": "data.role_id"})
	eq("secret-id saves", steps[3].Saves, map[string]string{"secret_id:1": "data.secret_id", "secret_id_accessor:1": "data.secret_id_accessor"})
	eq("login body", steps[4].Body, map[string]any{"role_id": "{{role_id:1}}", "secret_id": "{{secret_id:1}}"})
	eq("login saves", steps[4].Saves, map[string]string{"token:1": "auth.client_token"}) // a batch token has no accessor
	eq("create saves", steps[5].Saves, map[string]string{"token:2": "auth.client_token", "accessor:1": "auth.accessor"})
	eq("lookup body", steps[7].Body, map[string]any{"token": "{{token:2}}"})
	if got, _ := steps[7].Answer.(map[string]any)["data"].(map[string]any); got["id"] != "{{token:2}}" || got["accessor"] != "{{accessor:1}}" {
		t.Errorf("lookup answer: id %v accessor %v", got["id"], got["accessor"])
	}
	if steps[6].Elapsed != "10m0s" {
		t.Errorf("the clock move: elapsed %q", steps[6].Elapsed)
	}
	if steps[8].Fault != "status 503" || steps[8].Status != 503 {
		t.Errorf("faulted step: fault %q status %d", steps[8].Fault, steps[8].Status)
	}
	if steps[9].Status != http.StatusForbidden {
		t.Errorf("unknown token: %d", steps[9].Status)
	}
}

func js(v any) string { b, _ := json.Marshal(v); return string(b) }

// adminDo calls an admin route as root.
func adminDo(t *testing.T, v *testhelpers.Vault, method, path string) (int, map[string]any) {
	t.Helper()
	resp, err := v.Client.RawRequestWithContext(context.Background(), v.Client.NewRequest(method, "/_mockvault/"+path))
	if resp == nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = resp.DecodeJSON(&m)
	return resp.StatusCode, m
}

// Off by default: nothing is kept; the admin routes say how to turn it on.
func TestRecordingOffAndAdminRoutes(t *testing.T) {
	v := testhelpers.RunT(t, mockvault.Options{AdminRoutes: true})
	if v.Server.Recording() != nil {
		t.Fatal("a server that does not record has a recording")
	}
	code, m := adminDo(t, v, "GET", "recording")
	if code != 400 || !strings.Contains(errorsOf(m), "-record FILE") {
		t.Fatalf("GET recording when off: %d %v", code, m)
	}

	v = testhelpers.RunT(t, mockvault.Options{AdminRoutes: true, Record: true})
	if _, err := v.Client.Sys().ListPolicies(); err != nil {
		t.Fatal(err)
	}
	v.Server.Reset() // a test control: recorded as an event
	code, m = adminDo(t, v, "GET", "recording")
	steps, _ := m["steps"].([]any)
	if code != 200 || m["format"] != mockvault.RecordingFormat || len(steps) != 2 {
		t.Fatalf("GET recording: %d %v", code, m)
	}
	if ev := steps[1].(map[string]any)["event"]; ev != "reset" {
		t.Fatalf("event %v", ev)
	}
	if code, m = adminDo(t, v, "DELETE", "recording"); code != 204 {
		t.Fatalf("DELETE recording: %d %v", code, m)
	}
	if n := len(v.Server.Recording().Steps); n != 0 {
		t.Fatalf("%d steps after DELETE", n)
	}
}
