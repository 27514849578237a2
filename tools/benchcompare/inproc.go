package main

import (
	"fmt"
	"slices"

	"github.com/mockvault/mockvault/mockvault"
)

// runInprocOnly is -only inproc: the throughput rows of the in-process mock
// and of its ceiling (the replaying server in the same process) alone,
// side by side, and what share of the ceiling the mock reaches, row by row
// and as a median. No real Vault, no binaries, no report: a quick check of
// the mock's own per-request cost as the client sees it.
func runInprocOnly(c *config) error {
	plain := []*target{startInProcess(), startCeiling()}
	srv := mockvault.New(mockvault.Options{Clock: mockvault.RealClock{}})
	ceil := mockvault.New(mockvault.Options{Clock: mockvault.RealClock{}})
	tlsTargets := []*target{serveTLS("inproc", "mock in-process", srv, srv),
		serveTLS("ceiling", "loopback ceiling", ceil, &replay{h: ceil, cache: map[string]*recorded{}})}
	for _, t := range append(plain, tlsTargets...) {
		defer t.stop()
	}
	preps, err := setupAll(plain, tlsTargets)
	if err != nil {
		return err
	}
	var shares []float64
	for _, w := range workloads {
		ts := plain
		if w.tls {
			ts = tlsTargets
		}
		for _, n := range []int{1, c.clients} {
			best, err := measureRow(c, w, ts, preps, n)
			if err != nil {
				return err
			}
			share := best["inproc"] / best["ceiling"]
			shares = append(shares, share)
			fmt.Printf("%-40s clients=%d  inproc %7.0f  ceiling %7.0f  %5.1f %%\n", w.key, n, best["inproc"], best["ceiling"], 100*share)
		}
	}
	slices.Sort(shares)
	fmt.Printf("median share of the ceiling: %.1f %% (lowest %.1f %%, highest %.1f %%, %d rows)\n",
		100*shares[len(shares)/2], 100*shares[0], 100*shares[len(shares)-1], len(shares))
	return nil
}
