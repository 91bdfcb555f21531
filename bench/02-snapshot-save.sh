#!/usr/bin/env bash
# `etcd-agent snapshot save` against `etcdctl snapshot save` on a ~1 GiB etcd, alternating A B A B (5 pairs).
# Reports the median of the pairwise time ratios and each tool's peak RSS. Goal (issue 3): ratio <= 1.05,
# etcd-agent peak RSS <= 64 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
out=${1:-artifacts/bench}
pairs=${PAIRS:-5}
target=${TARGET_BYTES:-1073741824}
mkdir -p "$out"
# shellcheck source=scripts/lib-etcd.sh
. scripts/lib-etcd.sh

agent=artifacts/publish/etcd-agent
work=$(mktemp -d -t etcd-agent-bench-XXXXXX)
trap 'etcd_stop; rm -rf "$work"' EXIT
etcd_start "$work" --quota-backend-bytes=8589934592
dotnet bench/EtcdFill/bin/Release/net10.0/EtcdFill.dll "$ETCD_ENDPOINT" "$target" | tee "$out/snapshot-fill.txt"
export ETCDCTL_API=3

measure() { # name command... -> appends "seconds kib" to $out/snapshot-$name.txt
  local name=$1; shift
  rm -f "$work/snap.db"
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || { cat "$work/stderr.txt" >&2; exit 1; }
  cat "$work/time.txt" >> "$out/snapshot-$name.txt"
}

rm -f "$out"/snapshot-agent.txt "$out"/snapshot-etcdctl.txt
for i in $(seq 1 "$pairs"); do
  measure agent "$agent" snapshot save "$work/snap.db" --endpoints "$ETCD_ENDPOINT"
  size=$(stat -c %s "$work/snap.db")
  measure etcdctl etcdctl --endpoints "$ETCD_ENDPOINT" snapshot save "$work/snap.db"
  echo "pair $i: etcd-agent $(tail -n1 "$out/snapshot-agent.txt" | cut -d' ' -f1) s, etcdctl $(tail -n1 "$out/snapshot-etcdctl.txt" | cut -d' ' -f1) s"
done

ratios=$(paste -d' ' "$out/snapshot-agent.txt" "$out/snapshot-etcdctl.txt" | awk '{printf "%.4f\n", $1/$3}' | sort -n)
median=$(median <<<"$ratios")
agent_med=$(cut -d' ' -f1 "$out/snapshot-agent.txt" | median)
etcdctl_med=$(cut -d' ' -f1 "$out/snapshot-etcdctl.txt" | median)
agent_rss=$(cut -d' ' -f2 "$out/snapshot-agent.txt" | sort -n | tail -n1)
etcdctl_rss=$(cut -d' ' -f2 "$out/snapshot-etcdctl.txt" | sort -n | tail -n1)
echo "snapshot save ($size bytes): median ratio ${median} (etcd-agent median ${agent_med} s, etcdctl ${etcdctl_med} s); peak RSS ${agent_rss} KiB vs ${etcdctl_rss} KiB"
printf '%s|%s|%s|%s|%s|%s|%s\n' "$size" "$pairs" "$median" "$agent_med" "$etcdctl_med" "$agent_rss" "$etcdctl_rss" > "$out/snapshot-results.psv"
# Keep the last snapshot for the status/verify benchmark (artifacts/ is not committed).
mv "$work/snap.db" "$out/bench-1g.db"
