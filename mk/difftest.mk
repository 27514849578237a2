# Differential random testing: random, seeded sequences of operations run in
# lockstep on real Vault 1.21.1 (a fresh dev server per sequence, from the
# binary tools/realvault/build.sh builds and caches) and the in-process mock;
# the first divergence is minimised to a short scenario printed as Go code
# (TestDiff in e2e/; see e2e/README.md, "Differential random testing").
#
#   make difftest                        # 60 s of sequences, random seed (printed)
#   make difftest DURATION=30m SEED=42   # longer; SEED makes it reproducible
#   make difftest SEED=4118 SEQS=1       # replay one sequence
#   make difftest KEEP_GOING=1           # go on after a divergence, minimise each distinct one
#   make difftest STRICT=1               # ignore the allow-list (e2e/difftest_allow.go)
#   make difftest SELFCHECK=1            # real Vault against real Vault: every divergence is a generator bug
#   make difftest OUT=/tmp/difftest.txt  # also write the report to a file
#   make difftest REAL=docker            # containers instead of the binary (slower)
#
# Known divergences (e2e/difftest_allow.go) never fail it; divergences that do
# not reproduce on fresh targets are reported as such and do not fail it either.
GO ?= go
DURATION ?= 60s
SEED ?=
SEQS ?=
STEPS ?=
SHRINK ?=
KEEP_GOING ?=
STRICT ?=
SELFCHECK ?=
OUT ?=
REAL ?=

.PHONY: difftest
difftest:
	sh tools/realvault/build.sh >/dev/null
	cd e2e && MOCKVAULT_E2E_REAL=$(or $(REAL),binary) MOCKVAULT_DIFF_DURATION=$(DURATION) \
		$(if $(SEED),MOCKVAULT_DIFF_SEED=$(SEED)) \
		$(if $(SEQS),MOCKVAULT_DIFF_SEQS=$(SEQS)) \
		$(if $(STEPS),MOCKVAULT_DIFF_STEPS=$(STEPS)) \
		$(if $(SHRINK),MOCKVAULT_DIFF_SHRINK=$(SHRINK)) \
		$(if $(KEEP_GOING),MOCKVAULT_DIFF_KEEP_GOING=$(KEEP_GOING)) \
		$(if $(STRICT),MOCKVAULT_DIFF_STRICT=$(STRICT)) \
		$(if $(SELFCHECK),MOCKVAULT_DIFF_SELFCHECK=$(SELFCHECK)) \
		$(if $(OUT),MOCKVAULT_DIFF_OUT=$(abspath $(OUT))) \
		$(GO) test -mod=mod -count=1 -timeout 0 -run '^TestDiff$$'
