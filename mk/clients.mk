# Real clients (issue 6): the vault CLI and Vault Agent against real Vault
# 1.21.1, the mock's binary and the mock's container image, in parallel;
# the mock's records must equal real Vault's (TestCLIAgent in e2e/):
#   e2e/clients/seed_cli.sh     every command of the seed article
#   e2e/clients/agent_check.sh  Vault Agent with the seed's agent.hcl (auto-auth,
#                               sink, renewal, re-authentication, proxy)
#   e2e/clients/ci_cli.sh       more CLI commands of CI pipelines
#   e2e/clients/ops_cli.sh      a CI set-up with its own -dev-tls server (VAULT_CACERT from
#                               the banner, a file audit device read back against
#                               sys/audit-hash, sys/tools, key rotation, seal/unseal with the
#                               banner's unseal key, generate-root); on the container through
#                               e2e/clients/container_server.sh (docker run, host network)
#
#   make clients                  # ~1 min; builds/caches the vault binary first (tools/realvault/build.sh);
#                                 # the container part needs a Docker engine (skipped with a line without one)
#   make clients ALLOW_KNOWN=1    # known mock differences (docs/conformance-findings.md) do not fail the run
#   make clients OUT=/tmp/clients # keep every record and raw output there
#
# The scripts run alone too, against any fresh dev server:
#   VAULT_ADDR=http://127.0.0.1:8200 VAULT_TOKEN=root VAULT=$(tools/realvault/build.sh) sh e2e/clients/seed_cli.sh
GO ?= go
ALLOW_KNOWN ?=
OUT ?=

.PHONY: clients
clients:
	sh tools/realvault/build.sh >/dev/null
	cd e2e && $(if $(ALLOW_KNOWN),MOCKVAULT_E2E_ALLOW_KNOWN=$(ALLOW_KNOWN)) \
		$(if $(OUT),MOCKVAULT_E2E_CLIENTS_OUT=$(abspath $(OUT))) \
		MOCKVAULT_E2E_CLIENTS=1 $(GO) test -mod=mod -count=1 -timeout 5m -v -run '^TestCLIAgent$$' .
