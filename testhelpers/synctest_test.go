package testhelpers_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/hashicorp/vault/api/auth/approle"
	"github.com/mockvault/mockvault/mockvault"
	"github.com/mockvault/mockvault/testhelpers"
)

// wall runs f and fails the test when it took a second of wall time or
// more: in a bubble, production TTLs and back-offs must cost nothing (a
// real retry wait alone is a second).
func wall(t *testing.T, f func(*testing.T)) {
	start := time.Now()
	f(t)
	d := time.Since(start)
	t.Logf("wall time %v", d)
	if d >= time.Second {
		t.Fatalf("took %v of wall time", d)
	}
}

func TestAppLifecycle(t *testing.T) { wall(t, testAppLifecycle) }
func TestPeriodicWeek(t *testing.T) { wall(t, testPeriodicWeek) }
func TestRetryStorm(t *testing.T)   { wall(t, testRetryStorm) }

// inBubble runs f in a synctest bubble on a fresh RunInMemory server, and
// checks it cost less than a second of wall time.
func inBubble(t *testing.T, f func(t *testing.T, v *testhelpers.Vault)) {
	wall(t, func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) { f(t, testhelpers.RunInMemory(t)) })
	})
}

func wantStatus(t *testing.T, err error, code int) {
	t.Helper()
	var re *api.ResponseError
	if !errors.As(err, &re) || re.StatusCode != code {
		t.Fatalf("want a %d, got %v", code, err)
	}
}

// Every time-driven feature follows the bubble's clock with RunInMemory.
func TestBubbleFeatures(t *testing.T) {
	ctx := context.Background()
	t.Run("default clock follows the bubble", func(t *testing.T) {
		inBubble(t, func(t *testing.T, v *testhelpers.Vault) {
			if v.Clock == nil || v.Server.Clock() != mockvault.Clock(v.Clock) {
				t.Fatalf("clock %v", v.Clock)
			}
			if !v.Clock.Now().Equal(time.Now()) {
				t.Fatalf("server %v, bubble %v", v.Clock.Now(), time.Now())
			}
			time.Sleep(time.Hour)
			if !v.Clock.Now().Equal(time.Now()) {
				t.Fatalf("after a sleep: server %v, bubble %v", v.Clock.Now(), time.Now())
			}
			// Advance moves the server alone ahead of the bubble.
			v.Clock.Advance(time.Minute)
			if d := v.Clock.Now().Sub(time.Now()); d != time.Minute {
				t.Fatalf("advance: server ahead by %v", d)
			}
		})
	})
	t.Run("token TTL", func(t *testing.T) {
		inBubble(t, func(t *testing.T, v *testhelpers.Vault) {
			sec, err := v.Client.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}, TTL: "15m"})
			if err != nil {
				t.Fatal(err)
			}
			c, _ := testhelpers.NewInMemoryClient(v.Server, sec.Auth.ClientToken)
			time.Sleep(15*time.Minute - time.Second)
			if _, err := c.Auth().Token().LookupSelf(); err != nil {
				t.Fatalf("at 14m59s: %v", err)
			}
			time.Sleep(time.Second)
			_, err = c.Auth().Token().LookupSelf()
			wantStatus(t, err, 403)
		})
	})
	t.Run("fault latency", func(t *testing.T) {
		inBubble(t, func(t *testing.T, v *testhelpers.Vault) {
			// 20s: v.Client gives up after 30s, of fake time too.
			v.Server.FailNext(mockvault.Fault{Path: "sys/health", Latency: 20 * time.Second})
			start := time.Now()
			if _, err := v.Client.Sys().Health(); err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); d != 20*time.Second {
				t.Fatalf("latency %v", d)
			}
			// A latency past the client's timeout: the client gives up.
			v.Server.FailNext(mockvault.Fault{Path: "sys/health", Latency: time.Hour})
			c := v.AppClient(v.RootToken)
			c.SetMaxRetries(0)
			c.SetClientTimeout(10 * time.Second)
			start = time.Now()
			if _, err := c.Sys().Health(); err == nil {
				t.Fatal("answered")
			}
			if d := time.Since(start); d != 10*time.Second {
				t.Fatalf("timed out after %v", d)
			}
		})
	})
	t.Run("wrapping TTL", func(t *testing.T) {
		inBubble(t, func(t *testing.T, v *testhelpers.Vault) {
			wc, _ := v.Client.Clone()
			wc.SetToken(v.RootToken)
			wc.SetWrappingLookupFunc(func(string, string) string { return "5m" })
			w1, err := wc.Logical().Write("sys/wrapping/wrap", map[string]any{"a": "1"})
			if err != nil {
				t.Fatal(err)
			}
			w2, _ := wc.Logical().Write("sys/wrapping/wrap", map[string]any{"a": "2"})
			time.Sleep(5*time.Minute - time.Second)
			if s, err := v.Client.Logical().Unwrap(w1.WrapInfo.Token); err != nil || s.Data["a"] != "1" {
				t.Fatalf("at 4m59s: %v %v", s, err)
			}
			time.Sleep(time.Second)
			_, err = v.Client.Logical().Unwrap(w2.WrapInfo.Token)
			wantStatus(t, err, 400)
		})
	})
	t.Run("secret ID TTL and tidy", func(t *testing.T) {
		inBubble(t, func(t *testing.T, v *testhelpers.Vault) {
			if _, err := v.Server.Write("sys/auth/approle", map[string]any{"type": "approle"}); err != nil {
				t.Fatal(err)
			}
			if _, err := v.Server.Write("auth/approle/role/app", map[string]any{"secret_id_ttl": "10m"}); err != nil {
				t.Fatal(err)
			}
			rid, _ := v.Server.Read("auth/approle/role/app/role-id")
			sid, _ := v.Server.Write("auth/approle/role/app/secret-id", nil)
			login := func() error {
				_, err := v.Client.Logical().Write("auth/approle/login", map[string]any{"role_id": rid["role_id"], "secret_id": sid["secret_id"]})
				return err
			}
			time.Sleep(10*time.Minute + 30*time.Second)
			// Expired 30s ago, but Vault only deletes it at its next
			// once-a-minute tidy: it still logs in.
			if err := login(); err != nil {
				t.Fatalf("at 10m30s: %v", err)
			}
			time.Sleep(30 * time.Second)
			if err := login(); err == nil {
				t.Fatal("at 11m, after the tidy: logged in")
			}
		})
	})
	t.Run("KV delete_version_after", func(t *testing.T) {
		inBubble(t, func(t *testing.T, v *testhelpers.Vault) {
			if _, err := v.Client.Logical().Write("secret/config", map[string]any{"delete_version_after": "1h"}); err != nil {
				t.Fatal(err)
			}
			kv := v.Client.KVv2("secret")
			if _, err := kv.Put(ctx, "t", map[string]any{"a": "b"}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Hour - time.Second)
			if got, err := kv.Get(ctx, "t"); err != nil || got.Data["a"] != "b" {
				t.Fatalf("before: %+v %v", got, err)
			}
			time.Sleep(time.Second)
			if got, err := kv.Get(ctx, "t"); err != nil || got.Data != nil {
				t.Fatalf("after: %+v %v", got, err)
			}
		})
	})
	t.Run("mockvault.New on a bubble clock", func(t *testing.T) {
		wall(t, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := mockvault.New(mockvault.Options{}) // on the bubble clock by default
				defer srv.Close()
				c, _ := testhelpers.NewInMemoryClient(srv, srv.RootToken())
				sec, err := c.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}, TTL: "1h"})
				if err != nil {
					t.Fatal(err)
				}
				time.Sleep(time.Hour)
				_, err = c.Auth().Token().Lookup(sec.Auth.ClientToken)
				wantStatus(t, err, 403)
			})
		})
	})
}

// RunT needs sockets, which never let a bubble's clock advance: inside a
// bubble it fails at once and names RunInMemory.
func TestRunTInBubbleFailsFast(t *testing.T) {
	wall(t, func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ft := &fakeT{}
			if v := testhelpers.RunT(ft); v != nil {
				t.Fatal("RunT returned a server inside a bubble")
			}
			if !strings.Contains(ft.failed, "synctest bubble") || !strings.Contains(ft.failed, "testhelpers.RunInMemory") || len(ft.cleanups) != 0 {
				t.Fatalf("failure %q, %d cleanups", ft.failed, len(ft.cleanups))
			}
		})
	})
}

func TestRunRefusesSeveralOptions(t *testing.T) {
	for name, run := range map[string]func(testhelpers.Tester, ...mockvault.Options) *testhelpers.Vault{
		"RunT": testhelpers.RunT, "RunInMemory": testhelpers.RunInMemory,
	} {
		ft := &fakeT{}
		if v := run(ft, mockvault.Options{}, mockvault.Options{RootToken: "other"}); v != nil {
			t.Fatalf("%s: a server from two Options", name)
		}
		if !strings.Contains(ft.failed, name+" takes at most one mockvault.Options, got 2") {
			t.Fatalf("%s: %q", name, ft.failed)
		}
		for _, c := range ft.cleanups {
			c()
		}
	}
}

// Vault.Clock is nil only on a clock that is not a ManualClock, and then
// says so when used.
func TestVaultClockNilSaysWhy(t *testing.T) {
	v := testhelpers.RunInMemory(t, mockvault.Options{Clock: mockvault.RealClock{}})
	if v.Clock != nil || v.Server.Clock() == nil {
		t.Fatalf("clock %v, server clock %v", v.Clock, v.Server.Clock())
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "Options.Clock is not a *ManualClock") {
			t.Fatalf("panic %v", r)
		}
	}()
	v.Clock.Advance(time.Minute)
}

// The testhelpers clients never retry; AppClient retries as an
// application's client does (api.DefaultConfig()), and can be told not to.
func TestClientRetries(t *testing.T) {
	for _, k := range []string{"VAULT_MAX_RETRIES", "VAULT_CLIENT_TIMEOUT", "VAULT_RATE_LIMIT", "VAULT_ADDR"} {
		t.Setenv(k, "")
	}
	def := api.DefaultConfig()
	inBubble(t, func(t *testing.T, v *testhelpers.Vault) {
		cfg := v.AppConfig()
		if cfg.MaxRetries != def.MaxRetries || cfg.MinRetryWait != def.MinRetryWait || cfg.MaxRetryWait != def.MaxRetryWait ||
			cfg.Timeout != def.Timeout || reflect.ValueOf(cfg.Backoff).Pointer() != reflect.ValueOf(def.Backoff).Pointer() {
			t.Fatalf("AppConfig %+v, DefaultConfig %+v", cfg, def)
		}
		fail := func() { v.Server.FailNext(mockvault.Fault{Path: "sys/health", Count: 2, Status: 503}) }
		fail()
		_, err := v.Client.Sys().Health()
		wantStatus(t, err, 503)
		v.Server.ClearFaults()

		app := v.AppClient("")
		fail()
		if _, err := app.Sys().Health(); err != nil {
			t.Fatalf("app client: %v", err)
		}
		if n := v.Server.CountRequests("GET", "sys/health"); n != 4 {
			t.Fatalf("%d requests", n)
		}
		app.SetMaxRetries(0)
		fail()
		_, err = app.Sys().Health()
		wantStatus(t, err, 503)
	})
}

// The README's retry example, as written there.
func TestREADMERetryExample(t *testing.T) {
	wall(t, testLoginRidesOutA503Storm)
}

func testLoginRidesOutA503Storm(t *testing.T) {
	synctest.Test(t, func(t *testing.T) { // fake time: the back-off costs no wall time
		v := testhelpers.RunInMemory(t)
		v.Server.Write("sys/auth/approle", map[string]any{"type": "approle"})
		v.Server.Write("auth/approle/role/ci", map[string]any{"token_ttl": "15m"})
		rid, _ := v.Server.Read("auth/approle/role/ci/role-id")
		sid, _ := v.Server.Write("auth/approle/role/ci/secret-id", nil)

		// A 503 storm on login; the client's retries ride it out.
		v.Server.FailNext(mockvault.Fault{Path: "auth/approle/login", Count: 2, Status: 503})
		app := v.AppClient("") // retries as api.DefaultConfig() does; v.Client never retries
		auth, _ := approle.NewAppRoleAuth(rid["role_id"].(string), &approle.SecretID{FromString: sid["secret_id"].(string)})
		if _, err := app.Auth().Login(context.Background(), auth); err != nil {
			t.Fatal(err)
		}
		if n := v.Server.CountRequests("PUT", "auth/approle/login"); n != 3 {
			t.Fatalf("%d calls", n)
		}
	})
}
