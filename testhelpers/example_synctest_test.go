package testhelpers_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/hashicorp/vault/api/auth/approle"
	"github.com/mockvault/mockvault/mockvault"
	"github.com/mockvault/mockvault/testhelpers"
)

// app is the code under test: a service that logs in with AppRole, keeps
// its token alive with the client's LifetimeWatcher, logs in again when the
// token reaches its max TTL, and reads its configuration every 5 minutes.
type app struct {
	client   *api.Client
	roleID   string
	secretID string

	mu      sync.Mutex
	logins  int
	readErr []error
}

func (a *app) run(ctx context.Context) error {
	auth, err := approle.NewAppRoleAuth(a.roleID, &approle.SecretID{FromString: a.secretID})
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	for ctx.Err() == nil {
		sec, err := a.client.Auth().Login(ctx, auth) // sets the client's token
		if err != nil {
			return err
		}
		a.mu.Lock()
		a.logins++
		a.mu.Unlock()
		if a.logins == 1 {
			wg.Add(1)
			go func() { defer wg.Done(); a.work(ctx) }()
		}
		w, err := a.client.NewLifetimeWatcher(&api.LifetimeWatcherInput{Secret: sec})
		if err != nil {
			return err
		}
		go w.Start()
		select {
		case <-w.DoneCh(): // max TTL reached (or renewals failed): log in again
		case <-ctx.Done():
			w.Stop()
			<-w.DoneCh()
		}
	}
	return nil
}

func (a *app) work(ctx context.Context) {
	t := time.NewTicker(5 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := a.client.KVv2("secret").Get(ctx, "app/config"); err != nil && ctx.Err() == nil {
				a.mu.Lock()
				a.readErr = append(a.readErr, err)
				a.mu.Unlock()
			}
		}
	}
}

// appSeed is the app's Vault: its role issues 15m tokens with a 1h max TTL.
const appSeed = `
policy "app" {
  rules = <<EOT
path "secret/data/app/*" { capabilities = ["read"] }
EOT
}
auth "approle" { type = "approle" }
approle_role "app" {
  role_id    = "app-role"
  secret_ids = ["app-secret"]
  config     = { token_policies = "app", token_ttl = "15m", token_max_ttl = "1h" }
}
kv "secret/app/config" { data = { db = "postgres://db" } }
`

// testAppLifecycle runs the app for 2.5 hours of production TTLs (15m
// tokens, 1h max TTL) inside a synctest bubble: the LifetimeWatcher renews
// through the max TTL, the app logs in again, a 503 storm on renewals and
// one on login are ridden out by the client's retry back-off. It takes a
// few milliseconds of wall time.
func testAppLifecycle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		v := testhelpers.RunInMemory(t) // on the bubble's clock
		srv := v.Server
		sd, err := mockvault.ParseSeed([]byte(appSeed))
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.Seed(sd); err != nil {
			t.Fatal(err)
		}
		start := time.Now()

		// The app gets a client made as api.DefaultConfig() makes one: it
		// retries twice, after 1s to 1.5s, on 5xx.
		a := &app{client: v.AppClient(""), roleID: "app-role", secretID: "app-secret"}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- a.run(ctx) }()

		time.Sleep(20 * time.Minute) // the app renews on its own meanwhile
		srv.FailNext(mockvault.Fault{Path: "auth/token/renew-self", Count: 2, Status: 503})
		time.Sleep(10 * time.Minute)
		srv.FailNext(mockvault.Fault{Path: "auth/approle/login", Count: 2, Status: 503})
		time.Sleep(2 * time.Hour)
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("app: %v", err)
		}

		if got := time.Since(start); got != 150*time.Minute {
			t.Fatalf("fake time went %v", got)
		}
		if a.logins != 3 || len(a.readErr) != 0 {
			t.Fatalf("%d logins (want 3: at 0, about 58m and about 1h52m), read errors %v", a.logins, a.readErr)
		}
		var renewed, storm, denied int
		for _, r := range srv.Requests() {
			switch {
			case r.Status == 503:
				storm++
			case r.Status == 403:
				denied++
			case r.Path == "auth/token/renew-self":
				renewed++
			}
		}
		if storm != 4 || denied != 0 || renewed < 15 {
			t.Fatalf("503s %d (want 4), 403s %d, renewals %d", storm, denied, renewed)
		}
		for _, ti := range srv.Tokens() {
			if ti.Role == "app" && !srv.Renewed(ti.Accessor) {
				t.Fatalf("token %s never renewed", ti.Accessor)
			}
		}
	})
}

// testPeriodicWeek keeps a periodic token (period 24h) alive for a fake
// week with a LifetimeWatcher.
func testPeriodicWeek(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		v := testhelpers.RunInMemory(t)
		sec, err := v.Client.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}, Period: "24h"})
		if err != nil {
			t.Fatal(err)
		}
		c := v.AppClient(sec.Auth.ClientToken)
		w, err := c.NewLifetimeWatcher(&api.LifetimeWatcherInput{Secret: sec})
		if err != nil {
			t.Fatal(err)
		}
		go w.Start()
		time.Sleep(7 * 24 * time.Hour)
		w.Stop()
		if err := <-w.DoneCh(); err != nil {
			t.Fatal(err)
		}
		look, err := c.Auth().Token().LookupSelf()
		if err != nil {
			t.Fatalf("after a week: %v", err)
		}
		ttl, _ := look.TokenTTL()
		n := v.Server.CountRequests("PUT", "auth/token/renew-self")
		if ttl <= 0 || n < 10 {
			t.Fatalf("ttl %v after %d renewals", ttl, n)
		}
	})
}

// testRetryStorm: a 503 storm on a read, ridden out by the official
// client's retry back-off, in fake time.
func testRetryStorm(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		v := testhelpers.RunInMemory(t)
		v.Server.FailNext(mockvault.Fault{Path: "auth/token/lookup-self", Count: 2, Status: 503})
		start := time.Now()
		if _, err := v.AppClient(v.RootToken).Auth().Token().LookupSelf(); err != nil {
			t.Fatal(err)
		}
		// Two waits: 1s to 1.5s, then twice that.
		if waited := time.Since(start); waited < 3*time.Second || waited > 4500*time.Millisecond {
			t.Fatalf("back-off took %v", waited)
		}
		// A longer storm outlasts the retries: the caller sees the 503.
		v.Server.FailNext(mockvault.Fault{Path: "auth/token/lookup-self", Count: 3, Status: 503})
		var re *api.ResponseError
		if _, err := v.AppClient(v.RootToken).Auth().Token().LookupSelf(); !errors.As(err, &re) || re.StatusCode != 503 {
			t.Fatalf("after 3 attempts: %v", err)
		}
	})
}

// Production TTLs in milliseconds: inside a testing/synctest bubble,
// RunInMemory puts the server on the bubble's fake clock, so the client's
// own timers (the LifetimeWatcher, the retry back-off, a re-login loop)
// and the server's TTLs move together, and only when every goroutine of
// the test waits. The three tests above run as
//
//	func TestAppLifecycle(t *testing.T) { testAppLifecycle(t) }
//	func TestPeriodicWeek(t *testing.T) { testPeriodicWeek(t) }
//	func TestRetryStorm(t *testing.T)   { testRetryStorm(t) }
//
// each in a few milliseconds of wall time.
func ExampleRunInMemory_synctest() {}
