package e2e

// TestTokenRenewalExample runs HashiCorp's token-renewal example
// (hashicorp/vault-examples, examples/token-renewal/go) unchanged in its
// logic against real Vault and the mock: log in with userpass through the
// official api/auth/userpass helper, keep the token alive with the
// client's LifetimeWatcher, and log in again when the watcher gives up at
// the token's max TTL. The TTLs are seconds (wall clock on both targets),
// so the test takes about 10 s per target; what it compares is what the
// example sees, not how many renewals the watcher's jitter fits in.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	userpass "github.com/hashicorp/vault/api/auth/userpass"
)

// renewalRun is what the example saw on one target.
type renewalRun struct {
	logins   int
	leases   []int // lease_duration of each renewal, in order
	doneErrs []string
}

func TestTokenRenewalExample(t *testing.T) {
	targets := startPair(t)
	var runs []renewalRun
	for _, tg := range targets {
		run, err := runRenewalExample(tg)
		if err != nil {
			t.Fatalf("%s: %v", tg.Name(), err)
		}
		t.Logf("%s: %d logins, renewals with leases %v, watcher done with %q", tg.Name(), run.logins, run.leases, run.doneErrs)
		// The watcher renews at once, asking for an hour: the lease is what
		// is left of the 8s max TTL (7s when a second boundary passed).
		if run.logins != 2 || len(run.leases) == 0 || run.leases[0] < 7 || run.leases[0] > 8 || len(run.doneErrs) != 1 || run.doneErrs[0] != "" {
			t.Errorf("%s: want 2 logins, a first renewal to the max TTL and the watcher done without error; got %+v", tg.Name(), run)
		}
		for i := 1; i < len(run.leases); i++ {
			if run.leases[i] >= run.leases[i-1] {
				t.Errorf("%s: renewal leases %v do not shrink towards the max TTL", tg.Name(), run.leases)
			}
		}
		runs = append(runs, run)
	}
	if len(runs) == 2 && (runs[0].logins != runs[1].logins || runs[0].doneErrs[0] != runs[1].doneErrs[0]) {
		t.Errorf("the example saw different things: vault %+v, mock %+v", runs[0], runs[1])
	}
}

// runRenewalExample sets up the example's user on tg and runs the
// example's renewToken loop until its second login.
func runRenewalExample(tg Target) (renewalRun, error) {
	var run renewalRun
	cfg := api.DefaultConfig()
	cfg.Address = tg.Addr()
	cfg.HttpClient = tg.Client()
	admin, err := api.NewClient(cfg)
	if err != nil {
		return run, err
	}
	admin.SetToken(tg.RootToken())
	const mount = "renewal-example"
	_ = admin.Sys().DisableAuth(mount)
	if err := admin.Sys().EnableAuthWithOptions(mount, &api.EnableAuthOptions{Type: "userpass"}); err != nil {
		return run, err
	}
	defer func() { _ = admin.Sys().DisableAuth(mount) }()
	if _, err := admin.Logical().Write("auth/"+mount+"/users/my-user", map[string]any{
		"password": "my-password", "token_ttl": "3s", "token_max_ttl": "8s",
	}); err != nil {
		return run, err
	}

	client, err := api.NewClient(cfg)
	if err != nil {
		return run, err
	}
	client.ClearToken()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// The example's renewToken: log in, manage the token's lifecycle until
	// the watcher is done, log in again.
	for run.logins < 2 {
		auth, err := userpass.NewUserpassAuth("my-user", &userpass.Password{FromString: "my-password"}, userpass.WithMountPath(mount))
		if err != nil {
			return run, err
		}
		secret, err := client.Auth().Login(ctx, auth)
		if err != nil {
			return run, fmt.Errorf("login: %w", err)
		}
		run.logins++
		if run.logins == 2 {
			break
		}
		if !secret.Auth.Renewable {
			return run, fmt.Errorf("token not renewable: %+v", secret.Auth)
		}
		w, err := client.NewLifetimeWatcher(&api.LifetimeWatcherInput{Secret: secret, Increment: 3600})
		if err != nil {
			return run, err
		}
		go w.Start()
	watch:
		for {
			select {
			case err := <-w.DoneCh():
				msg := ""
				if err != nil {
					msg = err.Error()
				}
				run.doneErrs = append(run.doneErrs, msg)
				break watch
			case r := <-w.RenewCh():
				run.leases = append(run.leases, r.Secret.Auth.LeaseDuration)
			case <-ctx.Done():
				w.Stop()
				return run, fmt.Errorf("the watcher never finished: %w", ctx.Err())
			}
		}
	}
	return run, nil
}
