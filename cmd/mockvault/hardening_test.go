package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// The admin routes take the admin token (flag or env), and only it.
func TestServerAdminToken(t *testing.T) {
	t.Setenv("MOCKVAULT_ADMIN_TOKEN", "from-env")
	for _, tc := range []struct {
		args []string
		tok  string
	}{
		{[]string{"-admin-routes"}, "from-env"},
		{[]string{"-admin-routes", "-admin-token", "from-flag"}, "from-flag"},
	} {
		t.Run(tc.tok, func(t *testing.T) { // one server at a time: a stop signals them all
			testAdminToken(t, tc.args, tc.tok)
		})
	}
	// Without an admin token the banner says the root token opens them.
	t.Setenv("MOCKVAULT_ADMIN_TOKEN", "")
	_, out, _ := startServer(t, "-admin-routes")
	if !strings.Contains(out.String(), "Admin routes: http://") || !strings.Contains(out.String(), "root token") {
		t.Fatalf("banner: %s", out.String())
	}
}

func testAdminToken(t *testing.T, args []string, tok string) {
	addr, out, _ := startServer(t, args...)
	if !strings.Contains(out.String(), "Admin Token: "+tok) {
		t.Fatalf("banner: %s", out.String())
	}
	call := func(tok string) int {
		req, _ := http.NewRequest("POST", addr+"/_mockvault/seal", nil)
		req.Header.Set("X-Vault-Token", tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := call("root"); c != 403 {
		t.Fatalf("%v: root token on the admin routes: %d", args, c)
	}
	if c := call(tok); c != 204 {
		t.Fatalf("%v: admin token: %d", args, c)
	}
}

// Vault's listener defaults, overridable by flag and env.
func TestServerTimeouts(t *testing.T) {
	c, code := parseServerFlags([]string{"-dev"}, io.Discard, io.Discard)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	hs := c.httpServer(nil)
	if hs.ReadHeaderTimeout != 10*time.Second || hs.ReadTimeout != 30*time.Second || hs.WriteTimeout != 0 || hs.IdleTimeout != 5*time.Minute {
		t.Fatalf("defaults: %+v", hs)
	}
	t.Setenv("MOCKVAULT_HTTP_READ_TIMEOUT", "45")
	t.Setenv("MOCKVAULT_HTTP_IDLE_TIMEOUT", "1m")
	c, code = parseServerFlags([]string{"-dev", "-http-read-header-timeout", "2s", "-http-write-timeout=90", "-http-idle-timeout", "30s"}, io.Discard, io.Discard)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	hs = c.httpServer(nil)
	if hs.ReadHeaderTimeout != 2*time.Second || hs.ReadTimeout != 45*time.Second || hs.WriteTimeout != 90*time.Second || hs.IdleTimeout != 30*time.Second {
		t.Fatalf("set: %+v", hs)
	}
	var errOut syncBuf
	if _, code := parseServerFlags([]string{"-dev", "-http-read-timeout", "soon"}, io.Discard, &errOut); code != 2 {
		t.Fatalf("bad duration accepted: %d", code)
	}
	t.Setenv("MOCKVAULT_HTTP_WRITE_TIMEOUT", "-1s")
	if _, code := parseServerFlags([]string{"-dev"}, io.Discard, &errOut); code != 2 || !strings.Contains(errOut.String(), "MOCKVAULT_HTTP_WRITE_TIMEOUT") {
		t.Fatalf("bad env duration accepted: %d %s", code, errOut.String())
	}
}

// Stalled connections are closed by the read and idle timeouts, and the
// server answers new requests as fast as ever meanwhile: a small-scale run
// of the 10,000-connection stall of tools/hostile.
func TestServerClosesStalledConnections(t *testing.T) {
	addr, _, _ := startServer(t, "-http-read-header-timeout=300ms", "-http-read-timeout=600ms", "-http-idle-timeout=600ms")
	host := strings.TrimPrefix(addr, "http://")
	u, _ := url.Parse(addr)
	const perMode = 50
	modes := map[string]string{
		"silent":         "",
		"partial header": "GET /v1/sys/health HTTP/1.1\r\nHost: " + u.Host + "\r\nX-Slow: ",
		"stalled body":   "POST /v1/secret/data/x HTTP/1.1\r\nHost: " + u.Host + "\r\nX-Vault-Token: root\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"data\":{\"a\":\"",
		"idle keepalive": "GET /v1/sys/health HTTP/1.1\r\nHost: " + u.Host + "\r\n\r\n",
	}
	type stalled struct {
		mode string
		conn net.Conn
	}
	var conns []stalled
	for mode, pre := range modes {
		for i := 0; i < perMode; i++ {
			c, err := net.Dial("tcp", host)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			if _, err := io.WriteString(c, pre); err != nil {
				t.Fatal(err)
			}
			conns = append(conns, stalled{mode, c})
		}
	}
	// The server answers new requests while they stall (how fast is
	// measured by make hostile-slow, not asserted here: a timed assertion
	// fails on a busy machine). The client's timeout bounds a hang.
	hc := &http.Client{Timeout: 30 * time.Second}
	for i := 0; i < 20; i++ {
		resp, err := hc.Get(addr + "/v1/sys/health")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("health during the stall: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	// Every stalled connection is closed by the server within its timeout
	// (0.6 s at most) plus a generous bound for a busy machine: the client
	// reads EOF (after at most one answer). The wait ends as soon as all
	// are closed.
	deadline := time.Now().Add(15 * time.Second)
	var wg sync.WaitGroup
	errc := make(chan error, len(conns))
	for _, s := range conns {
		wg.Add(1)
		go func(s stalled) {
			defer wg.Done()
			_ = s.conn.SetReadDeadline(deadline)
			br := bufio.NewReader(s.conn)
			// EOF or a reset: closed; a deadline: still open.
			if _, err := io.Copy(io.Discard, br); errors.Is(err, os.ErrDeadlineExceeded) {
				errc <- fmt.Errorf("%s: still open: %v", s.mode, err)
			}
		}(s)
	}
	wg.Wait()
	close(errc)
	n := 0
	for err := range errc {
		if n < 3 {
			t.Error(err)
		}
		n++
	}
	if n > 0 {
		t.Fatalf("%d of %d stalled connections left open", n, len(conns))
	}
	resp, err := http.Get(addr + "/v1/sys/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health after the stall: %v %v", resp, err)
	}
	resp.Body.Close()
}
