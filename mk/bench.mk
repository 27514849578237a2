# Benchmarks (issue 8): the library's Go benchmarks and the side-by-side
# comparison with real Vault 1.21.1.
#
#   make bench                          # go test -bench, in-process, through the vault/api client
#   make bench BENCH=KVRead BENCHTIME=3s
#   make bench-smoke                    # every benchmark once, quick (what CI runs)
#   make bench-compare                  # mock vs real Vault, same machine and run -> docs/benchmarks.md (~4 min)
#   make bench-compare BENCH_COMPARE_FLAGS=-quick   # 20 s smoke run of the comparison, report on stdout
#   make bench BENCH=Serve              # the mock's own work per request: ServeHTTP alone, no client, no socket
#   make bench-compare BENCH_COMPARE_FLAGS='-only inproc'   # in-process mock vs its replay ceiling only (~3 min)
#
# bench-compare gets the Vault binary from tools/realvault/build.sh
# ($MOCKVAULT_VAULT_BIN or ~/.cache/mockvault/vault-1.21.1) and uses
# loopback ports 18400-18499.
GO ?= go
BENCH ?= .
BENCHTIME ?= 1s
BENCH_COMPARE_FLAGS ?=
BENCH_COMPARE_OUT ?= $(if $(findstring -quick,$(BENCH_COMPARE_FLAGS))$(findstring -only,$(BENCH_COMPARE_FLAGS)),,../../docs/benchmarks.md)

.PHONY: bench bench-smoke bench-compare
bench:
	$(GO) test -run XXX -bench '$(BENCH)' -benchmem -benchtime=$(BENCHTIME) -timeout 30m ./mockvault

bench-smoke:
	$(GO) test -run XXX -bench . -benchtime=1x -timeout 5m ./mockvault

bench-compare:
	@vault=$$(sh tools/realvault/build.sh) && \
		cd tools/benchcompare && \
		$(GO) run . -vault "$$vault" -repo ../.. $(if $(BENCH_COMPARE_OUT),-out $(BENCH_COMPARE_OUT)) $(BENCH_COMPARE_FLAGS)
