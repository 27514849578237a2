#!/bin/sh
# agent_check.sh: Vault Agent in the seed article's agent.hcl shape (auto_auth
# approle with role_id/secret_id files, a file sink, cache
# { use_auto_auth_token = true }, a loopback tcp listener without TLS) against
# one Vault-compatible server, checked with the vault CLI only.
#
#   VAULT_ADDR=http://127.0.0.1:8200 VAULT_TOKEN=root e2e/clients/agent_check.sh [RECORD]
#
# Environment:
#   VAULT_ADDR, VAULT_TOKEN   the server and a root token (required)
#   VAULT                     the vault binary, also used as the agent (default: `vault`)
#   AGENT_LISTEN              the agent's listener (default 127.0.0.1:<20000+pid%20000>)
#   AGENT_TTL, AGENT_MAX_TTL  token_ttl and token_max_ttl of the role, in
#                             seconds (default 10 and 30: the run takes ~40 s)
#   RAW_DIR                   if set, raw outputs and the agent's log are kept there
#
# What it checks (each a line in the record, see lib.sh for the format):
#   1. the agent logs in and writes the token to the sink, and removes the
#      secret_id file after reading it (remove_secret_id_file_after_reading
#      defaults to true, so the file is written on every run);
#   2. a request through the listener without a token is answered with the
#      auto-auth token (`vault token lookup` = lookup-self, and a KV read);
#   3. the agent renews the token before it expires (last_renewal appears on
#      the server, the ttl is refreshed);
#   4. once renewing cannot extend it past token_max_ttl, the agent logs in
#      again: the sink gets a new token, the proxy uses it, and the old token
#      dies at its max TTL.
# Exit 1 when a check fails or a command does not exit as on Vault 1.21.1.
set -u

SCRIPT=agent_check
TTL_MODE=mask
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

ttl=${AGENT_TTL:-10}
max=${AGENT_MAX_TTL:-30}
listen=${AGENT_LISTEN:-127.0.0.1:$((20000 + $$ % 20000))}
agent_addr=http://$listen
MASK_ADDR=$agent_addr

# check LABEL CONDITION...: record "LABEL: yes|no"; "no" fails the run
check() {
	_label=$1
	shift
	if "$@"; then
		note "$_label: yes"
	else
		note "$_label: no"
		echo "$SCRIPT: check failed: $_label" >&2
		failed=$((failed + 1))
	fi
}

# wait_until SECONDS CMD...: poll CMD once a second until it succeeds
wait_until() {
	_deadline=$(($(date +%s) + $1))
	shift
	while ! "$@"; do
		[ "$(date +%s)" -ge "$_deadline" ] && return 1
		sleep 1
	done
}

# via_agent ARGS...: the vault CLI pointed at the agent's listener, no token
via_agent() (
	unset VAULT_TOKEN
	VAULT_ADDR=$agent_addr
	export VAULT_ADDR
	exec "$VAULT" "$@"
)

# seconds DURATION: 1m5s -> 65
seconds() {
	echo "$1" | awk '{ d = $0; s = 0
		while (match(d, /^[0-9.]+[hms]/)) {
			v = substr(d, 1, RLENGTH - 1) + 0; u = substr(d, RLENGTH, 1)
			s += (u == "h") ? v * 3600 : (u == "m") ? v * 60 : v
			d = substr(d, RLENGTH + 1)
		}
		print int(s) }'
}

agent_pid=
on_exit() {
	if [ -n "$agent_pid" ]; then
		kill "$agent_pid" 2>/dev/null
		wait "$agent_pid" 2>/dev/null
		agent_pid=
	fi
	if [ -n "${RAW_DIR:-}" ] && [ -f "$work/agent.log" ]; then
		mkdir -p "$RAW_DIR" && cp "$work/agent.log" "$RAW_DIR/agent.log"
	fi
}

# ---------------------------------------------------------------- the role
# the AppRole mount may be there already (seed_cli.sh enables it)
if ! "$VAULT" auth list 2>/dev/null | grep -q '^approle/'; then
	"$VAULT" auth enable approle >/dev/null || exit 2
fi
cat >"$work/agent-app.hcl" <<'EOF'
path "secret/data/agent/*" {
  capabilities = ["read"]
}
EOF
step policy-write-agent-app 0 "$VAULT" policy write agent-app "$work/agent-app.hcl"
step kv-put-agent-config 0 "$VAULT" kv put secret/agent/config greeting=hello
step approle-role-agent 0 "$VAULT" write auth/approle/role/agent \
	token_policies=agent-app token_ttl="${ttl}s" token_max_ttl="${max}s"
step approle-agent-role-id 0 "$VAULT" read auth/approle/role/agent/role-id
printf '%s\n' "$(field role_id)" >"$work/role_id"
step approle-agent-secret-id 0 "$VAULT" write -f auth/approle/role/agent/secret-id
printf '%s\n' "$(field secret_id)" >"$work/secret_id"

# ---------------------------------------------------------------- the agent
sed -e "s|@VAULT_ADDR@|$VAULT_ADDR|" \
	-e "s|@ROLE_ID_FILE@|$work/role_id|" \
	-e "s|@SECRET_ID_FILE@|$work/secret_id|" \
	-e "s|@SINK_FILE@|$work/sink|" \
	-e "s|@LISTEN_ADDR@|$listen|" \
	"$here/agent.hcl.tmpl" >"$work/agent.hcl"
(
	unset VAULT_TOKEN
	exec "$VAULT" agent -config="$work/agent.hcl" -log-level=info
) >"$work/agent.log" 2>&1 &
agent_pid=$!

sink_written() { [ -s "$work/sink" ]; }
check "agent wrote a token to the sink" wait_until 20 sink_written
if ! sink_written; then
	echo "$SCRIPT: agent log:" >&2
	sed 's/^/    /' "$work/agent.log" >&2
	finish
fi
tok1=$(cat "$work/sink")
check "secret_id file removed after reading" test ! -e "$work/secret_id"

step sink-token-lookup 0 "$VAULT" token lookup "$tok1"
# the login time on the server's clock (unix seconds); all waits below count
# from it (the servers run on this host's clock)
t0=$(field creation_time)
t0=${t0:-$(date +%s)}
ttl1=$(seconds "$(field ttl)")
issued1=$(field issue_time)
check "sink token ttl at most ${ttl}s" test "$ttl1" -le "$ttl"

# ---------------------------------------------------------------- the proxy
listener_up() { via_agent read sys/health >/dev/null 2>&1; }
wait_until 10 listener_up
# The agent strips the auto-auth token's id and accessor from the answer;
# its issue_time tells which token answered.
step proxy-lookup-self 0 via_agent token lookup
same "$(field issue_time)" "$issued1" "proxied lookup-self answered for the sink token (same issue_time)"
check "proxied lookup-self does not show the token" test -z "$(field id)$(field accessor)"
step proxy-kv-get 0 via_agent kv get secret/agent/config

# ---------------------------------------------------------------- renewal
# The agent renews once right after login, then at about 2/3 of the ttl.
renewed() {
	"$VAULT" token lookup "$tok1" >"$work/renewed" 2>&1 || return 1
	_lr=$(awk '$1 == "last_renewal_time" { print $2 }' "$work/renewed")
	[ -n "$_lr" ] && [ "$_lr" -ge $((t0 + 3)) ]
}
check "agent renewed the token again" wait_until $((ttl + 5)) renewed
# still alive after its first ttl: a renewal came before it expired
while [ "$(date +%s)" -le $((t0 + ttl + 1)) ]; do sleep 1; done
step sink-token-lookup-past-first-ttl 0 "$VAULT" token lookup "$tok1"
check "sink token alive past its first ttl (renewed before expiry)" test "$rc" -eq 0

# ---------------------------------------------------------------- re-authentication
new_token() { [ -s "$work/sink" ] && [ "$(cat "$work/sink")" != "$tok1" ]; }
check "agent logged in again when renewals could not extend past token_max_ttl" wait_until $((max + 15)) new_token
reauth=$(($(date +%s) - t0))
# Vault Agent re-authenticates ~1-2 s before the max TTL; allow some slack
check "new sink token by the old token's max TTL (+3 s)" test "$reauth" -le $((max + 3))
tok2=$(cat "$work/sink")
step new-sink-token-lookup 0 "$VAULT" token lookup "$tok2"
issued2=$(field issue_time)
step proxy-lookup-self-after-reauth 0 via_agent token lookup
same "$(field issue_time)" "$issued2" "proxied lookup-self answered for the new sink token (same issue_time)"
step proxy-kv-get-after-reauth 0 via_agent kv get secret/agent/config

# the old token dies at its max TTL
while [ "$(date +%s)" -le $((t0 + max + 2)) ]; do sleep 1; done
step old-token-lookup-after-max-ttl 2 "$VAULT" token lookup "$tok1"

# ---------------------------------------------------------------- stop
kill "$agent_pid" 2>/dev/null
wait "$agent_pid" 2>/dev/null
agent_pid=
errors=$(grep -c '\[ERROR\]' "$work/agent.log")
check "agent logged no errors" test "$errors" -eq 0
# the agent's warnings and errors, without times, paths and addresses, in
# the record (so that the mock must not cause any real Vault does not)
note "agent warnings and errors:"
grep -E '\[(WARN|ERROR)\]' "$work/agent.log" |
	sed -E -e 's/^[^[]*//' -e "s|$work|<WORK>|g" -e 's/(request_id|accessor)=[^ ]*/\1=<masked>/g' |
	sort -u | sed 's/^/--   /' >&3
if [ "$errors" -ne 0 ]; then
	grep '\[ERROR\]' "$work/agent.log" | sed 's/^/    /' >&2
fi
finish
