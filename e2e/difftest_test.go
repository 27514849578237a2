package e2e

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mockvault/mockvault/mockvault"
)

// TestDiff is differential random testing (see e2e/README.md,
// "Differential random testing"): random, seeded sequences of operations
// run in lockstep on real Vault and the mock; the first divergence is
// minimised and printed as a scenario.
//
//	MOCKVAULT_DIFF_DURATION   time for sequences (default 60s)
//	MOCKVAULT_DIFF_SEED       first sequence's seed (default: from the clock, printed)
//	MOCKVAULT_DIFF_SEQS       number of sequences (default: as many as fit)
//	MOCKVAULT_DIFF_STEPS      steps per sequence (default 40)
//	MOCKVAULT_DIFF_SHRINK     time bound of one minimisation (default 3m)
//	MOCKVAULT_DIFF_KEEP_GOING 1: go on after a divergence, minimise each distinct one
//	MOCKVAULT_DIFF_SELFCHECK  1: real Vault against real Vault (checks the generator
//	                          is free of timing artefacts: every divergence is one)
//	MOCKVAULT_DIFF_STRICT     1: ignore the allow-list (e2e/difftest_allow.go)
//	MOCKVAULT_DIFF_OUT        also write the findings (Go code) to this file
//
// It runs only when selected (-run TestDiff) or when one of these is set, so
// that `go test` and `make conformance` do not spend a minute on it.
func TestDiff(t *testing.T) {
	if !diffSelected() {
		t.Skip("difftest: not selected; run it with `go test -run TestDiff` or `make difftest`")
	}
	cfg, err := diffConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	ref, kind, reason, err := diffRealFactory()
	if err != nil {
		t.Fatalf("difftest: real Vault: %v", err)
	}
	if ref == nil {
		fmt.Printf("difftest: skipped: %s\n", reason)
		t.Skip("difftest: skipped: " + reason)
	}
	cfg.Ref = ref
	cfg.Other = func() (Target, error) { return NewMockTarget(), nil }
	other := "in-process mock"
	if b, _ := strconv.ParseBool(os.Getenv("MOCKVAULT_DIFF_SELFCHECK")); b {
		cfg.Other, other = ref, kind+" (self-check)"
		strictDiff = true // the allow-list is about the mock
	}
	cfg.Track = trackTarget
	cfg.Logf = func(format string, args ...any) {
		// stdout, so that progress shows with and without -v
		fmt.Printf("difftest: "+format+"\n", args...)
	}
	cfg.Verbose = testing.Verbose()
	budget := cfg.Duration.String() + " of sequences"
	if cfg.Seqs > 0 {
		budget = fmt.Sprintf("%d sequence(s) (at most %s)", cfg.Seqs, cfg.Duration)
	}
	fmt.Printf("difftest: seed %d, %s of %d steps; %s vs %s (MOCKVAULT_DIFF_SEED=%d reproduces)\n",
		cfg.Seed, budget, cfg.Steps, kind, other, cfg.Seed)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sum, err := RunDiff(ctx, cfg)
	if err != nil {
		t.Fatalf("difftest: %v", err)
	}
	var out bytes.Buffer
	WriteDiffReport(&out, sum, cfg)
	fmt.Println()
	fmt.Print(out.String())
	if p := os.Getenv("MOCKVAULT_DIFF_OUT"); p != "" {
		if err := os.WriteFile(p, out.Bytes(), 0o644); err != nil {
			t.Errorf("MOCKVAULT_DIFF_OUT: %v", err)
		}
	}
	if n := len(sum.Reported()); n > 0 {
		t.Errorf("difftest: %d divergence(s) between real Vault and the mock (minimised scenarios above); "+
			"fix the mock, or explain them in e2e/difftest_allow.go", n)
	}
}

// diffSelected reports whether TestDiff was asked for.
func diffSelected() bool {
	for _, e := range os.Environ() {
		if strings.HasPrefix(e, "MOCKVAULT_DIFF_") {
			return true
		}
	}
	if f := flag.Lookup("test.run"); f != nil {
		return strings.Contains(f.Value.String(), "TestDiff")
	}
	return false
}

func diffConfigFromEnv() (DiffConfig, error) {
	cfg := DiffConfig{Duration: 60 * time.Second, Steps: 40, ShrinkTime: 3 * time.Minute, Verify: 3, Opt: DefaultCompareOptions}
	cfg.Seed = time.Now().UnixNano() % 1_000_000_000
	var err error
	env := func(k string, f func(string) error) {
		if v := strings.TrimSpace(os.Getenv(k)); v != "" && err == nil {
			if e := f(v); e != nil {
				err = fmt.Errorf("%s=%q: %v", k, v, e)
			}
		}
	}
	env("MOCKVAULT_DIFF_DURATION", func(v string) (e error) { cfg.Duration, e = time.ParseDuration(v); return })
	env("MOCKVAULT_DIFF_SEED", func(v string) (e error) { cfg.Seed, e = strconv.ParseInt(v, 10, 64); return })
	env("MOCKVAULT_DIFF_SEQS", func(v string) (e error) { cfg.Seqs, e = strconv.Atoi(v); return })
	env("MOCKVAULT_DIFF_STEPS", func(v string) (e error) { cfg.Steps, e = strconv.Atoi(v); return })
	env("MOCKVAULT_DIFF_SHRINK", func(v string) (e error) { cfg.ShrinkTime, e = time.ParseDuration(v); return })
	env("MOCKVAULT_DIFF_KEEP_GOING", func(v string) (e error) { cfg.KeepGoing, e = strconv.ParseBool(v); return })
	env("MOCKVAULT_DIFF_STRICT", func(v string) (e error) { strictDiff, e = strconv.ParseBool(v); return })
	env("MOCKVAULT_E2E_TTL_TOLERANCE", func(v string) (e error) { cfg.Opt.TTLTolerance, e = time.ParseDuration(v); return })
	if cfg.Seqs > 0 && os.Getenv("MOCKVAULT_DIFF_DURATION") == "" {
		cfg.Duration = 24 * time.Hour // the sequence count decides
	}
	return cfg, err
}

// diffRealFactory picks how to get fresh real Vaults: a new dev server per
// sequence, from the binary (auto, binary) or in a container (docker; real
// Vault then sees the client at the bridge gateway, so texts quoting the
// client address can differ). A VAULT_ADDR server cannot be restarted, so
// it is not used.
func diffRealFactory() (mk func() (Target, error), kind, reason string, err error) {
	mode := RealMode()
	bin := DefaultVaultBin()
	binary := func() (Target, error) { return NewBinaryTarget(bin), nil }
	docker := func() (Target, error) {
		d, err := NewDockerTarget(bin)
		if err != nil {
			return nil, err
		}
		return d, d.ChooseImage()
	}
	switch mode {
	case "none", "off", "mock", "replay":
		return nil, "", "MOCKVAULT_E2E_REAL=" + mode + ": difftest needs a live real Vault " + VaultVersion + diffHowTo, nil
	case "env":
		return nil, "", "MOCKVAULT_E2E_REAL=env: a VAULT_ADDR server cannot be restarted for every sequence" + diffHowTo, nil
	case "binary":
		if err := ensureBinary(bin); err != nil {
			return nil, "", "", err
		}
		return binary, "vault binary " + bin, "", nil
	case "docker":
		d, err := docker()
		if err != nil {
			return nil, "", "", fmt.Errorf("docker: %w", err)
		}
		_ = d.Stop()
		return docker, "docker", "", nil
	case "auto":
	default:
		return nil, "", "", fmt.Errorf("MOCKVAULT_E2E_REAL=%q: want auto, binary, docker (or env, replay, none to skip)", mode)
	}
	// auto: the binary only. In a container real Vault sees the client
	// at the bridge gateway, not 127.0.0.1 as the mock does, and error
	// texts that quote the client address would differ.
	if _, err := os.Stat(bin); err == nil {
		return binary, "vault binary " + bin, "", nil
	}
	return nil, "", "no vault binary at " + bin + diffHowTo, nil
}

const diffHowTo = "; to run it: tools/realvault/build.sh (or make realvault) once, then MOCKVAULT_E2E_REAL=binary go test -run TestDiff, or make difftest"

// trackTarget keeps started targets in the list TestMain's signal handler
// stops on Ctrl-C.
func trackTarget(t Target, started bool) {
	stopMu.Lock()
	defer stopMu.Unlock()
	if started {
		stopList = append(stopList, t)
		return
	}
	for i, x := range stopList {
		if x == t {
			stopList = append(stopList[:i], stopList[i+1:]...)
			return
		}
	}
}

// ---------------------------------------------------------------- offline tests

// TestDiffGenerator: sequences depend on the seed alone, and every
// generated step prints as Go code that compiles into the same step.
func TestDiffGenerator(t *testing.T) {
	for seed := int64(1); seed <= 100; seed++ {
		a, b := GenerateSequence(seed, 40), GenerateSequence(seed, 40)
		if len(a) != 40 {
			t.Fatalf("seed %d: %d steps", seed, len(a))
		}
		for i := range a {
			if x, y := GoStep(a[i]), GoStep(b[i]); x != y {
				t.Fatalf("seed %d step %d: two generations differ:\n%s\n%s", seed, i+1, x, y)
			}
		}
		if seed%10 == 0 {
			src := GoScenario("x", "", a)
			if _, err := formatSnippet(src); err != nil || !strings.HasPrefix(src, `Register(S("x",`) {
				t.Fatalf("seed %d: not Go code (%v):\n%s", seed, err, src)
			}
		}
	}
	src := GoScenario("difftest/example", "doc", GenerateSequence(7, 40))
	if !strings.HasPrefix(src, `Register(S("difftest/example",`) {
		t.Fatalf("printed scenario:\n%s", src)
	}
	if strings.Contains(src, "%!") {
		t.Fatalf("bad verb in:\n%s", src)
	}
}

// TestDiffPrintRoundTrip: GoStep output of typical steps is what a
// scenario author would write.
func TestDiffPrintRoundTrip(t *testing.T) {
	cases := []struct {
		st   Step
		want string
	}{
		{Create("t", M{"policies": []string{"a"}, "ttl": "1h"}).As("p"), `POST("auth/token/create", M{"policies": []string{"a"}, "ttl": "1h"}).As("p").SaveToken("t")`},
		{GET("secret/data/a").Header("X-Vault-Wrap-TTL", "60").Save("w1", "wrap_info.token"), `GET("secret/data/a").Header("X-Vault-Wrap-TTL", "60").Save("w1", "wrap_info.token")`},
		{newStep("HEAD", "sys/health", nil).Anonymous(), `newStep("HEAD", "sys/health", nil).Anonymous()`},
		{PATCH("secret/data/a", M{"data": M{"x": 1}}), `PATCH("secret/data/a", M{"data": M{"x": 1}})`},
		{POST("x", RawBody(`{"a":"`+strings.Repeat("x", 100)+`"}`)), `POST("x", RawBody("{\"a\":\"" + strings.Repeat("x", 100) + "\"}"))`},
		{LIST("auth/token/accessors").Mask("data.keys").WithToken("hvs.bogus"), `LIST("auth/token/accessors").WithToken("hvs.bogus").Mask("data.keys")`},
		{POST("a", M{"n": 1.5, "f": 1e30, "l": []any{1, nil, "x"}}), `POST("a", M{"f": 1e+30, "l": []any{1, nil, "x"}, "n": 1.5})`},
	}
	for _, c := range cases {
		if got := GoStep(c.st); got != c.want {
			t.Errorf("GoStep:\n got %s\nwant %s", got, c.want)
		}
	}
}

// faultyMock is the mock with an injected bug: once a policy named "ops"
// has been written, lookup-self answers 418. It lets the minimiser be
// tested without real Vault.
type faultyMock struct {
	MockTarget
	mu    sync.Mutex
	armed bool
}

func (f *faultyMock) Name() string { return "faulty" }
func (f *faultyMock) Start(context.Context) error {
	f.srv = mockvault.New(mockvault.Options{RootToken: "root", Clock: mockvault.RealClock{}})
	f.hs = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		armed := f.armed
		if (r.Method == http.MethodPut || r.Method == http.MethodPost) && (r.URL.Path == "/v1/sys/policy/ops" || r.URL.Path == "/v1/sys/policies/acl/ops") {
			f.armed = true
		}
		f.mu.Unlock()
		if armed && strings.HasPrefix(r.URL.Path, "/v1/auth/token/lookup-self") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTeapot)
			_, _ = io.WriteString(w, `{"errors":["injected"]}`)
			return
		}
		f.srv.ServeHTTP(w, r)
	}))
	f.client = newHTTPClient(nil)
	return nil
}

// TestDiffMinimise runs the differ with the mock as reference and the
// faulty mock as the other side and checks that the divergence is found
// and shrunk to the two steps that matter.
func TestDiffMinimise(t *testing.T) {
	var seq []Step
	seq = append(seq, GenerateSequence(11, 15)...)
	seq = append(seq, PUT("sys/policy/ops", M{"policy": `path "x" { capabilities = ["read"] }`}))
	seq = append(seq, GenerateSequence(12, 15)...)
	seq = append(seq, Create("t", M{"policies": []string{"default"}}), GET("auth/token/lookup-self").As("t"))
	ctx := context.Background()
	cfg := DiffConfig{
		Opt:        DefaultCompareOptions,
		Verify:     2,
		ShrinkTime: time.Minute,
		Ref:        func() (Target, error) { return NewMockTarget(), nil },
		Other:      func() (Target, error) { return &faultyMock{}, nil },
	}
	d := &differ{cfg: cfg}
	d.ref = newTargetPool(ctx, cfg.Ref, nil)
	defer d.ref.close()
	d.other = newTargetPool(ctx, cfg.Other, nil)
	defer d.other.close()
	i, sr, err := d.runSeq(ctx, seq)
	if err != nil {
		t.Fatal(err)
	}
	// the random part may itself hit lookup-self after ops; any
	// divergence must be the injected one
	if i < 0 || !strings.Contains(strings.Join(sr.Diffs, "\n"), "status: mock=") {
		t.Fatalf("no divergence found (i=%d): %v", i, sr.Diffs)
	}
	f := &DiffFinding{Seq: seq[:i+1], Result: sr, Sig: sigOf(sr.Diffs)}
	d.shrink(ctx, f)
	if f.Flaky || f.Verified != 2 {
		t.Fatalf("flaky=%v verified=%d", f.Flaky, f.Verified)
	}
	var got []string
	for _, st := range f.Minimal {
		got = append(got, st.String())
	}
	t.Logf("minimised in %d runs:\n%s", f.Runs, GoScenario("difftest/minimise", "", f.Minimal))
	if len(f.Minimal) > 3 || !strings.Contains(strings.Join(got, "\n"), "ops") || !strings.Contains(got[len(got)-1], "lookup-self") {
		t.Fatalf("minimal scenario: %q", got)
	}
}

// TestDiffAllowList: entries are named and explained, and typical lines
// of the divergences they describe match them (and only them).
func TestDiffAllowList(t *testing.T) {
	ids := map[string]bool{}
	for _, a := range diffAllowList {
		if a.ID == "" || a.Reason == "" || ids[a.ID] {
			t.Errorf("entry %q: empty or duplicate id, or no reason", a.ID)
		}
		ids[a.ID] = true
		if a.Step == nil && a.Diff == nil && a.Need == nil && a.Header == "" {
			t.Errorf("%s matches every divergence", a.ID)
		}
	}
	cases := []struct {
		st    Step
		diffs []string
		want  string // "" = not explained
	}{
		{newStep("FOO", "sys/auth", nil), []string{`errors: vault=[] mock=[""]`}, ""},
		{POST("auth/token/renew-accessor", M{}), []string{`errors.0: vault="1 error occurred:\n\t* invalid request\n\n" mock="lease is not renewable"`}, ""}, // DT30: fixed, no longer explained
		{newStep("HEAD", "sys/policy", nil), []string{`status: vault=405 mock=200`}, "DT3"},
		{POST("auth/token/create", RawBody(`{"a":}`)), []string{`status: vault=500 mock=400`,
			`errors.0: vault="invalid character '}' after object key" mock="error parsing JSON: x"`}, "DT6"},
		{POST("auth/token/create", M{}), []string{`status: vault=500 mock=400`}, ""},
		{LIST("auth/token/%63reate/ci"), []string{`status: vault=404 mock=405`,
			`errors.0: vault="1 error occurred:\n\t* unsupported path\n\n" mock="1 error occurred:\n\t* unsupported operation\n\n"`}, ""}, // DT10: fixed
		{GET("secret/data/a/").Header("X-Vault-Wrap-TTL", "5m"), []string{`status: vault=200 mock=404`}, "DT21"},
		{GET("secret/data/a/"), []string{`status: vault=200 mock=404`}, ""},
		{GET("sys/policy/p?list="), []string{`warnings: vault=["Endpoint ignored these unrecognized parameters: [list]"] mock=null`}, "DT25"},
	}
	for _, c := range cases {
		got := matchAllow(c.st, c.diffs)
		var names []string
		for _, a := range got {
			names = append(names, a.ID)
		}
		if strings.Join(names, ",") != c.want {
			t.Errorf("%s %q: explained by %v, want %q", c.st, c.diffs, names, c.want)
		}
	}
}

// TestDiffAllowAfter: an entry with After explains a divergence only in a
// sequence that sent the earlier request.
func TestDiffAllowAfter(t *testing.T) {
	dot := POST("secret/data/app/cfg/%2E", M{"data": M{"a": 1}})
	get := GET("/secret/data/app/cfg")
	diffs := []string{`status: vault=500 mock=404`}
	if got := matchAllow(get, diffs, dot); len(got) != 1 || got[0].ID != "DT43" {
		t.Errorf("after %s: %v", dot, got)
	}
	if got := matchAllow(get, diffs, POST("secret/data/app/cfg/.", M{})); got != nil {
		t.Errorf("after an unencoded dot segment: %v", got)
	}
	if got := matchAllow(get, diffs); got != nil {
		t.Errorf("alone: %v", got)
	}
}
