# Verify recorded traffic (issue 20): replay recordings (mockvault server
# -record FILE, MOCKVAULT_RECORD_DIR in go test) against a real Vault 1.21.1
# started here and a fresh mock, step by step.
#
#   make verify FILES='recordings/*.json'              # Docker container (binary built on demand), or VAULT_ADDR+VAULT_TOKEN
#   make verify FILES='recordings/*.json' REAL=binary  # the vault binary, no Docker
#   make verify FILES=... VERIFY_FLAGS=-strict         # also fail on steps that cannot be verified
GO ?= go
FILES ?=
REAL ?=
VERIFY_FLAGS ?=

.PHONY: verify
verify:
	@test -n "$(FILES)" || (echo "make verify FILES='recordings/*.json'" && exit 2)
	cd e2e && MOCKVAULT_E2E_BUILD=1 $(if $(REAL),MOCKVAULT_E2E_REAL=$(REAL)) \
		$(GO) run -mod=mod ./cmd/verify $(VERIFY_FLAGS) $(abspath $(wildcard $(FILES)))
