#!/bin/sh
# Build the real Vault 1.21.1 server binary that the e2e conformance suite
# runs (in a FROM scratch container, or directly). The binary is static
# (CGO_ENABLED=0), reproducible (-trimpath) and stripped (-s -w).
#
#   tools/realvault/build.sh            # build if missing, print the path
#   tools/realvault/build.sh -f         # rebuild even if present
#
# Output path: $MOCKVAULT_VAULT_BIN, else $HOME/.cache/mockvault/vault-1.21.1.
# A fresh machine builds from the Go module proxy: ~4 GiB of downloads and
# ~13 minutes on 2 cores; afterwards the Go build cache makes rebuilds fast.
# If $MOCKVAULT_VAULT_PREBUILT is set to an existing binary (e.g. a build
# shared on the machine), it is verified and copied instead of compiled.
set -eu

VERSION=1.21.1
here=$(cd "$(dirname "$0")" && pwd)
out=${MOCKVAULT_VAULT_BIN:-${HOME:-/tmp}/.cache/mockvault/vault-$VERSION}
prebuilt=${MOCKVAULT_VAULT_PREBUILT:-}
force=0
[ "${1:-}" = "-f" ] && force=1

log() { echo "realvault: $*" >&2; }

# ok BIN: BIN runs and reports the pinned version.
ok() {
	[ -x "$1" ] || return 1
	"$1" version 2>/dev/null | grep -q "Vault v$VERSION"
}

if [ "$force" = 0 ] && ok "$out"; then
	log "cached: $out"
	echo "$out"
	exit 0
fi

mkdir -p "$(dirname "$out")"
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT INT TERM

if [ "$force" = 0 ] && [ -n "$prebuilt" ] && [ -f "$prebuilt" ] && ok "$prebuilt"; then
	log "copying prebuilt $prebuilt"
	cp "$prebuilt" "$tmp"
else
	command -v go >/dev/null 2>&1 || { log "go is not installed"; exit 1; }
	log "building github.com/hashicorp/vault@v$VERSION into $out (first build: ~13 min on 2 cores, ~4 GiB downloads)"
	start=$(date +%s)
	(cd "$here" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp" github.com/hashicorp/vault)
	log "built in $(($(date +%s) - start))s"
fi

chmod 0755 "$tmp"
ok "$tmp" || { log "built binary does not report Vault v$VERSION"; "$tmp" version >&2 || true; exit 1; }
mv -f "$tmp" "$out"
trap - EXIT INT TERM
log "ready: $out"
echo "$out"
