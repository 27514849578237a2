package testhelpers_test

import (
	"fmt"
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
