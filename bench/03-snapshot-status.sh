#!/usr/bin/env bash
# `etcd-agent snapshot status` against `etcdctl snapshot status` on the ~1 GiB snapshot that 02 left, alternating
# A B (5 pairs): median pairwise ratio and peak RSS (goal: ratio <= 1.0, RSS <= 64 MB; etcdctl maps the file).
# Then `etcd-agent snapshot verify` (sha256 + structure + content) time and RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
out=${1:-artifacts/bench}
pairs=${PAIRS:-5}
agent=artifacts/publish/etcd-agent
snap="$out/bench-1g.db"
[ -f "$snap" ] || { echo "missing $snap: run bench/02-snapshot-save.sh first (make bench runs both)" >&2; exit 1; }
export ETCDCTL_API=3

measure() { # file command... -> appends "seconds kib"
  local file=$1; shift
  /usr/bin/time -f "%e %M" -o "$out/time.txt" "$@" >/dev/null 2>"$out/stderr.txt" || { cat "$out/stderr.txt" >&2; exit 1; }
  cat "$out/time.txt" >> "$file"
}

rm -f "$out"/status-agent.txt "$out"/status-etcdctl.txt "$out"/verify-agent.txt
cat "$snap" > /dev/null # both start from a warm page cache
for _ in $(seq 1 "$pairs"); do
  measure "$out/status-agent.txt" "$agent" snapshot status "$snap" -w json
  measure "$out/status-etcdctl.txt" etcdctl snapshot status "$snap" -w json
done
for _ in $(seq 1 3); do
  measure "$out/verify-agent.txt" "$agent" snapshot verify "$snap"
done

# For scale: coreutils' sha256sum over the same file (what hashing 1 GB costs on this CPU).
measure "$out/sha256sum.txt.tmp" sha256sum "$snap"
cut -d' ' -f1 "$out/sha256sum.txt.tmp" > "$out/sha256sum-seconds.txt"
rm -f "$out/sha256sum.txt.tmp"

ratio=$(paste -d' ' "$out/status-agent.txt" "$out/status-etcdctl.txt" | awk '{printf "%.4f\n", $1/$3}' | median)
agent_med=$(cut -d' ' -f1 "$out/status-agent.txt" | median)
etcdctl_med=$(cut -d' ' -f1 "$out/status-etcdctl.txt" | median)
agent_rss=$(cut -d' ' -f2 "$out/status-agent.txt" | sort -n | tail -n1)
etcdctl_rss=$(cut -d' ' -f2 "$out/status-etcdctl.txt" | sort -n | tail -n1)
verify_med=$(cut -d' ' -f1 "$out/verify-agent.txt" | median)
verify_rss=$(cut -d' ' -f2 "$out/verify-agent.txt" | sort -n | tail -n1)
size=$(stat -c %s "$snap")
echo "snapshot status ($size bytes): median ratio $ratio (etcd-agent $agent_med s, etcdctl $etcdctl_med s); peak RSS $agent_rss KiB vs $etcdctl_rss KiB"
echo "snapshot verify: median $verify_med s, peak RSS $verify_rss KiB"
printf '%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$size" "$pairs" "$ratio" "$agent_med" "$etcdctl_med" "$agent_rss" "$etcdctl_rss" "$verify_med" "$verify_rss" > "$out/status-results.psv"
