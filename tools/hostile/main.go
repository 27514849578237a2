// Command hostile runs the mockvault binary under hostile conditions and
// prints what it measured, in Markdown (docs/reliability.md keeps the
// figures of the last run):
//
//	hostile load   -bin bin/mockvault   # N workers of mixed API calls for a bounded time
//	hostile slow   -bin bin/mockvault   # 10,000 stalled connections; does the server still answer?
//	hostile bodies -bin bin/mockvault   # hostile request bodies, one table row each
//
// Each run starts its own server from -bin on 127.0.0.1:-port (loopback
// only, never another address), with -server-flags added, samples its
// memory and file descriptors from /proc, and stops it at the end. Every
// count and duration is bounded by a flag. `make hostile` (mk/hostile.mk)
// runs all three. It needs Linux (/proc) and only the standard library.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	cmd, args := os.Args[1], os.Args[2:]
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	var o common
	fs.StringVar(&o.bin, "bin", "bin/mockvault", "the mockvault binary to run")
	fs.IntVar(&o.port, "port", 18260, "loopback port of the server")
	fs.StringVar(&o.serverFlags, "server-flags", "", "more flags for `mockvault server -dev` (space-separated)")
	var run func() error
	switch cmd {
	case "load":
		var l loadOpts
		fs.IntVar(&l.workers, "workers", 16, "concurrent clients")
		fs.DurationVar(&l.duration, "duration", 20*time.Second, "how long the load runs (bounded)")
		fs.IntVar(&l.maxOps, "max-ops", 2_000_000, "stop after this many requests")
		run = func() error { return runLoad(o, l) }
	case "slow":
		var s slowOpts
		fs.IntVar(&s.conns, "conns", 10_000, "stalled connections (spread over the modes)")
		fs.DurationVar(&s.hold, "hold", 45*time.Second, "how long to keep watching them (bounded)")
		fs.IntVar(&s.dialers, "dialers", 64, "concurrent dialers")
		run = func() error { return runSlow(o, s) }
	case "bodies":
		var b bodiesOpts
		fs.IntVar(&b.parallel, "parallel", 24, "concurrent senders of the parallel large-bodies case")
		run = func() error { return runBodies(o, b) }
	default:
		usage()
	}
	_ = fs.Parse(args)
	if o.port <= 0 || o.port > 65535 {
		fmt.Fprintln(os.Stderr, "hostile: bad -port")
		os.Exit(2)
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "hostile:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: hostile load|slow|bodies [-bin bin/mockvault] [-port 18260] [flags]")
	os.Exit(2)
}

type common struct {
	bin         string
	port        int
	serverFlags string
}

// server is a running mockvault process on a loopback port.
type server struct {
	addr, host string
	cmd        *exec.Cmd
	stderr     *tailBuf
	exited     chan struct{}
	args       []string
}

// tailBuf keeps the last 64 KiB a process wrote.
type tailBuf struct {
	mu sync.Mutex
	b  []byte
}

func (t *tailBuf) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > 64<<10 {
		t.b = append([]byte(nil), t.b[len(t.b)-64<<10:]...)
	}
	return len(p), nil
}

func (t *tailBuf) String() string { t.mu.Lock(); defer t.mu.Unlock(); return string(t.b) }

// start runs the binary on 127.0.0.1:port and waits for sys/health.
func start(o common) (*server, error) {
	host := net.JoinHostPort("127.0.0.1", strconv.Itoa(o.port))
	args := []string{"server", "-dev", "-dev-listen-address=" + host, "-log-level=warn"}
	args = append(args, strings.Fields(o.serverFlags)...)
	s := &server{addr: "http://" + host, host: host, stderr: &tailBuf{}, exited: make(chan struct{}), args: args}
	s.cmd = exec.Command(o.bin, args...)
	s.cmd.Stdout = io.Discard
	s.cmd.Stderr = s.stderr
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if s.healthy(time.Second) {
			return s, nil
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("server exited at start: %s", s.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, errors.New("server not ready after 10s (port in use?)")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *server) alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// healthy is one GET sys/health on a fresh connection.
func (s *server) healthy(timeout time.Duration) bool {
	c := &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(s.addr + "/v1/sys/health")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == 200
}

func (s *server) stop() {
	if s.alive() {
		_ = s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	}
}

// died says whether the process ended, and how (the end of its stderr).
func (s *server) died() (bool, string) {
	if s.alive() {
		return false, ""
	}
	lines := strings.Split(strings.TrimSpace(s.stderr.String()), "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "fatal error:") || strings.HasPrefix(l, "runtime:") || strings.HasPrefix(l, "panic:") {
			return true, l
		}
	}
	return true, s.cmd.ProcessState.String()
}

// procStats reads a process's resident memory and open descriptors.
func procStats(pid int) (rssMiB float64, fds int) {
	if f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
				kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
				rssMiB = float64(kb) / 1024
			}
		}
		f.Close()
	}
	if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
		fds = len(ents)
	}
	return rssMiB, fds
}

// sampler records a process's peak memory and descriptors until stopped.
type sampler struct {
	peakRSS  atomic.Uint64 // KiB
	peakFDs  atomic.Int64
	lastFDs  atomic.Int64
	lastRSS  atomic.Uint64
	stopOnce sync.Once
	done     chan struct{}
}

func sample(pid int, every time.Duration) *sampler {
	sm := &sampler{done: make(chan struct{})}
	tick := func() {
		rss, fds := procStats(pid)
		k := uint64(rss * 1024)
		sm.lastRSS.Store(k)
		sm.lastFDs.Store(int64(fds))
		if k > sm.peakRSS.Load() {
			sm.peakRSS.Store(k)
		}
		if int64(fds) > sm.peakFDs.Load() {
			sm.peakFDs.Store(int64(fds))
		}
	}
	tick()
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-sm.done:
				return
			case <-t.C:
				tick()
			}
		}
	}()
	return sm
}

func (sm *sampler) stop() { sm.stopOnce.Do(func() { close(sm.done) }) }

func mib(kib uint64) float64 { return float64(kib) / 1024 }

// latencies keeps durations for percentiles.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) { l.mu.Lock(); l.d = append(l.d, d); l.mu.Unlock() }

func (l *latencies) pct(p float64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return 0
	}
	sort.Slice(l.d, func(i, j int) bool { return l.d[i] < l.d[j] })
	i := int(p / 100 * float64(len(l.d)-1))
	return l.d[i]
}

func (l *latencies) n() int { l.mu.Lock(); defer l.mu.Unlock(); return len(l.d) }

func round(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	default:
		return d.Round(time.Microsecond).String()
	}
}

// client is an HTTP client for the server: bounded time, pooled.
func client(conns int, timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: 30 * time.Second,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}}
}

// call does one request and drains the answer.
func call(c *http.Client, method, url, token, body string) (int, string, error) {
	ctx := context.Background()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return 0, "", err
	}
	if token != "" {
		req.Header.Set("X-Vault-Token", token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(b), nil
}
