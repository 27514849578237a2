package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The client scripts, run against every target (e2e/clients/).
var cliScripts = []string{"seed_cli.sh", "agent_check.sh"}

// TestCLIAgent runs e2e/clients/seed_cli.sh (every command of the seed
// article through the vault CLI) and e2e/clients/agent_check.sh (Vault Agent
// with the seed's agent.hcl: auto-auth, sink, renewal, re-authentication,
// proxy) against real Vault 1.21.1 (the binary as a local dev server), the
// mock's binary (go build ./cmd/mockvault) and the mock's container image
// (the repository's Dockerfile), all at once, and requires the mock's
// records to equal real Vault's line for line.
//
// The vault binary is the CLI, the Agent and the reference server
// ($MOCKVAULT_VAULT_BIN, default ~/.cache/mockvault/vault-1.21.1; `make
// realvault`). Without it the test skips; without Docker only the container
// target skips. MOCKVAULT_E2E_CLIENTS=0 skips the test (it takes ~45 s).
func TestCLIAgent(t *testing.T) {
	if v, err := strconv.ParseBool(os.Getenv("MOCKVAULT_E2E_CLIENTS")); err == nil && !v {
		t.Skip("skipped: MOCKVAULT_E2E_CLIENTS=0")
	}
	vaultBin := DefaultVaultBin()
	if !fileExists(vaultBin) {
		t.Skipf("skipped: no vault binary at %s (the Vault %s CLI, Agent and reference server); build it with `make realvault` or set MOCKVAULT_VAULT_BIN", vaultBin, VaultVersion)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	started := time.Now()

	// build the mock: the plain binary and the static one for the image
	dir := t.TempDir()
	mockBin := filepath.Join(dir, "mockvault")
	linuxBin := filepath.Join(repoRoot(), "bin", "mockvault-linux")
	var wg sync.WaitGroup
	var errBin, errLinux error
	wg.Add(2)
	go func() { defer wg.Done(); errBin = goBuild(ctx, mockBin, false) }()
	go func() {
		defer wg.Done()
		if errLinux = os.MkdirAll(filepath.Dir(linuxBin), 0o755); errLinux == nil {
			errLinux = goBuild(ctx, linuxBin, true)
		}
	}()
	wg.Wait()
	if errBin != nil {
		t.Fatal(errBin)
	}
	t.Logf("built the mock in %s", time.Since(started).Round(time.Millisecond))

	targets := []Target{
		namedTarget{NewBinaryTarget(vaultBin), "vault", "binary " + vaultBin},
		namedTarget{NewBinaryTarget(mockBin), "mock-binary", "binary go build ./cmd/mockvault"},
	}
	var container *MockContainerTarget
	switch c, err := NewMockContainerTarget(); {
	case err != nil:
		t.Logf("mock-container: skipped: no Docker daemon (%s); start Docker to check the image too", oneLine(err))
	case errLinux != nil:
		t.Fatalf("mock-container: %v", errLinux)
	default:
		if err := c.Build(); err != nil {
			t.Fatal(err)
		}
		t.Logf("built %s in %s", c.Kind(), c.BuildDur.Round(time.Millisecond))
		container = c
		targets = append(targets, c)
	}

	// every target: start, run the scripts one after the other; targets in
	// parallel (the agent check waits for TTLs to run out: ~40 s)
	runs := make([]map[string]scriptRun, len(targets))
	errs := make([]error, len(targets))
	for i, tg := range targets {
		stopMu.Lock()
		stopList = append(stopList, tg) // removed on Ctrl-C by TestMain
		stopMu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			runs[i], errs[i] = runTarget(ctx, tg, vaultBin, filepath.Join(dir, tg.Name()))
		}()
	}
	wg.Wait()
	for i, tg := range targets {
		if container != nil && tg == Target(container) && errs[i] != nil {
			t.Logf("mock-container output:\n%s", container.Logs())
		}
		_ = tg.Stop()
	}
	for i, tg := range targets {
		if errs[i] != nil {
			t.Errorf("%s (%s): %v", tg.Name(), tg.Kind(), errs[i])
		}
	}
	if t.Failed() {
		return
	}

	// each script must pass on its own everywhere, and the mock's records
	// must equal real Vault's
	var table strings.Builder
	fmt.Fprintf(&table, "%-16s", "SCRIPT")
	for _, tg := range targets {
		fmt.Fprintf(&table, " %-24s", tg.Name())
	}
	table.WriteString("\n")
	for _, s := range cliScripts {
		ref := runs[0][s]
		fmt.Fprintf(&table, "%-16s", s)
		for i, tg := range targets {
			r := runs[i][s]
			verdict := "ok"
			if r.ExitCode != 0 {
				verdict = "FAIL"
				t.Errorf("%s on %s exited %d:\n%s", s, tg.Name(), r.ExitCode, r.Stderr)
			}
			if i > 0 {
				if d := diffRecords(ref.Record, r.Record, targets[0].Name(), tg.Name()); d != "" {
					verdict += ", DIFF"
					t.Errorf("%s: %s differs from %s:\n%s", s, tg.Name(), targets[0].Name(), d)
				} else {
					verdict += ", same"
				}
			}
			fmt.Fprintf(&table, " %-24s", fmt.Sprintf("%s %s", verdict, r.Dur.Round(100*time.Millisecond)))
		}
		table.WriteString("\n")
	}
	t.Logf("vault CLI and Agent (%s steps, %s steps), total %s:\n%s",
		stepCount(runs[0]["seed_cli.sh"].Record), stepCount(runs[0]["agent_check.sh"].Record),
		time.Since(started).Round(100*time.Millisecond), table.String())
}

// runTarget starts tg and runs the client scripts against it.
func runTarget(ctx context.Context, tg Target, vaultBin, dir string) (map[string]scriptRun, error) {
	if err := tg.Start(ctx); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	listen, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	env := []string{
		"VAULT_ADDR=" + tg.Addr(),
		"VAULT_TOKEN=" + tg.RootToken(),
		"VAULT=" + vaultBin,
		"AGENT_LISTEN=" + listen,
		"RAW_DIR=" + filepath.Join(dir, "raw"),
	}
	out := map[string]scriptRun{}
	for _, s := range cliScripts {
		r, err := runScript(ctx, filepath.Join(moduleDir(), "clients", s), filepath.Join(dir, s+".record"), env)
		if err != nil {
			return out, fmt.Errorf("%s: %w\n%s", s, err, r.Stderr)
		}
		out[s] = r
	}
	return out, nil
}

// recordStep is one step of a script's record: the "== NN name rc=N"
// header, its normalised output and the check lines ("-- ...") after it.
type recordStep struct {
	title string
	lines []string
}

func parseRecord(rec string) []recordStep {
	var steps []recordStep
	for _, l := range strings.Split(strings.TrimRight(rec, "\n"), "\n") {
		if strings.HasPrefix(l, "== ") || len(steps) == 0 {
			steps = append(steps, recordStep{title: strings.TrimPrefix(l, "== ")})
		}
		steps[len(steps)-1].lines = append(steps[len(steps)-1].lines, l)
	}
	return steps
}

func stepCount(rec string) string {
	n := 0
	for _, s := range parseRecord(rec) {
		if strings.HasPrefix(s.lines[0], "== ") {
			n++
		}
	}
	return strconv.Itoa(n)
}

// diffRecords shows every step whose record differs, both sides side by
// side (reference left; `|` changed, `<` only left, `>` only right).
func diffRecords(a, b, nameA, nameB string) string {
	if a == b {
		return ""
	}
	sa, sb := parseRecord(a), parseRecord(b)
	var out strings.Builder
	for i := 0; i < len(sa) || i < len(sb); i++ {
		var la, lb []string
		title := ""
		if i < len(sa) {
			la, title = sa[i].lines, sa[i].title
		}
		if i < len(sb) {
			lb = sb[i].lines
			if title == "" {
				title = sb[i].title
			}
		}
		if strings.Join(la, "\n") == strings.Join(lb, "\n") {
			continue
		}
		fmt.Fprintf(&out, "  step %s\n", title)
		w := 10
		for _, l := range la {
			w = max(w, min(len(l), 60))
		}
		fmt.Fprintf(&out, "    %-*s   %s\n", w, nameA, nameB)
		for _, r := range alignLines(la, lb) {
			fmt.Fprintf(&out, "    %-*s %s %s\n", w, clip(r[0], w), r[2], r[1])
		}
	}
	return out.String()
}
