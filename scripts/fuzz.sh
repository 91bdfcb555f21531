#!/usr/bin/env bash
# make fuzz: AFL++ over the parsers that read hostile bytes (docs/fuzzing.md).
#
#   FUZZ_TARGETS   which harnesses (default: snapshot object manifest config)
#   FUZZ_SECONDS   afl-fuzz -V per target (default 1800)
#   FUZZ_JOBS      targets fuzzed at once (default 1; each afl-fuzz keeps one core busy)
#   FUZZ_TIMEOUT   afl-fuzz -t in ms: an input that runs longer is a hang (default 5000)
#   FUZZ_HEAP      GC heap hard limit of the target process: an allocation past it is an OutOfMemoryException,
#                  i.e. a crash afl-fuzz saves (default 0x20000000 = 512 MiB)
#   FUZZ_NICE      nice level of the fuzzers (default 19: the machine stays usable)
#   FUZZ_OUT       output directory (default artifacts/fuzz; emptied per target at the start of its run)
#
# Output in artifacts/fuzz/<target>/default/{crashes,hangs,queue,fuzzer_stats}. Replay an input with an
# uninstrumented build (instrumented code needs afl-fuzz's shared memory):
#   dotnet build fuzz/EtcdAgent.Fuzz -c Release -o artifacts/fuzz/replay
#   dotnet artifacts/fuzz/replay/EtcdAgent.Fuzz.dll <target> < FILE
set -euo pipefail
cd "$(dirname "$0")/.."

TARGETS=${FUZZ_TARGETS:-snapshot object manifest config}
SECONDS_EACH=${FUZZ_SECONDS:-1800}
JOBS=${FUZZ_JOBS:-1}
TIMEOUT=${FUZZ_TIMEOUT:-5000}
HEAP=${FUZZ_HEAP:-0x20000000}
NICE=${FUZZ_NICE:-19}
OUT=${FUZZ_OUT:-artifacts/fuzz}
BIN=$OUT/bin

if ! command -v afl-fuzz >/dev/null; then
    echo "installing afl++ (Debian package)"
    sudo_cmd=""
    if [ "$(id -u)" -ne 0 ]; then sudo_cmd=sudo; fi
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq afl++ >/dev/null
fi

dotnet tool restore >/dev/null

# A fresh output directory every time: sharpfuzz rewrites the assemblies in place, and an incremental build would
# keep an already instrumented copy.
rm -rf "$BIN"
dotnet build fuzz/EtcdAgent.Fuzz -c Release -nologo -v q -clp:NoSummary -o "$BIN"
# Seeds: tiny valid inputs. The snapshot fixtures are committed; object and manifest seeds are made by the
# harness with the product's encoder; the config seeds are the shipped examples without their comments.
SEEDS=$OUT/seeds
rm -rf "$SEEDS"
mkdir -p "$SEEDS/snapshot" "$SEEDS/config"
cp tests/EtcdAgent.UnitTests/Fixtures/valid-small.db tests/EtcdAgent.UnitTests/Fixtures/corrupted-leaf-element.db "$SEEDS/snapshot/"
for f in packaging/examples/*.yaml; do
    sed -e 's/[[:space:]]*#.*$//' -e '/^$/d' "$f" > "$SEEDS/config/$(basename "$f")"
done
dotnet "$BIN/EtcdAgent.Fuzz.dll" seeds "$SEEDS"

# Instrumented last: instrumented code writes to afl-fuzz's shared memory and cannot run outside afl-fuzz (the
# seed writer above, a replay by hand: rebuild, or replay through the unit tests). The product's own code only:
# the parsers under test live in these two; System.* and the packages stay uninstrumented so the coverage map is
# about etcd-agent's branches.
for dll in etcd-agent.dll EtcdAgent.Protocol.dll; do
    dotnet tool run sharpfuzz "$BIN/$dll"
done

export AFL_SKIP_BIN_CHECK=1                     # the target is `dotnet`, not an afl-instrumented binary
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1  # core_pattern may pipe to a handler in a VM/container
export AFL_SKIP_CPUFREQ=1
export AFL_NO_AFFINITY=1                        # shared cores: do not pin
export AFL_NO_UI=1
export AFL_FORKSRV_INIT_TMOUT=120000            # the .NET runtime's start under nice and a busy machine
export DOTNET_GCHeapHardLimit=$HEAP

run() {
    local target=$1 dir=$OUT/$1 dict=()
    # Tokens for the targets whose parser is not instrumented (System.Text.Json, YamlDotNet).
    if [ -f "fuzz/dictionaries/$target.dict" ]; then dict=(-x "fuzz/dictionaries/$target.dict"); fi
    rm -rf "$dir"
    mkdir -p "$dir/scratch"
    echo "fuzzing $target for ${SECONDS_EACH}s (log: $dir/afl.log)"
    ETCD_AGENT_FUZZ_SCRATCH=$PWD/$dir/scratch nice -n "$NICE" \
        afl-fuzz -V "$SECONDS_EACH" -t "$TIMEOUT" -m none "${dict[@]}" -i "$SEEDS/$target" -o "$dir" \
        -- dotnet "$BIN/EtcdAgent.Fuzz.dll" "$target" > "$dir/afl.log" 2>&1 || echo "afl-fuzz for $target exited $?"
}

for target in $TARGETS; do
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
    run "$target" &
done
wait

stat() { sed -n "s/^$2 *: *//p" "$1" | head -1; }
printf '\n%-9s %9s %12s %8s %8s %8s\n' target seconds execs corpus crashes hangs
for target in $TARGETS; do
    f=$OUT/$target/default/fuzzer_stats
    if [ ! -f "$f" ]; then
        printf '%-9s no fuzzer_stats: see %s/afl.log\n' "$target" "$OUT/$target"
        continue
    fi
    printf '%-9s %9s %12s %8s %8s %8s\n' "$target" \
        "$(stat "$f" run_time)" "$(stat "$f" execs_done)" "$(stat "$f" corpus_count)" \
        "$(stat "$f" saved_crashes)" "$(stat "$f" saved_hangs)"
done
echo "crashes and hangs: $OUT/<target>/default/{crashes,hangs}"
