// Command benchcompare measures mockvault side by side with real Vault
// 1.21.1: same machine, same client (the official vault/api client over
// loopback), same run. It times server start-up (to the first 200 on
// sys/health) and the throughput of the token store, logins (AppRole,
// userpass, JWT, Kubernetes, TLS certificate), transit and KV operations
// with 1 and with N concurrent clients, against the mock
// in-process (httptest), the mock binary and `vault server -dev`, then
// checks the in-process scale targets (1,000 servers, 1,000,000 tokens).
//
//	make bench-compare                     # from the repository root
//	go run . -vault PATH -out ../../docs/benchmarks.md
//
// The report is Markdown. With -out naming an existing file, only the part
// between the benchcompare markers is replaced, so hand-written analysis
// around it stays.
package main

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/mockvault/mockvault/mockvault"
)

type config struct {
	vaultBin, mockBin, repo, out string
	d, warmup                    time.Duration
	rounds, clients              int
	readyInproc, readyBin        int
	readyReal                    int
	treeSize                     int
	treesSerial, treesParallel   int
	servers                      int
	smallStore, bigStore         int
	quick                        bool
	only                         string
	scaleRounds                  int
	scaleD                       time.Duration
}

func main() {
	var c config
	flag.StringVar(&c.vaultBin, "vault", "", "real Vault 1.21.1 binary (default: $MOCKVAULT_VAULT_BIN, ~/.cache/mockvault/vault-1.21.1)")
	flag.StringVar(&c.mockBin, "mock-bin", "", "mockvault binary (default: built from -repo into a temporary directory)")
	flag.StringVar(&c.repo, "repo", "../..", "repository root, to build the mock binary")
	flag.StringVar(&c.out, "out", "", "Markdown report file (default: standard output)")
	flag.DurationVar(&c.d, "d", time.Second, "length of one timed run")
	flag.DurationVar(&c.warmup, "warmup", 200*time.Millisecond, "untimed run before each timed one")
	flag.IntVar(&c.rounds, "rounds", 2, "timed runs per operation, client count and target (the best counts)")
	flag.IntVar(&c.clients, "clients", 8, "concurrent clients of the parallel runs")
	flag.IntVar(&c.readyInproc, "ready-inproc", 50, "start-ups of the in-process mock (median counts)")
	flag.IntVar(&c.readyBin, "ready-bin", 10, "start-ups of the mock binary")
	flag.IntVar(&c.readyReal, "ready-real", 5, "start-ups of real Vault")
	flag.IntVar(&c.treeSize, "tree", 1000, "tokens per revoked tree")
	flag.IntVar(&c.treesSerial, "trees-serial", 6, "trees revoked by one client, per target")
	flag.IntVar(&c.treesParallel, "trees-parallel", 16, "trees revoked by the concurrent clients, per target")
	flag.IntVar(&c.servers, "servers", 1000, "idle in-process servers for the memory target")
	flag.IntVar(&c.smallStore, "small-store", 1000, "tokens in the small store of the lookup-scaling target")
	flag.IntVar(&c.scaleRounds, "scale-rounds", 4, "timed lookup runs per store phase (small, big, small again), all counted")
	flag.DurationVar(&c.scaleD, "scale-d", 2*time.Second, "length of one timed lookup run of the scale phases")
	flag.IntVar(&c.bigStore, "big-store", 1000000, "tokens in the big store of the lookup-scaling target")
	flag.BoolVar(&c.quick, "quick", false, "smoke run: short runs and small sizes, same code paths")
	flag.StringVar(&c.only, "only", "", "ready, scale or inproc (the in-process mock and its ceiling only): run only that part, print it and stop (no report; for profiling and quick checks)")
	serveReplay := flag.String("serve-replay", "", "internal: serve a replaying mock on this address (the own-process ceiling)")
	replayTLSDir := flag.String("serve-replay-tls-dir", "", "internal: with -serve-replay, serve https with a dev CA written into this directory")
	flag.Parse()
	if *serveReplay != "" {
		srv := mockvault.New(mockvault.Options{Clock: mockvault.RealClock{}})
		rp := &replay{h: srv, cache: map[string]*recorded{}}
		if *replayTLSDir != "" {
			fmt.Fprintln(os.Stderr, serveReplayTLS(*serveReplay, *replayTLSDir, rp))
		} else {
			fmt.Fprintln(os.Stderr, http.ListenAndServe(*serveReplay, rp))
		}
		os.Exit(1)
	}
	if c.quick {
		c.d, c.warmup, c.rounds = 150*time.Millisecond, 20*time.Millisecond, 1
		c.readyInproc, c.readyBin, c.readyReal = 5, 2, 1
		c.treeSize, c.treesSerial, c.treesParallel = 100, 2, c.clients
		c.servers, c.bigStore, c.scaleRounds, c.scaleD = 100, 20000, 1, 150*time.Millisecond
	}
	if err := run(&c); err != nil {
		fmt.Fprintln(os.Stderr, "benchcompare:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "benchcompare: "+format+"\n", args...)
}

// findVault resolves the real Vault binary.
func findVault(flagValue string) (string, error) {
	cands := []string{flagValue, os.Getenv("MOCKVAULT_VAULT_BIN")}
	if home, err := os.UserHomeDir(); err == nil {
		cands = append(cands, filepath.Join(home, ".cache", "mockvault", "vault-1.21.1"))
	}
	for _, p := range cands {
		if p == "" {
			continue
		}
		if out, err := exec.Command(p, "version").Output(); err == nil && strings.Contains(string(out), "Vault v1.21.1") {
			return p, nil
		}
		if flagValue != "" && p == flagValue {
			return "", fmt.Errorf("%s is not a Vault v1.21.1 binary", p)
		}
	}
	return "", errors.New("no Vault 1.21.1 binary: run tools/realvault/build.sh or pass -vault")
}

// buildMock builds cmd/mockvault from the repository into dir.
func buildMock(repo, dir string) (string, error) {
	out := filepath.Join(dir, "mockvault")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/mockvault")
	cmd.Dir = repo
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return out, cmd.Run()
}

// results gathers everything the report shows.
type results struct {
	machine   machine
	loadStart string
	loadEnd   string
	ready     map[string][]time.Duration // by target key
	rates     map[string]map[int]map[string]float64
	revoke    map[int]map[string]float64
	servers   serversResult
	stores    []storeResult
	cfg       *config
	elapsed   time.Duration
	date      time.Time
}

var targetOrder = []string{"inproc", "memory", "binary", "real", "ceiling", "ceilproc"}

func run(c *config) error {
	began := time.Now()
	res := &results{cfg: c, date: began.UTC(), machine: readMachine(), loadStart: loadAvg(),
		ready: map[string][]time.Duration{}, rates: map[string]map[int]map[string]float64{},
		revoke: map[int]map[string]float64{}}
	// 1. Scale targets, in-process, first: the heap holds nothing else yet.
	if c.only == "" || c.only == "scale" {
		logf("memory: %d idle servers", c.servers)
		res.servers = measureServers(c.servers)
		runtime.GC()
		logf("lookup scaling: stores of %d and %d tokens", c.smallStore, c.bigStore)
		stores, err := measureStores(c.smallStore, c.bigStore, c.scaleD, c.scaleRounds)
		if err != nil {
			return err
		}
		res.stores = stores
		runtime.GC()
		debug.FreeOSMemory()
		for _, s := range stores {
			logf("store %-8d %4.0f B/token, fill %-8s lookups/s %.0f, GC %s/lookup (%d cycles)", s.n, s.bytesPer, fmtDur(s.fill), s.lookupRate, fmtDur(s.gcPerOp), s.gcCycles)
		}
		if c.only == "scale" {
			return nil
		}
	}
	if c.only == "inproc" {
		return runInprocOnly(c)
	}
	vaultBin, err := findVault(c.vaultBin)
	if err != nil {
		return err
	}
	res.machine.vault = vaultVersion(vaultBin)
	mockBin := c.mockBin
	if mockBin == "" {
		dir, err := os.MkdirTemp("", "benchcompare")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		logf("building the mock binary")
		if mockBin, err = buildMock(c.repo, dir); err != nil {
			return fmt.Errorf("build mock: %w", err)
		}
	}
	used := map[int]bool{}

	// 2. Start-up, from nothing to the first 200 on sys/health.
	logf("ready: in-process and in-memory x%d", c.readyInproc)
	for i := 0; i < c.readyInproc; i++ {
		start := time.Now()
		t := startInProcess()
		resp, err := t.client(t.root).Sys().Health()
		if err != nil || !resp.Initialized || resp.Sealed {
			return fmt.Errorf("in-process health: %v", err)
		}
		res.ready["inproc"] = append(res.ready["inproc"], time.Since(start))
		t.stop()
		start = time.Now()
		t = startInMemory()
		resp, err = t.client(t.root).Sys().Health()
		if err != nil || !resp.Initialized || resp.Sealed {
			return fmt.Errorf("in-memory health: %v", err)
		}
		res.ready["memory"] = append(res.ready["memory"], time.Since(start))
		t.stop()
		floor, err := readyFloor()
		if err != nil {
			return fmt.Errorf("ready floor: %w", err)
		}
		res.ready["ceiling"] = append(res.ready["ceiling"], floor)
	}
	for _, spec := range []struct {
		key, bin string
		reps     int
		args     func(int) []string
		step     int
	}{
		{"binary", mockBin, c.readyBin, mockArgs, 1},
		{"real", vaultBin, c.readyReal, vaultArgs, 2},
	} {
		logf("ready: %s x%d", spec.key, spec.reps)
		for i := 0; i < spec.reps; i++ {
			port, err := pickPort(18410, 18499, spec.step, used)
			if err != nil {
				return err
			}
			p, took, err := startProcess(spec.bin, spec.args(port), fmt.Sprintf("http://127.0.0.1:%d", port), 90*time.Second)
			if err != nil {
				return err
			}
			p.kill()
			for q := port; q < port+spec.step; q++ {
				delete(used, q)
			}
			res.ready[spec.key] = append(res.ready[spec.key], took)
		}
	}

	if c.only == "ready" {
		for _, k := range targetOrder {
			ds := res.ready[k]
			if len(ds) == 0 {
				continue
			}
			logf("ready %-7s median %-9s min %-9s runs %d", k, fmtDur(median(ds)), fmtDur(slices.Min(ds)), len(ds))
		}
		return nil
	}

	// 3. Throughput, the targets side by side.
	inproc := startInProcess()
	defer inproc.stop()
	mem := startInMemory()
	defer mem.stop()
	ceil := startCeiling()
	defer ceil.stop()
	binPort, err := pickPort(18400, 18409, 1, used)
	if err != nil {
		return err
	}
	bin, err := startBinaryTarget("binary", "mock binary", mockBin, mockArgs(binPort), binPort)
	if err != nil {
		return err
	}
	defer bin.stop()
	realPort, err := pickPort(18400, 18409, 2, used)
	if err != nil {
		return err
	}
	real, err := startBinaryTarget("real", "Vault 1.21.1", vaultBin, vaultArgs(realPort), realPort)
	if err != nil {
		return err
	}
	defer real.stop()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cpPort, err := pickPort(18400, 18409, 1, used)
	if err != nil {
		return err
	}
	ceilProc, err := startBinaryTarget("ceilproc", "loopback ceiling, own process", self,
		[]string{"-serve-replay", fmt.Sprintf("127.0.0.1:%d", cpPort)}, cpPort)
	if err != nil {
		return err
	}
	defer ceilProc.stop()
	targets := []*target{inproc, mem, bin, real, ceil, ceilProc}
	tlsTargets, err := startTLSTargets(mockBin, vaultBin, self, used)
	if err != nil {
		return fmt.Errorf("TLS targets: %w", err)
	}
	for _, t := range tlsTargets {
		defer t.stop()
	}
	preps, err := setupAll(targets, tlsTargets)
	if err != nil {
		return err
	}
	concs := []int{1, c.clients}
	for _, w := range workloads {
		res.rates[w.key] = map[int]map[string]float64{}
		ts := targets
		if w.tls {
			ts = tlsTargets
		}
		for _, n := range concs {
			if res.rates[w.key][n], err = measureRow(c, w, ts, preps, n); err != nil {
				return err
			}
			logf("%-34s clients=%d  %s", w.name, n, fmtRates(res.rates[w.key][n]))
		}
	}
	// Revoke trees: built through the API beforehand, only the revocations
	// are timed; one op is one tree.
	for _, t := range targets {
		if t.key == "ceiling" || t.key == "ceilproc" {
			continue // a replayed revoke revokes nothing
		}
		logf("revoke: building %d trees of %d on %s", c.treesSerial+c.treesParallel, c.treeSize, t.name)
		var trees []string
		for i := 0; i < c.treesSerial+c.treesParallel; i++ {
			id, err := buildTree(t, c.treeSize, c.clients)
			if err != nil {
				return fmt.Errorf("build tree on %s: %w", t.name, err)
			}
			trees = append(trees, id)
		}
		for _, n := range concs {
			if res.revoke[n] == nil {
				res.revoke[n] = map[string]float64{}
			}
			batch := trees[:c.treesSerial]
			if n > 1 {
				batch = trees[c.treesSerial:]
			}
			m, err := revokeTrees(clientsFor(t, t.root, n), batch)
			if err != nil {
				return fmt.Errorf("revoke on %s: %w", t.name, err)
			}
			res.revoke[n][t.key] = m.rate()
			// The parent must be gone.
			if s, err := t.client(t.root).Auth().Token().Lookup(batch[0]); err == nil && s != nil {
				return fmt.Errorf("revoke on %s: the tree's parent is still alive", t.name)
			}
		}
	}
	for _, n := range concs {
		logf("%-34s clients=%d  %s", "revoke tree", n, fmtRates(res.revoke[n]))
	}
	for _, t := range append(targets, tlsTargets...) {
		t.stop()
		t.stop = func() {}
	}

	res.loadEnd = loadAvg()
	res.elapsed = time.Since(began)

	report := render(res)
	if c.out == "" {
		fmt.Print(report)
		return nil
	}
	return writeReport(c.out, report)
}

// setupAll gives every target the set-up of the workloads: the plain ones
// through the API, the TLS ones the cert method too.
func setupAll(plain, tlsTargets []*target) (map[*target]*prep, error) {
	preps := map[*target]*prep{}
	for _, t := range plain {
		p, err := setup(t)
		if err != nil {
			return nil, fmt.Errorf("set up %s: %w", t.name, err)
		}
		preps[t] = p
	}
	for _, t := range tlsTargets {
		p, err := setupTLS(t)
		if err != nil {
			return nil, fmt.Errorf("set up %s: %w", t.name, err)
		}
		preps[t] = p
	}
	return preps, nil
}

// measureRow times workload w with n clients on each target in turn,
// round after round, and keeps each target's best rate (ops/s) by key.
func measureRow(c *config, w workload, ts []*target, preps map[*target]*prep, n int) (map[string]float64, error) {
	best := map[string]float64{}
	for r := 0; r < c.rounds; r++ {
		for _, t := range ts {
			p := preps[t]
			clients := clientsFor(t, w.token(t, p), n)
			op := w.op(p)
			if _, err := timedRun(c.warmup, clients, op); err != nil {
				return nil, fmt.Errorf("%s, %s: %w", w.name, t.name, err)
			}
			m, err := timedRun(c.d, clients, op)
			if err != nil {
				return nil, fmt.Errorf("%s, %s: %w", w.name, t.name, err)
			}
			best[t.key] = max(best[t.key], m.rate())
		}
	}
	return best, nil
}

func fmtRates(m map[string]float64) string {
	var parts []string
	for _, k := range targetOrder {
		parts = append(parts, fmt.Sprintf("%s=%.0f", k, m[k]))
	}
	if m["real"] > 0 {
		parts = append(parts, fmt.Sprintf("x%.1f", m["inproc"]/m["real"]))
	}
	return strings.Join(parts, " ")
}

// vaultVersion is the first line of `vault version`.
func vaultVersion(bin string) string {
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
}
