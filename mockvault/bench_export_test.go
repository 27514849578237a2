package mockvault

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// benchSeq numbers the tokens FillTreeForBench makes, across servers.
var benchSeq atomic.Int64

// FillTreeForBench stores a tree of n service tokens (one orphan parent
// and n-1 direct children, the shape the revoke-tree benchmarks and
// tools/benchcompare use) and returns the parent's id. Ids are numbered,
// not random, so building a tree costs a fraction of revoking it and
// benchmarks time the revocation rather than the set-up. Test-only.
func (s *Server) FillTreeForBench(n int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var parent string
	for i := 0; i < n; i++ {
		te := benchToken(now, "benchtree", "benchacc", parent)
		s.tokens.insert(te)
		if i == 0 {
			parent = te.ID
		}
	}
	return parent
}

// CubbyholeCount returns how many tokens hold a cubbyhole (for tests that
// check cubbyholes die with their tokens). Test-only.
func (s *Server) CubbyholeCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.cubbyholes())
}

// FillTokensForBench stores n orphan service tokens with the default
// policy and returns their ids. It is for benchmarks and load tests that
// need a big store fast, without n HTTP round trips. Test-only.
func (s *Server) FillTokensForBench(n int) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	ids := make([]string, n)
	for i := range ids {
		te := &tokenEntry{Policies: []string{"default"}, Path: "auth/token/create", DisplayName: "token",
			CreationTime: now, TTL: systemMaxTTL, Renewable: true, Type: tokenTypeService, authMount: "auth/token/"}
		_ = s.storeNewToken(te)
		ids[i] = te.ID
	}
	return ids
}

// benchToken is a numbered service token with the default policy, as
// auth/token/create would store it: cheap ids, so benchmarks time what
// they measure rather than the set-up. Test-only.
func benchToken(now time.Time, idKind, accKind, parent string) *tokenEntry {
	seq := benchSeq.Add(1)
	return &tokenEntry{
		ID: fmt.Sprintf("hvs.%s%012d", idKind, seq), Accessor: fmt.Sprintf("%s%016d", accKind, seq),
		Parent: parent, Policies: []string{"default"}, Path: "auth/token/create", DisplayName: "token",
		CreationTime: now, TTL: systemMaxTTL, ExpireTime: now.Add(systemMaxTTL), leaseTTL: systemMaxTTL,
		Renewable: true, Type: tokenTypeService, authMount: "auth/token/",
	}
}

// FaultsLeftForTest is how many injected faults no request has taken yet.
// Test-only: a test waits on it to know its request reached the fault.
func (s *Server) FaultsLeftForTest() int {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	return len(s.faults)
}

// WrapForTest wraps body with the root token for 60 s, in process, as
// the expiry tests and BenchmarkWrapTokensExpire fill a server. Test-only.
func (s *Server) WrapForTest(tb testing.TB, body string) {
	tb.Helper()
	hr := httptest.NewRequest(http.MethodPost, "/v1/sys/wrapping/wrap", strings.NewReader(body))
	hr.Header.Set("X-Vault-Token", s.RootToken())
	hr.Header.Set("X-Vault-Wrap-TTL", "60s")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, hr)
	if w.Code != http.StatusOK {
		tb.Fatalf("wrap: %d %s", w.Code, w.Body)
	}
}
