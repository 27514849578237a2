package testhelpers_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/mockvault"
	"github.com/mockvault/mockvault/testhelpers"
)

func TestRunTIgnoresVaultEnv(t *testing.T) {
	t.Setenv("VAULT_ADDR", "http://127.0.0.1:1")
	t.Setenv("VAULT_TOKEN", "not-the-root-token")
	t.Setenv("VAULT_NAMESPACE", "ns1")
	t.Setenv("VAULT_WRAP_TTL", "5m")
	v := testhelpers.RunT(t)
	if v.Client.Address() != v.Addr || v.Client.Token() != v.RootToken {
		t.Fatalf("client %s %s, server %s %s", v.Client.Address(), v.Client.Token(), v.Addr, v.RootToken)
	}
	s, err := v.Client.Auth().Token().LookupSelf()
	if err != nil || s.WrapInfo != nil {
		t.Fatalf("lookup-self through the env-free client: %v %v", s, err)
	}
}

// fakeT is a Tester that is not a *testing.T.
type fakeT struct {
	cleanups []func()
	failed   string
}

func (f *fakeT) Helper()                        {}
func (f *fakeT) Fatalf(format string, a ...any) { f.failed = fmt.Sprintf(format, a...) }
func (f *fakeT) Cleanup(fn func())              { f.cleanups = append(f.cleanups, fn) }

func TestRunTWithAnyTester(t *testing.T) {
	ft := &fakeT{}
	v := testhelpers.RunT(ft)
	if _, err := v.Client.Sys().Health(); err != nil {
		t.Fatal(err)
	}
	if len(ft.cleanups) == 0 || ft.failed != "" {
		t.Fatalf("cleanups %d, failed %q", len(ft.cleanups), ft.failed)
	}
	for _, c := range ft.cleanups {
		c()
	}
	if _, err := v.Client.Sys().Health(); err == nil {
		t.Fatal("server still answering after cleanup")
	}
}

func TestRunInMemory(t *testing.T) {
	v := testhelpers.RunInMemory(t)
	s, err := v.Client.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}, TTL: "15m"})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := testhelpers.NewInMemoryClient(v.Server, s.Auth.ClientToken)
	v.Clock.Advance(15 * time.Minute)
	if _, err := c.Auth().Token().LookupSelf(); err == nil {
		t.Fatal("expired token still works")
	}
	v.Server.FailNext(mockvault.Fault{Path: "sys/health", Drop: true})
	if _, err := v.Client.Sys().Health(); err == nil {
		t.Fatal("dropped request answered")
	}
	if _, err := v.Client.Sys().Health(); err != nil {
		t.Fatalf("after the drop: %v", err)
	}
}

// RunTLS serves https; its client trusts the dev CA, a plain client does
// not, and AppConfig's client reaches it too.
func TestRunTLS(t *testing.T) {
	v := testhelpers.RunTLS(t)
	if !strings.HasPrefix(v.Addr, "https://") || len(v.CACert) == 0 {
		t.Fatalf("addr %s", v.Addr)
	}
	if _, err := v.Client.Auth().Token().LookupSelf(); err != nil {
		t.Fatal(err)
	}
	plain, _ := testhelpers.NewClient(v.Addr, v.RootToken)
	if _, err := plain.Auth().Token().LookupSelf(); err == nil {
		t.Fatal("untrusted certificate accepted")
	}
	app := v.AppClient(v.RootToken)
	if _, err := app.Auth().Token().LookupSelf(); err != nil {
		t.Fatal(err)
	}
	// The CA PEM configures a real client as VAULT_CACERT would.
	cfg := api.DefaultConfig()
	cfg.Address = v.Addr
	if err := cfg.ConfigureTLS(&api.TLSConfig{CACertBytes: v.CACert}); err != nil {
		t.Fatal(err)
	}
	c, _ := api.NewClient(cfg)
	c.SetToken(v.RootToken)
	if _, err := c.Sys().Health(); err != nil {
		t.Fatal(err)
	}
}
