package mockvault

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind: the
// server starts none of its own, and Close ends pending fault latencies.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, leakOptions()...)
}

// leakOptions are what goleak lets pass. Only idle keep-alive connections
// of HTTP clients are ignored: they are not the server's, and end when the
// server they talk to closes. A goroutine blocked on any other network
// read (an HTTP server left running, its connections) is a leak.
func leakOptions() []goleak.Option {
	return []goleak.Option{
		goleak.IgnoreAnyFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*persistConn).writeLoop"),
	}
}
