package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type slowOpts struct {
	conns   int
	hold    time.Duration
	dialers int
}

// slowMode is one way of holding a connection without finishing a request.
type slowMode struct {
	name, what string
	send       func(host string) string
}

var slowModes = []slowMode{
	{"silent", "connects, sends nothing", func(string) string { return "" }},
	{"partial header", "half a request line and headers, then nothing", func(h string) string {
		return "GET /v1/sys/health HTTP/1.1\r\nHost: " + h + "\r\nX-Slow: a"
	}},
	{"stalled body", "headers of a 1 MB JSON POST, 1 KiB of it, then nothing", func(h string) string {
		return "POST /v1/secret/data/slow HTTP/1.1\r\nHost: " + h + "\r\nX-Vault-Token: root\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{\"data\":{\"v\":\"" + strings.Repeat("a", 1024)
	}},
	{"stalled large body", "headers of a 10 MB POST, 96 KiB of it (past the large-body threshold), then nothing", func(h string) string {
		return "POST /v1/secret/data/slow HTTP/1.1\r\nHost: " + h + "\r\nX-Vault-Token: root\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{\"data\":{\"v\":\"" + strings.Repeat("a", 96<<10)
	}},
	{"idle keep-alive", "one whole request, then idle on the open connection", func(h string) string {
		return "GET /v1/sys/health HTTP/1.1\r\nHost: " + h + "\r\n\r\n"
	}},
}

// runSlow opens many connections that never finish a request (or idle
// after one), then keeps checking that new clients are still served in
// their usual time and that the server's timeouts close the stalled ones.
func runSlow(o common, so slowOpts) error {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err == nil && rl.Cur < uint64(so.conns+200) {
		return fmt.Errorf("this process may open %d files, fewer than -conns %d + 200: raise ulimit -n", rl.Cur, so.conns)
	}
	s, err := start(o)
	if err != nil {
		return err
	}
	defer s.stop()
	pid := s.cmd.Process.Pid
	rss0, fds0 := procStats(pid)

	// Baseline: new connection per request, as the probes during the stall.
	base := probe(s, 200)
	sm := sample(pid, 100*time.Millisecond)

	type held struct {
		mode   int
		opened time.Time
		closed atomic.Int64 // ns after opened; 0 while open
	}
	all := make([]*held, so.conns)
	var dialFails atomic.Int64
	var firstDialErr atomic.Value
	var wg, readers sync.WaitGroup
	next := atomic.Int64{}
	var conns sync.Map
	t0 := time.Now()
	for d := 0; d < so.dialers; d++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= so.conns {
					return
				}
				h := &held{mode: i % len(slowModes)}
				all[i] = h
				c, err := net.DialTimeout("tcp", s.host, 5*time.Second)
				if err != nil {
					dialFails.Add(1)
					firstDialErr.CompareAndSwap(nil, err.Error())
					continue
				}
				conns.Store(i, c)
				h.opened = time.Now()
				if pre := slowModes[h.mode].send(s.host); pre != "" {
					_, _ = io.WriteString(c, pre)
				}
				readers.Add(1)
				go func() {
					defer readers.Done()
					_, _ = io.Copy(io.Discard, c) // returns when the server closes it (or we do)
					h.closed.Store(int64(time.Since(h.opened)))
				}()
			}
		}()
	}
	wg.Wait()
	openTook := time.Since(t0)
	_, fdsOpen := procStats(pid)

	// Watch: probes every second until the hold ends.
	var during latencies
	var probeFails, probeReqs int
	var firstProbeErr string
	maxSecond := time.Duration(0)
	for time.Since(t0) < so.hold {
		p := probe(s, 10)
		during.d = append(during.d, p.lat.d...)
		probeFails += p.fails
		probeReqs += p.reqs
		if firstProbeErr == "" {
			firstProbeErr = p.firstErr
		}
		if m := p.lat.pct(100); m > maxSecond {
			maxSecond = m
		}
		time.Sleep(time.Second - p.took%time.Second)
	}
	sm.stop()
	rssEnd, fdsEnd := procStats(pid)
	dead, why := s.died()
	after := probe(s, 200)

	// Close what is left, then report.
	conns.Range(func(_, v any) bool { v.(net.Conn).Close(); return true })
	readers.Wait()

	fmt.Printf("### slow connections\n\n%d connections (%d dialers; open in %v, %d refused), watched for %v; server `%s`\n\n",
		so.conns, so.dialers, openTook.Round(time.Millisecond), dialFails.Load(), so.hold, strings.Join(s.args, " "))
	if v := firstDialErr.Load(); v != nil {
		fmt.Printf("first dial error: %s\n\n", v)
	}
	fmt.Println("| mode | what the client does | connections | closed by the server within the watch | median close after | last close after |")
	fmt.Println("|---|---|---|---|---|---|")
	openLeft := 0
	for mi, m := range slowModes {
		var n, closed int
		var ds []time.Duration
		for _, h := range all {
			if h == nil || h.mode != mi || h.opened.IsZero() {
				continue
			}
			n++
			// closed before the watch ended (we closed the rest ourselves)
			if c := time.Duration(h.closed.Load()); c > 0 && h.opened.Add(c).Before(t0.Add(so.hold)) {
				closed++
				ds = append(ds, c)
			}
		}
		openLeft += n - closed
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		med, last := "-", "-"
		if len(ds) > 0 {
			med, last = round(ds[len(ds)/2]), round(ds[len(ds)-1])
		}
		fmt.Printf("| %s | %s | %d | %d | %s | %s |\n", m.name, m.what, n, closed, med, last)
	}
	fmt.Println()
	fmt.Println("| new clients (a new connection each: sys/health, token create, lookup-self) | requests | failed | p50 | p99 | max |")
	fmt.Println("|---|---|---|---|---|---|")
	fmt.Printf("| before the stall | %d | %d | %s | %s | %s |\n", base.reqs, base.fails, round(base.lat.pct(50)), round(base.lat.pct(99)), round(base.lat.pct(100)))
	fmt.Printf("| during the stall (every second) | %d | %d | %s | %s | %s |\n", probeReqs, probeFails, round(during.pct(50)), round(during.pct(99)), round(during.pct(100)))
	fmt.Printf("| after the watch | %d | %d | %s | %s | %s |\n\n", after.reqs, after.fails, round(after.lat.pct(50)), round(after.lat.pct(99)), round(after.lat.pct(100)))
	if firstProbeErr != "" {
		fmt.Printf("first failed probe: %s\n\n", firstProbeErr)
	}
	state := "alive"
	if dead {
		state = "died: " + why
	}
	fmt.Printf("Server: %s; open descriptors %d before, %d with the connections open (peak %d), %d at the end of the watch; RSS %.0f MiB before, peak %.0f MiB, %.0f MiB at the end.\n\n",
		state, fds0, fdsOpen, sm.peakFDs.Load(), fdsEnd, rss0, mib(sm.peakRSS.Load()), rssEnd)
	if dead || probeFails > 0 || after.fails > 0 {
		return errors.New("slow run failed")
	}
	if openLeft > 0 {
		fmt.Fprintf(os.Stderr, "hostile: %d connections were still open when the watch ended (a timeout longer than -hold?)\n", openLeft)
	}
	return nil
}

type probeResult struct {
	lat         latencies
	reqs, fails int
	firstErr    string
	took        time.Duration
}

// probe sends n rounds of three requests, each on a new connection.
func probe(s *server, n int) *probeResult {
	p := &probeResult{}
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	start := time.Now()
	for i := 0; i < n; i++ {
		for _, r := range []struct{ method, path, token, body string }{
			{"GET", "sys/health", "", ""},
			{"POST", "auth/token/create", "root", `{"ttl":"1m","policies":["default"]}`},
			{"GET", "auth/token/lookup-self", "root", ""},
		} {
			t := time.Now()
			code, body, err := call(c, r.method, s.addr+"/v1/"+r.path, r.token, r.body)
			p.lat.add(time.Since(t))
			p.reqs++
			if err != nil || code != 200 {
				p.fails++
				if p.firstErr == "" {
					p.firstErr = fmt.Sprintf("%s %s: %d %s %v", r.method, r.path, code, strings.TrimSpace(body), err)
				}
			}
		}
	}
	p.took = time.Since(start)
	return p
}
