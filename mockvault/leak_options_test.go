package mockvault

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// The package's goleak options used to ignore every goroutine blocked on
// a network read, so a test that left an HTTP server running passed. A
// running server is a leak for them now; a closed one is not.
func TestLeakOptionsCatchRunningServer(t *testing.T) {
	existing := goleak.IgnoreCurrent()
	s := New(Options{})
	hs := httptest.NewServer(s)
	c := hs.Client()
	resp, err := c.Get(hs.URL + "/v1/sys/health")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	err = goleak.Find(append(leakOptions(), existing)...)
	if err == nil || !strings.Contains(err.Error(), "net/http.(*Server).Serve") {
		t.Errorf("goleak with the package's options let a running HTTP server pass: %v", err)
	}
	hs.Close()
	s.Close()
	c.CloseIdleConnections()
	if err := goleak.Find(append(leakOptions(), existing)...); err != nil {
		t.Errorf("after Close: %v", err)
	}
}
