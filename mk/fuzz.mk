# Fuzzing (docs/reliability.md, "Fuzzing"): each Go fuzz target of
# mockvault/fuzz_test.go in turn, for FUZZTIME each. Exploration, not a
# gate: CI replays the seed corpora and mockvault/testdata/fuzz with
# go test (deterministic), and a crasher found here is kept there.
#
#   make fuzz                         # every target, 60 s each (8 min)
#   make fuzz FUZZ=FuzzHandler FUZZTIME=5m
GO ?= go
FUZZTIME ?= 60s
FUZZ ?= FuzzDecodeFields FuzzParsePolicyAndMatch FuzzBatchToken FuzzHandler FuzzEngines FuzzJWTLogin FuzzAppendJSON FuzzDecodeObjectFast

.PHONY: fuzz
fuzz:
	@set -e; for f in $(FUZZ); do \
		echo "== $$f ($(FUZZTIME))"; \
		$(GO) test -run XXX -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) ./mockvault; \
	done
