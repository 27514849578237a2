package testhelpers

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/mockvault"
)

// InMemoryAddr is the address of servers reached without a socket.
const InMemoryAddr = "http://mockvault.in-memory"

// RunInMemory starts a server reached without any socket: its client's
// transport calls the server's ServeHTTP directly. It starts in tens of
// microseconds and serves about twice as fast as over loopback; use RunT
// when something outside the test process (a CLI, an agent) must reach it.
// Drop faults answer the client with a transport error. It takes at most
// one Options (the test fails on more).
//
// It works inside a testing/synctest bubble (synctest.Test), where it puts
// the server on a ManualClock following the bubble (mockvault.New does
// that by default in a bubble) unless Options.Clock says
// otherwise: token, secret ID, wrapping and KV TTLs, fault latencies and
// the client's timers all run on the bubble's fake clock. Make the server
// inside the bubble that uses it.
func RunInMemory(t Tester, opts ...mockvault.Options) *Vault {
	t.Helper()
	srv, clock, ok := newServer(t, "RunInMemory", opts)
	if !ok {
		return nil
	}
	t.Cleanup(srv.Close)
	client, err := NewInMemoryClient(srv, srv.RootToken())
	if err != nil {
		t.Fatalf("mockvault: client: %v", err)
		return nil
	}
	return &Vault{Server: srv, Addr: InMemoryAddr, RootToken: srv.RootToken(), Client: client, Clock: clock,
		httpClient: func() *http.Client { return &http.Client{Transport: memTransport{h: srv}} }, t: t}
}

// NewInMemoryClient returns a vault/api client whose requests go straight
// to h (a *mockvault.Server), without the VAULT_* environment. Like
// NewClient it never retries; see Vault.AppClient for one that does.
func NewInMemoryClient(h http.Handler, token string) (*api.Client, error) {
	cfg := &api.Config{
		Address:    InMemoryAddr,
		HttpClient: &http.Client{Transport: memTransport{h: h}, Timeout: 30 * time.Second},
		Timeout:    30 * time.Second,
		MaxRetries: 0,
	}
	c, err := api.NewClient(cfg)
	if err != nil {
		return nil, err
	}
	c.SetToken(token)
	c.ClearNamespace()
	c.SetWrappingLookupFunc(func(string, string) string { return "" })
	return c, nil
}

// memTransport hands a request to a handler and returns what it wrote.
type memTransport struct{ h http.Handler }

var errDropped = errors.New("mockvault: connection dropped (fault)")

func (t memTransport) RoundTrip(r *http.Request) (resp *http.Response, err error) {
	in := r.Clone(r.Context())
	in.RemoteAddr = "127.0.0.1:40000"
	in.RequestURI = r.URL.RequestURI()
	if in.Body == nil {
		in.Body = http.NoBody
	}
	defer func() {
		// A Drop fault aborts the handler: report it as a network error.
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				panic(v)
			}
			resp, err = nil, errDropped
		}
	}()
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, in)
	if r.Body != nil {
		r.Body.Close()
	}
	resp = rec.Result()
	resp.Request = r
	return resp, nil
}
