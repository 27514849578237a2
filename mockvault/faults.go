package mockvault

import (
	"fmt"
	"net/http"
	pathpkg "path"
	"strings"
	"time"
)

// Fault describes how the server misbehaves for matching requests. Zero
// fields are ignored: a Fault with only Latency delays requests and then
// serves them normally.
type Fault struct {
	// Method matches the HTTP method ("" or "*" for any). "LIST" matches
	// both the LIST verb and GET with ?list=true.
	Method string
	// Path matches the Vault path without /v1/ ("auth/approle/login").
	// A trailing "*" matches a prefix; otherwise path.Match globbing
	// applies ("auth/*/login"). Empty matches every path.
	Path string
	// Count is how many matching requests the fault applies to (0: one).
	Count int
	// Status answers with this status and Vault's error body.
	Status int
	// Errors are the texts of the error body (default: the status text).
	Errors []string
	// Latency delays the answer by this much wall-clock time.
	Latency time.Duration
	// Sealed answers as a sealed Vault does (503 "Vault is sealed").
	Sealed bool
	// Drop closes the connection without an answer.
	Drop bool
}

type activeFault struct {
	Fault
	left int
}

func (f *Fault) matches(method, p string, list bool) bool {
	m := strings.ToUpper(f.Method)
	switch {
	case m == "" || m == "*":
	case m == "LIST":
		if method != "LIST" && !list {
			return false
		}
	case m != method:
		return false
	}
	if f.Path == "" || f.Path == "*" {
		return true
	}
	pat := strings.TrimPrefix(f.Path, "/")
	if strings.HasSuffix(pat, "*") && !strings.ContainsAny(strings.TrimSuffix(pat, "*"), "*?[") {
		return strings.HasPrefix(p, strings.TrimSuffix(pat, "*"))
	}
	ok, _ := pathpkg.Match(pat, strings.TrimSuffix(p, "/"))
	return ok || pat == p
}

// FailNext makes the next f.Count requests matching f misbehave as f says;
// then the server answers normally again. Faults queue in order: a request
// takes the first active fault it matches.
func (s *Server) FailNext(f Fault) {
	if f.Count <= 0 {
		f.Count = 1
	}
	s.faultMu.Lock()
	s.faults = append(s.faults, &activeFault{Fault: f, left: f.Count})
	s.faultMu.Unlock()
}

// ClearFaults drops every pending fault.
func (s *Server) ClearFaults() {
	s.faultMu.Lock()
	s.faults = nil
	s.faultMu.Unlock()
}

// takeFault consumes one use of the first fault matching the request.
func (s *Server) takeFault(hr *http.Request) *Fault {
	p := strings.TrimPrefix(hr.URL.Path, "/v1/")
	list := hr.URL.Query().Get("list") == "true"
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	for i, f := range s.faults {
		if !f.matches(hr.Method, p, list) {
			continue
		}
		f.left--
		if f.left <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		out := f.Fault
		return &out
	}
	return nil
}

// applyFault acts out f; it reports whether the request was answered.
// A request the fault answers is logged in entry with its caller's token,
// as one served normally is.
func (s *Server) applyFault(w http.ResponseWriter, hr *http.Request, f *Fault, entry *LoggedRequest) bool {
	if f.Latency > 0 {
		t := time.NewTimer(f.Latency)
		select {
		case <-t.C:
		case <-hr.Context().Done():
			t.Stop()
			return true
		case <-s.closed:
			t.Stop()
			return true
		}
	}
	if f.Drop || f.Sealed || f.Status != 0 {
		s.noteCaller(entry, hr)
	}
	switch {
	case f.Drop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	case f.Sealed:
		writeErrors(w, http.StatusServiceUnavailable, []string{"Vault is sealed"})
		return true
	case f.Status != 0:
		msgs := f.Errors
		if len(msgs) == 0 {
			msgs = []string{http.StatusText(f.Status)}
		}
		writeErrors(w, f.Status, msgs)
		return true
	}
	return false
}

// Seal makes the server answer as a sealed Vault: 503 "Vault is sealed"
// everywhere but sys/health and sys/seal-status, which tell the truth.
func (s *Server) Seal() {
	s.mu.Lock()
	s.sealed = true
	s.mu.Unlock()
	s.recordEvent("seal")
}

// Unseal undoes Seal.
func (s *Server) Unseal() {
	s.mu.Lock()
	s.sealed = false
	s.mu.Unlock()
	s.recordEvent("unseal")
}

// String says what the fault does, as a recording notes it.
func (f Fault) String() string {
	var parts []string
	if f.Latency > 0 {
		parts = append(parts, "latency "+f.Latency.String())
	}
	switch {
	case f.Drop:
		parts = append(parts, "connection dropped")
	case f.Sealed:
		parts = append(parts, "sealed")
	case f.Status != 0:
		parts = append(parts, fmt.Sprintf("status %d", f.Status))
	}
	return strings.Join(parts, ", ")
}
