#!/bin/sh
# container_server.sh: the mock's image run as if it were its binary, for
# scripts that start a server of their own (ops_cli.sh's SERVER_BIN):
#
#   SERVER_BIN=e2e/clients/container_server.sh MOCK_IMAGE=mockvault:dev \
#     VAULT=vault OPS_LISTEN=127.0.0.1:8300 sh e2e/clients/ops_cli.sh
#
# The image's entrypoint is the binary, so the arguments pass unchanged. The
# container shares the host's network (the banner's address is reachable as
# printed), runs as the calling user and sees $TMPDIR at the same path (the
# -dev-tls certificates and the audit log land where the caller reads
# them). docker run passes SIGTERM on to the server and returns when it has
# stopped; --rm removes the container then. DOCKER_RUN_ARGS adds options
# (make clients adds labels, so that a killed run's container is reaped).
: "${MOCK_IMAGE:=mockvault:dev}"
tmp=${TMPDIR:-/tmp}
# DOCKER_RUN_ARGS is split into words on purpose
# shellcheck disable=SC2086
exec docker run --rm --network host --user "$(id -u):$(id -g)" \
	-e TMPDIR="$tmp" -v "$tmp:$tmp" ${DOCKER_RUN_ARGS:-} "$MOCK_IMAGE" "$@"
