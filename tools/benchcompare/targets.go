package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/mockvault"
	"github.com/mockvault/mockvault/testhelpers"
)

// target is one server under test: the mock in-process, the mock binary or
// real Vault, reached at addr with the root token.
type target struct {
	key  string // column key: inproc, binary, real
	name string
	addr string
	root string
	stop func()
	// srv is the in-process server (nil for processes).
	srv *mockvault.Server
	// inMemory: clients reach srv without a socket.
	inMemory bool
}

// client returns a client of its own (own connection pool) for t.
func (t *target) client(token string) *api.Client {
	if t.inMemory {
		c, err := testhelpers.NewInMemoryClient(t.srv, token)
		if err != nil {
			panic(err)
		}
		return c
	}
	c, err := testhelpers.NewClient(t.addr, token)
	if err != nil {
		panic(err)
	}
	return c
}

// startInMemory is a fresh in-process mock reached without a socket
// (testhelpers.NewInMemoryClient).
func startInMemory() *target {
	srv := mockvault.New(mockvault.Options{Clock: mockvault.RealClock{}})
	return &target{key: "memory", name: "mock in-memory", addr: "http://mockvault.in-memory", root: srv.RootToken(), srv: srv,
		inMemory: true, stop: srv.Close}
}

// startInProcess serves a fresh mock on a loopback httptest listener, as
// testhelpers.RunT does (but with the wall clock, like the binary).
func startInProcess() *target {
	srv := mockvault.New(mockvault.Options{Clock: mockvault.RealClock{}})
	hs := httptest.NewServer(srv)
	return &target{key: "inproc", name: "mock in-process", addr: hs.URL, root: srv.RootToken(), srv: srv,
		stop: func() { hs.Close(); srv.Close() }}
}

// proc is a server process started by this tool.
type proc struct {
	cmd  *exec.Cmd
	out  *bytes.Buffer
	done chan struct{} // closed once the process has exited and is reaped
}

// kill ends the process this tool started (by its pid) and reaps it.
func (p *proc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// cleanEnv is the environment without VAULT_* variables, so neither a
// developer's shell nor CI settings change what the servers do.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VAULT_") {
			env = append(env, kv)
		}
	}
	return env
}

// startProcess runs bin with args and returns once /v1/sys/health answers
// 200, with the time from exec to that answer.
func startProcess(bin string, args []string, addr string, timeout time.Duration) (*proc, time.Duration, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = cleanEnv()
	cmd.Dir = os.TempDir()
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	p := &proc{cmd: cmd, out: out, done: make(chan struct{})}
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	go func() {
		_ = cmd.Wait()
		close(p.done)
	}()
	url := addr + "/v1/sys/health"
	for {
		resp, err := hc.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, time.Since(start), nil
			}
		}
		select {
		case <-p.done:
			return nil, 0, fmt.Errorf("%s exited before it was ready: %s", bin, out.String())
		default:
		}
		if time.Since(start) > timeout {
			p.kill()
			return nil, 0, fmt.Errorf("%s not ready after %v: %v\n%s", bin, timeout, err, out.String())
		}
		time.Sleep(500 * time.Microsecond)
	}
}

// portFree reports whether a loopback TCP port can be bound now.
func portFree(port int) bool {
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// pickPort returns the first free port from start, stepping by step (real
// Vault also binds port+1 for its cluster listener).
func pickPort(start, end, step int, used map[int]bool) (int, error) {
	for p := start; p+step-1 <= end; p += step {
		ok := true
		for q := p; q < p+step; q++ {
			if used[q] || !portFree(q) {
				ok = false
				break
			}
		}
		if ok {
			for q := p; q < p+step; q++ {
				used[q] = true
			}
			return p, nil
		}
	}
	return 0, errors.New("no free port in range")
}

func mockArgs(port int) []string {
	return []string{"server", "-dev", "-dev-root-token-id=root", fmt.Sprintf("-dev-listen-address=127.0.0.1:%d", port)}
}

func vaultArgs(port int) []string {
	return []string{"server", "-dev", "-dev-no-store-token", "-dev-root-token-id=root",
		fmt.Sprintf("-dev-listen-address=127.0.0.1:%d", port), "-log-level=error"}
}

// startBinaryTarget starts a server process for the throughput runs.
func startBinaryTarget(key, name, bin string, args []string, port int) (*target, error) {
	addr := fmt.Sprintf("http://127.0.0.1:%d", port)
	p, _, err := startProcess(bin, args, addr, 60*time.Second)
	if err != nil {
		return nil, err
	}
	return &target{key: key, name: name, addr: addr, root: "root", stop: p.kill}, nil
}
