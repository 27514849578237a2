package mockvault_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/testhelpers"
)

func TestKVv2SecretMountedAtStart(t *testing.T) {
	v := testhelpers.RunT(t)
	mounts, err := v.Client.Sys().ListMounts()
	if err != nil {
		t.Fatal(err)
	}
	m := mounts["secret/"]
	if m == nil || m.Type != "kv" || m.Options["version"] != "2" || m.Description != "key/value secret storage" {
		t.Fatalf("secret/: %+v", m)
	}
}

func TestKVv2PutGetVersions(t *testing.T) {
	v := testhelpers.RunT(t)
	ctx := context.Background()
	kv := v.Client.KVv2("secret")
	s1, err := kv.Put(ctx, "app/db", map[string]any{"user": "a", "n": 1})
	if err != nil {
		t.Fatal(err)
	}
	if s1.VersionMetadata.Version != 1 {
		t.Fatalf("version: %+v", s1.VersionMetadata)
	}
	v.Clock.Advance(time.Minute)
	if _, err := kv.Put(ctx, "app/db", map[string]any{"user": "b"}); err != nil {
		t.Fatal(err)
	}
	got, err := kv.Get(ctx, "app/db")
	if err != nil {
		t.Fatal(err)
	}
	if got.Data["user"] != "b" || got.VersionMetadata.Version != 2 {
		t.Fatalf("get: %+v %+v", got.Data, got.VersionMetadata)
	}
	old, err := kv.GetVersion(ctx, "app/db", 1)
	if err != nil {
		t.Fatal(err)
	}
	if old.Data["user"] != "a" || old.Data["n"] != json.Number("1") {
		t.Fatalf("v1: %#v", old.Data)
	}
	if !old.VersionMetadata.CreatedTime.Equal(v.Clock.Now().Add(-time.Minute)) {
		t.Fatalf("created_time %v, clock %v", old.VersionMetadata.CreatedTime, v.Clock.Now())
	}
	keys, err := v.Client.Logical().List("secret/metadata/")
	if err != nil {
		t.Fatal(err)
	}
	if ks, _ := json.Marshal(keys.Data["keys"]); string(ks) != `["app/"]` {
		t.Fatalf("list: %s", ks)
	}
	keys, _ = v.Client.Logical().List("secret/metadata/app")
	if ks, _ := json.Marshal(keys.Data["keys"]); string(ks) != `["db"]` {
		t.Fatalf("list app: %s", ks)
	}
	meta, err := kv.GetMetadata(ctx, "app/db")
	if err != nil {
		t.Fatal(err)
	}
	if meta.CurrentVersion != 2 || meta.OldestVersion != 0 || len(meta.Versions) != 2 || meta.MaxVersions != 0 {
		t.Fatalf("meta: %+v", meta)
	}
}

func TestKVv2DeleteUndeleteDestroy(t *testing.T) {
	v := testhelpers.RunT(t)
	ctx := context.Background()
	kv := v.Client.KVv2("secret")
	for i := 0; i < 3; i++ {
		if _, err := kv.Put(ctx, "k", map[string]any{"i": i}); err != nil {
			t.Fatal(err)
		}
	}
	if err := kv.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	got, err := kv.Get(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	if got.Data != nil || got.VersionMetadata.DeletionTime.IsZero() {
		t.Fatalf("deleted latest: %+v %+v", got.Data, got.VersionMetadata)
	}
	if err := kv.Undelete(ctx, "k", []int{3}); err != nil {
		t.Fatal(err)
	}
	if got, _ = kv.Get(ctx, "k"); got.Data["i"] != json.Number("2") {
		t.Fatalf("undeleted: %#v", got.Data)
	}
	if err := kv.Destroy(ctx, "k", []int{1}); err != nil {
		t.Fatal(err)
	}
	d1, err := kv.GetVersion(ctx, "k", 1)
	if err != nil {
		t.Fatal(err)
	}
	if d1.Data != nil || !d1.VersionMetadata.Destroyed {
		t.Fatalf("destroyed: %+v", d1.VersionMetadata)
	}
	if err := kv.DeleteVersions(ctx, "k", []int{2}); err != nil {
		t.Fatal(err)
	}
	_, err = v.Client.Logical().Write("secret/delete/k", map[string]any{})
	mvWantErr(t, err, 400, "No version number provided")
	_, err = v.Client.Logical().Write("secret/destroy/k", map[string]any{})
	mvWantErr(t, err, 400, "no version number provided")
	if err := kv.DeleteMetadata(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Get(ctx, "k"); !errors.Is(err, api.ErrSecretNotFound) {
		t.Fatalf("after metadata delete: %v", err)
	}
}

func TestKVv2CASAndMaxVersions(t *testing.T) {
	v := testhelpers.RunT(t)
	ctx := context.Background()
	kv := v.Client.KVv2("secret")
	if _, err := kv.Put(ctx, "c", map[string]any{"a": 1}, api.WithCheckAndSet(0)); err != nil {
		t.Fatal(err)
	}
	_, err := kv.Put(ctx, "c", map[string]any{"a": 2}, api.WithCheckAndSet(0))
	mvWantErr(t, err, 400, "check-and-set parameter did not match the current version")
	if _, err := kv.Put(ctx, "c", map[string]any{"a": 2}, api.WithCheckAndSet(1)); err != nil {
		t.Fatal(err)
	}
	if err := kv.PutMetadata(ctx, "c", api.KVMetadataPutInput{CASRequired: true, MaxVersions: 2}); err != nil {
		t.Fatal(err)
	}
	_, err = kv.Put(ctx, "c", map[string]any{"a": 3})
	mvWantErr(t, err, 400, "check-and-set parameter required for this call")
	for i := 3; i <= 4; i++ {
		if _, err := kv.Put(ctx, "c", map[string]any{"a": i}, api.WithCheckAndSet(i-1)); err != nil {
			t.Fatal(err)
		}
	}
	meta, err := kv.GetMetadata(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	if meta.CurrentVersion != 4 || meta.OldestVersion != 3 || len(meta.Versions) != 2 || !meta.CASRequired {
		t.Fatalf("meta: %+v", meta)
	}
}

func TestKVv2PatchAndSubkeys(t *testing.T) {
	v := testhelpers.RunT(t)
	ctx := context.Background()
	kv := v.Client.KVv2("secret")
	if _, err := kv.Put(ctx, "p", map[string]any{"a": "1", "b": map[string]any{"c": "2"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Patch(ctx, "p", map[string]any{"a": nil, "d": "4"}); err != nil {
		t.Fatal(err)
	}
	got, _ := kv.Get(ctx, "p")
	if _, ok := got.Data["a"]; ok || got.Data["d"] != "4" || got.VersionMetadata.Version != 2 {
		t.Fatalf("patched: %#v", got.Data)
	}
	sk, err := v.Client.Logical().Read("secret/subkeys/p")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(sk.Data["subkeys"]); string(b) != `{"b":{"c":null},"d":null}` {
		t.Fatalf("subkeys: %s", b)
	}
	_, err = kv.Patch(ctx, "missing", map[string]any{"a": "1"})
	if err == nil {
		t.Fatal("patch of a missing secret succeeded")
	}
}

func TestKVv2InvalidPathHints(t *testing.T) {
	v := testhelpers.RunT(t)
	s, err := v.Client.Logical().Read("secret/foo")
	if err != nil {
		t.Fatal(err)
	}
	if s == nil || len(s.Warnings) != 1 || s.Warnings[0] != "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' for this operation." {
		t.Fatalf("hint: %+v", s)
	}
	_, err = v.Client.Logical().Delete("secret/config")
	mvWantErr(t, err, 405, "unsupported operation")
}

func TestKVv1(t *testing.T) {
	v := testhelpers.RunT(t)
	ctx := context.Background()
	if err := v.Client.Sys().Mount("kv1", &api.MountInput{Type: "kv"}); err != nil {
		t.Fatal(err)
	}
	kv := v.Client.KVv1("kv1")
	if err := kv.Put(ctx, "a/b", map[string]any{"x": "y", "ttl": "1h"}); err != nil {
		t.Fatal(err)
	}
	s, err := kv.Get(ctx, "a/b")
	if err != nil {
		t.Fatal(err)
	}
	if s.Data["x"] != "y" || s.Raw.LeaseDuration != 3600 || s.Raw.LeaseID != "" {
		t.Fatalf("get: %+v", s.Raw)
	}
	raw, err := v.Client.Logical().Read("kv1/a/b")
	if err != nil || raw.MountType != "kv" {
		t.Fatalf("mount type: %+v %v", raw, err)
	}
	l, err := v.Client.Logical().List("kv1/")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(l.Data["keys"]); string(b) != `["a/"]` {
		t.Fatalf("list: %s", b)
	}
	_, err = v.Client.Logical().Write("kv1/empty", map[string]any{})
	mvWantErr(t, err, 400, "missing data fields")
	if err := kv.Delete(ctx, "a/b"); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Get(ctx, "a/b"); !errors.Is(err, api.ErrSecretNotFound) {
		t.Fatalf("deleted: %v", err)
	}
}

func TestKVCreateVersusUpdateCapability(t *testing.T) {
	v := testhelpers.RunT(t)
	ctx := context.Background()
	mvPolicy(t, v, "creator", `path "secret/data/*" { capabilities = ["create", "read"] }`)
	c := mvClient(t, v, mvToken(t, v, "creator"))
	if _, err := c.KVv2("secret").Put(ctx, "new", map[string]any{"a": "1"}); err != nil {
		t.Fatalf("create: %v", err)
	}
	_, err := c.KVv2("secret").Put(ctx, "new", map[string]any{"a": "2"})
	mvDenied(t, err)
}

// delete_version_after runs on the server clock.
func TestKVv2DeleteVersionAfter(t *testing.T) {
	v := testhelpers.RunT(t)
	ctx := context.Background()
	if _, err := v.Client.Logical().Write("secret/config", map[string]any{"delete_version_after": "1h"}); err != nil {
		t.Fatal(err)
	}
	kv := v.Client.KVv2("secret")
	s, err := kv.Put(ctx, "t", map[string]any{"a": "b"})
	if err != nil {
		t.Fatal(err)
	}
	if !s.VersionMetadata.DeletionTime.Equal(v.Clock.Now().Add(time.Hour)) {
		t.Fatalf("deletion_time %v", s.VersionMetadata.DeletionTime)
	}
	v.Clock.Advance(time.Hour - time.Second)
	if got, err := kv.Get(ctx, "t"); err != nil || got.Data["a"] != "b" {
		t.Fatalf("before: %+v %v", got, err)
	}
	v.Clock.Advance(time.Second)
	got, err := kv.Get(ctx, "t")
	if err != nil || got.Data != nil {
		t.Fatalf("after: %+v %v", got, err)
	}
	cfg, _ := v.Client.Logical().Read("secret/config")
	if cfg.Data["delete_version_after"] != "1h0m0s" {
		t.Fatalf("config: %v", cfg.Data)
	}
}
