# lib.sh: shared by seed_cli.sh, agent_check.sh and ci_cli.sh (sourced, not
# run). Sets up a private HOME and the record (fd 3), and defines
#   step NAME WANT_RC CMD...     run CMD, record exit code + normalised output
#   step_in NAME WANT_RC FILE CMD...   the same with stdin from FILE
#   field KEY                    a row of the last step's table output
#   note TEXT                    a verdict line in the record
#   same A B LABEL               records "LABEL: same" or "LABEL: different" (a failure)
#   mask_value NAME VALUE        VALUE shows as {{NAME}} in the record from now on
#   finish                       prints the summary, exits 1 on any failure
# TTL_MODE=round (default) rounds durations in ttl rows to the minute;
# TTL_MODE=mask masks them (for the agent's 10 s tokens).
# The caller sets SCRIPT (its name, for messages) before sourcing.
#
# The record: per step a line "== NN name rc=N", then the step's normalised
# output indented by two spaces; check lines start with "-- ".
: "${VAULT_ADDR:?set VAULT_ADDR}"
: "${VAULT_TOKEN:?set VAULT_TOKEN (a root token)}"
VAULT=${VAULT:-vault}
ROOT_TOKEN=$VAULT_TOKEN
export VAULT_ADDR VAULT_TOKEN
# the table format the article shows; no token helper file, no surprises
unset VAULT_FORMAT VAULT_NAMESPACE VAULT_WRAP_TTL VAULT_CLI_NO_COLOR 2>/dev/null || true
export VAULT_CLI_NO_COLOR=1

work=$(mktemp -d "${TMPDIR:-/tmp}/${SCRIPT:-vaultcli}.XXXXXX") || exit 2
# cleanup: the caller may define on_exit (e.g. to stop a background agent)
on_exit() { :; }
trap 'on_exit; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
HOME=$work
export HOME

record=${1:-}
if [ -n "$record" ]; then
	: >"$record" || exit 2
	exec 3>>"$record"
else
	exec 3>&1
fi

failed=0
n=0
out=$work/out
masks=$work/masks
: >"$masks"

# mask_value NAME VALUE: from now on VALUE shows as {{NAME}} in the record
# (so "the lookup shows the token just created" is compared, not masked)
mask_value() {
	[ -n "$2" ] || return 0
	printf '%s %s\n' "$2" "$1" >>"$masks"
	sort -u "$masks" | awk '{ print length($1), $0 }' | sort -rn | cut -d' ' -f2- >"$masks.tmp" &&
		mv "$masks.tmp" "$masks"
}

# normalise: mask what differs between two servers by nature.
#  - token values (hvs./hvb./s./b. prefixes), accessors, uuids, timestamps
#  - rows whose key names an id, accessor or time
#  - durations in ttl rows rounded to the minute (TTLs run down while the
#    steps run; a minute of rounding absorbs the drift), or with
#    TTL_MODE=mask the live ttl masked and the others kept exact
normalise() {
	# saved values first (see mask_value), longest first
	awk -v m="$masks" 'FILENAME == m { n++; val[n] = $1; name[n] = $2; next }
	{
		for (k = 1; k <= n; k++)
			while ((i = index($0, val[k])) > 0)
				$0 = substr($0, 1, i - 1) "{{" name[k] "}}" substr($0, i + length(val[k]))
		print
	}' "$masks" "$1" |
	sed -E \
		-e 's/(hvs|hvb|hvr)\.[A-Za-z0-9_-]+/<TOKEN>/g' \
		-e 's/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/<UUID>/g' \
		-e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+(Z|[+-][0-9:]+)/<TIME>/g' \
		-e 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+ [+-][0-9]{4} [A-Z]+/<TIME>/g' \
		-e 's/vault-cluster-[0-9a-f]{8}/vault-cluster-<id>/g' \
		-e 's/(auth_[a-z]+|cubbyhole|identity|kv|system)_[0-9a-f]{8}( |$)/\1_<id>\2/g' |
	awk -v addr="$VAULT_ADDR" -v addr2="${MASK_ADDR:-}" -v ttlmode="${TTL_MODE:-round}" '
	function dur2s(d,   s, n, u) {
		s = 0
		while (match(d, /^[0-9.]+[hms]/)) {
			n = substr(d, 1, RLENGTH - 1) + 0; u = substr(d, RLENGTH, 1)
			s += (u == "h") ? n * 3600 : (u == "m") ? n * 60 : n
			d = substr(d, RLENGTH + 1)
		}
		return (d == "") ? s : -1
	}
	function s2dur(s,   h, m, r) {
		if (s == 0) return "0s"
		h = int(s / 3600); m = int((s % 3600) / 60); r = ""
		if (h) r = h "h"
		if (m) r = r m "m"
		return r
	}
	{
		line = $0
		while ((i = index(line, addr)) > 0)
			line = substr(line, 1, i - 1) "$VAULT_ADDR" substr(line, i + length(addr))
		while (addr2 != "" && (i = index(line, addr2)) > 0)
			line = substr(line, 1, i - 1) "$MASK_ADDR" substr(line, i + length(addr2))
		n = split(line, f, /[ \t]+/)
		key = f[1]
		sub(/:$/, "", key)
		if (n >= 2 && key ~ /^(accessor|token_accessor|secret_id_accessor|id|entity_id|request_id|creation_time|expire_time|issue_time|last_renewal|last_renewal_time|created_time|deletion_time|role_id|secret_id|expiration_time|last_updated_time|wrapping_accessor|wrapped_accessor|wrapping_token_creation_time)$/ && f[2] != "n/a" && f[2] != "<nil>" && index(f[2], "{{") != 1) {
			line = key " <masked>"
		} else if (n == 2 && key ~ /^(ttl|token_duration|creation_ttl|secret_id_ttl|explicit_max_ttl|period|token_ttl|token_max_ttl|token_period|token_explicit_max_ttl|wrapping_token_ttl)$/) {
			s = dur2s(f[2])
			if (ttlmode == "mask") {
				# short-lived tokens: the live ttl is checked by the caller,
				# configured durations are compared exactly
				line = key " " (key == "ttl" ? "<masked>" : f[2])
			} else if (s > 0) {
				s = int((s + 30) / 60) * 60
				line = key " " s2dur(s)
			} else line = key " " f[2]
		} else {
			# table padding differs with the longest key: collapse runs of spaces
			gsub(/[ \t]+/, " ", line)
			sub(/ $/, "", line)
		}
		print line
	}'
}

# step NAME WANT_RC CMD...: run CMD (stdin from /dev/null), record its exit
# code and normalised output (stdout then stderr), check the exit code.
step() {
	_name=$1 _want=$2
	shift 2
	"$@" >"$out.stdout" 2>"$out.stderr" </dev/null
	_record $? "$@"
}

# step_in NAME WANT_RC FILE CMD...: the same with stdin from FILE
step_in() {
	_name=$1 _want=$2 _in=$3
	shift 3
	"$@" >"$out.stdout" 2>"$out.stderr" <"$_in"
	_record $? "$@"
}

_record() {
	rc=$1
	shift
	n=$((n + 1))
	cat "$out.stdout" "$out.stderr" >"$out"
	if [ -n "${RAW_DIR:-}" ]; then
		mkdir -p "$RAW_DIR" && cp "$out" "$RAW_DIR/$(printf '%02d' "$n")-$_name.txt"
	fi
	printf '== %02d %s rc=%s\n' "$n" "$_name" "$rc" >&3
	normalise "$out" | sed "s/^/  /" >&3
	if [ "$rc" != "$_want" ]; then
		printf '%s: step %02d %s: exit %s, want %s: %s\n' "$SCRIPT" "$n" "$_name" "$rc" "$_want" "$*" >&2
		sed 's/^/    /' "$out" >&2
		failed=$((failed + 1))
	fi
}

# field KEY: the value of row KEY in the last step's table output
field() { awk -v k="$1" '$1 == k { print $2; exit }' "$out.stdout"; }

# note TEXT: a line in the record that is not a command (a check's verdict)
note() { printf '%s\n' "-- $*" >&3; }

# same A B LABEL: record whether two captured values are equal; "different"
# fails the run (the values are checked on each server on its own)
same() {
	if [ -n "$1" ] && [ "$1" = "$2" ]; then
		note "$3: same"
	else
		note "$3: different"
		echo "$SCRIPT: check failed: $3: '$1' vs '$2'" >&2
		failed=$((failed + 1))
	fi
}

# finish: summary line; exit 1 if a step did not exit as expected
finish() {
	note "steps: $n, failures: $failed"
	if [ "$failed" -ne 0 ]; then
		echo "$SCRIPT: $failed failure(s) in $n steps: not as on Vault 1.21.1" >&2
		exit 1
	fi
	echo "$SCRIPT: all $n steps exited as on Vault 1.21.1 ($VAULT_ADDR)" >&2
}
