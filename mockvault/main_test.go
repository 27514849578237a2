package mockvault

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind: the
// server starts none of its own, and Close ends pending fault latencies.
// It also fails it if any response body differed from encoding/json's
// (crossCheckJSON); benchmarks run without that check, to measure what a
// server does.
func TestMain(m *testing.M) {
	flag.Parse()
	crossCheckJSON.Store(flag.Lookup("test.bench").Value.String() == "")
	code := m.Run()
	if n, first := jsonMismatches.result(); n > 0 {
		fmt.Fprintf(os.Stderr, "jsonenc: %d response bodies differ from encoding/json's; the first: %s\n", n, first)
		code = 1
	}
	// As goleak.VerifyTestMain: look for leaks only after a successful run.
	if code == 0 {
		if err := goleak.Find(leakOptions()...); err != nil {
			fmt.Fprintf(os.Stderr, "goleak: Errors on successful test run: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
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
