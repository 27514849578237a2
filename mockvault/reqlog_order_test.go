package mockvault

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// commitWatcher is a ResponseWriter that notes, when the answer is first
// committed (header, body or a hijacked connection), how many requests
// the server had logged by then.
type commitWatcher struct {
	http.ResponseWriter
	s      *Server
	logged int // -1 until the answer is committed
}

func (w *commitWatcher) note() {
	if w.logged < 0 {
		w.logged = len(w.s.Requests())
	}
}

func (w *commitWatcher) WriteHeader(code int) { w.note(); w.ResponseWriter.WriteHeader(code) }

func (w *commitWatcher) Write(b []byte) (int, error) { w.note(); return w.ResponseWriter.Write(b) }

func (w *commitWatcher) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.note()
	a, b := net.Pipe()
	b.Close()
	return a, bufio.NewReadWriter(bufio.NewReader(a), bufio.NewWriter(a)), nil
}

// A request is in the request log before its answer, or the dropped
// connection, reaches the client. It used to be logged after the handler
// returned: a client could see the answer, or the connection close, and
// read Requests() without its own call in it (seen under -race with a
// Drop fault).
func TestRequestLoggedBeforeAnswer(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	for _, c := range []struct {
		name, method, path, token string
		fault                     *Fault
		status                    int
	}{
		{"served", http.MethodGet, "/v1/auth/token/lookup-self", s.RootToken(), nil, 200},
		{"refused", http.MethodGet, "/v1/auth/token/lookup-self", "hvs.nope", nil, 403},
		{"bad request", http.MethodPost, "/v1/auth/token/create", s.RootToken(), nil, 400},
		{"fault status", http.MethodGet, "/v1/sys/health", "", &Fault{Path: "sys/health", Status: 503}, 503},
		{"fault sealed", http.MethodGet, "/v1/sys/health", "", &Fault{Path: "sys/health", Sealed: true}, 503},
		{"fault drop", http.MethodGet, "/v1/sys/health", "", &Fault{Path: "sys/health", Drop: true}, 0},
	} {
		s.ClearRequests()
		if c.fault != nil {
			s.FailNext(*c.fault)
		}
		hr := httptest.NewRequest(c.method, c.path, nil)
		if c.name == "bad request" {
			hr = httptest.NewRequest(c.method, c.path, strings.NewReader(`{"ttl":"x"}`))
		}
		if c.token != "" {
			hr.Header.Set("X-Vault-Token", c.token)
		}
		w := &commitWatcher{ResponseWriter: httptest.NewRecorder(), s: s, logged: -1}
		s.ServeHTTP(w, hr)
		got := s.Requests()
		if w.logged != 1 || len(got) != 1 || got[0].Status != c.status {
			t.Errorf("%s: %d logged when the answer went out (want 1); log afterwards: %+v (want status %d)", c.name, w.logged, got, c.status)
		}
	}
}
