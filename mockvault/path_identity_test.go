package mockvault_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/testhelpers"
)

// identityLogin enables AppRole, makes role name (with policies) and logs
// in: the client of the new token and the login's auth block.
func identityAppRoleLogin(t *testing.T, v *testhelpers.Vault, name string, policies ...string) (*api.Client, *api.SecretAuth) {
	t.Helper()
	c := v.Client
	if _, err := c.Logical().Read("sys/auth/approle"); err != nil {
		if err := c.Sys().EnableAuthWithOptions("approle", &api.EnableAuthOptions{Type: "approle"}); err != nil {
			t.Fatal(err)
		}
	}
	arWrite(t, c, "auth/approle/role/"+name, map[string]any{"token_policies": policies})
	rid := arRead(t, c, "auth/approle/role/"+name+"/role-id").Data["role_id"].(string)
	sid := arWrite(t, c, "auth/approle/role/"+name+"/secret-id", nil).Data["secret_id"].(string)
	s := arWrite(t, c, "auth/approle/login", map[string]any{"role_id": rid, "secret_id": sid})
	if s.Auth == nil || s.Auth.EntityID == "" {
		t.Fatalf("login: no entity: %+v", s.Auth)
	}
	tc := v.AppClient(s.Auth.ClientToken)
	tc.SetMaxRetries(0)
	return tc, s.Auth
}

// wantCode checks err is a Vault error with this status (0: no error).
func wantCode(t *testing.T, err error, code int, what string) {
	t.Helper()
	if code == 0 {
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return
	}
	var re *api.ResponseError
	if !errors.As(err, &re) || re.StatusCode != code {
		t.Fatalf("%s: want %d, got %v", what, code, err)
	}
}

func wantErrText(t *testing.T, err error, code int, text string) {
	t.Helper()
	wantCode(t, err, code, text)
	if !strings.Contains(err.Error(), text) {
		t.Fatalf("want error %q, got %v", text, err)
	}
}

// A group's policies reach a token issued before the group existed, and
// leave it when they change; a parent group's policies are inherited.
func TestIdentityGroupPolicyReachesToken(t *testing.T) {
	v := testhelpers.RunT(t)
	c := v.Client
	if err := c.Sys().PutPolicy("reader", `path "secret/data/app" { capabilities = ["read"] }`); err != nil {
		t.Fatal(err)
	}
	if err := c.Sys().PutPolicy("lister", `path "secret/metadata/*" { capabilities = ["list"] }`); err != nil {
		t.Fatal(err)
	}
	arWrite(t, c, "secret/data/app", map[string]any{"data": map[string]any{"k": "v"}})
	tc, auth := identityAppRoleLogin(t, v, "app")
	_, err := tc.Logical().Read("secret/data/app")
	wantCode(t, err, 403, "read before the group")

	g := arWrite(t, c, "identity/group", map[string]any{"name": "readers", "policies": "reader", "member_entity_ids": auth.EntityID})
	gid := g.Data["id"].(string)
	if _, err := tc.Logical().Read("secret/data/app"); err != nil {
		t.Fatalf("read through the group's policy: %v", err)
	}
	self, err := tc.Auth().Token().LookupSelf()
	wantCode(t, err, 0, "lookup-self")
	if ip, _ := self.Data["identity_policies"].([]any); len(ip) != 1 || ip[0] != "reader" {
		t.Fatalf("identity_policies = %v", self.Data["identity_policies"])
	}
	caps, err := tc.Sys().CapabilitiesSelf("secret/data/app")
	wantCode(t, err, 0, "capabilities-self")
	if len(caps) != 1 || caps[0] != "read" {
		t.Fatalf("capabilities-self = %v", caps)
	}

	// A parent group's policies are inherited through the member group.
	arWrite(t, c, "identity/group/name/parent", map[string]any{"policies": "lister", "member_group_ids": gid})
	if _, err := tc.Logical().List("secret/metadata/"); err != nil {
		t.Fatalf("list through the parent group: %v", err)
	}
	e := arRead(t, c, "identity/entity/id/"+auth.EntityID)
	if d := e.Data["direct_group_ids"].([]any); len(d) != 1 || d[0] != gid {
		t.Fatalf("direct_group_ids = %v", d)
	}
	if in := e.Data["inherited_group_ids"].([]any); len(in) != 1 {
		t.Fatalf("inherited_group_ids = %v", in)
	}

	// Changing the group's policies reaches the token at once.
	arWrite(t, c, "identity/group/id/"+gid, map[string]any{"policies": ""})
	_, err = tc.Logical().Read("secret/data/app")
	wantCode(t, err, 403, "read after the group lost the policy")

	// Entity policies count too.
	arWrite(t, c, "identity/entity/id/"+auth.EntityID, map[string]any{"policies": "reader"})
	if _, err := tc.Logical().Read("secret/data/app"); err != nil {
		t.Fatalf("read through the entity's policy: %v", err)
	}
}

// A disabled entity's tokens are refused, and so are logins to it; a
// deleted entity's tokens too.
func TestIdentityEntityDisabledAndDeleted(t *testing.T) {
	v := testhelpers.RunT(t)
	c := v.Client
	tc, auth := identityAppRoleLogin(t, v, "app")
	arWrite(t, c, "identity/entity/id/"+auth.EntityID, map[string]any{"disabled": true})
	_, err := tc.Auth().Token().LookupSelf()
	wantCode(t, err, 403, "lookup-self of a disabled entity's token")
	rid := arRead(t, c, "auth/approle/role/app/role-id").Data["role_id"].(string)
	sid := arWrite(t, c, "auth/approle/role/app/secret-id", nil).Data["secret_id"].(string)
	_, err = c.Logical().Write("auth/approle/login", map[string]any{"role_id": rid, "secret_id": sid})
	wantCode(t, err, 403, "login to a disabled entity")

	arWrite(t, c, "identity/entity/id/"+auth.EntityID, map[string]any{"disabled": false})
	_, err = tc.Auth().Token().LookupSelf()
	wantCode(t, err, 0, "lookup-self after enabling")

	if _, err := c.Logical().Delete("identity/entity/id/" + auth.EntityID); err != nil {
		t.Fatal(err)
	}
	_, err = tc.Auth().Token().LookupSelf()
	wantCode(t, err, 403, "lookup-self of a deleted entity's token")

	// The next login makes a new entity with a new alias.
	sid = arWrite(t, c, "auth/approle/role/app/secret-id", nil).Data["secret_id"].(string)
	s := arWrite(t, c, "auth/approle/login", map[string]any{"role_id": rid, "secret_id": sid})
	if s.Auth.EntityID == auth.EntityID || s.Auth.EntityID == "" {
		t.Fatalf("login after delete: entity %q", s.Auth.EntityID)
	}
}

// Templated policy paths read the entity's name, metadata and groups, and
// follow them when they change.
func TestIdentityTemplatedPolicies(t *testing.T) {
	v := testhelpers.RunT(t)
	c := v.Client
	if err := c.Sys().PutPolicy("tpl", `
path "secret/data/users/{{identity.entity.name}}" { capabilities = ["read"] }
path "secret/data/teams/{{identity.entity.metadata.team}}" { capabilities = ["read"] }
path "secret/data/groups/{{identity.groups.names.devs.id}}" { capabilities = ["read"] }
path "secret/data/alias/{{identity.entity.aliases.`+approleAccessor(t, v)+`.metadata.role_name}}" { capabilities = ["read"] }
`); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"users/alice", "users/bob", "teams/blue", "alias/app"} {
		arWrite(t, c, "secret/data/"+p, map[string]any{"data": map[string]any{"k": "v"}})
	}
	tc, auth := identityAppRoleLogin(t, v, "app", "tpl")
	read := func(p string, code int) {
		t.Helper()
		_, err := tc.Logical().Read("secret/data/" + p)
		wantCode(t, err, code, p)
	}
	read("alias/app", 0)
	read("users/alice", 403)
	arWrite(t, c, "identity/entity/id/"+auth.EntityID, map[string]any{"name": "alice", "metadata": "team=blue"})
	read("users/alice", 0)
	read("teams/blue", 0)
	arWrite(t, c, "identity/entity/id/"+auth.EntityID, map[string]any{"name": "bob"})
	read("users/alice", 403)
	read("users/bob", 0)

	g := arWrite(t, c, "identity/group", map[string]any{"name": "devs", "member_entity_ids": auth.EntityID})
	gid := g.Data["id"].(string)
	arWrite(t, c, "secret/data/groups/"+gid, map[string]any{"data": map[string]any{"k": "v"}})
	read("groups/"+gid, 0)
	if _, err := c.Logical().Delete("identity/group/id/" + gid); err != nil {
		t.Fatal(err)
	}
	read("groups/"+gid, 403)
}

func approleAccessor(t *testing.T, v *testhelpers.Vault) string {
	t.Helper()
	if err := v.Client.Sys().EnableAuthWithOptions("approle", &api.EnableAuthOptions{Type: "approle"}); err != nil {
		t.Fatal(err)
	}
	return arRead(t, v.Client, "sys/auth/approle").Data["accessor"].(string)
}

// Bad input gets Vault's texts and statuses.
func TestIdentityErrors(t *testing.T) {
	v := testhelpers.RunT(t)
	c := v.Client
	acc := approleAccessor(t, v)
	e1 := arWrite(t, c, "identity/entity", map[string]any{"name": "one"}).Data["id"].(string)
	e2 := arWrite(t, c, "identity/entity", map[string]any{"name": "two"}).Data["id"].(string)

	_, err := c.Logical().Write("identity/entity/id/"+e2, map[string]any{"name": "ONE"})
	wantErrText(t, err, 400, "entity name is already in use")
	_, err = c.Logical().Write("identity/entity", map[string]any{"policies": "root"})
	wantErrText(t, err, 400, "policies cannot contain root")
	_, err = c.Logical().Write("identity/entity-alias", map[string]any{"name": "x", "mount_accessor": "auth_nope_1234"})
	wantErrText(t, err, 400, `invalid mount accessor "auth_nope_1234"`)
	a1 := arWrite(t, c, "identity/entity-alias", map[string]any{"name": "x", "mount_accessor": acc, "canonical_id": e1}).Data["id"].(string)
	_, err = c.Logical().Write("identity/entity-alias", map[string]any{"name": "y", "mount_accessor": acc, "canonical_id": e1})
	wantErrText(t, err, 400, "Alias already exists for requested entity and mount accessor")
	a2 := arWrite(t, c, "identity/entity-alias", map[string]any{"name": "y", "mount_accessor": acc, "canonical_id": e2}).Data["id"].(string)
	_, err = c.Logical().Write("identity/entity-alias/id/"+a2, map[string]any{"name": "X"})
	wantErrText(t, err, 400, "alias with combination of mount accessor and name already exists")
	_, err = c.Logical().Write("identity/entity/merge", map[string]any{"from_entity_ids": e2, "to_entity_id": e1})
	wantErrText(t, err, 400, "toEntity and at least one fromEntity have aliases with the same mount accessor")

	// Merging with a kept alias moves the entity's tokens and groups.
	arWrite(t, c, "identity/group", map[string]any{"name": "g", "member_entity_ids": e2})
	if _, err := c.Logical().Write("identity/entity/merge", map[string]any{"from_entity_ids": e2, "to_entity_id": e1,
		"conflicting_alias_ids_to_keep": a2}); err != nil {
		t.Fatal(err)
	}
	got := arRead(t, c, "identity/entity/id/"+e1)
	if m := got.Data["merged_entity_ids"].([]any); len(m) != 1 || m[0] != e2 {
		t.Fatalf("merged_entity_ids = %v", m)
	}
	if al := got.Data["aliases"].([]any); len(al) != 1 || al[0].(map[string]any)["id"] != a2 {
		t.Fatalf("aliases = %v", al)
	}
	if g := arRead(t, c, "identity/group/name/g"); g.Data["member_entity_ids"].([]any)[0] != e1 {
		t.Fatalf("group members = %v", g.Data["member_entity_ids"])
	}
	if s, _ := c.Logical().Read("identity/entity-alias/id/" + a1); s != nil {
		t.Fatalf("the replaced alias is still there: %v", s.Data)
	}

	// Groups: cycles, external members, type changes.
	ga := arWrite(t, c, "identity/group", map[string]any{"name": "a"}).Data["id"].(string)
	gb := arWrite(t, c, "identity/group", map[string]any{"name": "b", "member_group_ids": ga}).Data["id"].(string)
	_, err = c.Logical().Write("identity/group/id/"+ga, map[string]any{"member_group_ids": gb})
	wantErrText(t, err, 400, "cyclic relationship detected for member group ID")
	_, err = c.Logical().Write("identity/group/id/"+ga, map[string]any{"member_group_ids": ga})
	wantErrText(t, err, 500, "is same as the ID of the group")
	_, err = c.Logical().Write("identity/group", map[string]any{"name": "ext", "type": "external", "member_entity_ids": e1})
	wantErrText(t, err, 400, "member entities can't be set manually for external groups")
	_, err = c.Logical().Write("identity/group/id/"+ga, map[string]any{"type": "external"})
	wantErrText(t, err, 400, "group type cannot be changed")
	_, err = c.Logical().Write("identity/group", map[string]any{"member_entity_ids": "nope"})
	wantErrText(t, err, 500, `invalid entity ID "nope"`)
	_, err = c.Logical().Write("identity/group-alias", map[string]any{"name": "devs", "mount_accessor": acc, "canonical_id": ga})
	wantErrText(t, err, 400, "alias can't be set on an internal group")
	_, err = c.Logical().Write("identity/lookup/entity", map[string]any{})
	wantErrText(t, err, 400, "query parameter not supplied")
	_, err = c.Logical().Write("identity/lookup/entity", map[string]any{"alias_name": "x"})
	wantErrText(t, err, 400, "both 'alias_name' and 'alias_mount_accessor' needs to be set")
	_, err = c.Logical().Write("identity/mfa/method/totp", nil)
	wantErrText(t, err, http.StatusNotFound, "mockvault does not implement identity/mfa")
}

// Token roles' entity_alias makes a real entity with an alias on the
// token mount, found again by the next token.
func TestIdentityTokenRoleEntityAlias(t *testing.T) {
	v := testhelpers.RunT(t)
	c := v.Client
	arWrite(t, c, "auth/token/roles/r", map[string]any{"allowed_entity_aliases": "svc"})
	t1, err := c.Auth().Token().CreateWithRole(&api.TokenCreateRequest{EntityAlias: "svc"}, "r")
	wantCode(t, err, 0, "create 1")
	t2, err := c.Auth().Token().CreateWithRole(&api.TokenCreateRequest{EntityAlias: "svc"}, "r")
	wantCode(t, err, 0, "create 2")
	if t1.Auth.EntityID == "" || t1.Auth.EntityID != t2.Auth.EntityID {
		t.Fatalf("entities %q %q", t1.Auth.EntityID, t2.Auth.EntityID)
	}
	tokAcc := arRead(t, c, "sys/auth/token").Data["accessor"].(string)
	e := arWrite(t, c, "identity/lookup/entity", map[string]any{"alias_name": "svc", "alias_mount_accessor": tokAcc})
	if e == nil || e.Data["id"] != t1.Auth.EntityID {
		t.Fatalf("lookup by alias: %+v", e)
	}
	al := e.Data["aliases"].([]any)[0].(map[string]any)
	if al["mount_type"] != "token" || al["mount_path"] != "auth/token/" {
		t.Fatalf("alias mount: %v", al)
	}
}

// Snapshots copy the store: a restore brings back deleted entities and
// their groups' policies, and the copies are independent.
func TestIdentitySnapshotRestore(t *testing.T) {
	v := testhelpers.RunT(t)
	c := v.Client
	if err := c.Sys().PutPolicy("reader", `path "secret/data/app" { capabilities = ["read"] }`); err != nil {
		t.Fatal(err)
	}
	arWrite(t, c, "secret/data/app", map[string]any{"data": map[string]any{"k": "v"}})
	tc, auth := identityAppRoleLogin(t, v, "app")
	arWrite(t, c, "identity/group", map[string]any{"name": "g", "policies": "reader", "member_entity_ids": auth.EntityID})
	sn := v.Server.Snapshot()
	if _, err := c.Logical().Delete("identity/group/name/g"); err != nil {
		t.Fatal(err)
	}
	_, err := tc.Logical().Read("secret/data/app")
	wantCode(t, err, 403, "after the group is gone")
	v.Server.Restore(sn)
	_, err = tc.Logical().Read("secret/data/app")
	wantCode(t, err, 0, "after restore")
	arWrite(t, c, "identity/group/name/g", map[string]any{"policies": ""})
	v.Server.Restore(sn)
	_, err = tc.Logical().Read("secret/data/app")
	wantCode(t, err, 0, "the snapshot was not changed by the write after restore")
}
