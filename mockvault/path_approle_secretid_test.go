package mockvault_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
)

func TestAppRoleSecretIDLifecycle(t *testing.T) {
	v := approleVault(t)
	c := v.Client
	arWrite(t, c, "auth/approle/role/r", map[string]any{})
	gen := arWrite(t, c, "auth/approle/role/r/secret-id", map[string]any{})
	sid, _ := gen.Data["secret_id"].(string)
	acc, _ := gen.Data["secret_id_accessor"].(string)
	if len(sid) != 36 || len(acc) != 36 || gen.Data["secret_id_ttl"] != json.Number("0") || gen.Data["secret_id_num_uses"] != json.Number("0") {
		t.Fatalf("generate: %v", gen.Data)
	}
	look := arWrite(t, c, "auth/approle/role/r/secret-id/lookup", map[string]any{"secret_id": sid})
	ct, _ := time.Parse(time.RFC3339Nano, look.Data["creation_time"].(string))
	if !ct.Equal(v.Clock.Now()) {
		t.Fatalf("creation_time %v, clock %v", ct, v.Clock.Now())
	}
	delete(look.Data, "creation_time")
	delete(look.Data, "last_updated_time")
	arWantData(t, look.Data, `{"cidr_list":[],"expiration_time":"0001-01-01T00:00:00Z","metadata":{},
		"secret_id_accessor":"`+acc+`","secret_id_num_uses":0,"secret_id_ttl":0,"token_bound_cidrs":[]}`)
	byAcc := arWrite(t, c, "auth/approle/role/r/secret-id-accessor/lookup", map[string]any{"secret_id_accessor": acc})
	if byAcc.Data["secret_id_accessor"] != acc {
		t.Fatalf("accessor lookup: %v", byAcc.Data)
	}
	gen2 := arWrite(t, c, "auth/approle/role/r/secret-id", map[string]any{})
	list, err := c.Logical().List("auth/approle/role/r/secret-id")
	if err != nil || list == nil {
		t.Fatalf("list: %v %v", list, err)
	}
	want := []string{acc, gen2.Data["secret_id_accessor"].(string)}
	if got := arSortedKeys(t, list); !reflect.DeepEqual(got, arSortStrings(want)) {
		t.Fatalf("list: %v want %v", got, want)
	}
	// Destroy by value (POST) and by accessor (DELETE with a query string).
	if s := arWrite(t, c, "auth/approle/role/r/secret-id/destroy", map[string]any{"secret_id": sid}); s != nil {
		t.Fatalf("destroy: %+v", s)
	}
	if s, err := c.Logical().Write("auth/approle/role/r/secret-id/lookup", map[string]any{"secret_id": sid}); err != nil || s != nil {
		t.Fatalf("lookup of destroyed: %v %v", s, err)
	}
	if _, err := c.Logical().DeleteWithData("auth/approle/role/r/secret-id-accessor/destroy",
		map[string][]string{"secret_id_accessor": {gen2.Data["secret_id_accessor"].(string)}}); err != nil {
		t.Fatal(err)
	}
	if s, err := c.Logical().List("auth/approle/role/r/secret-id"); err != nil || s != nil {
		t.Fatalf("list after destroy: %v %v", s, err)
	}
	// The accessor of a destroyed secret ID is unknown.
	s, err := c.Logical().Write("auth/approle/role/r/secret-id-accessor/lookup", map[string]any{"secret_id_accessor": acc})
	wantErr(t, err, 404, "")
	if s == nil || s.Data["error"] != `failed to find accessor entry for secret_id_accessor: "`+acc+`"` {
		t.Fatalf("404 body: %+v", s)
	}
	_, err = c.Logical().Write("auth/approle/role/r/secret-id-accessor/destroy", map[string]any{"secret_id_accessor": acc})
	wantErr(t, err, 500, `failed to find accessor entry for secret_id_accessor: "`+acc+`"`)
}

func arSortStrings(in []string) []string {
	out := append([]string{}, in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestAppRoleSecretIDOptionsAndErrors(t *testing.T) {
	v := approleVault(t)
	c := v.Client
	arWrite(t, c, "auth/approle/role/r", map[string]any{
		"secret_id_num_uses": 3, "secret_id_ttl": "1h",
		"secret_id_bound_cidrs": "127.0.0.0/8", "token_bound_cidrs": "127.0.0.0/16",
	})
	gen := arWrite(t, c, "auth/approle/role/r/secret-id", map[string]any{
		"metadata": `{"team":"ci","Env":"Prod"}`, "cidr_list": "127.0.0.1/32", "token_bound_cidrs": []string{"127.0.0.0/24"},
		"ttl": "30m", "num_uses": 2,
	})
	if gen.Data["secret_id_ttl"] != json.Number("1800") || gen.Data["secret_id_num_uses"] != json.Number("2") {
		t.Fatalf("generate: %v", gen.Data)
	}
	look := arWrite(t, c, "auth/approle/role/r/secret-id/lookup", map[string]any{"secret_id": gen.Data["secret_id"]})
	exp, _ := time.Parse(time.RFC3339Nano, look.Data["expiration_time"].(string))
	if !exp.Equal(v.Clock.Now().Add(30*time.Minute)) || !reflect.DeepEqual(look.Data["metadata"], map[string]any{"team": "ci", "Env": "Prod"}) ||
		!reflect.DeepEqual(look.Data["cidr_list"], []any{"127.0.0.1/32"}) || !reflect.DeepEqual(look.Data["token_bound_cidrs"], []any{"127.0.0.0/24"}) {
		t.Fatalf("lookup: %v", look.Data)
	}
	// Without ttl/num_uses a secret ID inherits the role's.
	inh := arWrite(t, c, "auth/approle/role/r/secret-id", map[string]any{"metadata": "a=B"})
	if inh.Data["secret_id_ttl"] != json.Number("3600") || inh.Data["secret_id_num_uses"] != json.Number("3") {
		t.Fatalf("inherit: %v", inh.Data)
	}
	look = arWrite(t, c, "auth/approle/role/r/secret-id/lookup", map[string]any{"secret_id": inh.Data["secret_id"]})
	if !reflect.DeepEqual(look.Data["metadata"], map[string]any{"a": "b"}) {
		t.Fatalf("k=v metadata is lower-cased: %v", look.Data["metadata"])
	}
	for _, tc := range []struct {
		data map[string]any
		code int
		msg  string
	}{
		{map[string]any{"num_uses": 4}, 400, "num_uses cannot be higher than the role's secret_id_num_uses"},
		{map[string]any{"num_uses": 0}, 400, "num_uses cannot be higher than the role's secret_id_num_uses"},
		{map[string]any{"num_uses": -1}, 400, "num_uses cannot be negative"},
		{map[string]any{"ttl": "2h"}, 400, "ttl cannot be longer than the role's secret_id_ttl"},
		{map[string]any{"ttl": 0}, 400, "ttl cannot be longer than the role's secret_id_ttl"},
		{map[string]any{"metadata": "novalue"}, 400, "failed to parse metadata: failed to parse the input: invalid <key,value> format"},
		{map[string]any{"cidr_list": "10.0.0.0/8"}, 500, `failed to verify subset relationship between CIDR blocks on the role ["127.0.0.0/8"] and CIDR blocks on the secret ID ["10.0.0.0/8"]`},
		{map[string]any{"cidr_list": "127.0.0.1"}, 500, "failed to validate CIDR blocks: invalid CIDR address: 127.0.0.1"},
		{map[string]any{"token_bound_cidrs": "127.0.0.0/8"}, 500, "failed to verify subset relationship between CIDR blocks on the role"},
	} {
		_, err := c.Logical().Write("auth/approle/role/r/secret-id", tc.data)
		wantErr(t, err, tc.code, tc.msg)
	}
	// Custom secret IDs.
	cs := arWrite(t, c, "auth/approle/role/r/custom-secret-id", map[string]any{"secret_id": "my-secret"})
	if cs.Data["secret_id"] != "my-secret" {
		t.Fatalf("custom: %v", cs.Data)
	}
	_, err := c.Logical().Write("auth/approle/role/r/custom-secret-id", map[string]any{"secret_id": "my-secret"})
	wantErr(t, err, 500, "failed to store secret_id: SecretID is already registered")
	_, err = c.Logical().Write("auth/approle/role/r/custom-secret-id", map[string]any{})
	wantErr(t, err, 400, "missing secret_id")
	// Missing roles and missing fields.
	_, err = c.Logical().Write("auth/approle/role/none/secret-id", nil)
	wantErr(t, err, 404, `role "none" does not exist`)
	_, err = c.Logical().List("auth/approle/role/none/secret-id")
	wantErr(t, err, 400, `role "none" does not exist`)
	_, err = c.Logical().Write("auth/approle/role/none/secret-id/lookup", map[string]any{"secret_id": "x"})
	wantErr(t, err, 500, `role "none" does not exist`)
	_, err = c.Logical().Write("auth/approle/role/r/secret-id/lookup", map[string]any{})
	wantErr(t, err, 400, "missing secret_id")
	_, err = c.Logical().Write("auth/approle/role/r/secret-id-accessor/lookup", map[string]any{})
	wantErr(t, err, 400, "missing secret_id_accessor")
	// No secret IDs for a role that does not bind them.
	arWrite(t, c, "auth/approle/role/nobind", map[string]any{"bind_secret_id": false, "secret_id_bound_cidrs": "127.0.0.0/8"})
	_, err = c.Logical().Write("auth/approle/role/nobind/secret-id", nil)
	wantErr(t, err, 400, "bind_secret_id is not set on the role")
}

func TestAppRoleSecretIDTTLAndTidy(t *testing.T) {
	v := approleVault(t)
	c := v.Client
	arWrite(t, c, "auth/approle/role/r", map[string]any{"secret_id_ttl": "10m"})
	gen := arWrite(t, c, "auth/approle/role/r/secret-id", nil)
	sid := gen.Data["secret_id"]
	v.Clock.Advance(10 * time.Minute)
	if s := arWrite(t, c, "auth/approle/role/r/secret-id/lookup", map[string]any{"secret_id": sid}); s == nil {
		t.Fatal("gone at exactly its expiration time")
	}
	// Expired, but Vault deletes it only at its next periodic tidy (every
	// minute from the mount's start), and its login never checks the expiry.
	v.Clock.Advance(time.Second)
	if s := arWrite(t, c, "auth/approle/role/r/secret-id/lookup", map[string]any{"secret_id": sid}); s == nil {
		t.Fatal("expired secret ID gone before the periodic tidy")
	}
	v.Clock.Advance(time.Minute)
	if s, err := c.Logical().Write("auth/approle/role/r/secret-id/lookup", map[string]any{"secret_id": sid}); err != nil || s != nil {
		t.Fatalf("expired secret ID still there after the periodic tidy: %v %v", s, err)
	}
	// A secret ID TTL above the mount max is capped in the answer.
	arWrite(t, c, "auth/approle/role/long", map[string]any{"secret_id_ttl": "1000h"})
	long := arWrite(t, c, "auth/approle/role/long/secret-id", nil)
	if long.Data["secret_id_ttl"] != json.Number("2764800") {
		t.Fatalf("capped ttl: %v", long.Data)
	}
	// tidy answers 202 with Vault's warning and no mount_type.
	req := c.NewRequest(http.MethodPost, "/v1/auth/approle/tidy/secret-id")
	resp, err := c.RawRequest(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 202 || body["mount_type"] != "" || body["data"] != nil ||
		!reflect.DeepEqual(body["warnings"], []any{"Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs."}) {
		t.Fatalf("tidy: %d %v", resp.StatusCode, body)
	}
}

func TestAppRoleLocalSecretIDsAndRoleDelete(t *testing.T) {
	v := approleVault(t)
	c := v.Client
	arWrite(t, c, "auth/approle/role/local", map[string]any{"local_secret_ids": true})
	arWrite(t, c, "auth/approle/role/global", map[string]any{})
	lg := arWrite(t, c, "auth/approle/role/local/secret-id", nil)
	gg := arWrite(t, c, "auth/approle/role/global/secret-id", nil)
	if got := arRead(t, c, "auth/approle/role/local/local-secret-ids"); got.Data["local_secret_ids"] != true {
		t.Fatalf("local-secret-ids: %v", got.Data)
	}
	// Accessors of local and global roles live apart.
	_, err := c.Logical().Write("auth/approle/role/local/secret-id-accessor/lookup", map[string]any{"secret_id_accessor": gg.Data["secret_id_accessor"]})
	wantErr(t, err, 404, "")
	// An accessor of another role of the same kind: known, but not this role's.
	arWrite(t, c, "auth/approle/role/other", map[string]any{})
	if s, err := c.Logical().Write("auth/approle/role/other/secret-id-accessor/lookup", map[string]any{"secret_id_accessor": gg.Data["secret_id_accessor"]}); err != nil || s != nil {
		t.Fatalf("other role's accessor: %v %v", s, err)
	}
	_, err = c.Logical().Write("auth/approle/role/other/secret-id-accessor/destroy", map[string]any{"secret_id_accessor": gg.Data["secret_id_accessor"]})
	wantErr(t, err, 403, "invalid secret id accessor")
	// Deleting a role takes its secret IDs.
	roleID := arRead(t, c, "auth/approle/role/local/role-id").Data["role_id"]
	if _, err := c.Logical().Delete("auth/approle/role/local"); err != nil {
		t.Fatal(err)
	}
	_, err = c.Logical().Write("auth/approle/login", map[string]any{"role_id": roleID, "secret_id": lg.Data["secret_id"]})
	wantErr(t, err, 400, "invalid role or secret ID")
	arWrite(t, c, "auth/approle/role/local", map[string]any{"local_secret_ids": true})
	if s, err := c.Logical().Write("auth/approle/role/local/secret-id/lookup", map[string]any{"secret_id": lg.Data["secret_id"]}); err != nil || s != nil {
		t.Fatalf("secret ID survived its role: %v %v", s, err)
	}
}

// respBody is a raw answer's status and JSON body.
func arRespBody(t *testing.T, c *api.Client, method, p string, body any) (int, map[string]any) {
	t.Helper()
	p, q, _ := strings.Cut(p, "?")
	req := c.NewRequest(method, "/v1/"+p)
	if q != "" {
		vals, err := url.ParseQuery(q)
		if err != nil {
			t.Fatal(err)
		}
		req.Params = vals
	}
	if body != nil {
		if err := req.SetJSONBody(body); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := c.RawRequest(req)
	if resp == nil {
		t.Fatalf("%s %s: %v", method, p, err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	if resp.StatusCode != http.StatusNoContent {
		_ = json.NewDecoder(resp.Body).Decode(&out)
	}
	return resp.StatusCode, out
}

func arErrorsOf(m map[string]any) string {
	var out []string
	for _, e := range m["errors"].([]any) {
		out = append(out, e.(string))
	}
	return strings.Join(out, "|")
}

func TestAppRoleSnapshotRestore(t *testing.T) {
	v := approleVault(t)
	c := v.Client
	roleID, secretID := arCreds(t, c, "approle", "r", map[string]any{"secret_id_num_uses": 1})
	sn := v.Server.Snapshot()
	// Spend the secret ID and delete the role; a restore brings both back,
	// as many times as asked.
	arLogin(t, c, "approle", roleID, secretID)
	if _, err := c.Logical().Delete("auth/approle/role/r"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		v.Server.Restore(sn)
		if s := arRead(t, c, "auth/approle/role/r"); s.Data["secret_id_num_uses"] != json.Number("1") {
			t.Fatalf("restored role: %v", s.Data)
		}
		arLogin(t, c, "approle", roleID, secretID)
		_, err := c.Logical().Write("auth/approle/login", map[string]any{"role_id": roleID, "secret_id": secretID})
		wantErr(t, err, 400, "invalid role or secret ID")
	}
	// Reset drops the mount and its roles.
	v.Server.Reset()
	if code, body := arRespBody(t, c, "GET", "auth/approle/role/r", nil); code != 404 || !strings.Contains(arErrorsOf(body), "no handler for route") {
		t.Fatalf("approle mount survived Reset: %d %v", code, body)
	}
}
