// Package testhelpers starts a mockvault server for a test and hands back a
// ready Vault client.
//
//	func TestSomething(t *testing.T) {
//		v := testhelpers.RunT(t)
//		secret, err := v.Client.Auth().Token().Create(&api.TokenCreateRequest{})
//		...
//	}
//
// # Time
//
// Outside a testing/synctest bubble the server runs on a stopped
// mockvault.ManualClock: time moves when the test calls v.Clock.Advance.
// Inside a bubble (synctest.Test), RunInMemory puts the server on
// a ManualClock following the bubble, the bubble's fake clock: the server's TTLs and
// the client's own timers (api.LifetimeWatcher, retry back-off, re-login
// loops) move together, whenever every goroutine of the bubble waits, so
// an hour of production TTLs plays out in milliseconds:
//
//	func TestAppKeepsItsToken(t *testing.T) {
//		synctest.Test(t, func(t *testing.T) {
//			v := testhelpers.RunInMemory(t)
//			app := v.AppClient("") // retries as api.DefaultConfig() does
//			... start the app (its LifetimeWatcher, its re-login loop) ...
//			time.Sleep(3 * time.Hour) // instant; the app's timers fire on the way
//			... stop the app, check v.Server.Requests() ...
//		})
//	}
//
// RunT needs real sockets, which never durably block, so a bubble's clock
// could not advance: inside a bubble it fails the test at once and points
// to RunInMemory.
//
// # Retries
//
// v.Client, NewClient and NewInMemoryClient never retry: one call is one
// request, so a test sees every fault it injects. An application's client,
// made from api.DefaultConfig(), retries twice (after 1s to 1.5s, then 2s
// to 3s) on connection errors, 412, 429 and 5xx other than 501; v.AppConfig
// and v.AppClient give that client
// for this server, to hand to the code under test (turn its retries off
// with SetMaxRetries(0)).
package testhelpers

import (
	"crypto/tls"
	"net/http"
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
	// Clock is the server's clock: a stopped ManualClock by default, a
	// bubble clock (a ManualClock following the bubble) by default inside a
	// testing/synctest bubble, or the Options.Clock given. It is nil when
	// Options.Clock is not a *mockvault.ManualClock (mockvault.RealClock,
	// your own Clock): that time cannot be moved, and the methods of the
	// nil clock panic saying so. Server.Clock() is never nil.
	Clock *mockvault.ManualClock

	// CACert is the PEM of the CA that signed the server's certificate
	// (RunTLS; nil over plain HTTP): hand it to the code under test as
	// VAULT_CACERT's content (api.TLSConfig.CACertBytes).
	CACert []byte

	// httpClient builds an HTTP client reaching the server (AppConfig).
	httpClient func() *http.Client
	t          Tester
}

// RunT starts a server on a loopback httptest listener and stops it when the
// test ends. It takes at most one Options (the test fails on more).
//
// Inside a testing/synctest bubble RunT fails the test at once: a loopback
// server's goroutines wait on sockets, which is not durable blocking, so
// the bubble's clock could never advance and the first time.Sleep, timer or
// retry back-off would hang. Use RunInMemory there. (The check is
// inBubble.) With a Tester whose Fatalf returns, RunT then
// returns nil, as it does on any failure.
func RunT(t Tester, opts ...mockvault.Options) *Vault {
	t.Helper()
	if inBubble() {
		t.Fatalf("mockvault: testhelpers.RunT inside a testing/synctest bubble: a loopback server's sockets never durably block, " +
			"so the bubble's clock would never advance and the test would hang; use testhelpers.RunInMemory, which needs no socket")
		return nil
	}
	srv, clock, ok := newServer(t, "RunT", opts)
	if !ok {
		return nil
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	client, err := NewClient(hs.URL, srv.RootToken())
	if err != nil {
		t.Fatalf("mockvault: client: %v", err)
		return nil
	}
	return &Vault{Server: srv, Addr: hs.URL, RootToken: srv.RootToken(), Client: client, Clock: clock,
		httpClient: func() *http.Client { return cleanhttp.DefaultPooledClient() }, t: t}
}

// RunTLS is RunT serving https, as `vault server -dev-tls`: a fresh dev
// CA ("Vault Dev CA") signed the server's certificate for 127.0.0.1 and
// localhost. v.Client and v.AppConfig trust that CA only; v.CACert is its
// PEM.
func RunTLS(t Tester, opts ...mockvault.Options) *Vault {
	t.Helper()
	if inBubble() {
		t.Fatalf("mockvault: testhelpers.RunTLS inside a testing/synctest bubble: a loopback server's sockets never durably block; use testhelpers.RunInMemory")
		return nil
	}
	srv, clock, ok := newServer(t, "RunTLS", opts)
	if !ok {
		return nil
	}
	dt, err := mockvault.NewDevTLS()
	var conf *tls.Config
	if err == nil {
		conf, err = dt.ServerConfig()
	}
	if err != nil {
		srv.Close()
		t.Fatalf("mockvault: dev TLS: %v", err)
		return nil
	}
	// Ask for (never require) a client certificate, as Vault's listener
	// does: the cert auth method logs in with it.
	conf.ClientAuth = tls.RequestClientCert
	hs := httptest.NewUnstartedServer(srv)
	hs.TLS = conf
	hs.StartTLS()
	t.Cleanup(func() {
		hs.Close()
		srv.Close()
	})
	pool := dt.CertPool()
	httpClient := func() *http.Client {
		hc := cleanhttp.DefaultPooledClient()
		hc.Transport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
		return hc
	}
	client, err := newClientWith(hs.URL, srv.RootToken(), httpClient())
	if err != nil {
		t.Fatalf("mockvault: client: %v", err)
		return nil
	}
	return &Vault{Server: srv, Addr: hs.URL, RootToken: srv.RootToken(), Client: client, Clock: clock, CACert: dt.CAPEM,
		httpClient: httpClient, t: t}
}

// NewClient returns a vault/api client for addr with token, built without
// reading VAULT_* environment variables, so a developer's shell settings
// never leak into tests. It never retries (MaxRetries 0): a test sees each
// fault it injects. For a client that retries as an application's does,
// see Vault.AppClient.
func NewClient(addr, token string) (*api.Client, error) {
	return newClientWith(addr, token, cleanhttp.DefaultPooledClient())
}

// newClientWith is NewClient over the HTTP client hc.
func newClientWith(addr, token string, hc *http.Client) (*api.Client, error) {
	cfg := &api.Config{
		Address:    addr,
		HttpClient: hc,
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

// newServer builds a server from the optional options (at most one), on a
// ManualClock unless the options bring a clock: a stopped one, or inside a
// testing/synctest bubble one following the bubble. It reports false after
// failing the test.
func newServer(t Tester, fn string, opts []mockvault.Options) (*mockvault.Server, *mockvault.ManualClock, bool) {
	t.Helper()
	if len(opts) > 1 {
		t.Fatalf("mockvault: testhelpers.%s takes at most one mockvault.Options, got %d: merge them into one", fn, len(opts))
		return nil, nil, false
	}
	var o mockvault.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	save := recordOptions(t, &o)
	// With no clock, New picks a stopped ManualClock, or inside a bubble
	// one that follows the bubble.
	srv := mockvault.New(o)
	save(srv)
	clock, _ := srv.Clock().(*mockvault.ManualClock)
	return srv, clock, true
}

// inBubble reports whether the caller runs in a testing/synctest bubble:
// there time.Now() carries no monotonic reading, so it equals its
// Round(0) copy; outside a bubble it never does.
func inBubble() bool {
	now := time.Now()
	return now == now.Round(0)
}

// AppConfig returns a new api.Config for this server made as
// api.DefaultConfig() makes one, which is what an application's client
// starts from: 60s timeout; 2 retries, waiting 1s to 1.5s times the
// attempt number (linear jitter, Retry-After honoured), on connection
// errors, 412, 429 and 5xx other than 501; redirects left to the client. It reads no VAULT_* variable. Hand it (or AppClient) to
// the code under test; inside a testing/synctest bubble the retry waits
// cost no wall time.
func (v *Vault) AppConfig() *api.Config {
	def := api.DefaultConfig() // for its Backoff; its address and the environment it read are not used
	hc := v.httpClient()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &api.Config{
		Address:      v.Addr,
		HttpClient:   hc,
		Timeout:      60 * time.Second,
		MinRetryWait: 1000 * time.Millisecond,
		MaxRetryWait: 1500 * time.Millisecond,
		MaxRetries:   2,
		Backoff:      def.Backoff,
	}
}

// AppClient returns a client made from AppConfig, authenticated with token
// (none when ""): it retries as an application's client does. Turn its
// retries off with SetMaxRetries(0). The test fails if it cannot be made.
func (v *Vault) AppClient(token string) *api.Client {
	v.t.Helper()
	c, err := api.NewClient(v.AppConfig())
	if err != nil {
		v.t.Fatalf("mockvault: app client: %v", err)
		return nil
	}
	c.SetToken(token)
	c.ClearNamespace()
	c.SetWrappingLookupFunc(func(string, string) string { return "" })
	return c
}
