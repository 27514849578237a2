package mockvault_test

import (
	"testing"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/testhelpers"
)

func TestAuthEnableTuneDisable(t *testing.T) {
	v := testhelpers.RunT(t)
	sys := v.Client.Sys()
	if err := sys.EnableAuthWithOptions("ci/approle", &api.EnableAuthOptions{Type: "approle", Description: "ci",
		Config: api.AuthConfigInput{DefaultLeaseTTL: "1h", MaxLeaseTTL: "2h"}}); err != nil {
		t.Fatal(err)
	}
	auths, err := sys.ListAuth()
	if err != nil {
		t.Fatal(err)
	}
	a := auths["ci/approle/"]
	if a == nil || a.Type != "approle" || a.Description != "ci" || a.Config.DefaultLeaseTTL != 3600 || a.Config.TokenType != "default-service" {
		t.Fatalf("auth list: %+v", a)
	}
	if auths["token/"] == nil {
		t.Fatalf("token/ missing: %v", auths)
	}
	got, err := sys.GetAuth("ci/approle")
	if err != nil || got.Accessor != a.Accessor {
		t.Fatalf("read: %+v %v", got, err)
	}
	_, err = v.Client.Logical().Read("sys/auth/nope")
	mvWantErr(t, err, 400, "No auth engine at nope/")
	_, err = sys.GetAuth("nope") // the client reads sys/mounts/auth/nope
	mvWantErr(t, err, 400, "No secret engine mount at auth/nope/")
	mvWantErr(t, sys.EnableAuthWithOptions("ci/approle/x", &api.EnableAuthOptions{Type: "approle"}), 400, "path is already in use at ci/approle/")
	mvWantErr(t, sys.EnableAuthWithOptions("bogus", &api.EnableAuthOptions{Type: "no-such-plugin"}), 400, "plugin not found in the catalog: no-such-plugin")
	mvWantErr(t, sys.EnableAuthWithOptions("t2", &api.EnableAuthOptions{Type: "token"}), 400, "token credential backend cannot be instantiated")
	mvWantErr(t, sys.EnableAuthWithOptions("x", &api.EnableAuthOptions{Type: "approle", Config: api.AuthConfigInput{TokenType: "weird"}}), 400, "invalid value for 'token_type'")

	if err := sys.TuneMount("auth/ci/approle", api.MountConfigInput{TokenType: "batch", DefaultLeaseTTL: "30m"}); err != nil {
		t.Fatal(err)
	}
	tune, err := sys.MountConfig("auth/ci/approle")
	if err != nil || tune.TokenType != "batch" || tune.DefaultLeaseTTL != 1800 || tune.MaxLeaseTTL != 7200 {
		t.Fatalf("tune read: %+v %v", tune, err)
	}
	mvWantErr(t, sys.TuneMount("auth/token", api.MountConfigInput{TokenType: "batch"}), 400, "'token_type' cannot be set for 'token' or 'ns_token' auth mounts")
	mvWantErr(t, sys.TuneMount("secret", api.MountConfigInput{TokenType: "batch"}), 400, "'token_type' can only be modified on auth mounts")
	mvWantErr(t, sys.TuneMount("auth/ci/approle", api.MountConfigInput{DefaultLeaseTTL: "3h"}), 400, "backend max lease TTL of 7200 would be less than backend default lease TTL of 10800")
	if err := sys.TuneMount("auth/token", api.MountConfigInput{MaxLeaseTTL: "48h"}); err != nil {
		t.Fatal(err)
	}
	tok, err := sys.MountConfig("auth/token")
	if err != nil || tok.MaxLeaseTTL != 172800 || tok.DefaultLeaseTTL != 2764800 || tok.TokenType != "default-service" {
		t.Fatalf("token tune: %+v %v", tok, err)
	}
	mvWantErr(t, sys.DisableAuth("token"), 400, "token credential backend cannot be disabled")
	if err := sys.DisableAuth("ci/approle"); err != nil {
		t.Fatal(err)
	}
	if err := sys.DisableAuth("ci/approle"); err != nil {
		t.Fatalf("disabling again: %v", err)
	}
	auths, _ = sys.ListAuth()
	if auths["ci/approle/"] != nil {
		t.Fatal("still enabled")
	}
}

// Disabling an auth mount revokes the tokens it issued.
func TestAuthDisableRevokesItsTokens(t *testing.T) {
	v := testhelpers.RunT(t)
	lg := v.Client.Logical()
	if err := v.Client.Sys().EnableAuthWithOptions("approle", &api.EnableAuthOptions{Type: "approle"}); err != nil {
		t.Fatal(err)
	}
	if _, err := lg.Write("auth/approle/role/r", map[string]any{"token_policies": "default"}); err != nil {
		t.Fatal(err)
	}
	rid, err := lg.Read("auth/approle/role/r/role-id")
	if err != nil {
		t.Fatal(err)
	}
	sid, err := lg.Write("auth/approle/role/r/secret-id", nil)
	if err != nil {
		t.Fatal(err)
	}
	login, err := lg.Write("auth/approle/login", map[string]any{"role_id": rid.Data["role_id"], "secret_id": sid.Data["secret_id"]})
	if err != nil {
		t.Fatal(err)
	}
	c := mvClient(t, v, login.Auth.ClientToken)
	if _, err := c.Auth().Token().LookupSelf(); err != nil {
		t.Fatal(err)
	}
	other := mvClient(t, v, mvToken(t, v))
	if err := v.Client.Sys().DisableAuth("approle"); err != nil {
		t.Fatal(err)
	}
	_, err = c.Auth().Token().LookupSelf()
	mvWantErr(t, err, 403, "invalid token")
	if _, err := other.Auth().Token().LookupSelf(); err != nil {
		t.Fatalf("token store token revoked too: %v", err)
	}
}

func TestSecretsMountEnableTuneDisable(t *testing.T) {
	v := testhelpers.RunT(t)
	sys := v.Client.Sys()
	if err := sys.Mount("team/kv", &api.MountInput{Type: "kv-v2", Description: "team"}); err != nil {
		t.Fatal(err)
	}
	m, err := sys.GetMount("team/kv")
	if err != nil || m.Type != "kv" || m.Options["version"] != "2" || m.Description != "team" {
		t.Fatalf("read: %+v %v", m, err)
	}
	mvWantErr(t, sys.Mount("team", &api.MountInput{Type: "kv"}), 400, "path is already in use at team/kv/")
	mvWantErr(t, sys.Mount("sys/x", &api.MountInput{Type: "kv"}), 400, `cannot mount "sys/x/"`)
	mvWantErr(t, sys.Mount("c2", &api.MountInput{Type: "cubbyhole"}), 400, `mount type of "cubbyhole" is not mountable`)
	mvWantErr(t, sys.Mount("t", &api.MountInput{Type: "transit", Options: map[string]string{"version": "2"}}), 400, `secrets engine "transit" does not allow setting a version`)
	mvWantErr(t, sys.Mount("z", &api.MountInput{Type: "zzz"}), 400, "plugin not found in the catalog: zzz")
	mvWantErr(t, sys.Mount("kvb", &api.MountInput{Type: "kv", Config: api.MountConfigInput{DefaultLeaseTTL: "2h", MaxLeaseTTL: "1h"}}), 400, "given default lease TTL greater than given max lease TTL")

	if err := sys.Mount("old", &api.MountInput{Type: "kv", Options: map[string]string{"version": "1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Client.Logical().Write("old/k", map[string]any{"a": "b"}); err != nil {
		t.Fatal(err)
	}
	mvWantErr(t, sys.TuneMount("team/kv", api.MountConfigInput{Options: map[string]string{"version": "1"}}), 400, "cannot downgrade mount from version 2")
	if err := sys.TuneMount("old", api.MountConfigInput{Options: map[string]string{"version": "2"}}); err != nil {
		t.Fatal(err)
	}
	s, err := v.Client.KVv2("old").Get(t.Context(), "k")
	if err != nil || s.Data["a"] != "b" || s.VersionMetadata.Version != 1 {
		t.Fatalf("upgraded: %+v %v", s, err)
	}
	mvWantErr(t, sys.TuneMount("sys", api.MountConfigInput{DefaultLeaseTTL: "1h"}), 400, `cannot tune "sys/"`)
	mvWantErr(t, sys.Unmount("sys"), 400, `cannot unmount "sys/"`)
	if err := sys.Unmount("team/kv"); err != nil {
		t.Fatal(err)
	}
	if err := sys.Unmount("never"); err != nil {
		t.Fatal(err)
	}
	mounts, _ := sys.ListMounts()
	if mounts["team/kv/"] != nil || mounts["secret/"] == nil || mounts["cubbyhole/"] == nil {
		t.Fatalf("after unmount: %v", mounts)
	}
}

func TestInternalUIMounts(t *testing.T) {
	v := testhelpers.RunT(t)
	mvPolicy(t, v, "p", `path "secret/data/app/*" { capabilities = ["read"] }`)
	if err := v.Client.Sys().Mount("hidden", &api.MountInput{Type: "kv"}); err != nil {
		t.Fatal(err)
	}
	c := mvClient(t, v, mvToken(t, v, "p"))
	s, err := c.Logical().Read("sys/internal/ui/mounts/secret/app/x")
	if err != nil {
		t.Fatal(err)
	}
	if s.Data["path"] != "secret/" || s.Data["type"] != "kv" || s.Data["options"].(map[string]any)["version"] != "2" {
		t.Fatalf("ui mount: %v", s.Data)
	}
	_, err = c.Logical().Read("sys/internal/ui/mounts/cubbyhole2/x")
	mvWantErr(t, err, 403, `preflight capability check returned 403, please ensure client's policies grant access to path "cubbyhole2/x/"`)
	all, err := c.Logical().Read("sys/internal/ui/mounts")
	if err != nil {
		t.Fatal(err)
	}
	secret := all.Data["secret"].(map[string]any)
	// default's sys/ and identity/ paths make those mounts visible too.
	if secret["secret/"] == nil || secret["cubbyhole/"] == nil || secret["sys/"] == nil || secret["hidden/"] != nil {
		t.Fatalf("visible mounts: %v", secret)
	}
	anon := mvClient(t, v, "")
	none, err := anon.Logical().Read("sys/internal/ui/mounts")
	if err != nil || len(none.Data["secret"].(map[string]any)) != 0 {
		t.Fatalf("anonymous: %v %v", none, err)
	}
	if err := v.Client.Sys().TuneMount("secret", api.MountConfigInput{ListingVisibility: "unauth"}); err != nil {
		t.Fatal(err)
	}
	some, _ := anon.Logical().Read("sys/internal/ui/mounts")
	if sec := some.Data["secret"].(map[string]any)["secret/"].(map[string]any); sec["type"] != "kv" || len(sec) != 3 {
		t.Fatalf("unauth listing: %v", sec)
	}
}
