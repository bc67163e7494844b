# Helio's build. "make demo" and "make test" work on a fresh Debian machine:
# each target installs what it needs and is missing, and nothing more:
# Debian packages through scripts/apt-deps.sh, Go through
# scripts/ensure-go.sh.

# GO is the Go toolchain, found (or installed) the first time a recipe
# uses it, then kept: "make clean" or "make install-udev" never look for it.
GO       = $(eval GO := $$(shell scripts/ensure-go.sh))$(GO)
BIN     := bin/helio
WINDOW  := bin/helio-window
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/helio-linux/helio/internal/cli.Version=$(VERSION)
FUZZTIME ?= 30s
# The history reader opens a database per input, about a thousand times
# slower than the decoders: "make fuzz FUZZ_PKGS=./sensors/history" on its own.
FUZZ_PKGS ?= ./hidpp ./emulator ./internal/config ./sensors/history
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
# Autostart entries are read from $XDG_CONFIG_DIRS (/etc/xdg), whatever the
# prefix.
SYSCONFDIR ?= /etc

# Debian packages: cgo libraries, real programs to test against, and the VM
# rig (qemu, a busybox for the initramfs, Solaar as an oracle).
# The window (helio-window) is built on fyne's GL driver: GLFW for X11 and
# Wayland, and OpenGL. Only the window links them; helio does not.
# helio itself links hidapi (with libudev) and libusb through cgo.
HELIO_DEPS  := gcc libc6-dev pkg-config libudev-dev libusb-1.0-0-dev
WINDOW_DEPS := libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev \
	libxxf86vm-dev libwayland-dev libxkbcommon-dev
# Real desktop programs the desktop tests run Helio against, headless: an X
# server, xfce4-panel as the tray host, a bare StatusNotifierWatcher (which
# serves its object late), dunst as the notification daemon, and the tools
# that read and photograph them.
DESKTOP_DEPS := xvfb xauth x11-utils xdotool imagemagick libgl1-mesa-dri xfce4-panel dunst \
	dbus-daemon dbus-bin libglib2.0-bin desktop-file-utils systemd haskell-status-notifier-item-utils
# Real programs the unit tests check Helio against: upower (its -i layout),
# a D-Bus daemon, the shells the completions are for, and Prometheus (the
# server that scrapes Helio, and promtool, which checks the metrics and
# tests the alert rules).
TEST_DEPS  := upower dbus-daemon zsh fish prometheus
# Debian's own packaging tools: dpkg-shlibdeps for the dependencies,
# help2man for the man pages, lintian to check the package.
DEB_DEPS   := dpkg-dev help2man lintian
VM_DEPS    := qemu-system-x86 busybox-static cpio python3 xz-utils zstd solaar

.PHONY: all build window demo test unit desktop deb deb-test fuzz-brief vmtest vet fmt-check fuzz bench install install-udev uninstall clean

all: build

build:
	@scripts/apt-deps.sh $(HELIO_DEPS)
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) .

# The first build of the window compiles go-gl's C: about 4 minutes. Not
# with -trimpath: go vet and the tests build it without, and the same flags
# let all three share that compile.
window:
	@scripts/apt-deps.sh $(HELIO_DEPS) $(WINDOW_DEPS)
	$(GO) build -ldflags '-X main.version=$(VERSION)' -o $(WINDOW) ./cmd/helio-window

# Query the real receivers; with none plugged in, the built-in emulated one.
demo: build
	@scripts/demo.sh $(BIN)

# The whole suite, as CI runs it: vet, formatting, every test with the race
# detector (fuzz seed corpora included; the history survives 100 kill -9s;
# the D-Bus export takes 1000 calls a second for 30 s, the metrics 1000
# scrapes; Prometheus scrapes Helio), the Debian package installed, run and
# purged, a short fuzzing campaign on every decoder, then the tests against
# the real kernel in the VM.
test: unit desktop deb-test fuzz-brief vmtest

# cmd/helio-window has no tests of its own (package window has them), and
# building it with -race would compile go-gl's C once more.
unit: vet fmt-check
	@scripts/apt-deps.sh $(TEST_DEPS)
	$(GO) test -race -count=1 -timeout 20m \
		$$($(GO) list ./... | grep -v -e /test/desktop -e /test/deb -e /cmd/helio-window)

# The tray against xfce4-panel, notifications in dunst's history, the
# desktop files checked by desktop-file-validate; a missing program fails
# the tests (under -short they would skip).
desktop: window
	@scripts/apt-deps.sh $(DESKTOP_DEPS)
	$(GO) test -race -count=1 -timeout 10m ./test/desktop

# The Debian package, bin/helio_VERSION_ARCH.deb, from what "make install"
# installs with PREFIX=/usr, and the udev rule, the metrics timer, shell
# completions, man pages made from --help and the Prometheus examples;
# lintian must find no error in it (scripts/deb.sh).
deb: build window
	@scripts/apt-deps.sh $(DEB_DEPS)
	@GO="$(GO)" MAKE="$(MAKE)" scripts/deb.sh

# Installs the package with apt-get, runs it, purges it and checks that
# nothing is left (test/deb): as root, as CI runs; skipped otherwise.
deb-test: deb
	$(GO) test -count=1 -timeout 10m ./test/deb -deb "$(CURDIR)/$$(ls bin/helio_*.deb)"

# Every fuzz target for a few seconds, so CI finds what a change broke;
# "make fuzz" runs longer campaigns.
fuzz-brief:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=20000x FUZZ_PKGS="./hidpp ./emulator ./internal/config"
	@$(MAKE) --no-print-directory fuzz FUZZTIME=300x FUZZ_PKGS=./sensors/history

# Boots Debian's kernel under qemu and runs test/vm there: the emulated
# receiver on /dev/uhid, the kernel's Logitech drivers bound, Helio on the
# real hidraw nodes, the kernel and Solaar as oracles.
vmtest: build
	@scripts/apt-deps.sh $(VM_DEPS)
	@test/rig/fetch-kernel.sh
	@mkdir -p test/rig/build; start=$$(date +%s); \
	{ $(GO) test -count=1 -v -exec "$(CURDIR)/test/rig/vmexec.sh" ./test/vm; echo $$? > test/rig/build/vmtest.rc; } 2>&1 | tee test/rig/build/vmtest.log; \
	rc=$$(cat test/rig/build/vmtest.rc); echo "vmtest: the VM part took $$(( $$(date +%s) - start )) s"; \
	grep -h 'METRIC' test/rig/build/vmtest.log | sed 's/^ *vm_test.go:[0-9]*: //' > test/rig/build/metrics.txt || true; \
	exit $$rc

vet:
	@scripts/apt-deps.sh $(HELIO_DEPS) $(WINDOW_DEPS)
	$(GO) vet ./...

fmt-check:
	@out=$$($(dir $(GO))gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# Fuzz every decoder, the profile and config parsers and the history file
# reader for FUZZTIME each (default 30s); new crashers land in testdata/fuzz
# and fail "make test" until fixed.
fuzz:
	@scripts/fuzz.sh $(GO) $(FUZZTIME) $(FUZZ_PKGS)

# Helio against Solaar and the kernel's drivers on the same emulated receiver
# in the VM, "helio export" idle for BENCH_IDLE_MINUTES (default 10) on this
# machine, and the host micro-benchmarks (compared with benchstat): prints
# a table and writes it to test/bench/results.md (test/bench/run.sh).
bench: build
	@scripts/apt-deps.sh $(VM_DEPS) dbus-daemon xvfb xfce4-panel libglib2.0-bin
	@test/rig/fetch-kernel.sh
	@GO="$(GO)" test/bench/run.sh

# helio and helio-window, the application's menu entry and icon, the tray's
# autostart entry, the systemd user unit of "helio export" and the system
# units of "helio metrics --textfile" (off until enabled). DESTDIR
# stages the files for a package; PREFIX=$$HOME/.local
# SYSCONFDIR=$$HOME/.config installs for one user without root.
install: build window
	install -D -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/helio
	install -D -m 0755 $(WINDOW) $(DESTDIR)$(BINDIR)/helio-window
	install -d $(DESTDIR)$(DATADIR)/applications $(DESTDIR)$(SYSCONFDIR)/xdg/autostart $(DESTDIR)$(PREFIX)/lib/systemd/user
	sed 's|@BINDIR@|$(BINDIR)|g' assets/desktop/io.github.helio.desktop > $(DESTDIR)$(DATADIR)/applications/io.github.helio.desktop
	sed 's|@BINDIR@|$(BINDIR)|g' assets/desktop/io.github.helio-tray.desktop > $(DESTDIR)$(SYSCONFDIR)/xdg/autostart/io.github.helio-tray.desktop
	sed 's|@BINDIR@|$(BINDIR)|g' assets/desktop/helio-export.service > $(DESTDIR)$(PREFIX)/lib/systemd/user/helio-export.service
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	sed 's|@BINDIR@|$(BINDIR)|g' assets/systemd/helio-metrics.service > $(DESTDIR)$(PREFIX)/lib/systemd/system/helio-metrics.service
	install -m 0644 assets/systemd/helio-metrics.timer $(DESTDIR)$(PREFIX)/lib/systemd/system/helio-metrics.timer
	install -D -m 0644 assets/desktop/io.github.helio.svg $(DESTDIR)$(DATADIR)/icons/hicolor/scalable/apps/io.github.helio.svg
	-[ -n "$(DESTDIR)" ] || [ ! -f $(DATADIR)/icons/hicolor/icon-theme.cache ] || gtk-update-icon-cache -q -t $(DATADIR)/icons/hicolor
	@echo "Installed. The tray starts at the next login, or now: helio tray &"

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/helio $(DESTDIR)$(BINDIR)/helio-window \
		$(DESTDIR)$(DATADIR)/applications/io.github.helio.desktop \
		$(DESTDIR)$(SYSCONFDIR)/xdg/autostart/io.github.helio-tray.desktop \
		$(DESTDIR)$(PREFIX)/lib/systemd/user/helio-export.service \
		$(DESTDIR)$(PREFIX)/lib/systemd/system/helio-metrics.service \
		$(DESTDIR)$(PREFIX)/lib/systemd/system/helio-metrics.timer \
		$(DESTDIR)$(DATADIR)/icons/hicolor/scalable/apps/io.github.helio.svg

# Let the user at the seat open Logitech hidraw nodes without root.
install-udev:
	install -D -m 0644 assets/udev/42-helio.rules $(DESTDIR)/etc/udev/rules.d/42-helio.rules
	-udevadm control --reload-rules && udevadm trigger --subsystem-match=hidraw

clean:
	rm -rf bin test/rig/build
