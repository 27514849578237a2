# A small static image of the mock. Nothing is pulled: the binary is built
# on the host first (make image does both), then copied into scratch with
# an empty /tmp (mode 1777, made by make image as bin/rootfs/tmp) so that
# -dev-tls can write its certificates into a temporary directory as Vault
# does:
#   CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o bin/mockvault-linux ./cmd/mockvault
#   mkdir -p bin/rootfs/tmp && chmod 1777 bin/rootfs/tmp
#   docker build -t mockvault:dev .
# The entrypoint is the binary and the default command `server -dev`, as in
# Vault's image: `docker run mockvault:dev server -dev -dev-tls` works.
FROM scratch
COPY bin/rootfs/ /
COPY bin/mockvault-linux /mockvault
USER 65534:65534
EXPOSE 8200
ENV VAULT_DEV_LISTEN_ADDRESS=0.0.0.0:8200
HEALTHCHECK --interval=2s --timeout=3s --retries=15 CMD ["/mockvault", "health"]
ENTRYPOINT ["/mockvault"]
CMD ["server", "-dev"]
