#!/usr/bin/env bash
# One-shot CLI latency and peak RSS: `etcd-agent endpoint status` / `member list` against etcdctl's, same
# throwaway etcd, same run, alternated by hyperfine. This is what an operator waits for at a prompt.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-artifacts/bench}
mkdir -p "$out"
# shellcheck source=scripts/lib-etcd.sh
. scripts/lib-etcd.sh

agent=artifacts/publish/etcd-agent   # built by `make publish` (a prerequisite of `make bench`)

work=$(mktemp -d -t etcd-agent-bench-XXXXXX)
trap 'etcd_stop; rm -rf "$work"' EXIT
etcd_start "$work"
export ETCDCTL_API=3

for verb in "endpoint status" "member list"; do
  name=${verb// /-}
  hyperfine -N --warmup 3 --runs 30 --export-csv "$out/cli-$name.csv" \
    "$agent $verb --endpoints $ETCD_ENDPOINT" \
    "etcdctl --endpoints $ETCD_ENDPOINT $verb" >/dev/null
  for tool in agent etcdctl; do
    if [ "$tool" = agent ]; then cmd="$agent $verb --endpoints $ETCD_ENDPOINT"; else cmd="etcdctl --endpoints $ETCD_ENDPOINT $verb"; fi
    # shellcheck disable=SC2086
    /usr/bin/time -v $cmd >/dev/null 2>"$out/cli-$name-$tool.time"
  done
  agent_ms=$(awk -F, 'NR==2 {printf "%.1f", $2*1000}' "$out/cli-$name.csv")
  etcdctl_ms=$(awk -F, 'NR==3 {printf "%.1f", $2*1000}' "$out/cli-$name.csv")
  agent_rss=$(awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print $2}' "$out/cli-$name-agent.time")
  etcdctl_rss=$(awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print $2}' "$out/cli-$name-etcdctl.time")
  ratio=$(awk -v a="$agent_ms" -v b="$etcdctl_ms" 'BEGIN {printf "%.2f", a/b}')
  echo "$verb: etcd-agent ${agent_ms} ms, etcdctl ${etcdctl_ms} ms, ratio ${ratio}x; peak RSS ${agent_rss} KiB vs ${etcdctl_rss} KiB"
  printf '%s|%s|%s|%s|%s|%s\n' "$verb" "$agent_ms" "$etcdctl_ms" "$ratio" "$agent_rss" "$etcdctl_rss" >> "$out/results.psv.tmp"
done
mv "$out/results.psv.tmp" "$out/cli-results.psv"

# `version`: no etcd, no connection — the start-up every verb pays (issue 21: <= 20 MB peak RSS). Mean of 30 runs
# and the highest peak RSS of 5.
hyperfine -N --warmup 3 --runs 30 --export-csv "$out/cli-version.csv" "$agent version" >/dev/null
version_ms=$(awk -F, 'NR==2 {printf "%.1f", $2*1000}' "$out/cli-version.csv")
version_rss=0
for _ in 1 2 3 4 5; do
  /usr/bin/time -f "%M" -o "$work/version.time" "$agent" version >/dev/null
  version_rss=$(( $(cat "$work/version.time") > version_rss ? $(cat "$work/version.time") : version_rss ))
done
echo "version: ${version_ms} ms, peak RSS ${version_rss} KiB"
printf '%s|%s\n' "$version_ms" "$version_rss" > "$out/version-results.psv"
