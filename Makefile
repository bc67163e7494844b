# Helio's build. "make demo" and "make test" work on a fresh Debian machine:
# scripts/ensure-go.sh installs what is missing first.

GO      := $(shell scripts/ensure-go.sh)
BIN     := bin/helio
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/helio-linux/helio/cli.Version=$(VERSION)
FUZZTIME ?= 30s
PREFIX  ?= /usr/local

.PHONY: all build demo test vet fmt-check fuzz bench install-udev clean

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

# Query the real receivers; with none plugged in, the built-in emulated one.
demo: build
	@scripts/demo.sh $(BIN)

# The whole suite: vet, formatting, every test with the race detector
# (fuzz seed corpora included), as CI runs it.
test: vet fmt-check
	$(GO) test -race -count=1 ./...

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$($(dir $(GO))gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# Fuzz every decoder for FUZZTIME each (default 30s); new crashers land in
# testdata/fuzz and fail "make test" until fixed.
fuzz:
	@for t in $$($(GO) test ./hidpp -list 'Fuzz.*' | grep ^Fuzz); do \
		echo "fuzz $$t for $(FUZZTIME)"; \
		$(GO) test ./hidpp -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) -parallel 1 || exit 1; \
	done
	@for t in $$($(GO) test ./emulator -list 'Fuzz.*' | grep ^Fuzz); do \
		echo "fuzz $$t for $(FUZZTIME)"; \
		$(GO) test ./emulator -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) -parallel 1 || exit 1; \
	done

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# Let the user at the seat open Logitech hidraw nodes without root.
install-udev:
	install -D -m 0644 udev/42-helio.rules $(DESTDIR)/etc/udev/rules.d/42-helio.rules
	-udevadm control --reload-rules && udevadm trigger --subsystem-match=hidraw

clean:
	rm -rf bin
