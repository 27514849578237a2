package mockvault_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/testhelpers"
)

// as returns a clone of the root client using token.
func as(t *testing.T, v *testhelpers.Vault, token string) *api.Client {
	t.Helper()
	c, err := v.Client.Clone()
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(token)
	return c
}

func create(t *testing.T, c *api.Client, req *api.TokenCreateRequest) *api.Secret {
	t.Helper()
	s, err := c.Auth().Token().Create(req)
	if err != nil {
		t.Fatalf("create %+v: %v", req, err)
	}
	return s
}

// raw sends a request and returns status and decoded body.
func raw(t *testing.T, v *testhelpers.Vault, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, v.Addr+"/v1/"+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("X-Vault-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s %s: bad JSON %q", method, path, b)
		}
	}
	return resp.StatusCode, m
}

func errorsOf(m map[string]any) string {
	var out []string
	for _, e := range m["errors"].([]any) {
		out = append(out, e.(string))
	}
	return strings.Join(out, "|")
}

// limited gives a non-root token with a policy allowing token creation.
func limited(t *testing.T, v *testhelpers.Vault, extra string) string {
	t.Helper()
	if err := v.Server.SetPolicy("creator", `
path "auth/token/create" { capabilities = ["update"] }
path "auth/token/create-orphan" { capabilities = ["update"] }
path "auth/token/create/*" { capabilities = ["update"] }
`+extra); err != nil {
		t.Fatal(err)
	}
	return create(t, v.Client, &api.TokenCreateRequest{Policies: []string{"creator", "app"}}).Auth.ClientToken
}

func TestCreateRulesForNonRootParent(t *testing.T) {
	v := testhelpers.RunT(t)
	c := as(t, v, limited(t, v, ""))

	_, err := c.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"other"}})
	wantErr(t, err, 400, "child policies must be subset of parent")
	_, err = c.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"root"}})
	wantErr(t, err, 400, "child policies must be subset of parent")
	_, err = c.Auth().Token().Create(&api.TokenCreateRequest{NoParent: true})
	wantErr(t, err, 400, "root or sudo privileges required to create orphan token")
	_, err = c.Auth().Token().Create(&api.TokenCreateRequest{Period: "1h"})
	wantErr(t, err, 400, "root or sudo privileges required to create periodic token")
	_, err = c.Auth().Token().Create(&api.TokenCreateRequest{ID: "custom"})
	wantErr(t, err, 400, "root or sudo privileges required to specify token id")

	// create-orphan needs no sudo.
	orphan, err := c.Auth().Token().CreateOrphan(&api.TokenCreateRequest{Policies: []string{"app"}})
	if err != nil {
		t.Fatal(err)
	}
	if !orphan.Auth.Orphan || strings.Join(orphan.Auth.Policies, ",") != "app,default" {
		t.Fatalf("orphan: %+v", orphan.Auth)
	}
	// No policies requested: the child inherits the parent's exactly.
	child := create(t, c, &api.TokenCreateRequest{})
	if strings.Join(child.Auth.Policies, ",") != "app,creator,default" {
		t.Fatalf("inherited: %v", child.Auth.Policies)
	}
	// A policy the caller lacks is denied by the ACL before the handler.
	_, err = c.Logical().Write("auth/token/revoke-orphan", map[string]any{"token": child.Auth.ClientToken})
	wantErr(t, err, 403, "permission denied")
}

func TestCreateRootRules(t *testing.T) {
	v := testhelpers.RunT(t)
	root2 := create(t, v.Client, &api.TokenCreateRequest{})
	if strings.Join(root2.Auth.Policies, ",") != "root" || root2.Auth.LeaseDuration != 0 || root2.Auth.Renewable {
		t.Fatalf("root child: %+v", root2.Auth)
	}
	_, err := v.Client.Auth().Token().Create(&api.TokenCreateRequest{Type: "batch", Policies: []string{"root"}})
	wantErr(t, err, 400, "batch tokens cannot be root tokens")
	expiring := create(t, v.Client, &api.TokenCreateRequest{TTL: "1h", Policies: []string{"root"}})
	_, err = as(t, v, expiring.Auth.ClientToken).Auth().Token().Create(&api.TokenCreateRequest{})
	wantErr(t, err, 400, "expiring root tokens cannot create non-expiring root tokens")
	_, err = v.Client.Auth().Token().Create(&api.TokenCreateRequest{Type: "default"})
	wantErr(t, err, 400, "invalid 'token_type' value")
}

func TestCustomIDAndDisplayName(t *testing.T) {
	v := testhelpers.RunT(t)
	s := create(t, v.Client, &api.TokenCreateRequest{ID: "my-token", DisplayName: "My App!!", Metadata: map[string]string{"team": "ci"}, Policies: []string{"default"}})
	if s.Auth.ClientToken != "my-token" || len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "weaker SHA1") {
		t.Fatalf("custom id: %+v %v", s.Auth, s.Warnings)
	}
	look, err := v.Client.Auth().Token().Lookup("my-token")
	if err != nil {
		t.Fatal(err)
	}
	if look.Data["display_name"] != "token-My-App-" || look.Data["meta"].(map[string]any)["team"] != "ci" {
		t.Fatalf("lookup: %v", look.Data)
	}
	_, err = v.Client.Auth().Token().Create(&api.TokenCreateRequest{ID: "my-token"})
	wantErr(t, err, 400, "cannot create a token with a duplicate ID")
	_, err = v.Client.Auth().Token().Create(&api.TokenCreateRequest{ID: "hvs.abc"})
	wantErr(t, err, 400, "custom token ID cannot have the 'hvs.' prefix")
}

func TestRenewRules(t *testing.T) {
	v := testhelpers.RunT(t)
	s := create(t, v.Client, &api.TokenCreateRequest{TTL: "1h", ExplicitMaxTTL: "2h", Policies: []string{"default"}})
	tok := s.Auth.ClientToken
	v.Clock.Advance(30 * time.Minute)
	r, err := v.Client.Auth().Token().Renew(tok, 3600)
	if err != nil {
		t.Fatal(err)
	}
	if r.Auth.LeaseDuration != 3600 || r.Auth.ClientToken != tok {
		t.Fatalf("renew: %+v", r.Auth)
	}
	v.Clock.Advance(55 * time.Minute) // 85m since issue; 35m left under explicit max
	r, err = v.Client.Auth().Token().Renew(tok, 3600)
	if err != nil {
		t.Fatal(err)
	}
	if r.Auth.LeaseDuration != 2100 || len(r.Warnings) != 1 || r.Warnings[0] != `TTL of "1h" exceeded the effective max_ttl of "35m"; TTL value is capped accordingly` {
		t.Fatalf("capped renew: %d %v", r.Auth.LeaseDuration, r.Warnings)
	}
	look, _ := v.Client.Auth().Token().Lookup(tok)
	if look.Data["last_renewal_time"] == nil || look.Data["creation_ttl"].(json.Number).String() != "3600" {
		t.Fatalf("lookup after renew: %v", look.Data)
	}
	// renew-accessor hides the token.
	r, err = v.Client.Auth().Token().RenewTokenAsSelf(tok, 0)
	if err != nil {
		t.Fatal(err)
	}
	ra, err := v.Client.Logical().Write("auth/token/renew-accessor", map[string]any{"accessor": s.Auth.Accessor})
	if err != nil || ra.Auth.ClientToken != "" {
		t.Fatalf("renew-accessor: %+v %v", ra, err)
	}
	nonRenew := create(t, v.Client, &api.TokenCreateRequest{TTL: "1h", Renewable: new(bool)})
	_, err = v.Client.Auth().Token().Renew(nonRenew.Auth.ClientToken, 0)
	wantErr(t, err, 400, "lease is not renewable")
	_, err = v.Client.Auth().Token().RenewSelf(0)
	wantErr(t, err, 400, "lease is not renewable")
	_, err = v.Client.Auth().Token().Renew("nope", 0)
	wantErr(t, err, 400, "token not found")
}

func TestPeriodicToken(t *testing.T) {
	v := testhelpers.RunT(t)
	s := create(t, v.Client, &api.TokenCreateRequest{Period: "24h", Policies: []string{"agent"}})
	if s.Auth.LeaseDuration != 86400 {
		t.Fatalf("period ttl: %d", s.Auth.LeaseDuration)
	}
	// A periodic token lives forever as long as it is renewed, past the
	// 768h system max.
	for i := 0; i < 40; i++ {
		v.Clock.Advance(23 * time.Hour)
		r, err := v.Client.Auth().Token().Renew(s.Auth.ClientToken, 3600)
		if err != nil {
			t.Fatalf("renew %d: %v", i, err)
		}
		if r.Auth.LeaseDuration != 86400 {
			t.Fatalf("renew %d: ttl %d (increment must be ignored)", i, r.Auth.LeaseDuration)
		}
	}
	look, _ := v.Client.Auth().Token().Lookup(s.Auth.ClientToken)
	if look.Data["period"].(json.Number).String() != "86400" {
		t.Fatalf("period: %v", look.Data["period"])
	}
}

func TestNumUses(t *testing.T) {
	v := testhelpers.RunT(t)
	s := create(t, v.Client, &api.TokenCreateRequest{NumUses: 3, Policies: []string{"default"}})
	c := as(t, v, s.Auth.ClientToken)
	look, err := c.Auth().Token().LookupSelf()
	if err != nil || look.Data["num_uses"].(json.Number).String() != "2" {
		t.Fatalf("first use: %v %v", look, err)
	}
	_, err = c.Auth().Token().Create(&api.TokenCreateRequest{})
	wantErr(t, err, 403, "permission denied") // ACL denial still spends a use
	look, err = c.Auth().Token().LookupSelf()
	if err != nil || look.Data["num_uses"].(json.Number).String() != "-1" {
		t.Fatalf("last use: %v %v", look, err)
	}
	_, err = c.Auth().Token().LookupSelf()
	wantErr(t, err, 403, "invalid token")

	lim := create(t, v.Client, &api.TokenCreateRequest{NumUses: 5})
	_, err = as(t, v, lim.Auth.ClientToken).Auth().Token().Create(&api.TokenCreateRequest{})
	wantErr(t, err, 400, "restricted use token cannot generate child tokens")
}

func TestRevokeTreeOrphanAccessor(t *testing.T) {
	v := testhelpers.RunT(t)
	limited(t, v, "")
	parent := create(t, v.Client, &api.TokenCreateRequest{Policies: []string{"creator"}})
	pc := as(t, v, parent.Auth.ClientToken)
	child := create(t, pc, &api.TokenCreateRequest{})
	grand := create(t, as(t, v, child.Auth.ClientToken), &api.TokenCreateRequest{})
	batch := create(t, pc, &api.TokenCreateRequest{Type: "batch"})

	if err := v.Client.Auth().Token().RevokeTree(parent.Auth.ClientToken); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{parent.Auth.ClientToken, child.Auth.ClientToken, grand.Auth.ClientToken, batch.Auth.ClientToken} {
		_, err := as(t, v, tok).Auth().Token().LookupSelf()
		wantErr(t, err, 403, "invalid token")
	}
	// revoke of an unknown token succeeds; revoke-orphan does not.
	if err := v.Client.Auth().Token().RevokeTree("nope"); err != nil {
		t.Fatalf("revoke unknown: %v", err)
	}
	err := v.Client.Auth().Token().RevokeOrphan("nope")
	wantErr(t, err, 400, "token to revoke not found")

	p2 := create(t, v.Client, &api.TokenCreateRequest{Policies: []string{"creator"}})
	c2 := create(t, as(t, v, p2.Auth.ClientToken), &api.TokenCreateRequest{})
	if err := v.Client.Auth().Token().RevokeOrphan(p2.Auth.ClientToken); err != nil {
		t.Fatal(err)
	}
	look, err := v.Client.Auth().Token().Lookup(c2.Auth.ClientToken)
	if err != nil || look.Data["orphan"] != true {
		t.Fatalf("orphaned child: %v %v", look, err)
	}
	if err := v.Client.Auth().Token().RevokeAccessor(c2.Auth.Accessor); err != nil {
		t.Fatal(err)
	}
	_, err = v.Client.Auth().Token().Lookup(c2.Auth.ClientToken)
	wantErr(t, err, 403, "bad token")
	w, err := v.Client.Logical().Write("auth/token/revoke-accessor", map[string]any{"accessor": "nope"})
	if err != nil || len(w.Warnings) != 1 || w.Warnings[0] != "No token found with this accessor" {
		t.Fatalf("revoke unknown accessor: %v %v", w, err)
	}
	_, err = v.Client.Auth().Token().LookupAccessor("nope")
	wantErr(t, err, 400, "invalid accessor")
	s := create(t, v.Client, &api.TokenCreateRequest{Policies: []string{"default"}})
	if err := as(t, v, s.Auth.ClientToken).Auth().Token().RevokeSelf(""); err != nil {
		t.Fatal(err)
	}
	_, err = v.Client.Auth().Token().Lookup(s.Auth.ClientToken)
	wantErr(t, err, 403, "bad token")
}

func TestAccessorsListAndLookupAccessor(t *testing.T) {
	v := testhelpers.RunT(t)
	s := create(t, v.Client, &api.TokenCreateRequest{Policies: []string{"default"}})
	l, err := v.Client.Logical().List("auth/token/accessors")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, k := range l.Data["keys"].([]any) {
		found = found || k == s.Auth.Accessor
	}
	if !found {
		t.Fatalf("accessor %s not in %v", s.Auth.Accessor, l.Data["keys"])
	}
	la, err := v.Client.Auth().Token().LookupAccessor(s.Auth.Accessor)
	if err != nil || la.Data["id"] != "" || la.Data["accessor"] != s.Auth.Accessor {
		t.Fatalf("lookup-accessor: %v %v", la, err)
	}
	// Listing accessors needs sudo.
	_, err = as(t, v, s.Auth.ClientToken).Logical().List("auth/token/accessors")
	wantErr(t, err, 403, "permission denied")
}

func TestBatchParentAndOrphan(t *testing.T) {
	v := testhelpers.RunT(t)
	limited(t, v, "")
	orphanBatch, err := v.Client.Auth().Token().CreateOrphan(&api.TokenCreateRequest{Type: "batch", TTL: "10m", Policies: []string{"creator"}})
	if err != nil {
		t.Fatal(err)
	}
	if !orphanBatch.Auth.Orphan {
		t.Fatalf("orphan batch: %+v", orphanBatch.Auth)
	}
	bc := as(t, v, orphanBatch.Auth.ClientToken)
	look, err := bc.Auth().Token().LookupSelf()
	if err != nil || look.Data["type"] != "batch" || look.Data["renewable"] != false {
		t.Fatalf("batch lookup-self: %v %v", look, err)
	}
	_, err = bc.Auth().Token().Create(&api.TokenCreateRequest{})
	wantErr(t, err, 400, "batch tokens cannot create more tokens")
	_, err = bc.Logical().Write("cubbyhole/x", map[string]any{"a": "b"})
	wantErr(t, err, 400, `cubbyhole operations are only supported by "service" type tokens`)
	v.Clock.Advance(10 * time.Minute)
	_, err = bc.Auth().Token().LookupSelf()
	wantErr(t, err, 403, "invalid token")
}

func TestTokenRoles(t *testing.T) {
	v := testhelpers.RunT(t)
	_, err := v.Client.Logical().Write("auth/token/roles/ci", map[string]any{"token_type": "batch", "orphan": true})
	wantErr(t, err, 400, "'token_type' cannot be 'batch' when role is set to generate renewable tokens")
	_, err = v.Client.Logical().Write("auth/token/roles/ci", map[string]any{"token_type": "batch"})
	wantErr(t, err, 400, "'token_type' cannot be 'batch' when role is set to generate non-orphan tokens")
	_, err = v.Client.Logical().Write("auth/token/roles/ci", map[string]any{"token_type": "nope"})
	wantErr(t, err, 400, `invalid 'token_type' value "nope"`)
	_, err = v.Client.Logical().Write("auth/token/roles/ci", map[string]any{"path_suffix": "v1"})
	wantErr(t, err, 400, "given role path suffix contains invalid characters")
	if _, err := v.Client.Logical().Write("auth/token/roles/ci", map[string]any{
		"token_type": "batch", "orphan": true, "renewable": false, "allowed_policies": "build,test",
	}); err != nil {
		t.Fatal(err)
	}
	r, err := v.Client.Logical().Read("auth/token/roles/ci")
	if err != nil {
		t.Fatal(err)
	}
	if r.Data["token_type"] != "batch" || r.Data["allowed_entity_aliases"] != nil || len(r.Data["allowed_policies"].([]any)) != 2 {
		t.Fatalf("role read: %v", r.Data)
	}
	s, err := v.Client.Auth().Token().CreateWithRole(&api.TokenCreateRequest{}, "ci")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.Auth.ClientToken, "hvb.") || strings.Join(s.Auth.Policies, ",") != "build,default,test" || !s.Auth.Orphan {
		t.Fatalf("role token: %+v", s.Auth)
	}
	_, err = v.Client.Auth().Token().CreateWithRole(&api.TokenCreateRequest{Policies: []string{"prod"}}, "ci")
	wantErr(t, err, 400, "must be subset of the role's allowed policies")
	_, err = v.Client.Auth().Token().CreateWithRole(&api.TokenCreateRequest{}, "missing")
	wantErr(t, err, 400, "unknown role missing")

	if _, err := v.Client.Logical().Write("auth/token/roles/app", map[string]any{"token_period": "1h", "path_suffix": "v12"}); err != nil {
		t.Fatal(err)
	}
	s, err = v.Client.Auth().Token().CreateWithRole(&api.TokenCreateRequest{}, "app")
	if err != nil {
		t.Fatal(err)
	}
	look, _ := v.Client.Auth().Token().Lookup(s.Auth.ClientToken)
	if look.Data["path"] != "auth/token/create/app/v12" || look.Data["role"] != "app" || look.Data["period"] != nil || s.Auth.LeaseDuration != 3600 {
		t.Fatalf("role service token: %v %d", look.Data, s.Auth.LeaseDuration)
	}
	l, err := v.Client.Logical().List("auth/token/roles")
	if err != nil || len(l.Data["keys"].([]any)) != 2 {
		t.Fatalf("roles list: %v %v", l, err)
	}
	if _, err := v.Client.Logical().Delete("auth/token/roles/app"); err != nil {
		t.Fatal(err)
	}
	// Renewing a token whose role is gone fails as in Vault.
	_, err = v.Client.Auth().Token().Renew(s.Auth.ClientToken, 0)
	wantErr(t, err, 500, `original token role "app" could not be found`)
	r, err = v.Client.Logical().Read("auth/token/roles/app")
	if err != nil || r != nil {
		t.Fatalf("deleted role read: %v %v", r, err)
	}
}

func TestCubbyhole(t *testing.T) {
	v := testhelpers.RunT(t)
	s := create(t, v.Client, &api.TokenCreateRequest{Policies: []string{"default"}})
	c := as(t, v, s.Auth.ClientToken)
	if _, err := c.Logical().Write("cubbyhole/app/secret", map[string]any{"pw": "x"}); err != nil {
		t.Fatal(err)
	}
	r, err := c.Logical().Read("cubbyhole/app/secret")
	if err != nil || r.Data["pw"] != "x" {
		t.Fatalf("read: %v %v", r, err)
	}
	l, err := c.Logical().List("cubbyhole/")
	if err != nil || l.Data["keys"].([]any)[0] != "app/" {
		t.Fatalf("list: %v %v", l, err)
	}
	// Private: root does not see it.
	r, err = v.Client.Logical().Read("cubbyhole/app/secret")
	if err != nil || r != nil {
		t.Fatalf("root read: %v %v", r, err)
	}
	if err := c.Auth().Token().RevokeSelf(""); err != nil {
		t.Fatal(err)
	}
	if n := v.Server.CubbyholeCount(); n != 0 {
		t.Fatalf("cubbyholes left after revoke: %d", n)
	}
}

func TestHTTPErrors(t *testing.T) {
	v := testhelpers.RunT(t)
	code, m := raw(t, v, "GET", "auth/token/create", v.RootToken, "")
	if code != 405 || errorsOf(m) != "1 error occurred:\n\t* unsupported operation\n\n" {
		t.Fatalf("405: %d %v", code, m)
	}
	code, m = raw(t, v, "GET", "auth/token/nope", v.RootToken, "")
	if code != 404 || errorsOf(m) != "1 error occurred:\n\t* unsupported path\n\n" {
		t.Fatalf("404: %d %v", code, m)
	}
	code, m = raw(t, v, "GET", "auth/token/lookup-self", "", "")
	if code != 403 || errorsOf(m) != "permission denied" {
		t.Fatalf("no token: %d %v", code, m)
	}
	code, m = raw(t, v, "GET", "auth/token/lookup-self", "hvs.bogus", "")
	if code != 403 || errorsOf(m) != "2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n" {
		t.Fatalf("bad token: %d %v", code, m)
	}
	// Vault's structural JSON check answers 500; decoding errors are 400.
	code, m = raw(t, v, "POST", "auth/token/create", v.RootToken, "{nope")
	if code != 500 || errorsOf(m) != "malformed JSON, unclosed containers" {
		t.Fatalf("bad json: %d %v", code, m)
	}
	code, m = raw(t, v, "POST", "auth/token/create", v.RootToken, `{"a":1} {"b":2}`)
	if code != 500 || errorsOf(m) != "invalid character '{' after top-level value" {
		t.Fatalf("trailing json: %d %v", code, m)
	}
	code, m = raw(t, v, "POST", "auth/token/create", v.RootToken, `[1]`)
	if code != 400 || !strings.HasPrefix(errorsOf(m), "error parsing JSON: failed to parse JSON input: json: cannot unmarshal array") {
		t.Fatalf("array json: %d %v", code, m)
	}
	code, m = raw(t, v, "POST", "auth/token/create", v.RootToken, `{"num_uses":"many"}`)
	if code != 400 || !strings.HasPrefix(errorsOf(m), `Field validation failed: error converting input for field "num_uses"`) {
		t.Fatalf("bad type: %d %v", code, m)
	}
	code, m = raw(t, v, "POST", "auth/token/renew-self", v.RootToken, `{"increment":-5}`)
	if code != 400 || errorsOf(m) != `Field validation failed: error converting input for field "increment": cannot provide negative value '-5'` {
		t.Fatalf("negative: %d %v", code, m)
	}
	code, m = raw(t, v, "POST", "auth/token/create", v.RootToken, `{"policies":["default"],"bogus":1}`)
	if code != 200 || !strings.Contains(strings.Join(toStrings(m["warnings"]), "|"), "Endpoint ignored these unrecognized parameters: [bogus]") {
		t.Fatalf("unknown field: %d %v", code, m)
	}
	code, m = raw(t, v, "POST", "auth/token/tidy", v.RootToken, "")
	if code != 202 || m["mount_type"] != "" {
		t.Fatalf("tidy: %d %v", code, m)
	}
	// Vault's JSON limits: a string over 1 MiB is refused (500) before
	// the 32 MiB body limit (413) is reached.
	big := `{"meta":{"k":"` + strings.Repeat("x", 33<<20) + `"}}`
	code, m = raw(t, v, "POST", "auth/token/create", v.RootToken, big)
	if code != 500 || errorsOf(m) != "JSON string value exceeds allowed length" {
		t.Fatalf("huge string: %d %v", code, m)
	}
	many := `{"meta":{"k":"` + strings.Repeat(`x","`, 1) + `"}, "a":[` + strings.Repeat(`1,`, 17<<20) + `1]}`
	code, _ = raw(t, v, "POST", "auth/token/create", v.RootToken, many)
	if code != 500 && code != 413 {
		t.Fatalf("huge body: %d", code)
	}
	code, m = raw(t, v, "POST", "auth/token/create", v.RootToken, `{"a":1,"a":2}`)
	if code != 500 || errorsOf(m) != "duplicate key 'a' in object" {
		t.Fatalf("duplicate key: %d %v", code, m)
	}
}

func toStrings(v any) []string {
	l, _ := v.([]any)
	var out []string
	for _, x := range l {
		out = append(out, x.(string))
	}
	return out
}
