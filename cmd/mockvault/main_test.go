package main

import (
	"bytes"
	"net/http"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mockvault/mockvault/testhelpers"
)

// syncBuf is a bytes.Buffer safe to read while the server writes to it.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestServerDevStartsAndStopsOnSignal(t *testing.T) {
	var out, errOut syncBuf
	ready := make(chan string, 1)
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"server", "-dev", "-dev-root-token-id=tok123", "-dev-listen-address=127.0.0.1:0"}, &out, &errOut, ready)
	}()
	var addr string
	select {
	case addr = <-ready:
	case <-time.After(10 * time.Second):
		t.Fatalf("not ready: %s %s", out.String(), errOut.String())
	}
	resp, err := http.Get(addr + "/v1/sys/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health: %v %v", resp, err)
	}
	resp.Body.Close()
	c, err := testhelpers.NewClient(addr, "tok123")
	if err != nil {
		t.Fatal(err)
	}
	sec, err := c.Auth().Token().LookupSelf()
	if err != nil || sec.Data["policies"].([]any)[0] != "root" {
		t.Fatalf("lookup-self: %v %v", sec, err)
	}
	if !strings.Contains(out.String(), "Root Token: tok123") || !strings.Contains(out.String(), addr) {
		t.Fatalf("banner: %s", out.String())
	}
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("did not stop on SIGTERM")
	}
}

func TestServerNeedsDev(t *testing.T) {
	var out, errOut syncBuf
	if code := run([]string{"server"}, &out, &errOut, nil); code != 2 {
		t.Fatalf("exit %d", code)
	}
}

func TestServerRefusesBadSeed(t *testing.T) {
	dir := t.TempDir()
	p := dir + "/seed.hcl"
	if err := os.WriteFile(p, []byte("token \"x\" {\n  type = \"batch\"\n  num_uses = 2\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut syncBuf
	code := run([]string{"server", "-dev", "-dev-listen-address=127.0.0.1:0", "-seed", p}, &out, &errOut, nil)
	if code != 1 || !strings.Contains(errOut.String(), "line 1") || !strings.Contains(errOut.String(), `batch tokens cannot have "num_uses" set`) {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
}
