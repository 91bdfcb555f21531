# etcd-agent — build, test, benchmark, demo. `make help` lists the targets.
DOTNET ?= dotnet
CONFIG ?= Release
RESULTS := artifacts/test-results
TEST_FLAGS := -c $(CONFIG) --no-build --logger "trx" --logger "console;verbosity=minimal"

.PHONY: help deps build test test-unit test-integration verify bench publish demo clean

help:
	@echo "make demo              throwaway local etcd + etcd-agent looking at it (installs etcd if missing)"
	@echo "make test              build and run every test against real etcd (installs etcd if missing)"
	@echo "make test-unit         unit tests only (no etcd needed)"
	@echo "make test-integration  real-etcd integration and end-to-end tests"
	@echo "make bench             benchmarks against etcdctl; results in docs/benchmarks.md"
	@echo "make verify            formatting check"
	@echo "make publish           self-contained single-file binary in artifacts/publish"

deps:
	@scripts/install-deps.sh

build:
	$(DOTNET) build EtcdAgent.sln -c $(CONFIG) -nologo -clp:NoSummary

# The published (trimmed, single-file) binary is what ships; PublishedBinaryTests run it against real etcd.
test: deps build publish
	@rm -rf $(RESULTS)
	@status=0; \
	$(DOTNET) test tests/EtcdAgent.UnitTests $(TEST_FLAGS) --results-directory $(RESULTS) || status=1; \
	$(DOTNET) test tests/EtcdAgent.IntegrationTests $(TEST_FLAGS) --results-directory $(RESULTS) || status=1; \
	scripts/test-summary.sh $(RESULTS); \
	exit $$status

test-unit: build
	$(DOTNET) test tests/EtcdAgent.UnitTests $(TEST_FLAGS) --results-directory $(RESULTS)

test-integration: deps build publish
	$(DOTNET) test tests/EtcdAgent.IntegrationTests $(TEST_FLAGS) --results-directory $(RESULTS)

verify:
	$(DOTNET) format EtcdAgent.sln --verify-no-changes

bench: build publish
	@scripts/install-deps.sh hyperfine time
	$(DOTNET) build bench/EtcdFill -c Release -nologo -v q
	$(DOTNET) build bench/CodecBench -c Release -nologo -v q
	bench/run.sh

publish:
	$(DOTNET) publish src/Agent -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true \
		-p:PublishReadyToRun=true -p:PublishTrimmed=true -o artifacts/publish -nologo -v q

demo: deps build
	@scripts/demo.sh

clean:
	rm -rf artifacts
	$(DOTNET) clean EtcdAgent.sln -nologo -v q
