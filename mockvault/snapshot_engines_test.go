package mockvault_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/testhelpers"
)

// kvSnapshotFixture writes the state the snapshot tests start from: KV v2
// secrets under secret/ (two versions, custom metadata, a mount config)
// and KV v1 secrets under kv1/.
func kvSnapshotFixture(t *testing.T, v *testhelpers.Vault) {
	t.Helper()
	ctx := context.Background()
	kv2 := v.Client.KVv2("secret")
	if _, err := kv2.Put(ctx, "app/db", map[string]any{"user": "a"}); err != nil {
		t.Fatal(err)
	}
	if _, err := kv2.Put(ctx, "app/db", map[string]any{"user": "b"}); err != nil {
		t.Fatal(err)
	}
	if _, err := kv2.Put(ctx, "keep", map[string]any{"k": "v"}); err != nil {
		t.Fatal(err)
	}
	if err := kv2.PutMetadata(ctx, "app/db", api.KVMetadataPutInput{CustomMetadata: map[string]any{"owner": "alice"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Client.Logical().Write("secret/config", map[string]any{"max_versions": 7}); err != nil {
		t.Fatal(err)
	}
	if err := v.Client.Sys().Mount("kv1", &api.MountInput{Type: "kv", Options: map[string]string{"version": "1"}}); err != nil {
		t.Fatal(err)
	}
	if err := v.Client.KVv1("kv1").Put(ctx, "foo", map[string]any{"x": "1"}); err != nil {
		t.Fatal(err)
	}
}

// checkKVSnapshotFixture checks the state kvSnapshotFixture wrote.
func checkKVSnapshotFixture(t *testing.T, v *testhelpers.Vault) {
	t.Helper()
	ctx := context.Background()
	kv2 := v.Client.KVv2("secret")
	got, err := kv2.Get(ctx, "app/db")
	if err != nil {
		t.Fatal(err)
	}
	if got.Data["user"] != "b" || got.VersionMetadata.Version != 2 || !got.VersionMetadata.DeletionTime.IsZero() {
		t.Fatalf("secret/app/db: %v %+v", got.Data, got.VersionMetadata)
	}
	old, err := kv2.GetVersion(ctx, "app/db", 1)
	if err != nil {
		t.Fatal(err)
	}
	if old.Data["user"] != "a" {
		t.Fatalf("secret/app/db v1: %v", old.Data)
	}
	meta, err := kv2.GetMetadata(ctx, "app/db")
	if err != nil {
		t.Fatal(err)
	}
	if meta.CurrentVersion != 2 || len(meta.Versions) != 2 || len(meta.CustomMetadata) != 1 || meta.CustomMetadata["owner"] != "alice" {
		t.Fatalf("secret/app/db metadata: %+v", meta)
	}
	if got, err := kv2.Get(ctx, "keep"); err != nil || got.Data["k"] != "v" {
		t.Fatalf("secret/keep: %v %v", got, err)
	}
	if _, err := kv2.Get(ctx, "new"); !errors.Is(err, api.ErrSecretNotFound) {
		t.Fatalf("secret/new: want not found, got %v", err)
	}
	cfg, err := v.Client.Logical().Read("secret/config")
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(cfg.Data["max_versions"]) != "7" {
		t.Fatalf("secret/config: %v", cfg.Data)
	}
	mounts, err := v.Client.Sys().ListMounts()
	if err != nil {
		t.Fatal(err)
	}
	if m := mounts["kv1/"]; m == nil || m.Type != "kv" || m.Options["version"] != "1" {
		t.Fatalf("kv1/: %+v", m)
	}
	kv1 := v.Client.KVv1("kv1")
	if got, err := kv1.Get(ctx, "foo"); err != nil || got.Data["x"] != "1" {
		t.Fatalf("kv1/foo: %v %v", got, err)
	}
	if _, err := kv1.Get(ctx, "bar"); !errors.Is(err, api.ErrSecretNotFound) {
		t.Fatalf("kv1/bar: want not found, got %v", err)
	}
}

// changeKVSnapshotFixture changes every part of the fixture, in place
// where the engine mutates in place (soft delete, custom metadata patch).
func changeKVSnapshotFixture(t *testing.T, v *testhelpers.Vault) {
	t.Helper()
	ctx := context.Background()
	kv2 := v.Client.KVv2("secret")
	if err := kv2.Delete(ctx, "app/db"); err != nil {
		t.Fatal(err)
	}
	if err := kv2.Destroy(ctx, "app/db", []int{1}); err != nil {
		t.Fatal(err)
	}
	if err := kv2.PatchMetadata(ctx, "app/db", api.KVMetadataPatchInput{CustomMetadata: map[string]any{"owner": "mallory", "x": "y"}}); err != nil {
		t.Fatal(err)
	}
	if err := kv2.DeleteMetadata(ctx, "keep"); err != nil {
		t.Fatal(err)
	}
	if _, err := kv2.Put(ctx, "new", map[string]any{"n": "1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Client.Logical().Write("secret/config", map[string]any{"max_versions": 2}); err != nil {
		t.Fatal(err)
	}
	kv1 := v.Client.KVv1("kv1")
	if err := kv1.Put(ctx, "foo", map[string]any{"x": "2"}); err != nil {
		t.Fatal(err)
	}
	if err := kv1.Put(ctx, "bar", map[string]any{"y": "1"}); err != nil {
		t.Fatal(err)
	}
	// Upgrade kv1/ to version 2: the mount's options change and its v1
	// data moves into v2 keys.
	if err := v.Client.Sys().TuneMount("kv1", api.MountConfigInput{Options: map[string]string{"version": "2"}}); err != nil {
		t.Fatal(err)
	}
	if got, err := v.Client.KVv2("kv1").Get(ctx, "foo"); err != nil || got.Data["x"] != "2" {
		t.Fatalf("kv1/foo after upgrade: %v %v", got, err)
	}
}

func TestSnapshotRestoreKV(t *testing.T) {
	v := testhelpers.RunT(t)
	kvSnapshotFixture(t, v)
	sn := v.Server.Snapshot()

	changeKVSnapshotFixture(t, v)
	v.Server.Restore(sn)
	checkKVSnapshotFixture(t, v)

	// The snapshot is still intact: change again (this time dropping the
	// mount) and restore a second time.
	changeKVSnapshotFixture(t, v)
	if err := v.Client.Sys().Unmount("kv1"); err != nil {
		t.Fatal(err)
	}
	v.Server.Restore(sn)
	checkKVSnapshotFixture(t, v)
}

func TestResetKV(t *testing.T) {
	v := testhelpers.RunT(t)
	ctx := context.Background()
	kvSnapshotFixture(t, v)
	v.Server.Reset()

	mounts, err := v.Client.Sys().ListMounts()
	if err != nil {
		t.Fatal(err)
	}
	if m := mounts["secret/"]; m == nil || m.Type != "kv" || m.Options["version"] != "2" {
		t.Fatalf("secret/ after Reset: %+v", m)
	}
	if m := mounts["kv1/"]; m != nil {
		t.Fatalf("kv1/ survived Reset: %+v", m)
	}
	kv2 := v.Client.KVv2("secret")
	if _, err := kv2.Get(ctx, "app/db"); !errors.Is(err, api.ErrSecretNotFound) {
		t.Fatalf("secret/app/db after Reset: want not found, got %v", err)
	}
	keys, err := v.Client.Logical().List("secret/metadata/")
	if err != nil || keys != nil {
		t.Fatalf("secret/metadata/ after Reset: %v %v", keys, err)
	}
	cfg, err := v.Client.Logical().Read("secret/config")
	if err != nil || fmt.Sprint(cfg.Data["max_versions"]) != "0" {
		t.Fatalf("secret/config after Reset: %v %v", cfg, err)
	}
	s, err := kv2.Put(ctx, "app/db", map[string]any{"user": "c"})
	if err != nil || s.VersionMetadata.Version != 1 {
		t.Fatalf("put after Reset: %+v %v", s, err)
	}
	// A mount enabled again at the old path starts empty.
	if err := v.Client.Sys().Mount("kv1", &api.MountInput{Type: "kv", Options: map[string]string{"version": "1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Client.KVv1("kv1").Get(ctx, "foo"); !errors.Is(err, api.ErrSecretNotFound) {
		t.Fatalf("kv1/foo after Reset: want not found, got %v", err)
	}
}

func TestDisableKVDropsData(t *testing.T) {
	v := testhelpers.RunT(t)
	ctx := context.Background()
	if err := v.Client.Sys().Mount("kv1", &api.MountInput{Type: "kv-v1"}); err != nil {
		t.Fatal(err)
	}
	if err := v.Client.KVv1("kv1").Put(ctx, "foo", map[string]any{"x": "1"}); err != nil {
		t.Fatal(err)
	}
	if err := v.Client.Sys().Unmount("kv1"); err != nil {
		t.Fatal(err)
	}
	if err := v.Client.Sys().Mount("kv1", &api.MountInput{Type: "kv-v1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Client.KVv1("kv1").Get(ctx, "foo"); !errors.Is(err, api.ErrSecretNotFound) {
		t.Fatalf("kv1/foo after remount: want not found, got %v", err)
	}
}

// unauthMounts lists the secret mounts sys/internal/ui/mounts shows to a
// caller with no token.
func unauthMounts(t *testing.T, v *testhelpers.Vault) map[string]any {
	t.Helper()
	c, err := v.Client.Clone()
	if err != nil {
		t.Fatal(err)
	}
	c.ClearToken()
	s, err := c.Logical().Read("sys/internal/ui/mounts")
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := s.Data["secret"].(map[string]any)
	return secret
}

func listingVisibility(t *testing.T, v *testhelpers.Vault, path string) string {
	t.Helper()
	cfg, err := v.Client.Sys().MountConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.ListingVisibility
}

func TestSnapshotRestoreMountTune(t *testing.T) {
	v := testhelpers.RunT(t)
	if err := v.Client.Sys().Mount("vis", &api.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}); err != nil {
		t.Fatal(err)
	}
	if err := v.Client.Sys().TuneMount("vis", api.MountConfigInput{ListingVisibility: "unauth", Options: map[string]string{"foo": "bar"}}); err != nil {
		t.Fatal(err)
	}
	if err := v.Client.Sys().Mount("enabled-unauth", &api.MountInput{Type: "kv", Config: api.MountConfigInput{ListingVisibility: "unauth"}}); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		if lv := listingVisibility(t, v, "vis"); lv != "unauth" {
			t.Fatalf("%s: vis/ listing_visibility %q", when, lv)
		}
		if lv := listingVisibility(t, v, "enabled-unauth"); lv != "unauth" {
			t.Fatalf("%s: enabled-unauth/ listing_visibility %q", when, lv)
		}
		secret := unauthMounts(t, v)
		if secret["vis/"] == nil || secret["enabled-unauth/"] == nil || len(secret) != 2 {
			t.Fatalf("%s: unauthenticated ui/mounts: %v", when, secret)
		}
		mounts, err := v.Client.Sys().ListMounts()
		if err != nil {
			t.Fatal(err)
		}
		if m := mounts["vis/"]; m == nil || len(m.Options) != 2 || m.Options["foo"] != "bar" || m.Options["version"] != "2" {
			t.Fatalf("%s: vis/ options: %+v", when, m)
		}
	}
	check("before snapshot")
	sn := v.Server.Snapshot()

	tuneAway := func() {
		t.Helper()
		if err := v.Client.Sys().TuneMount("vis", api.MountConfigInput{ListingVisibility: "hidden", Options: map[string]string{"foo": "", "other": "x"}}); err != nil {
			t.Fatal(err)
		}
		if err := v.Client.Sys().TuneMount("enabled-unauth", api.MountConfigInput{ListingVisibility: "hidden"}); err != nil {
			t.Fatal(err)
		}
		if lv := listingVisibility(t, v, "vis"); lv != "hidden" {
			t.Fatalf("vis/ after tune: %q", lv)
		}
		if secret := unauthMounts(t, v); len(secret) != 0 {
			t.Fatalf("unauthenticated ui/mounts after tune: %v", secret)
		}
	}
	tuneAway()
	v.Server.Restore(sn)
	check("after restore")
	// Tuning the restored mounts leaves the snapshot alone.
	tuneAway()
	v.Server.Restore(sn)
	check("after second restore")

	v.Server.Reset()
	if secret := unauthMounts(t, v); len(secret) != 0 {
		t.Fatalf("unauthenticated ui/mounts after Reset: %v", secret)
	}
}

// Servers share nothing: the same writes and tunes with different values
// on two servers at once each keep their own.
func TestServersDoNotShareKVOrMounts(t *testing.T) {
	vs := []*testhelpers.Vault{testhelpers.RunT(t), testhelpers.RunT(t)}
	visibility := []string{"unauth", "hidden"}
	var wg sync.WaitGroup
	errs := make([]error, len(vs))
	for i, v := range vs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = func() error {
				ctx := context.Background()
				for n := range 20 {
					if _, err := v.Client.KVv2("secret").Put(ctx, "shared", map[string]any{"server": fmt.Sprint(i), "n": fmt.Sprint(n)}); err != nil {
						return err
					}
				}
				if err := v.Client.Sys().Mount("kv1", &api.MountInput{Type: "kv", Options: map[string]string{"version": "1"}}); err != nil {
					return err
				}
				if err := v.Client.KVv1("kv1").Put(ctx, "only", map[string]any{"server": fmt.Sprint(i)}); err != nil {
					return err
				}
				desc := fmt.Sprint("server ", i)
				if err := v.Client.Sys().TuneMount("secret", api.MountConfigInput{ListingVisibility: visibility[i], Description: &desc}); err != nil {
					return err
				}
				return v.Client.Sys().TuneMount("kv1", api.MountConfigInput{Options: map[string]string{"tag": fmt.Sprint(i)}})
			}()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("server %d: %v", i, err)
		}
	}
	ctx := context.Background()
	for i, v := range vs {
		got, err := v.Client.KVv2("secret").Get(ctx, "shared")
		if err != nil {
			t.Fatal(err)
		}
		if got.Data["server"] != fmt.Sprint(i) || got.VersionMetadata.Version != 20 {
			t.Fatalf("server %d: secret/shared %v %+v", i, got.Data, got.VersionMetadata)
		}
		only, err := v.Client.KVv1("kv1").Get(ctx, "only")
		if err != nil || only.Data["server"] != fmt.Sprint(i) {
			t.Fatalf("server %d: kv1/only %v %v", i, only, err)
		}
		if lv := listingVisibility(t, v, "secret"); lv != visibility[i] {
			t.Fatalf("server %d: secret/ listing_visibility %q", i, lv)
		}
		mounts, err := v.Client.Sys().ListMounts()
		if err != nil {
			t.Fatal(err)
		}
		if m := mounts["secret/"]; m.Description != fmt.Sprint("server ", i) {
			t.Fatalf("server %d: secret/ description %q", i, m.Description)
		}
		if m := mounts["kv1/"]; m.Options["tag"] != fmt.Sprint(i) || m.Options["version"] != "1" {
			t.Fatalf("server %d: kv1/ options %v", i, m.Options)
		}
	}
	// A snapshot of one server restores that server only.
	sn := vs[0].Server.Snapshot()
	if _, err := vs[1].Client.KVv2("secret").Put(ctx, "shared", map[string]any{"server": "1", "n": "late"}); err != nil {
		t.Fatal(err)
	}
	vs[0].Server.Restore(sn)
	got, err := vs[1].Client.KVv2("secret").Get(ctx, "shared")
	if err != nil || got.Data["n"] != "late" {
		t.Fatalf("server 1 after restoring server 0: %v %v", got, err)
	}
}
