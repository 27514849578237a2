# A small static image of the mock. Nothing is pulled: the binary is built
# on the host first (make image does both), then copied into scratch.
#   CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o bin/mockvault-linux ./cmd/mockvault
#   docker build -t mockvault:dev .
FROM scratch
COPY bin/mockvault-linux /mockvault
USER 65534:65534
EXPOSE 8200
ENV VAULT_DEV_LISTEN_ADDRESS=0.0.0.0:8200
HEALTHCHECK --interval=2s --timeout=3s --retries=15 CMD ["/mockvault", "health"]
ENTRYPOINT ["/mockvault", "server", "-dev"]
