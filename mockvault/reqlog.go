package mockvault

import (
	"net/http"
	"strings"
	"time"
)

// LoggedRequest is one request as the server saw it. It never holds a
// token or secret: callers are known by their accessor.
type LoggedRequest struct {
	Method string `json:"method"`
	// Path is the Vault path without /v1/, e.g. "auth/token/renew-self".
	Path string `json:"path"`
	// Operation is Vault's logical operation: read, list, create, update,
	// delete, patch ("" when the request never reached a handler, e.g.
	// when an injected fault answered it).
	Operation string `json:"operation"`
	// Accessor is the caller token's accessor ("" when none or batch).
	// A request answered by an injected fault still names its caller.
	Accessor string `json:"accessor"`
	// TokenType is "service", "batch" or "" when unauthenticated.
	TokenType string `json:"token_type"`
	// Root tells whether the caller's token had the root policy.
	Root   bool `json:"root"`
	Status int  `json:"status"`
	// Time is when it arrived, on the server's clock.
	Time time.Time `json:"time"`
}

// Requests returns a copy of the request log, oldest first.
func (s *Server) Requests() []LoggedRequest {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return append([]LoggedRequest(nil), s.reqLog...)
}

// ClearRequests empties the request log.
func (s *Server) ClearRequests() {
	s.logMu.Lock()
	s.reqLog = nil
	s.logMu.Unlock()
}

// CountRequests counts logged requests whose method and path match
// (method "" matches any; path may end in "*" to match a prefix).
func (s *Server) CountRequests(method, path string) int {
	n := 0
	f := Fault{Method: method, Path: path}
	for _, r := range s.Requests() {
		if f.matches(r.Method, r.Path, r.Operation == string(opList)) {
			n++
		}
	}
	return n
}

// Renewed reports whether the token with this accessor was renewed
// (renew-self by it, or renew/renew-accessor naming it) successfully.
func (s *Server) Renewed(accessor string) bool {
	for _, r := range s.Requests() {
		if r.Status/100 != 2 || !strings.HasPrefix(r.Path, "auth/") {
			continue
		}
		if strings.HasSuffix(r.Path, "/renew-self") && r.Accessor == accessor {
			return true
		}
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return s.renewedAcc[accessor]
}

// RootUsed lists the requests made with a root token.
func (s *Server) RootUsed() []LoggedRequest {
	var out []LoggedRequest
	for _, r := range s.Requests() {
		if r.Root {
			out = append(out, r)
		}
	}
	return out
}

// noteCaller fills in the caller of a request answered before Vault's
// logic saw it (an injected fault): the accessor, type and root flag of its
// token, as for a request served normally. Nothing is spent (num_uses),
// and a token that is not valid leaves the entry as it is.
func (s *Server) noteCaller(entry *LoggedRequest, hr *http.Request) {
	id := hr.Header.Get("X-Vault-Token")
	if id == "" {
		if a := hr.Header.Get("Authorization"); strings.HasPrefix(a, "Bearer ") {
			id = strings.TrimSpace(strings.TrimPrefix(a, "Bearer "))
		}
	}
	if id == "" || entry == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	te, err := s.lookupToken(id)
	if err != nil || te == nil {
		return
	}
	entry.Accessor, entry.TokenType, entry.Root = te.Accessor, te.Type, te.isRoot()
}

func (s *Server) logRequest(r LoggedRequest) {
	s.logMu.Lock()
	if len(s.reqLog) >= maxLogged {
		// Keep memory bounded: drop the oldest half.
		s.reqLog = append([]LoggedRequest(nil), s.reqLog[len(s.reqLog)/2:]...)
	}
	s.reqLog = append(s.reqLog, r)
	s.logMu.Unlock()
}

// maxLogged bounds the request log of a long-running server.
const maxLogged = 100000

func (s *Server) noteRenewed(accessor string) {
	if accessor == "" {
		return
	}
	s.logMu.Lock()
	s.renewedAcc[accessor] = true
	s.logMu.Unlock()
}
