# Front door.  The scripts are the real thing (they also work where make is
# not installed yet); these targets only name them.
.PHONY: all demo test build clean

all: build

build:
	meson setup build >/dev/null 2>&1 || true
	ninja -C build

demo:
	./scripts/demo.sh

test:
	./scripts/test.sh

clean:
	rm -rf build build-asan build-fuzz build*.log
