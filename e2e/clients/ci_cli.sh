#!/bin/sh
# ci_cli.sh: the vault CLI commands a CI pipeline runs around the seed
# article's flows (beyond the article itself: seed_cli.sh has those): status
# and mount listings, an AppRole login for a job with -field output, a token
# stored by `vault login` and used through the token helper, -wrap-ttl and
# unwrap, token roles, use limits, capabilities, the KV v2 lifecycle, a KV v1
# mount, auth tuning, audit devices, and common errors.
#
#   VAULT_ADDR=http://127.0.0.1:8200 VAULT_TOKEN=root e2e/clients/ci_cli.sh [RECORD]
#
# Same environment and record format as seed_cli.sh (see lib.sh). It uses its
# own mounts (auth/pipeline, kv1/) and names, so it runs after seed_cli.sh
# and agent_check.sh on the same server, and removes what it created.
set -u

SCRIPT=ci_cli
. "$(dirname "$0")/lib.sh"

# no_token CMD...: CMD without VAULT_TOKEN (the CLI falls back to the token
# helper, ~/.vault-token in this script's private HOME)
no_token() (
	unset VAULT_TOKEN
	exec "$@"
)

# ---------------------------------------------------------------- the server
step status 0 "$VAULT" status
step auth-list 0 "$VAULT" auth list
step secrets-list 0 "$VAULT" secrets list

# ---------------------------------------------------------------- a job's AppRole
cat >"$work/pipeline.hcl" <<'EOF'
path "secret/data/ci/*" {
  capabilities = ["create", "update", "read"]
}
path "auth/token/create" {
  capabilities = ["create", "update"]
}
EOF
step policy-write-pipeline 0 "$VAULT" policy write pipeline "$work/pipeline.hcl"
step auth-enable-pipeline 0 "$VAULT" auth enable -path=pipeline -description="CI jobs" approle
step auth-enable-pipeline-again 2 "$VAULT" auth enable -path=pipeline approle
step role-job 0 "$VAULT" write auth/pipeline/role/job \
	token_policies=pipeline token_ttl=15m token_max_ttl=1h token_type=batch \
	secret_id_num_uses=2 secret_id_ttl=10m
step role-job-list 0 "$VAULT" list auth/pipeline/role
step role-id-field 0 "$VAULT" read -field=role_id auth/pipeline/role/job/role-id
rid=$(cat "$out.stdout")
mask_value role_id "$rid"
step secret-id-field 0 "$VAULT" write -f -field=secret_id auth/pipeline/role/job/secret-id
sid=$(cat "$out.stdout")
mask_value secret_id "$sid"
step secret-id-lookup 0 "$VAULT" write auth/pipeline/role/job/secret-id/lookup secret_id="$sid"
sid_acc=$(field secret_id_accessor)
mask_value secret_id_accessor "$sid_acc"
step secret-id-list 0 "$VAULT" list auth/pipeline/role/job/secret-id
step job-login-field 0 "$VAULT" write -field=token auth/pipeline/login role_id="$rid" secret_id="$sid"
job=$(cat "$out.stdout")
mask_value job_token "$job"
step job-login-json 0 "$VAULT" write -format=json auth/pipeline/login role_id="$rid" secret_id="$sid"
# secret_id_num_uses=2: the third login is refused, and the secret ID is gone
step job-login-used-up 2 "$VAULT" write auth/pipeline/login role_id="$rid" secret_id="$sid"
step secret-id-lookup-used-up 0 "$VAULT" write auth/pipeline/role/job/secret-id/lookup secret_id="$sid"

# the job's token, stored by `vault login` and found by the token helper
step login-store 0 no_token "$VAULT" login "$job"
step token-lookup-helper 0 no_token "$VAULT" token lookup
step print-token 0 no_token "$VAULT" print token
step kv-put-helper 0 no_token "$VAULT" kv put secret/ci/job-1 status=passed
step login-no-store 0 "$VAULT" login -no-store "$job"
step login-bad-token 2 "$VAULT" login -no-store not-a-token

# ---------------------------------------------------------------- tokens
step token-create-limited 0 "$VAULT" token create -use-limit=2 -explicit-max-ttl=2h \
	-display-name=ci-job -metadata=job=42 -policy=default
lim=$(field token)
mask_value limited "$lim"
step token-lookup-limited 0 "$VAULT" token lookup "$lim"
step token-use-1 0 env VAULT_TOKEN="$lim" "$VAULT" token lookup
step token-use-2 0 env VAULT_TOKEN="$lim" "$VAULT" token lookup
step token-use-3-spent 2 env VAULT_TOKEN="$lim" "$VAULT" token lookup
step token-create-short 0 "$VAULT" token create -ttl=1h -policy=pipeline
tok=$(field token)
tok_acc=$(field token_accessor)
mask_value tok "$tok"
mask_value tok_accessor "$tok_acc"
step token-lookup-accessor 0 "$VAULT" token lookup -accessor "$tok_acc"
step token-capabilities 0 "$VAULT" token capabilities "$tok" secret/data/ci/x
step token-capabilities-self 0 "$VAULT" token capabilities secret/data/ci/x
step token-capabilities-accessor 0 "$VAULT" token capabilities -accessor "$tok_acc" secret/data/app/x
step token-renew-self 0 env VAULT_TOKEN="$tok" "$VAULT" token renew
step token-renew-self-increment 0 env VAULT_TOKEN="$tok" "$VAULT" token renew -increment=2h
step token-create-child 0 env VAULT_TOKEN="$tok" "$VAULT" token create -policy=pipeline -ttl=10m
child=$(field token)
mask_value child "$child"
step token-revoke-orphan-mode 0 "$VAULT" token revoke -mode=orphan "$tok"
step token-lookup-child-orphaned 0 "$VAULT" token lookup "$child"
step token-revoke-self 0 env VAULT_TOKEN="$child" "$VAULT" token revoke -self
step token-lookup-self-revoked 2 env VAULT_TOKEN="$child" "$VAULT" token lookup
step token-lookup-nonexistent 2 "$VAULT" token lookup not-a-token
step token-create-root-policy 0 "$VAULT" token create -policy=root -ttl=10m
step token-create-batch-periodic 2 "$VAULT" token create -type=batch -period=1h

# ---------------------------------------------------------------- token roles
step token-role-write 0 "$VAULT" write auth/token/roles/ci allowed_policies=pipeline orphan=true token_ttl=20m
step token-role-read 0 "$VAULT" read auth/token/roles/ci
step token-role-list 0 "$VAULT" list auth/token/roles
step token-create-role 0 "$VAULT" token create -role=ci -policy=pipeline
step token-create-role-denied 2 "$VAULT" token create -role=ci -policy=app
step token-role-delete 0 "$VAULT" delete auth/token/roles/ci

# ---------------------------------------------------------------- response wrapping
step wrap-token-create 0 "$VAULT" token create -wrap-ttl=5m -policy=pipeline
step wrap-field 0 "$VAULT" token create -wrap-ttl=5m -field=wrapping_token -policy=pipeline
wrap=$(cat "$out.stdout")
mask_value wrapping_token "$wrap"
step wrap-lookup 0 "$VAULT" write sys/wrapping/lookup token="$wrap"
step unwrap 0 "$VAULT" unwrap "$wrap"
step unwrap-again 2 "$VAULT" unwrap "$wrap"

# ---------------------------------------------------------------- KV v2 lifecycle
step kv-put 0 "$VAULT" kv put secret/ci/a x=1
step kv-patch 0 "$VAULT" kv patch secret/ci/a y=2
step kv-get 0 "$VAULT" kv get secret/ci/a
step kv-get-json 0 "$VAULT" kv get -format=json -field=data secret/ci/a
step kv-list 0 "$VAULT" kv list secret/ci
step kv-get-wrapped 0 "$VAULT" kv get -wrap-ttl=1m secret/ci/a
step kv-read-raw-path 0 "$VAULT" read secret/data/ci/a
step kv-metadata-get 0 "$VAULT" kv metadata get secret/ci/a
step kv-metadata-put 0 "$VAULT" kv metadata put -max-versions=3 -custom-metadata=owner=ci secret/ci/a
step kv-delete 0 "$VAULT" kv delete secret/ci/a
# a deleted (or destroyed) version: the CLI prints its metadata and exits 0
step kv-get-deleted 0 "$VAULT" kv get secret/ci/a
step kv-undelete 0 "$VAULT" kv undelete -versions=2 secret/ci/a
step kv-destroy 0 "$VAULT" kv destroy -versions=1 secret/ci/a
step kv-get-destroyed 0 "$VAULT" kv get -version=1 secret/ci/a
step kv-rollback 0 "$VAULT" kv rollback -version=2 secret/ci/a
step kv-metadata-delete 0 "$VAULT" kv metadata delete secret/ci/a
step kv-get-gone 2 "$VAULT" kv get secret/ci/a
step kv-list-missing 2 "$VAULT" kv list secret/nowhere

# ---------------------------------------------------------------- KV v1, tuning, policies
step secrets-enable-kv1 0 "$VAULT" secrets enable -path=kv1 -version=1 kv
step kv1-put 0 "$VAULT" kv put kv1/a x=1
step kv1-get 0 "$VAULT" kv get kv1/a
step kv1-write-read 0 "$VAULT" read kv1/a
step kv1-delete 0 "$VAULT" kv delete kv1/a
step secrets-disable-kv1 0 "$VAULT" secrets disable kv1
step auth-tune 0 "$VAULT" auth tune -default-lease-ttl=1h -max-lease-ttl=4h pipeline/
step auth-tune-read 0 "$VAULT" read sys/auth/pipeline/tune
step policy-read-missing 2 "$VAULT" policy read nosuch
step policy-delete-missing 0 "$VAULT" policy delete nosuch
step policy-write-invalid 2 "$VAULT" policy write broken -
step read-missing 2 "$VAULT" read secret/data/nosuch
step write-unknown-path 2 "$VAULT" write auth/token/nosuch x=1
# path-help: the mock answers ?help=1 but does not carry Vault's help texts,
# so only the exit code is compared.
step path-help 0 sh -c "\"$VAULT\" path-help auth/token/create >/dev/null"

# ---------------------------------------------------------------- audit devices
# The devices write to the server's stdout and to nowhere, so the script
# runs alike against a local server and one in a container (whose files
# this script cannot see; e2e/audit_test.go compares the entries, and
# ops_cli.sh reads a file device's log back on a server of its own).
step audit-list-none 2 "$VAULT" audit list
step audit-enable-file 0 "$VAULT" audit enable file file_path=stdout
step audit-enable-file-again 2 "$VAULT" audit enable file file_path=discard
step audit-enable-discard 0 "$VAULT" audit enable -path=discard -description=dropped file file_path=discard
step audit-enable-unknown 2 "$VAULT" audit enable nope
step audit-list 0 "$VAULT" audit list
step audit-list-detailed 0 "$VAULT" audit list -detailed
step audit-hash 0 sh -c '"$1" write -field=hash sys/audit-hash/file input="$2" | grep -c "^hmac-sha256:[0-9a-f]\{64\}$"' - "$VAULT" "$ROOT_TOKEN"
step audit-disable 0 "$VAULT" audit disable file
step audit-disable-discard 0 "$VAULT" audit disable discard
step audit-list-after 2 "$VAULT" audit list

# ---------------------------------------------------------------- tidy up
step auth-disable-pipeline 0 "$VAULT" auth disable pipeline
# a batch token outlives its auth mount: nothing is stored to revoke
step job-token-after-disable 0 "$VAULT" token lookup "$job"
step policy-delete-pipeline 0 "$VAULT" policy delete pipeline
step kv-metadata-delete-job 0 "$VAULT" kv metadata delete secret/ci/job-1
finish
