#!/bin/sh
# ops_cli.sh: what a project's CI set-up script does with its own dev server
# (issue 17): start it with -dev-tls (the certificates in a new temporary
# directory, as Vault makes one), take VAULT_ADDR, VAULT_CACERT and the
# unseal key from its banner, enable a file audit device, then use the CLI
# over TLS: status, sys/tools (random, hash), the audit log read back (its
# HMACs equal sys/audit-hash of the values sent), key status and rotation,
# seal and unseal with the banner's key, and a root token made with
# `vault operator generate-root` (OTP flow).
#
#   SERVER_BIN=/path/to/vault-or-mockvault VAULT=vault OPS_LISTEN=127.0.0.1:8300 \
#     e2e/clients/ops_cli.sh [RECORD]
#
# SERVER_BIN is started here and stopped at the end: the vault or mockvault
# binary, or a command that runs the mock's image the same way
# (container_server.sh: docker run with the host's network, user and
# $TMPDIR). The temporary directories (the server's certificates, this
# script's, the audit log) are under $TMPDIR.
# VAULT is the CLI. The record format is seed_cli.sh's (see lib.sh).
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
"$SERVER_BIN" server -dev-tls -dev-root-token-id=root \
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
cert_dir=${VAULT_CACERT%/vault-ca.pem}
tmp=${TMPDIR:-/tmp}
mask_value unseal_key "$unseal_key"
mask_value cert_dir "$cert_dir"
mask_value work "$work"
same "$VAULT_ADDR" "https://$OPS_LISTEN" "banner VAULT_ADDR is https on the listen address"
case $cert_dir in "${tmp%/}"/vault-tls*) in_tmp=yes ;; *) in_tmp=no ;; esac
same "$in_tmp" yes "banner VAULT_CACERT is vault-ca.pem in a new \$TMPDIR/vault-tls* directory"
note "banner Unseal Key: $(printf '%s' "$unseal_key" | base64 -d 2>/dev/null | wc -c | tr -d ' ') bytes"
step tls-files 0 ls "$cert_dir"

# ---------------------------------------------------------------- audit device
# a file the script reads back below: every request and response from here on
audit_log=$work/audit.log
step audit-enable 0 "$VAULT" audit enable file file_path="$audit_log"
step audit-list 0 "$VAULT" audit list -detailed

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

# ---------------------------------------------------------------- the audit log
# One JSON object a line, written before the answer is sent. The entries of
# the first hash request above (path sys/tools/hash) are recorded masked
# (HMACs, ids, times, the client's port) and one field a line, so that
# their structure compares line by line; then sys/audit-hash of the values
# sent and received must equal the HMACs the log holds for them.
audit_entry() { grep '"path":"sys/tools/hash"' "$audit_log" | grep "\"type\":\"$1\"" | head -n 1; }
audit_shape() {
	audit_entry "$1" | sed -E -e 's/hmac-sha256:[0-9a-f]{64}/<hmac>/g' \
		-e 's/"remote_port":[0-9]+/"remote_port":<port>/' \
		-e 's/"([a-z_]*accessor)":"[a-z_]+_[0-9a-f]{8}"/"\1":"<accessor>"/g' |
		awk '{ gsub(/,"/, ",\n\""); gsub(/\{"/, "{\n\""); print }'
}
# logged KEY TYPE: the HMAC that the TYPE entry holds under KEY
logged() { audit_entry "$2" | sed -n "s/.*\"$1\":\"\(hmac-sha256:[0-9a-f]*\)\".*/\1/p"; }
# audit_hash VALUE: sys/audit-hash of VALUE under the device's salt
audit_hash() { masked 's/^hmac-sha256:[0-9a-f]\{64\}$/hmac-sha256:<64 hex digits>/' "$VAULT" write -field=hash sys/audit-hash/file input="$1"; }
step audit-entry-request 0 audit_shape request
step audit-entry-response 0 audit_shape response
step audit-hash-input 0 audit_hash aGVsbG8gd29ybGQ=
same "$(cat "$work/raw")" "$(logged input request)" "sys/audit-hash of the input sent equals request.data.input in the log"
step audit-hash-sum 0 audit_hash b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9
same "$(cat "$work/raw")" "$(logged sum response)" "sys/audit-hash of the sum received equals response.data.sum in the log"
step audit-hash-token 0 audit_hash "$VAULT_TOKEN"
same "$(cat "$work/raw")" "$(logged client_token request)" "sys/audit-hash of the token equals auth.client_token in the log"

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


# ---------------------------------------------------------------- shutdown
# as Vault, the server removes the certificate directory it made
kill "$server_pid"
wait "$server_pid"
server_pid=
if [ -e "$cert_dir" ]; then left=yes; else left=no; fi
same "$left" no "the server removed its certificate directory on shutdown"

finish
