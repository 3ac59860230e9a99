# MyoRehab. `make run` and `make test` install what is missing (Debian/Ubuntu,
# apt-get, only packages that are absent), then build and run or test.

GO          ?= go
BIN         := bin/myorehab
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
export LANG := en_US.UTF-8

# Fyne's GL/X11 build needs; tests also need socat (pseudo-terminals), Xvfb
# (a real window without a screen), ImageMagick (screenshots) and MNE (an
# independent EDF+ reader).
RUN_PKGS  := gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev \
             libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev
TEST_PKGS := $(RUN_PKGS) socat xvfb xauth imagemagick xdotool python3-mne poppler-utils

.PHONY: all build run demo test check fmt-check vet staticcheck gotest alloctest bench screenshots deps-run deps-test clean

all: build

deps-run:
	@./scripts/apt-ensure.sh $(RUN_PKGS)

deps-test:
	@./scripts/apt-ensure.sh $(TEST_PKGS)

build: deps-run
	$(GO) build -o $(BIN) .

run: build
	./$(BIN) --demo

test: deps-test fmt-check vet staticcheck gotest alloctest

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi; echo "gofmt: ok"

vet:
	$(GO) vet ./...

staticcheck:
	$(GO) run $(STATICCHECK) ./...

# Tests run under Xvfb so that the real-window smoke test has a display.
gotest:
	xvfb-run -a -s "-screen 0 1400x900x24" $(GO) test -race -count=1 -timeout 40m ./...

# The zero-allocation checks again without -race: the race detector
# allocates, so some of them skip under it. They are the tests whose name
# contains "Alloc" (TestXNoAllocs, TestXAllocs, TestXDoesNotAllocate, ...);
# none of them opens a window, so no Xvfb. Only the packages that have such
# tests are built again without -race (not the whole app with Fyne).
ALLOC_PKGS = $(shell grep -rl --include=*_test.go -E 'func Test[A-Za-z0-9_]*Alloc' . | xargs -n1 dirname | sort -u)

alloctest:
	$(GO) test -count=1 -timeout 10m -run 'Alloc' $(ALLOC_PKGS)

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

# The main screens at 1280x720, 1366x768 and 1920x1080 into docs/screens/
# (shown in the README): a real window under Xvfb, driven by the demo's
# steps (MYOREHAB_STEPS), captured with ImageMagick. SIZES="1280x720" or
# SCREENS="live review" narrow the run.
screenshots: build deps-test
	./scripts/screens.sh $(BIN) docs/screens

clean:
	rm -rf bin
