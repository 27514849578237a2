# Conformance suite (issue 3): the e2e module runs every scenario against real
# Vault 1.21.1 and the in-process mock and prints a table scenario x target.
#
#   make conformance                    # Docker container (binary built on demand), or VAULT_ADDR+VAULT_TOKEN
#   make conformance RUN=token/create   # only scenarios whose name matches
#   make conformance REAL=none          # mock only; REAL=env|docker|binary|replay to force a target
#   make conformance ALLOW_KNOWN=1      # known mock differences do not fail the run
#   make conformance-soak N=20          # the whole suite N times on one pair of targets; lists every scenario that ever differed
#   make machine-logins                 # Kubernetes, cert and remote-key JWT logins against the real binary (loopback fakes)
#   make realvault                      # just build/cache the static vault binary
GO ?= go
RUN ?=
REAL ?=
ALLOW_KNOWN ?=

N ?= 20

.PHONY: conformance conformance-soak machine-logins realvault
conformance:
	cd e2e && MOCKVAULT_E2E_BUILD=1 MOCKVAULT_E2E_RECORD=1 \
		$(if $(REAL),MOCKVAULT_E2E_REAL=$(REAL)) \
		$(if $(ALLOW_KNOWN),MOCKVAULT_E2E_ALLOW_KNOWN=$(ALLOW_KNOWN)) \
		$(GO) test -mod=mod -count=1 -timeout 60m $(if $(RUN),-run 'TestConformance/$(RUN)')

# A soak never rewrites recordings: it measures whether answers are stable.
conformance-soak:
	cd e2e && MOCKVAULT_E2E_BUILD=1 MOCKVAULT_E2E_ROUNDS=$(N) \
		$(if $(REAL),MOCKVAULT_E2E_REAL=$(REAL)) \
		$(if $(ALLOW_KNOWN),MOCKVAULT_E2E_ALLOW_KNOWN=$(ALLOW_KNOWN)) \
		$(GO) test -mod=mod -count=1 -timeout 60m $(if $(RUN),-run 'TestConformance/$(RUN)')

# The logins whose real Vault must reach a fake on the test's loopback (a
# Kubernetes TokenReview API, an OIDC issuer) or serve TLS (cert): run
# against the real binary as a local process, which a container cannot be.
machine-logins:
	cd e2e && MOCKVAULT_E2E_BUILD=1 MOCKVAULT_E2E_REAL=binary \
		$(GO) test -mod=mod -count=1 -timeout 20m -run 'AgainstRealVault|TestJWTRemoteKeySources|TestTokenRenewalExample' .

realvault:
	sh tools/realvault/build.sh
