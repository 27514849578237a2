#!/bin/sh
# ops_cli.sh: what a project's CI set-up script does with its own dev server
# (issue 17): start it with -dev-tls into a certificate directory, take
# VAULT_ADDR, VAULT_CACERT and the unseal key from its banner, then use the
# CLI over TLS: status, sys/tools (random, hash), key status and rotation,
# seal and unseal with the banner's key, and a root token made with
# `vault operator generate-root` (OTP flow).
#
#   SERVER_BIN=/path/to/vault-or-mockvault VAULT=vault OPS_LISTEN=127.0.0.1:8300 \
#     e2e/clients/ops_cli.sh [RECORD]
#
# SERVER_BIN is started here and stopped at the end; VAULT is the CLI. The
# record format is seed_cli.sh's (see lib.sh).
set -u

SCRIPT=ops_cli
: "${SERVER_BIN:?set SERVER_BIN (the vault or mockvault binary to start)}"
: "${OPS_LISTEN:?set OPS_LISTEN (a free loopback host:port)}"
# lib.sh wants these before the server exists; they are set from its banner
VAULT_ADDR=https://$OPS_LISTEN
VAULT_TOKEN=root
. "$(dirname "$0")/lib.sh"

# masked SEDEXPR CMD...: CMD's output through sed SEDEXPR (random values
# out of the record), CMD's exit code; the raw output stays in $work/raw
masked() {
	_expr=$1
	shift
	"$@" >"$work/raw" 2>&1
	_rc=$?
	sed "$_expr" "$work/raw"
	return $_rc
}

server_pid=
on_exit() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; }

# ---------------------------------------------------------------- the server
mkdir -p "$work/tls"
"$SERVER_BIN" server -dev-tls -dev-tls-cert-dir="$work/tls" -dev-root-token-id=root \
	-dev-listen-address="$OPS_LISTEN" -dev-no-store-token >"$work/banner" 2>&1 &
server_pid=$!
i=0
until grep -q '^Root Token: ' "$work/banner" 2>/dev/null; do
	i=$((i + 1))
	if [ "$i" -gt 300 ] || ! kill -0 "$server_pid" 2>/dev/null; then
		echo "$SCRIPT: the server did not start:" >&2
		cat "$work/banner" >&2
		exit 2
	fi
	sleep 0.1
done
# the lines scripts take from the banner
VAULT_ADDR=$(sed -n "s/^ *\$ export VAULT_ADDR='\(.*\)'\$/\1/p" "$work/banner")
VAULT_CACERT=$(sed -n "s/^ *\$ export VAULT_CACERT='\(.*\)'\$/\1/p" "$work/banner")
unseal_key=$(sed -n 's/^Unseal Key: //p' "$work/banner")
export VAULT_ADDR VAULT_CACERT
mask_value unseal_key "$unseal_key"
mask_value cert_dir "$work/tls"
same "$VAULT_ADDR" "https://$OPS_LISTEN" "banner VAULT_ADDR is https on the listen address"
same "$VAULT_CACERT" "$work/tls/vault-ca.pem" "banner VAULT_CACERT is vault-ca.pem in the certificate directory"
note "banner Unseal Key: $(printf '%s' "$unseal_key" | base64 -d 2>/dev/null | wc -c | tr -d ' ') bytes"
step tls-files 0 ls "$work/tls"

# ---------------------------------------------------------------- over TLS
step status 0 "$VAULT" status
step init-status 0 "$VAULT" operator init -status
step no-ca 1 env -u VAULT_CACERT "$VAULT" status
# random values are masked: their shape is what compares
step random 0 masked 's/^[0-9a-f]\{48\}$/<48 hex digits>/' "$VAULT" write -field=random_bytes -f sys/tools/random/24 format=hex
step random-seal 0 masked 's/^random_bytes .*/random_bytes <random>/' "$VAULT" write -f sys/tools/random/seal/8
step hash 0 "$VAULT" write sys/tools/hash input=aGVsbG8gd29ybGQ=
step hash-sha3 0 "$VAULT" write -field=sum sys/tools/hash/sha3-256 input=aGVsbG8gd29ybGQ= format=base64
step hash-bad 2 "$VAULT" write sys/tools/hash/md4 input=aGVsbG8=
step kv-put 0 "$VAULT" kv put -mount=secret ci/app password=s3cret
# the encryption count is the barrier's own business
step key-status 0 masked 's/^Encryption Count .*/Encryption Count <n>/;s/^Install Time .*/Install Time <time>/' "$VAULT" operator key-status
step rotate 0 masked 's/^Install Time .*/Install Time <time>/' "$VAULT" operator rotate
step key-status-after 0 "$VAULT" read -field=term sys/key-status

# ---------------------------------------------------------------- seal, unseal
step seal 0 "$VAULT" operator seal
step status-sealed 2 "$VAULT" status
step kv-get-sealed 2 "$VAULT" kv get -mount=secret ci/app
step unseal-bad 2 "$VAULT" operator unseal AAAA
step unseal 0 "$VAULT" operator unseal "$unseal_key"
step status-unsealed 0 "$VAULT" status
step kv-get 0 "$VAULT" kv get -mount=secret -field=password ci/app

# ---------------------------------------------------------------- generate-root
otp=$("$VAULT" operator generate-root -generate-otp)
note "generate-otp: ${#otp} characters"
mask_value otp "$otp"
step gr-init 0 "$VAULT" operator generate-root -init -otp="$otp"
nonce=$(field Nonce)
mask_value nonce "$nonce"
step gr-status 0 "$VAULT" operator generate-root -status
step gr-update 0 masked 's/^Encoded Token .*/Encoded Token <encoded>/' "$VAULT" operator generate-root -nonce="$nonce" "$unseal_key"
enc=$(awk '$1 == "Encoded" && $2 == "Token" { print $3 }' "$work/raw")
step gr-decode 0 "$VAULT" operator generate-root -decode="$enc" -otp="$otp"
newroot=$(cat "$out.stdout")
step gr-lookup 0 env VAULT_TOKEN="$newroot" "$VAULT" token lookup
step gr-revoke 0 "$VAULT" token revoke "$newroot"

finish
