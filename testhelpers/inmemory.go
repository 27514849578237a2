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
// Drop faults answer the client with a transport error.
func RunInMemory(t Tester, opts ...mockvault.Options) *Vault {
	t.Helper()
	srv, clock := newServer(opts)
	t.Cleanup(srv.Close)
	client, err := NewInMemoryClient(srv, srv.RootToken())
	if err != nil {
		t.Fatalf("mockvault: client: %v", err)
	}
	return &Vault{Server: srv, Addr: InMemoryAddr, RootToken: srv.RootToken(), Client: client, Clock: clock}
}

// NewInMemoryClient returns a vault/api client whose requests go straight
// to h (a *mockvault.Server), without the VAULT_* environment.
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
