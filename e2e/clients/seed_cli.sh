#!/bin/sh
# seed_cli.sh: every command of the seed article ("service vs batch tokens"),
# run with the real `vault` CLI against one Vault-compatible server, in the
# article's order, with the article's default (table) output.
#
#   VAULT_ADDR=http://127.0.0.1:8200 VAULT_TOKEN=root e2e/clients/seed_cli.sh [RECORD]
#
# Environment:
#   VAULT_ADDR, VAULT_TOKEN   the server and a root token (required)
#   VAULT                     the vault binary (default: `vault` on PATH)
#   RAW_DIR                   if set, each step's raw output is kept there
#
# Every step states the exit code real Vault 1.21.1 gives (where the article
# is wrong, the step follows real Vault and says so). The script writes a
# record (RECORD, default stdout): per step its name, exit code and the
# output normalised so that two servers can be compared line by line
# (tokens, accessors, ids and timestamps masked, remaining TTLs rounded to the
# minute). It exits 1 if any exit code differs from the expected one or a
# check fails, so it is a test on its own; e2e/cli_agent_test.go additionally
# compares the records of the mock and of real Vault line by line.
#
# Needs only the vault CLI and POSIX sh/awk/sed/mktemp. Run it against a fresh
# dev server (the "Policy ... does not exist" warnings are part of the
# record); it leaves an approle mount, roles ci/app, policies app/build and
# KV secrets under secret/app and secret/build.
set -u

SCRIPT=seed_cli
. "$(dirname "$0")/lib.sh"

# ---------------------------------------------------------------- service tokens
# "Start by issuing a default (service) token and inspecting it"
step token-create-default 0 "$VAULT" token create -policy=default -ttl=1h
svc=$(field token)
svc_acc=$(field token_accessor)
step token-lookup-service 0 "$VAULT" token lookup "$svc"
same "$(field id)" "$svc" "lookup id is the token"
same "$(field accessor)" "$svc_acc" "lookup accessor is the token's accessor"

# "Typical operations (renew, revoke, periodic, orphan)"
step token-create-app 0 "$VAULT" token create -policy=app -ttl=1h
app=$(field token)
# The article's `vault token renew s.ABC... 30m`: the current CLI takes the
# increment only as -increment and rejects a second argument (exit 1,
# "Too many arguments (expected 1, got 2)").
step token-renew-article-syntax 1 "$VAULT" token renew "$app" 30m
step token-renew-increment 0 "$VAULT" token renew -increment=30m "$app"
step token-lookup-after-renew 0 "$VAULT" token lookup "$app"
step token-revoke 0 "$VAULT" token revoke "$app"
step token-lookup-revoked 2 "$VAULT" token lookup "$app"
step token-revoke-accessor 0 "$VAULT" token revoke -accessor "$svc_acc"
step token-lookup-revoked-by-accessor 2 "$VAULT" token lookup "$svc"
step token-lookup-accessor-revoked 2 "$VAULT" token lookup -accessor "$svc_acc"
step token-create-periodic 0 "$VAULT" token create -policy=agent -period=24h
per=$(field token)
step token-lookup-periodic 0 "$VAULT" token lookup "$per"
step token-create-orphan 0 "$VAULT" token create -policy=ops -orphan
orph=$(field token)
step token-lookup-orphan 0 "$VAULT" token lookup "$orph"

# ---------------------------------------------------------------- batch tokens
step token-create-batch 0 "$VAULT" token create -type=batch -policy=build -ttl=15m
batch=$(field token)
# The article says lookup of a batch token fails; on Vault 1.21.1 it works.
step token-lookup-batch 0 "$VAULT" token lookup "$batch"
# revoke fails ("batch tokens cannot be revoked"), as the article says
step token-revoke-batch 2 "$VAULT" token revoke "$batch"
# renew fails too ("batch tokens cannot be renewed")
step token-renew-batch 2 "$VAULT" token renew "$batch"
step token-lookup-batch-after-revoke 0 "$VAULT" token lookup "$batch"

# ---------------------------------------------------------------- AppRole token_type
step auth-enable-approle 0 "$VAULT" auth enable approle
step approle-role-ci 0 "$VAULT" write auth/approle/role/ci \
	token_policies=build token_ttl=15m token_max_ttl=30m token_type=batch
step approle-role-app 0 "$VAULT" write auth/approle/role/app \
	token_policies=app token_ttl=1h token_max_ttl=24h token_type=service
step approle-read-ci 0 "$VAULT" read auth/approle/role/ci
step approle-ci-role-id 0 "$VAULT" read auth/approle/role/ci/role-id
ci_rid=$(field role_id)
step approle-ci-secret-id 0 "$VAULT" write -f auth/approle/role/ci/secret-id
ci_sid=$(field secret_id)
step approle-ci-login 0 "$VAULT" write auth/approle/login role_id="$ci_rid" secret_id="$ci_sid"
ci_tok=$(field token)
step approle-ci-token-lookup 0 "$VAULT" token lookup "$ci_tok"
step approle-app-role-id 0 "$VAULT" read auth/approle/role/app/role-id
app_rid=$(field role_id)
step approle-app-secret-id 0 "$VAULT" write -f auth/approle/role/app/secret-id
app_sid=$(field secret_id)
step approle-app-login 0 "$VAULT" write auth/approle/login role_id="$app_rid" secret_id="$app_sid"
app_tok=$(field token)
step approle-app-token-lookup 0 "$VAULT" token lookup "$app_tok"
step approle-login-bad-secret 2 "$VAULT" write auth/approle/login role_id="$app_rid" secret_id=not-a-secret-id

# ---------------------------------------------------------------- "Minimal commands to validate your understanding"
step minimal-create-batch 0 "$VAULT" token create -type=batch -policy=dev -ttl=10m
mb=$(field token)
# "# 失敗するはず" (should fail) says the article; real Vault answers it.
step minimal-lookup-batch 0 "$VAULT" token lookup "$mb"
step minimal-create-service 0 "$VAULT" token create -policy=dev -ttl=10m
ms=$(field token)
step minimal-lookup-service 0 "$VAULT" token lookup "$ms"

# ---------------------------------------------------------------- policies and KV
cat >"$work/app.hcl" <<'EOF'
path "secret/data/app/*" {
  capabilities = ["read"]
}
EOF
cat >"$work/build.hcl" <<'EOF'
path "secret/data/build/*" {
  capabilities = ["create", "update", "read"]
}
EOF
step policy-write-app 0 "$VAULT" policy write app "$work/app.hcl"
step_in policy-write-build-stdin 0 "$work/build.hcl" "$VAULT" policy write build -
step policy-read-app 0 "$VAULT" policy read app
step policy-list 0 "$VAULT" policy list
step kv-put 0 "$VAULT" kv put secret/app/config username=app password=s3cret
step kv-get 0 "$VAULT" kv get secret/app/config
step kv-get-field 0 "$VAULT" kv get -field=password secret/app/config
step kv-put-v2 0 "$VAULT" kv put secret/app/config username=app password=rotated
step kv-get-version-1 0 "$VAULT" kv get -version=1 secret/app/config

# the AppRole service token (policy app) reads it
VAULT_TOKEN=$app_tok
step kv-get-as-app 0 "$VAULT" kv get secret/app/config
step kv-put-as-app-denied 2 "$VAULT" kv put secret/app/config username=x
# the AppRole batch token (policy build, written after it was issued): the
# policy edit reaches it (the article says batch policies are frozen).
VAULT_TOKEN=$ci_tok
step kv-put-as-batch 0 "$VAULT" kv put secret/build/artifact sha=abc123
step kv-get-as-batch 0 "$VAULT" kv get secret/build/artifact
step kv-get-as-batch-denied 2 "$VAULT" kv get secret/app/config
step token-lookup-self-batch 0 "$VAULT" token lookup
VAULT_TOKEN=$ROOT_TOKEN

# ---------------------------------------------------------------- tidy up the tokens
step token-revoke-periodic 0 "$VAULT" token revoke "$per"
step token-revoke-orphan 0 "$VAULT" token revoke "$orph"
step token-revoke-app-login 0 "$VAULT" token revoke "$app_tok"
step token-revoke-minimal 0 "$VAULT" token revoke "$ms"

finish
