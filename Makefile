GO ?= go

.PHONY: test race vet fmt build conformance
build:
	$(GO) build ./...
	$(GO) build -o bin/mockvault ./cmd/mockvault

vet:
	$(GO) vet ./...

fmt:
	@test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)

test: vet fmt
	$(GO) test -race -count=1 ./...

-include mk/*.mk

.PHONY: image
# image builds the container from local files only (FROM scratch).
image:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags="-s -w" -o bin/mockvault-linux ./cmd/mockvault
	mkdir -p bin/rootfs/tmp && chmod 1777 bin/rootfs/tmp
	docker build -t mockvault:dev .
