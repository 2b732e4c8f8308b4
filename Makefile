# onshi — the two commands (`make demo`, `make test`) and their friends.
# Every target first makes sure the Debian packages are there (scripts/deps.sh is
# idempotent), then configures and builds with the CMake preset `default` into build/.
.PHONY: all deps build demo test test-sanitize fuzz bench clean format

JOBS ?= 2

all: build

deps:
	@scripts/deps.sh

build: deps
	@test -f build/CMakeCache.txt || cmake --preset default
	@cmake --build --preset default -j $(JOBS)

demo: build
	build/onshi demo

test: build
	@scripts/test.sh

# The unit suite under ASan + UBSan in build-sanitize/ (scripts/test-sanitize.sh).
test-sanitize: deps
	@scripts/test-sanitize.sh

# Every fuzz target for FUZZ_SECONDS (default 60) each, in build-fuzz/ (scripts/fuzz.sh).
fuzz: deps
	@scripts/fuzz.sh

bench: build
	@bench/run.sh

format:
	@clang-format -i $$(git ls-files 'src/*.cpp' 'src/*.h' 'tests/*.cpp' 'tests/*.h' 'bench/*.cpp')

clean:
	rm -rf build build-sanitize build-fuzz
