package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
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
	// tlsConf, on the TLS targets (addr is https): the roots the clients
	// trust and the client certificate they present.
	tlsConf *tls.Config
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
	if t.tlsConf != nil {
		c.CloneConfig().HttpClient.Transport.(*http.Transport).TLSClientConfig = t.tlsConf.Clone()
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
	// Readiness only: an https server's CA may not be on disk yet (the
	// clients of the timed runs verify it).
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true,
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
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

// serveTLS serves h (srv, or a replay of it) over TLS on loopback, asking
// for client certificates as Vault's listener does.
func serveTLS(key, name string, srv *mockvault.Server, h http.Handler) *target {
	hs := testhelpers.StartTLS(toolT{}, h)
	pool := x509.NewCertPool()
	pool.AddCert(hs.Certificate())
	return &target{key: key, name: name + " (TLS)", addr: hs.URL, root: srv.RootToken(), srv: srv,
		tlsConf: benchTLS(pool), stop: func() { hs.Close(); srv.Close() }}
}

// startBinaryTLS starts a server process serving https with a dev CA it
// writes into a new directory (args(dir): -dev-tls -dev-tls-cert-dir dir).
func startBinaryTLS(key, name, bin string, args func(dir string) []string, port int) (*target, error) {
	dir, err := os.MkdirTemp("", "benchcompare-tls")
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("https://127.0.0.1:%d", port)
	p, _, err := startProcess(bin, args(dir), addr, 60*time.Second)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	stop := func() { p.kill(); os.RemoveAll(dir) }
	ca, err := os.ReadFile(filepath.Join(dir, mockvault.DevTLSCAFile))
	pool := x509.NewCertPool()
	if err != nil || !pool.AppendCertsFromPEM(ca) {
		stop()
		return nil, fmt.Errorf("%s: no dev CA in %s: %v", name, dir, err)
	}
	return &target{key: key, name: name + " (TLS)", addr: addr, root: "root", tlsConf: benchTLS(pool), stop: stop}, nil
}

// startTLSTargets starts the https twin of every target but the
// in-memory one (no TLS connection there): the rows of the TLS workloads.
func startTLSTargets(mockBin, vaultBin, self string, used map[int]bool) ([]*target, error) {
	srv := mockvault.New(mockvault.Options{Clock: mockvault.RealClock{}})
	ceil := mockvault.New(mockvault.Options{Clock: mockvault.RealClock{}})
	out := []*target{serveTLS("inproc", "mock in-process", srv, srv),
		serveTLS("ceiling", "loopback ceiling", ceil, &replay{h: ceil, cache: map[string]*recorded{}})}
	for _, spec := range []struct {
		key, name, bin string
		step           int
		args           func(port int, dir string) []string
	}{
		{"binary", "mock binary", mockBin, 1, func(port int, dir string) []string {
			return append(mockArgs(port), "-dev-tls", "-dev-tls-cert-dir", dir)
		}},
		{"real", "Vault 1.21.1", vaultBin, 2, func(port int, dir string) []string {
			return append(vaultArgs(port), "-dev-tls", "-dev-tls-cert-dir", dir)
		}},
		{"ceilproc", "loopback ceiling, own process", self, 1, func(port int, dir string) []string {
			return []string{"-serve-replay", fmt.Sprintf("127.0.0.1:%d", port), "-serve-replay-tls-dir", dir}
		}},
	} {
		port, err := pickPort(18400, 18409, spec.step, used)
		var t *target
		if err == nil {
			t, err = startBinaryTLS(spec.key, spec.name, spec.bin, func(dir string) []string { return spec.args(port, dir) }, port)
		}
		if err != nil {
			for _, t := range out {
				t.stop()
			}
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// serveReplayTLS serves a replaying mock over https on addr with a dev CA
// written into dir (the own-process ceiling of the TLS rows).
func serveReplayTLS(addr, dir string, h http.Handler) error {
	d, err := mockvault.NewDevTLS()
	if err != nil {
		return err
	}
	conf, err := d.ServerConfig()
	if err != nil {
		return err
	}
	conf.ClientAuth = tls.RequestClientCert
	if err := d.WriteFiles(dir); err != nil {
		return err
	}
	hs := &http.Server{Addr: addr, Handler: h, TLSConfig: conf}
	return hs.ListenAndServeTLS("", "")
}
