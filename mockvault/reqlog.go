package mockvault

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// LoggedRequest is one request as the server saw it. It never holds a
// token or secret: callers are known by their accessor.
type LoggedRequest struct {
	Method string `json:"method"`
	// Path is the Vault path without /v1/, e.g. "auth/token/renew-self".
	// A token in it is replaced by "<redacted>" (maskTokenPath):
	// "auth/token/lookup/<redacted>".
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
	n := 0
	for _, c := range s.reqLog {
		n += len(c)
	}
	out := make([]LoggedRequest, 0, n)
	for _, c := range s.reqLog {
		out = append(out, c...)
	}
	return out
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
// Like the request log, it remembers the last 100,000 or so; Reset
// forgets the renewals by another token.
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
	id := callerToken(hr)
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
	r.Path = maskTokenPath(r.Path)
	if l := s.opts.Logger; l != nil && l.Enabled(context.Background(), slog.LevelDebug) {
		// The debug log shows the masked path only: never a token.
		l.Debug("request", "method", r.Method, "path", r.Path, "status", r.Status)
	}
	s.logMu.Lock()
	// The log is kept in chunks: appending never copies what is logged,
	// and the oldest half is dropped chunk by chunk.
	if n := len(s.reqLog); n == 0 || len(s.reqLog[n-1]) == logChunk {
		if n >= maxLogged/logChunk {
			s.reqLog = append(s.reqLog[:0:0], s.reqLog[n/2:]...)
		}
		s.reqLog = append(s.reqLog, make([]LoggedRequest, 0, logChunk))
	}
	last := &s.reqLog[len(s.reqLog)-1]
	*last = append(*last, r)
	s.logMu.Unlock()
}

// logChunk is the number of requests in one chunk of the request log.
const logChunk = 1024

// maxLogged bounds the request log of a long-running server.
const maxLogged = 100000

// noteRenewed records that the stored token with this accessor was just
// renewed (caller holds s.mu): Renewed answers for it, and its new expire
// time goes to the expiry queue (a renewal may bring it closer). The
// accessors remembered are bounded as the request log is: past maxLogged,
// the oldest half is forgotten.
func (s *Server) noteRenewed(accessor string) {
	if accessor == "" {
		return
	}
	if te := s.tokens.getByAccessor(accessor); te != nil {
		s.tokens.queue(te)
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	if s.renewedAcc[accessor] {
		return
	}
	if len(s.renewedSeq) >= maxLogged {
		// Rebuilt rather than deleted from: a map never shrinks.
		s.renewedSeq = append([]string(nil), s.renewedSeq[len(s.renewedSeq)/2:]...)
		s.renewedAcc = make(map[string]bool, len(s.renewedSeq))
		for _, a := range s.renewedSeq {
			s.renewedAcc[a] = true
		}
	}
	s.renewedAcc[accessor] = true
	s.renewedSeq = append(s.renewedSeq, accessor)
}

// forgetRenewals empties what noteRenewed remembers (Reset).
func (s *Server) forgetRenewals() {
	s.logMu.Lock()
	s.renewedAcc = map[string]bool{}
	s.renewedSeq = nil
	s.logMu.Unlock()
}

// redactedSegment replaces a token in a logged path.
const redactedSegment = "<redacted>"

// tokenPathOps are the token store operations that took the token as the
// rest of the path in Vault's older API ("auth/token/lookup/<token>"):
// Vault 1.21 has no such route, but a client may still send one.
var tokenPathOps = []string{"lookup", "renew", "revoke", "revoke-orphan"}

// maskTokenPath returns path with the tokens it may carry replaced by
// "<redacted>": everything after auth/token/{lookup,renew,revoke,
// revoke-orphan}/, and any segment shaped like a Vault token (hvs., hvb.,
// hvr. and the older s., b., r. ids). It takes a logical path
// ("auth/token/lookup/x") or a URL path ("/v1/auth/token/lookup/x"); a
// query string, if any, is left as it is. Logs of paths go through it.
func maskTokenPath(path string) string {
	p, query, hasQuery := strings.Cut(path, "?")
	if !strings.Contains(p, "auth/token/") && !strings.Contains(p, ".") {
		return path // fast path: nothing token-shaped
	}
	segs := strings.Split(p, "/")
	changed := false
	start := 0
	if len(segs) > 0 && segs[0] == "" {
		start++ // a URL path: "/v1/auth/..."
	}
	if len(segs) > start && segs[start] == "v1" {
		start++
	}
	if len(segs) > start+3 && segs[start] == "auth" && segs[start+1] == "token" && contains(tokenPathOps, segs[start+2]) {
		if rest := strings.Join(segs[start+3:], "/"); rest != "" {
			segs = append(segs[:start+3], redactedSegment)
			changed = true
		}
	}
	for i, seg := range segs {
		if looksLikeToken(seg) {
			segs[i] = redactedSegment
			changed = true
		}
	}
	if !changed {
		return path
	}
	out := strings.Join(segs, "/")
	if hasQuery {
		out += "?" + query
	}
	return out
}

// looksLikeToken tells a path segment shaped like a Vault token: "hvs.",
// "hvb." or "hvr." and at least 24 characters of base62 or base64url, or
// the older "s.", "b.", "r." and exactly 24 of base62.
func looksLikeToken(seg string) bool {
	for _, prefix := range []string{"hvs.", "hvb.", "hvr."} {
		if rest, ok := strings.CutPrefix(seg, prefix); ok {
			return len(rest) >= tokenRandomLength && strings.Trim(rest, base62+"-_") == ""
		}
	}
	for _, prefix := range []string{"s.", "b.", "r."} {
		if rest, ok := strings.CutPrefix(seg, prefix); ok {
			return len(rest) == tokenRandomLength && strings.Trim(rest, base62) == ""
		}
	}
	return false
}
