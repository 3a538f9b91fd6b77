# routestat — see README.md. Targets a newcomer can guess:
#   make run     build and run the main job on embedded defaults
#   make test    install missing test tools (as root), go vet, go test -race
#   make bench   benchmarks, including routestat mrtdump vs bgpdump
#   make fuzz    run every fuzz target for FUZZTIME each
#   make lint    gofmt and go vet
#   make build   build bin/routestat
#   make web     rebuild the web UI and widgets (needs Node and npm; the
#                built assets are committed, so go build does not)

GO       ?= go
BIN      := bin/routestat
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
FUZZTIME ?= 1m

# Shared design notes and real test data live beside the checkout.
ROUTESTAT_SHARED ?= $(abspath $(CURDIR)/../shared)
export ROUTESTAT_SHARED

# Debian packages the test suite runs against: bgpdump is the reference
# dumper, python3-mrtparse a second, independent MRT reader; libbz2-dev
# lets the bzip2 decoder use libbz2 (build tag libbz2, about twice as fast
# as Go's compress/bzip2); bird2, frr and exabgp peer with the collector in
# its tests; python3-websocket is a stock RIS Live client; the bzip2
# command makes a compressed AS-relationships fixture (stat/asrel);
# chromium runs the browser tests of the web UI and widgets, with
# fonts-liberation and fonts-dejavu-core (only recommended by chromium) so
# that its screenshots have legible text.
APT_PACKAGES := bgpdump python3-mrtparse libbz2-dev bzip2 bird2 frr exabgp python3-websocket chromium fonts-liberation fonts-dejavu-core

# TAGS is evaluated when each command runs, so that a libbz2-dev installed
# by deps is used straight away. Without it the pure Go decoder is built.
TAGS = $(shell test -f /usr/include/bzlib.h && $(GO) env CGO_ENABLED | grep -q 1 && echo libbz2)

.PHONY: all build run test deps bench fuzz lint clean web web-check

all: build

build:
	$(GO) build -tags '$(TAGS)' -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/routestat

# run serves everything from the embedded store in var/data: the BGP
# collector on 127.0.0.1:1179, the web UI and the APIs on
# http://localhost:8080. On an empty store it plays the demo scenario
# first (docs/demo.md): generated data, clearly labelled, in which AS64511
# hijacks 202.33.14.0/24 of AS4725's 202.33.0.0/16 at 08:30 UTC on
# 2019-09-23, about 30 s after the start. rm -rf var starts over.
# Ctrl-C stops it.
run: build
	@./$(BIN) version
	@mkdir -p var
	@printf 'collector:\n  listen_addresses: [127.0.0.1]\n  listen_port: 1179\nhttp:\n  listen: ":8080"\n' > var/run.yaml
	@echo
	@echo 'routestat is starting (Ctrl-C stops it):'
	@echo '  web UI     http://localhost:8080/         try http://localhost:8080/AS4725'
	@echo '  data API   http://localhost:8080/data/routing-status/data.json?resource=AS4725'
	@echo '  incidents  http://localhost:8080/api/v1/hijack/incidents'
	@echo '  demo?      http://localhost:8080/api/v1/demo'
	@echo '  BGP        127.0.0.1:1179 (a passive collector: peer a router with it, docs/collector.md)'
	@echo 'On an empty store it loads the DEMO scenario: generated data, not real routing;'
	@echo '  the hijack incident opens about 30 s after the start (docs/demo.md).'
	@echo 'Real data instead: stop it, rm -rf var, then'
	@echo '  bin/routestat ingest --data var/data https://data.ris.ripe.net/rrc00/2019.09/updates.20190923.0800.gz'
	@echo '  and make run again (docs/ingest.md).'
	@echo
	./$(BIN) serve --config var/run.yaml --data var/data --demo

# deps installs what the tests need when it is missing and we may (root).
deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "warning: missing Debian packages:$$missing (run make test as root, or apt-get install them)"; \
	  fi; \
	fi
	$(GO) mod download

test: deps
	$(GO) vet -tags '$(TAGS)' ./...
	$(GO) test -tags '$(TAGS)' -race -timeout 30m $$($(GO) list ./... | grep -v /stat/calls$$)
	@# the data calls compare whole answers on ~500k-route stores: without
	@# the race detector (5x slower there), and with it on the small stores
	$(GO) test -tags '$(TAGS)' -timeout 30m ./stat/calls/
	$(GO) test -tags '$(TAGS)' -race -timeout 30m -run 'Golden|BadInput|Hostile|Overload|YouTube|RISFirstLastSeen$$|Timelines|IANA|ASBlock' ./stat/calls/
	@# with libbz2 above, test the pure Go bzip2 block decoder too
	$(if $(TAGS),$(GO) test -timeout 10m ./mrtdump/internal/decompress/)

# bench needs wrk (Debian package) to load the data API.
bench: build
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || echo "warning: wrk missing"
	$(GO) test -tags '$(TAGS)' -run '^$$' -bench . -benchmem -count 1 ./...
	./scripts/bench-mrtdump.sh
	./scripts/bench-api.sh

fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  dir=$$($(GO) list -f '{{.Dir}}' $$pkg); \
	  for f in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$dir/*_test.go 2>/dev/null | sed 's/func //'); do \
	    echo "== $$pkg $$f ($(FUZZTIME))"; \
	    $(GO) test -tags '$(TAGS)' -timeout 0 -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 10s $$pkg; \
	  done; \
	done

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags '$(TAGS)' ./...

# web rebuilds web/dist and widgets/dist from web/src and widgets/src
# (Vite; npm packages pinned by web/package-lock.json). Commit the result:
# the Go tests check that the committed assets match their sources.
web:
	cd web && npm ci --no-audit --no-fund && npm run build

# web-check rebuilds the assets and fails if they differ from the
# committed ones (the build is reproducible).
web-check: web
	git diff --exit-code --stat -- web/dist widgets/dist

clean:
	rm -rf bin
