package mockvault_test

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/testhelpers"
)

// approleVault starts a server with AppRole enabled at auth/approle.
func approleVault(t *testing.T) *testhelpers.Vault {
	t.Helper()
	v := testhelpers.RunT(t)
	if err := v.Client.Sys().EnableAuthWithOptions("approle", &api.EnableAuthOptions{Type: "approle"}); err != nil {
		t.Fatalf("enable approle: %v", err)
	}
	return v
}

func arWrite(t testing.TB, c *api.Client, p string, data map[string]any) *api.Secret {
	t.Helper()
	s, err := c.Logical().Write(p, data)
	if err != nil {
		t.Fatalf("write %s: %v", p, err)
	}
	return s
}

func arRead(t *testing.T, c *api.Client, p string) *api.Secret {
	t.Helper()
	s, err := c.Logical().Read(p)
	if err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	if s == nil {
		t.Fatalf("read %s: not found", p)
	}
	return s
}

// normJSON round-trips v through JSON so maps compare with json.Number.
func arNormJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func arWantData(t *testing.T, got map[string]any, wantJSON string) {
	t.Helper()
	var want any
	dec := json.NewDecoder(strings.NewReader(wantJSON))
	dec.UseNumber()
	if err := dec.Decode(&want); err != nil {
		t.Fatal(err)
	}
	if g := arNormJSON(t, got); !reflect.DeepEqual(g, want) {
		gb, _ := json.Marshal(g)
		t.Fatalf("data mismatch\n got: %s\nwant: %s", gb, wantJSON)
	}
}

func TestAppRoleRoleDefaultsReadBack(t *testing.T) {
	v := approleVault(t)
	c := v.Client
	if s := arWrite(t, c, "auth/approle/role/MyRole", map[string]any{}); s != nil {
		t.Fatalf("create: want 204, got %+v", s)
	}
	// Names are lower-cased and case-insensitive.
	s := arRead(t, c, "auth/approle/role/myrole")
	arWantData(t, s.Data, `{"bind_secret_id":true,"local_secret_ids":false,"secret_id_bound_cidrs":null,
		"secret_id_num_uses":0,"secret_id_ttl":0,"token_bound_cidrs":[],"token_explicit_max_ttl":0,
		"token_max_ttl":0,"token_no_default_policy":false,"token_num_uses":0,"token_period":0,
		"token_policies":[],"token_ttl":0,"token_type":"default"}`)
	list, err := c.Logical().List("auth/approle/role")
	if err != nil || list == nil {
		t.Fatalf("list: %v %v", list, err)
	}
	arWantData(t, list.Data, `{"keys":["myrole"]}`)
	rid := arRead(t, c, "auth/approle/role/MYROLE/role-id")
	if id, _ := rid.Data["role_id"].(string); len(id) != 36 {
		t.Fatalf("role_id: %v", rid.Data)
	}
	if s, err := c.Logical().Read("auth/approle/role/nope"); err != nil || s != nil {
		t.Fatalf("missing role: %v %v", s, err)
	}
	if _, err := c.Logical().Delete("auth/approle/role/myrole"); err != nil {
		t.Fatal(err)
	}
	if s, err := c.Logical().List("auth/approle/role"); err != nil || s != nil {
		t.Fatalf("empty list: %v %v", s, err)
	}
}

func TestAppRoleRoleFullReadBack(t *testing.T) {
	v := approleVault(t)
	c := v.Client
	s := arWrite(t, c, "auth/approle/role/app", map[string]any{
		"token_policies": "B, a", "token_ttl": "1h", "token_max_ttl": "24h", "token_type": "service",
		"token_period": 0, "token_explicit_max_ttl": "48h", "token_num_uses": 3,
		"token_no_default_policy": true, "token_bound_cidrs": []string{"127.0.0.1", "10.0.0.0/8"},
		"secret_id_bound_cidrs": "127.0.0.0/8", "secret_id_num_uses": 5, "secret_id_ttl": "10m",
		"local_secret_ids": true, "role_id": "custom-id",
	})
	if s != nil {
		t.Fatalf("want 204, got %+v", s)
	}
	got := arRead(t, c, "auth/approle/role/app")
	arWantData(t, got.Data, `{"bind_secret_id":true,"local_secret_ids":true,"secret_id_bound_cidrs":["127.0.0.0/8"],
		"secret_id_num_uses":5,"secret_id_ttl":600,"token_bound_cidrs":["127.0.0.1","10.0.0.0/8"],
		"token_explicit_max_ttl":172800,"token_max_ttl":86400,"token_no_default_policy":true,"token_num_uses":3,
		"token_period":0,"token_policies":["B","a"],"token_ttl":3600,"token_type":"service"}`)
	// The deprecated fields copy into the token_* ones and show up too.
	arWrite(t, c, "auth/approle/role/old", map[string]any{"policies": "B,a", "period": "1h"})
	got = arRead(t, c, "auth/approle/role/old")
	if !reflect.DeepEqual(got.Data["policies"], []any{"a", "b"}) || !reflect.DeepEqual(got.Data["token_policies"], []any{"a", "b"}) ||
		got.Data["period"] != json.Number("3600") || got.Data["token_period"] != json.Number("3600") {
		t.Fatalf("legacy: %v", got.Data)
	}
	// default-service is folded to service, with a warning.
	s = arWrite(t, c, "auth/approle/role/ds", map[string]any{"token_type": "default-service"})
	if s == nil || len(s.Warnings) != 1 || s.Warnings[0] != "default-service has no useful meaning; adjusting to service" {
		t.Fatalf("warnings: %+v", s)
	}
	if got := arRead(t, c, "auth/approle/role/ds"); got.Data["token_type"] != "service" {
		t.Fatalf("token_type: %v", got.Data["token_type"])
	}
}

func TestAppRoleRoleValidation(t *testing.T) {
	v := approleVault(t)
	c := v.Client
	cases := []struct {
		name string
		data map[string]any
		code int
		msg  string
	}{
		{"badtype", map[string]any{"token_type": "nope"}, 400, `invalid 'token_type' value "nope"`},
		{"ttlmax", map[string]any{"token_ttl": "2h", "token_max_ttl": "1h"}, 400, "'token_ttl' cannot be greater than 'token_max_ttl'"},
		{"batchperiod", map[string]any{"token_type": "batch", "token_period": "1h"}, 400, "'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens"},
		{"batchuses", map[string]any{"token_type": "batch", "token_num_uses": 2}, 400, "'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count"},
		{"negnum", map[string]any{"token_num_uses": -1}, 400, "'token_num_uses' cannot be negative"},
		{"negsec", map[string]any{"secret_id_num_uses": -1}, 400, "secret_id_num_uses cannot be negative"},
		{"negttl", map[string]any{"token_ttl": -5}, 400, `error converting input for field "token_ttl": cannot provide negative value '-5'`},
		{"noconstraint", map[string]any{"bind_secret_id": false}, 500, "1 error occurred:\n\t* at least one constraint should be enabled on the role\n\n"},
		{"emptyroleid", map[string]any{"role_id": ""}, 400, "invalid role_id supplied, or failed to generate a role_id"},
		{"badcidr", map[string]any{"secret_id_bound_cidrs": "10.0.0.1"}, 500, "failed to validate CIDR blocks: invalid CIDR address: 10.0.0.1"},
		{"badtokcidr", map[string]any{"token_bound_cidrs": "nope"}, 400, `error parsing address "nope"`},
		{"bigperiod", map[string]any{"period": "800h"}, 400, `period of "800h0m0s" is greater than the backend's maximum lease TTL of "768h0m0s"`},
		{"nonstringtype", map[string]any{"token_type": 5}, 500, "'token_type' must be a string"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Logical().Write("auth/approle/role/"+tc.name, tc.data)
			wantErr(t, err, tc.code, tc.msg)
			if s, _ := c.Logical().Read("auth/approle/role/" + tc.name); s != nil {
				t.Fatalf("role stored despite the error: %v", s.Data)
			}
		})
	}
	// bind_secret_id=false is fine with another constraint.
	arWrite(t, c, "auth/approle/role/cidronly", map[string]any{"bind_secret_id": false, "secret_id_bound_cidrs": "127.0.0.0/8"})
	// local_secret_ids is set at creation only.
	_, err := c.Logical().Write("auth/approle/role/cidronly", map[string]any{"local_secret_ids": false})
	wantErr(t, err, 400, "local_secret_ids can only be modified during role creation")
	// A role_id in use by another role.
	arWrite(t, c, "auth/approle/role/a", map[string]any{"role_id": "shared"})
	_, err = c.Logical().Write("auth/approle/role/b", map[string]any{"role_id": "shared"})
	wantErr(t, err, 500, "role_id already in use")
	// token_max_ttl above the mount max: stored, with a warning.
	s := arWrite(t, c, "auth/approle/role/big", map[string]any{"token_max_ttl": "1000h"})
	if s == nil || len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "token_max_ttl is greater than the backend mount's maximum TTL value") {
		t.Fatalf("warnings: %+v", s)
	}
	// An update keeps what it does not mention.
	arWrite(t, c, "auth/approle/role/keep", map[string]any{"token_ttl": "5m", "token_type": "batch"})
	arWrite(t, c, "auth/approle/role/keep", map[string]any{"token_max_ttl": "10m"})
	got := arRead(t, c, "auth/approle/role/keep")
	if got.Data["token_ttl"] != json.Number("300") || got.Data["token_type"] != "batch" || got.Data["token_max_ttl"] != json.Number("600") {
		t.Fatalf("update: %v", got.Data)
	}
	_, err = c.Logical().Write("auth/approle/role/keep", map[string]any{"token_period": "1h"})
	wantErr(t, err, 400, "'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens")
}

func TestAppRoleRoleSubPaths(t *testing.T) {
	v := approleVault(t)
	c := v.Client
	arWrite(t, c, "auth/approle/role/r", map[string]any{})
	base := "auth/approle/role/r/"
	type step struct {
		sub   string
		data  map[string]any
		field string
		want  string // JSON of the read-back value
	}
	for _, st := range []step{
		{"policies", map[string]any{"token_policies": "X,y"}, "token_policies", `["x","y"]`},
		{"secret-id-num-uses", map[string]any{"secret_id_num_uses": 4}, "secret_id_num_uses", `4`},
		{"secret-id-ttl", map[string]any{"secret_id_ttl": "5m"}, "secret_id_ttl", `300`},
		{"token-num-uses", map[string]any{"token_num_uses": 2}, "token_num_uses", `2`},
		{"token-max-ttl", map[string]any{"token_max_ttl": "2h"}, "token_max_ttl", `7200`},
		{"token-ttl", map[string]any{"token_ttl": "1h"}, "token_ttl", `3600`},
		{"period", map[string]any{"token_period": "30m"}, "token_period", `1800`},
		{"bind-secret-id", map[string]any{"bind_secret_id": true}, "bind_secret_id", `true`},
		{"secret-id-bound-cidrs", map[string]any{"secret_id_bound_cidrs": "127.0.0.0/8"}, "secret_id_bound_cidrs", `["127.0.0.0/8"]`},
		{"token-bound-cidrs", map[string]any{"token_bound_cidrs": "127.0.0.1"}, "token_bound_cidrs", `["127.0.0.1"]`},
	} {
		if s := arWrite(t, c, base+st.sub, st.data); s != nil {
			t.Fatalf("%s: want 204, got %+v", st.sub, s)
		}
		got := arRead(t, c, base+st.sub)
		arWantData(t, map[string]any{st.field: got.Data[st.field]}, `{"`+st.field+`":`+st.want+`}`)
	}
	for _, sub := range []string{"token-ttl", "token-max-ttl", "secret-id-num-uses", "period", "token-num-uses"} {
		_, err := c.Logical().Write(base+sub, map[string]any{})
		if err == nil {
			t.Fatalf("%s: missing field accepted", sub)
		}
	}
	_, err := c.Logical().Write(base+"token-ttl", map[string]any{"token_ttl": "3h"})
	wantErr(t, err, 400, "token_ttl should not be greater than token_max_ttl")
	_, err = c.Logical().Write(base+"token-max-ttl", map[string]any{"token_max_ttl": "10m"})
	wantErr(t, err, 400, "token_max_ttl should be greater than or equal to token_ttl")
	_, err = c.Logical().Write(base+"token-ttl", map[string]any{})
	wantErr(t, err, 400, "missing token_ttl")
	// Deleting a field resets it to its default.
	if _, err := c.Logical().Delete(base + "token-ttl"); err != nil {
		t.Fatal(err)
	}
	if got := arRead(t, c, base+"token-ttl"); got.Data["token_ttl"] != json.Number("0") {
		t.Fatalf("after delete: %v", got.Data)
	}
	// Sub-paths of a missing role: 404 on write and read, 204 on delete.
	_, err = c.Logical().Write("auth/approle/role/none/token-ttl", map[string]any{"token_ttl": 1})
	wantErr(t, err, 404, "unsupported path")
	if s, err := c.Logical().Read("auth/approle/role/none/token-ttl"); err != nil || s != nil {
		t.Fatalf("read missing: %v %v", s, err)
	}
	if _, err := c.Logical().Delete("auth/approle/role/none/token-ttl"); err != nil {
		t.Fatal(err)
	}
	// Custom role IDs.
	if s := arWrite(t, c, base+"role-id", map[string]any{"role_id": "my-role-id"}); s != nil {
		t.Fatalf("role-id: %+v", s)
	}
	if got := arRead(t, c, base+"role-id"); got.Data["role_id"] != "my-role-id" {
		t.Fatalf("role-id: %v", got.Data)
	}
	_, err = c.Logical().Write(base+"role-id", map[string]any{"role_id": ""})
	wantErr(t, err, 400, "missing role_id")
	if got := arRead(t, c, base+"local-secret-ids"); got.Data["local_secret_ids"] != false {
		t.Fatalf("local-secret-ids: %v", got.Data)
	}
	// Dropping the last constraint from a sub-path is refused.
	_, err = c.Logical().Write(base+"secret-id-bound-cidrs", map[string]any{"secret_id_bound_cidrs": ""})
	wantErr(t, err, 400, "missing bound_cidr_list")
	for _, sub := range []string{"secret-id-bound-cidrs", "token-bound-cidrs"} {
		if _, err := c.Logical().Delete(base + sub); err != nil {
			t.Fatal(err)
		}
	}
	_, err = c.Logical().Write(base+"bind-secret-id", map[string]any{"bind_secret_id": false})
	wantErr(t, err, 500, "at least one constraint should be enabled on the role")
}

func arSortedKeys(t *testing.T, s *api.Secret) []string {
	t.Helper()
	var out []string
	for _, k := range s.Data["keys"].([]any) {
		out = append(out, k.(string))
	}
	sort.Strings(out)
	return out
}
