# routestat — see README.md. Targets a newcomer can guess:
#   make run     build and run the main job on embedded defaults
#   make test    install missing test tools (as root), go vet, go test -race
#   make bench   benchmarks, including routestat mrtdump vs bgpdump
#   make fuzz    run every fuzz target for FUZZTIME each
#   make lint    gofmt and go vet
#   make build   build bin/routestat

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
# command makes a compressed AS-relationships fixture (stat/asrel).
APT_PACKAGES := bgpdump python3-mrtparse libbz2-dev bzip2 bird2 frr exabgp python3-websocket

# TAGS is evaluated when each command runs, so that a libbz2-dev installed
# by deps is used straight away. Without it the pure Go decoder is built.
TAGS = $(shell test -f /usr/include/bzlib.h && $(GO) env CGO_ENABLED | grep -q 1 && echo libbz2)

.PHONY: all build run test deps bench fuzz lint clean

all: build

build:
	$(GO) build -tags '$(TAGS)' -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/routestat

# run indexes the sample archive shipped in the repository (once: ingest
# skips files already done) and serves everything on the defaults:
# BGP on 179 (1179 unprivileged), HTTP on :8080. Ctrl-C stops it.
run: build
	@./$(BIN) version
	./$(BIN) ingest --data var/data mrtdump/testdata/sample/updates.sample.gz
	@echo
	@echo 'Serving. Try, from another terminal:'
	@echo '  curl -s "http://127.0.0.1:8080/data/announced-prefixes/data.json?resource=AS65001&starttime=2026-01-01&min_peers_seeing=1"'
	@echo '  curl -s http://127.0.0.1:8080/metrics | grep routestat_'
	@echo '  bin/routestat replay --to 127.0.0.1:1179 --fast <an MRT file>'
	@echo
	./$(BIN) serve --data var/data

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

clean:
	rm -rf bin
