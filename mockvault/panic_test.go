package mockvault

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A panic inside a handler is answered as Vault answers one, and the server
// goes on serving (its lock released).
func TestHandlerPanicIsRecovered(t *testing.T) {
	s := New(Options{})
	s.addMount(&mount{path: "boom/", typ: "boom", backend: newBackend([]*path{{
		pattern: "x", ops: map[op]handlerFunc{opRead: func(*request, *fieldData) (*response, error) { panic("kaboom") }},
	}})})
	do := func(p string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/v1/"+p, nil)
		req.Header.Set("X-Vault-Token", s.RootToken())
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		return w
	}
	w := do("boom/x")
	if w.Code != 500 || !strings.Contains(w.Body.String(), `1 error occurred:\n\t* internal error\n\n`) {
		t.Fatalf("panic answer: %d %s", w.Code, w.Body.String())
	}
	if s.panicCount() != 1 {
		t.Fatalf("panics counted: %d", s.panicCount())
	}
	if w := do("auth/token/lookup-self"); w.Code != 200 {
		t.Fatalf("after the panic: %d %s", w.Code, w.Body.String())
	}
}
