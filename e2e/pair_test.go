package e2e

import (
	"context"
	"testing"
)

// startPair starts real Vault (when one can be found; see FindRealTarget)
// and an in-process mock for a test that drives both with a client, and
// stops them when the test ends. Real Vault comes first.
func startPair(t *testing.T) []Target {
	t.Helper()
	real, reason, err := FindRealTarget()
	if err != nil {
		t.Fatalf("real Vault: %v", err)
	}
	var targets []Target
	if real != nil {
		targets = append(targets, real)
	} else {
		t.Logf("real Vault: %s; running against the mock alone", reason)
	}
	targets = append(targets, NewMockTarget())
	stopMu.Lock()
	stopList = append(stopList, targets...) // removed on Ctrl-C by TestMain
	stopMu.Unlock()
	t.Cleanup(func() {
		for _, tg := range targets {
			_ = tg.Stop()
		}
	})
	if err := StartAll(context.Background(), targets); err != nil {
		t.Fatalf("starting targets: %v", err)
	}
	return targets
}
