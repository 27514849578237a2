// Package testhelpers starts a mockvault server for a test and hands back a
// ready Vault client.
//
//	func TestSomething(t *testing.T) {
//		v := testhelpers.RunT(t)
//		secret, err := v.Client.Auth().Token().Create(&api.TokenCreateRequest{})
//		...
//	}
package testhelpers

import (
	"net/http/httptest"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/mockvault"
)

// Tester is the part of *testing.T (or *testing.B, or your own) RunT needs.
type Tester interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Vault is a running mock server for one test.
type Vault struct {
	// Server is the mock itself, for direct state and time control.
	Server *mockvault.Server
	// Addr is the base URL, e.g. "http://127.0.0.1:41234".
	Addr string
	// RootToken is the dev root token.
	RootToken string
	// Client is a vault/api client for Addr, authenticated as root. It
	// ignores the caller's VAULT_* environment variables.
	Client *api.Client
	// Clock is the server's manual clock.
	Clock *mockvault.ManualClock
}

// RunT starts a server on a loopback httptest listener and stops it when the
// test ends.
func RunT(t Tester, opts ...mockvault.Options) *Vault {
	t.Helper()
	srv, clock := newServer(opts)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	client, err := NewClient(hs.URL, srv.RootToken())
	if err != nil {
		t.Fatalf("mockvault: client: %v", err)
	}
	return &Vault{Server: srv, Addr: hs.URL, RootToken: srv.RootToken(), Client: client, Clock: clock}
}

// NewClient returns a vault/api client for addr with token, built without
// reading VAULT_* environment variables, so a developer's shell settings
// never leak into tests.
func NewClient(addr, token string) (*api.Client, error) {
	cfg := &api.Config{
		Address:    addr,
		HttpClient: cleanhttp.DefaultPooledClient(),
		Timeout:    30 * time.Second,
		MaxRetries: 0,
	}
	cfg.HttpClient.Timeout = cfg.Timeout
	c, err := api.NewClient(cfg)
	if err != nil {
		return nil, err
	}
	c.SetToken(token)
	c.ClearNamespace()
	c.SetWrappingLookupFunc(func(string, string) string { return "" })
	return c, nil
}

// newServer builds a server from the optional options, on a ManualClock
// unless the options bring a clock.
func newServer(opts []mockvault.Options) (*mockvault.Server, *mockvault.ManualClock) {
	var o mockvault.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	clock, _ := o.Clock.(*mockvault.ManualClock)
	if o.Clock == nil {
		clock = mockvault.NewManualClock(time.Now().UTC().Truncate(time.Second))
		o.Clock = clock
	}
	return mockvault.New(o), clock
}
