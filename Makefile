# etcd-agent — build, test, benchmark, demo. `make help` lists the targets.
DOTNET ?= dotnet
CONFIG ?= Release
RESULTS := artifacts/test-results
TEST_FLAGS := -c $(CONFIG) --no-build --logger "trx" --logger "console;verbosity=minimal"

.PHONY: help deps build test test-unit test-integration verify folder-deps bench fuzz publish deb deb-amd64 deb-arm64 demo clean

help:
	@echo "make demo              throwaway local etcd + etcd-agent looking at it (installs etcd if missing)"
	@echo "make test              build and run every test against real etcd (installs etcd if missing)"
	@echo "make test-unit         unit tests only (no etcd needed)"
	@echo "make test-integration  real-etcd integration and end-to-end tests"
	@echo "make bench             benchmarks against etcdctl; results in docs/benchmarks.md"
	@echo "make verify            formatting check; no two folders of src/Agent depend on each other both ways"
	@echo "make fuzz              AFL++ over the hostile-input parsers (FUZZ_TARGETS, FUZZ_SECONDS=1800 each); docs/fuzzing.md"
	@echo "make publish           NativeAOT binary in artifacts/publish (installs clang and zlib1g-dev if missing)"
	@echo "make deb               Debian packages (amd64, arm64) in artifacts/deb; DEB_ARCHES=amd64 for one"

deps:
	@scripts/install-deps.sh

build:
	$(DOTNET) build EtcdAgent.sln -c $(CONFIG) -nologo -clp:NoSummary

# The published (trimmed, single-file) binary is what ships; PublishedBinaryTests run it against real etcd.
# The amd64 .deb is built first as well: tests/EtcdAgent.IntegrationTests/Packaging lint it, install it (dpkg -i,
# as root) and purge it again.
test: folder-deps deps build publish deb-amd64
	@rm -rf $(RESULTS)
	@status=0; \
	$(DOTNET) test tests/EtcdAgent.UnitTests $(TEST_FLAGS) --results-directory $(RESULTS) || status=1; \
	$(DOTNET) test tests/EtcdAgent.IntegrationTests $(TEST_FLAGS) --results-directory $(RESULTS) || status=1; \
	scripts/test-summary.sh $(RESULTS); \
	exit $$status

test-unit: build
	$(DOTNET) test tests/EtcdAgent.UnitTests $(TEST_FLAGS) --results-directory $(RESULTS)

test-integration: deps build publish deb-amd64
	$(DOTNET) test tests/EtcdAgent.IntegrationTests $(TEST_FLAGS) --results-directory $(RESULTS)

verify: folder-deps
	$(DOTNET) format EtcdAgent.sln --verify-no-changes

# A folder that uses another which uses it back fails `make test` (docs/architecture.md, section 2); part of `test`
# so that CI catches a new cycle, not only whoever remembers `verify`.
folder-deps:
	@python3 scripts/folder-deps.py

bench: build publish
	@scripts/install-deps.sh hyperfine time
	$(DOTNET) build bench/EtcdFill -c Release -nologo -v q
	$(DOTNET) build bench/CodecBench -c Release -nologo -v q
	$(DOTNET) build bench/S3ClientBench -c Release -nologo -v q
	bench/run.sh

# Not part of `make test`: hours of CPU. Installs afl++ if missing; results in artifacts/fuzz (docs/fuzzing.md).
FUZZ_TARGETS ?= snapshot object manifest config
FUZZ_SECONDS ?= 1800

fuzz:
	FUZZ_TARGETS="$(FUZZ_TARGETS)" FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

# The shipped binary is NativeAOT (docs/decisions.md, issue 21): machine code linked by clang, no JIT, no runtime to
# load; the tests run it. arm64 has no cross linker and sysroot set up here, so it stays the trimmed single-file
# ReadyToRun build (JIT_PUBLISH_FLAGS) until one is.
PUBLISH_FLAGS := -c Release -p:PublishAot=true -nologo -v q
JIT_PUBLISH_FLAGS := -c Release --self-contained -p:PublishSingleFile=true -p:PublishReadyToRun=true \
	-p:PublishTrimmed=true -nologo -v q

publish:
	@scripts/install-deps.sh aot
	$(DOTNET) publish src/Agent -r linux-x64 $(PUBLISH_FLAGS) -o artifacts/publish
	@rm -f artifacts/publish/etcd-agent.dbg

# etcd-agent_<VERSION>_<arch>.deb from the published binary (packaging/deb/build.sh; needs no .NET on the node).
DEB_ARCHES ?= amd64 arm64

deb: $(addprefix deb-,$(DEB_ARCHES))

deb-amd64: publish
	@packaging/deb/build.sh amd64 artifacts/publish/etcd-agent artifacts/deb

# Cross-published on any host (the linux-arm64 runtime pack restores); never run here (no arm64 machine).
deb-arm64:
	$(DOTNET) publish src/Agent -r linux-arm64 $(JIT_PUBLISH_FLAGS) -o artifacts/publish-linux-arm64
	@packaging/deb/build.sh arm64 artifacts/publish-linux-arm64/etcd-agent artifacts/deb

demo: deps build
	@scripts/demo.sh

clean:
	rm -rf artifacts
	$(DOTNET) clean EtcdAgent.sln -nologo -v q
