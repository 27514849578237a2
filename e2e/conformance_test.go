package e2e

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	findOnce   sync.Once
	findTarget Target
	findReason string
	findErr    error
)

func findReal() (Target, string, error) {
	findOnce.Do(func() { findTarget, findReason, findErr = FindRealTarget() })
	return findTarget, findReason, findErr
}

var (
	report   = &Report{}
	stopMu   sync.Mutex
	stopList []Target
)

func stopTargets() {
	stopMu.Lock()
	defer stopMu.Unlock()
	for _, t := range stopList {
		_ = t.Stop()
	}
	stopList = nil
}

// startTestTargets starts targets for one test, stopped when it ends (and
// on Ctrl-C by TestMain).
func startTestTargets(t *testing.T, ctx context.Context, targets []Target) {
	t.Helper()
	stopMu.Lock()
	stopList = append(stopList, targets...)
	stopMu.Unlock()
	t.Cleanup(func() {
		for _, tg := range targets {
			_ = tg.Stop()
		}
	})
	if err := StartAll(ctx, targets); err != nil {
		t.Fatalf("starting targets: %v", err)
	}
}

func TestMain(m *testing.M) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		fmt.Fprintf(os.Stderr, "e2e: %v: removing targets\n", s)
		stopTargets()
		os.Exit(130)
	}()
	code := m.Run()
	stopTargets()
	if len(report.Results) > 0 {
		report.Write(os.Stdout)
		if p := os.Getenv("MOCKVAULT_E2E_REPORT"); p != "" {
			if f, err := os.Create(p); err == nil {
				report.Write(f)
				f.Close()
			}
		}
	}
	os.Exit(code)
}

// TestConformance runs every registered scenario against real Vault (when
// available) and the mock, and compares their answers step by step.
func TestConformance(t *testing.T) {
	ctx := context.Background()
	real, reason, err := findReal()
	if err != nil {
		t.Fatalf("real Vault: %v", err)
	}
	var targets []Target
	var replay *ReplayTarget
	if real == nil && RealMode() != "none" && RealMode() != "off" && RealMode() != "mock" && HaveRecordings() {
		replay = NewReplayTarget()
		real = replay
		reason += "; comparing the mock with recorded real-Vault answers instead"
	}
	if real != nil {
		targets = append(targets, real)
	}
	record, _ := strconv.ParseBool(os.Getenv("MOCKVAULT_E2E_RECORD"))
	if replay != nil {
		record = false
	}
	written := 0
	targets = append(targets, NewMockTarget())
	start := time.Now()
	stopMu.Lock()
	stopList = append(stopList, targets...)
	stopMu.Unlock()
	t.Cleanup(stopTargets) // also runs when a subtest panics
	if err := StartAll(ctx, targets); err != nil {
		t.Fatalf("starting targets: %v", err)
	}
	report.Skipped = reason
	if reason != "" {
		t.Logf("real Vault: %s", reason)
	}
	for _, tg := range targets {
		desc := fmt.Sprintf("%s: %s at %s", tg.Name(), tg.Kind(), tg.Addr())
		if d, ok := tg.(*DockerTarget); ok && d.BuildDur > 0 {
			desc += fmt.Sprintf(" (image built in %s)", d.BuildDur.Round(100*time.Millisecond))
		}
		report.Targets = append(report.Targets, desc)
	}
	report.Targets = append(report.Targets, fmt.Sprintf("startup took %s", time.Since(start).Round(100*time.Millisecond)))
	sessions := make([]*Session, len(targets))
	for i, tg := range targets {
		sessions[i] = NewSession(tg)
	}
	allowKnown, _ := strconv.ParseBool(os.Getenv("MOCKVAULT_E2E_ALLOW_KNOWN"))
	report.AllowKnown = allowKnown
	opt := DefaultCompareOptions
	if v := os.Getenv("MOCKVAULT_E2E_TTL_TOLERANCE"); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			opt.TTLTolerance = d
		}
	}
	rounds := 1
	if v := os.Getenv("MOCKVAULT_E2E_ROUNDS"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 1 {
			rounds = n
			record = false // a soak measures; it never rewrites recordings
		}
	}
	report.Rounds = rounds
	runStart := time.Now()
	for round := 1; round <= rounds; round++ {
		if rounds > 1 {
			report.Results = nil // the table shows the last round; Soak keeps every failing one
		}
		runRound(t, ctx, sessions, opt, record, allowKnown, round, &written)
	}
	report.Targets = append(report.Targets, fmt.Sprintf("scenarios took %s", time.Since(runStart).Round(100*time.Millisecond)))
	if written > 0 {
		report.Targets = append(report.Targets, fmt.Sprintf("recordings updated: %d in %s", written, RecordDir()))
	}
	if replay != nil && len(replay.Stale) > 0 {
		report.Targets = append(report.Targets, fmt.Sprintf("no up-to-date recording for %d scenario(s) (mock only): %s", len(replay.Stale), strings.Join(dedup(replay.Stale), ", ")))
	}
}

func dedup(l []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range l {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// runRound runs every scenario once on sessions.
func runRound(t *testing.T, ctx context.Context, sessions []*Session, opt CompareOptions, record, allowKnown bool, round int, written *int) {
	for _, sc := range Scenarios() {
		t.Run(sc.Name, func(t *testing.T) {
			r := Run(ctx, sc, sessions, opt)
			report.Results = append(report.Results, r)
			if !r.Matched() {
				report.soakFailure(round, r)
			}
			if record && len(r.Targets) > 1 && r.Targets[0] == "vault" {
				if w, err := SaveRecording(r, opt); err != nil {
					t.Errorf("recording: %v", err)
				} else if w {
					*written++
				}
			}
			if r.Matched() {
				return
			}
			var b strings.Builder
			Detail(&b, r)
			if sc.KnownDiff != "" && allowKnown {
				t.Logf("known difference %s (docs/conformance-findings.md):\n%s", sc.KnownDiff, b.String())
				return
			}
			if sc.KnownDiff != "" {
				t.Errorf("known difference %s (docs/conformance-findings.md); MOCKVAULT_E2E_ALLOW_KNOWN=1 tolerates it:\n%s", sc.KnownDiff, b.String())
				return
			}
			t.Errorf("scenario %s:\n%s", sc.Name, b.String())
		})
	}
}

// TestRealVault reports in one line whether the comparison with real Vault
// runs, and why not.
func TestRealVault(t *testing.T) {
	if _, reason, err := findReal(); err == nil && reason != "" {
		t.Skip("real Vault: " + reason)
	}
}
