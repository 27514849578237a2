# Hostile conditions (docs/reliability.md, "Hostile conditions"): the mock
# binary on a loopback port under load, stalled connections and hostile
# bodies; tools/hostile (its own module, standard library only) starts the
# server, measures it from /proc and prints Markdown tables. Linux only.
#
#   make hostile                  # all three, about 2 minutes
#   make hostile-load             # 16 workers of mixed API calls for 20 s
#   make hostile-slow             # 10,000 stalled connections watched for 45 s
#   make hostile-bodies           # 29 hostile requests, then 24 parallel 8 MiB bodies
#   make hostile-slow HOSTILE_CONNS=2000 HOSTILE_HOLD=20s HOSTILE_PORT=18262
#
# Every count and duration is bounded; the server listens on 127.0.0.1 only.
# hostile-slow shortens the idle timeout to 20 s (Vault's default is 5 min)
# so the idle keep-alive connections close within the watch too.
GO ?= go
HOSTILE_PORT ?= 18260
HOSTILE_WORKERS ?= 16
HOSTILE_DURATION ?= 20s
HOSTILE_CONNS ?= 10000
HOSTILE_HOLD ?= 45s
HOSTILE_SLOW_FLAGS ?= -http-idle-timeout=20s
HOSTILE_BIN := $(abspath bin/mockvault-hostile)

.PHONY: hostile hostile-load hostile-slow hostile-bodies hostile-bin
hostile: hostile-load hostile-slow hostile-bodies

hostile-bin:
	$(GO) build -o $(HOSTILE_BIN) ./cmd/mockvault

hostile-load: hostile-bin
	cd tools/hostile && $(GO) run . load -bin $(HOSTILE_BIN) -port $(HOSTILE_PORT) \
		-workers $(HOSTILE_WORKERS) -duration $(HOSTILE_DURATION)

hostile-slow: hostile-bin
	cd tools/hostile && $(GO) run . slow -bin $(HOSTILE_BIN) -port $(HOSTILE_PORT) \
		-conns $(HOSTILE_CONNS) -hold $(HOSTILE_HOLD) -server-flags '$(HOSTILE_SLOW_FLAGS)'

hostile-bodies: hostile-bin
	cd tools/hostile && $(GO) run . bodies -bin $(HOSTILE_BIN) -port $(HOSTILE_PORT)
