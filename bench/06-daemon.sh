#!/usr/bin/env bash
# `etcd-agent run` over DURATION seconds (default 600) with a backup every 30 s against a small throwaway etcd and a
# local-directory store: RSS sampled every 5 s once 3 ticks have passed (never before the first), and CPU seconds
# used in that window. Goal (issues 7, 18): <= 60 MB RSS between ticks without runtime knobs, ~0 CPU between ticks.
# DAEMON_ENV (default: nothing; the published binary turns tiered compilation off itself) is extra environment for
# the daemon, e.g. DAEMON_ENV=DOTNET_GCgen0size=0x400000 to try a knob.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib-etcd.sh
. scripts/lib-etcd.sh
out=${1:-artifacts/bench}
duration=${DURATION:-600}
agent=${AGENT:-artifacts/publish/etcd-agent}   # AGENT=PATH measures another build
work=$(mktemp -d -t etcd-agent-daemon-bench-XXXXXX)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; etcd_stop; rm -rf "$work"' EXIT
etcd_start "$work"
export ETCDCTL_API=3
for i in $(seq 1 200); do etcdctl --endpoints "$ETCD_ENDPOINT" put "/registry/configmaps/default/cm-$i" "$(head -c 3000 /dev/urandom | base64 -w0)" >/dev/null; done
mkdir -m 700 "$work/store"
cat > "$work/config.yaml" <<YAML
cluster: bench
node: bench
etcd:
  endpoints: [${ETCD_ENDPOINT}]
store:
  type: local
  local:
    path: ${work}/store
backup:
  spoolDir: ${work}/spool
schedule:
  backup: "*/30 * * * * ?"
  stateDir: ${work}/state
retention:
  keepLast: 3
  daily: 0
  weekly: 0
  monthly: 0
  maxDeleteFraction: 1
YAML
daemon_env=${DAEMON_ENV-}
# shellcheck disable=SC2086 # DAEMON_ENV is a list of NAME=VALUE words
env $daemon_env "$agent" run --config "$work/config.yaml" 2>"$work/run.log" &
pid=$!
ticks() { grep -c "stored$" "$work/run.log" || true; }
until [ "$(ticks)" -ge 3 ]; do sleep 1; done
clk=$(getconf CLK_TCK)
cpu0=$(awk '{print $14+$15}' "/proc/$pid/stat")
start=$(date +%s)
: > "$out/daemon-rss.txt"
while [ $(( $(date +%s) - start )) -lt "$duration" ]; do
  awk '/VmRSS/ {print $2}' "/proc/$pid/status" >> "$out/daemon-rss.txt"
  sleep 5
done
cpu1=$(awk '{print $14+$15}' "/proc/$pid/stat")
ticks_in_window=$(( $(ticks) - 3 ))
max=$(sort -n "$out/daemon-rss.txt" | tail -n1)
median=$(sort -n "$out/daemon-rss.txt" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v t="$clk" 'BEGIN {printf "%.2f", (b-a)/t}')
echo "daemon over ${duration}s: RSS median ${median} KiB, max ${max} KiB; CPU ${cpu} s for ${ticks_in_window} ticks"
printf '%s|%s|%s|%s|%s|%s\n' "$duration" "$median" "$max" "$cpu" "$ticks_in_window" "${daemon_env:-(defaults)}" > "$out/daemon-results.psv"
