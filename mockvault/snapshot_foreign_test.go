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

// A snapshot restored on another server gives that server its own copy of
// the state: its mounts route to its own handlers, and neither server sees
// (or races on) the other's maps afterwards. Run it under -race.
func TestRestoreSnapshotOfAnotherServer(t *testing.T) {
	ctx := context.Background()
	a := testhelpers.RunT(t)
	b := testhelpers.RunT(t)
	kvSnapshotFixture(t, a)
	if _, err := a.Server.Write("sys/auth/approle", map[string]any{"type": "approle"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Server.Write("auth/approle/role/ci", map[string]any{"token_ttl": "15m", "role_id": "ci-role"}); err != nil {
		t.Fatal(err)
	}
	sid, err := a.Server.Write("auth/approle/role/ci/secret-id", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Client.Sys().Mount("transit", &api.MountInput{Type: "transit"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Client.Logical().Write("transit/keys/k", nil); err != nil {
		t.Fatal(err)
	}
	// One mount whose router was never built on a.
	if err := a.Client.Sys().Mount("kv-lazy", &api.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}); err != nil {
		t.Fatal(err)
	}
	snap := a.Server.Snapshot()
	b.Server.Restore(snap)
	checkKVSnapshotFixture(t, b)

	// What is made through b lives in b, not in a.
	tok, err := b.Client.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}, TTL: "1h"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Client.Auth().Token().Lookup(tok.Auth.ClientToken); err != nil {
		t.Fatalf("token made through b unknown to b: %v", err)
	}
	if _, err := a.Client.Auth().Token().Lookup(tok.Auth.ClientToken); err == nil {
		t.Fatal("token made through b landed in a")
	}
	if _, err := b.Client.KVv2("secret").Put(ctx, "only-b", map[string]any{"x": "1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Client.KVv2("secret").Get(ctx, "only-b"); !errors.Is(err, api.ErrSecretNotFound) {
		t.Fatalf("b's secret in a: %v", err)
	}
	if _, err := b.Client.KVv2("kv-lazy").Put(ctx, "x", map[string]any{"x": "1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Client.KVv2("kv-lazy").Get(ctx, "x"); !errors.Is(err, api.ErrSecretNotFound) {
		t.Fatalf("b's kv-lazy secret in a: %v", err)
	}
	login, err := b.Client.Logical().Write("auth/approle/login", map[string]any{"role_id": "ci-role", "secret_id": sid["secret_id"]})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Client.Auth().Token().Lookup(login.Auth.ClientToken); err != nil {
		t.Fatalf("AppRole token of b: %v", err)
	}
	if _, err := a.Client.Auth().Token().Lookup(login.Auth.ClientToken); err == nil {
		t.Fatal("AppRole login through b made its token in a")
	}
	ct, err := b.Client.Logical().Write("transit/encrypt/k", map[string]any{"plaintext": "aGk="})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Client.Logical().Write("transit/decrypt/k", map[string]any{"ciphertext": ct.Data["ciphertext"]}); err != nil {
		t.Fatalf("transit on b: %v", err)
	}

	// Both servers busy at once, and the snapshot restored on a third
	// server meanwhile: no shared map, no race.
	c := testhelpers.RunT(t)
	var wg sync.WaitGroup
	errc := make(chan error, 64)
	work := func(v *testhelpers.Vault, name string) {
		defer wg.Done()
		for i := 0; i < 20; i++ {
			mp := fmt.Sprintf("m-%s-%d", name, i)
			if err := v.Client.Sys().Mount(mp, &api.MountInput{Type: "kv"}); err != nil {
				errc <- err
				return
			}
			if _, err := v.Client.KVv2("secret").Put(ctx, fmt.Sprintf("%s/%d", name, i), map[string]any{"i": i}); err != nil {
				errc <- err
				return
			}
			if _, err := v.Client.KVv1("kv1").Get(ctx, "foo"); err != nil {
				errc <- err
				return
			}
			if _, err := v.Client.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}}); err != nil {
				errc <- err
				return
			}
			if err := v.Client.Sys().Unmount(mp); err != nil {
				errc <- err
				return
			}
		}
	}
	wg.Add(3)
	go work(a, "a")
	go work(b, "b")
	go func() {
		defer wg.Done()
		for i := 0; i < 20; i++ {
			c.Server.Restore(snap)
			if _, err := c.Client.KVv2("secret").Get(ctx, "keep"); err != nil {
				errc <- err
				return
			}
		}
	}()
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	// Each server kept its own writes.
	if _, err := a.Client.KVv2("secret").Get(ctx, "b/3"); !errors.Is(err, api.ErrSecretNotFound) {
		t.Fatalf("b's write in a: %v", err)
	}
	if _, err := b.Client.KVv2("secret").Get(ctx, "a/3"); !errors.Is(err, api.ErrSecretNotFound) {
		t.Fatalf("a's write in b: %v", err)
	}
	if _, err := c.Client.KVv2("secret").Get(ctx, "only-b"); !errors.Is(err, api.ErrSecretNotFound) {
		t.Fatalf("b's secret in c: %v", err)
	}
	checkKVSnapshotFixture(t, c)
	// The snapshot itself never changed: a fresh restore on b drops b's writes.
	b.Server.Restore(snap)
	checkKVSnapshotFixture(t, b)
	if _, err := b.Client.KVv2("secret").Get(ctx, "only-b"); !errors.Is(err, api.ErrSecretNotFound) {
		t.Fatalf("snapshot changed by b: %v", err)
	}
}
