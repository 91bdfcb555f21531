#!/usr/bin/env bash
# Codecs on the ~1 GiB snapshot that 02 left: `etcd-agent backup encode` (single thread) against the zstd and gzip
# CLIs at the same level, alternating A B (3 pairs), plus the AES-256-GCM envelope. etcd-agent's encode also
# recomputes the input's sha256 trailer (it refuses to encode a damaged snapshot); the `none` row shows that cost.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
out=${1:-artifacts/bench}
pairs=${PAIRS:-3}
agent=artifacts/publish/etcd-agent
snap="$out/bench-1g.db"
[ -f "$snap" ] || { echo "missing $snap: run bench/02-snapshot-save.sh first (make bench runs both)" >&2; exit 1; }
work=$(mktemp -d -t etcd-agent-codec-XXXXXX)
trap 'rm -rf "$work"' EXIT
"$agent" key generate "$work/key" >/dev/null

run() { # label file command... -> appends "seconds kib"
  local file=$1; shift
  rm -f "$work/out"
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || { cat "$work/stderr.txt" >&2; exit 1; }
  cat "$work/time.txt" >> "$file"
}
size=$(stat -c %s "$snap")
cat "$snap" > /dev/null
: > "$out/codec-results.psv"

compare() { # name agent-args... -- reference command...
  local name=$1; shift
  local agent_args=() ref=()
  while [ "$1" != "--" ]; do agent_args+=("$1"); shift; done
  shift; ref=("$@")
  rm -f "$out/codec-$name-agent.txt" "$out/codec-$name-ref.txt"
  for _ in $(seq 1 "$pairs"); do
    run "$out/codec-$name-agent.txt" "$agent" backup encode "$snap" "$work/out" --force "${agent_args[@]}"
    stored=$(stat -c %s "$work/out")
    run "$out/codec-$name-ref.txt" "${ref[@]}"
  done
  local ratio am rm_ rss
  ratio=$(paste -d' ' "$out/codec-$name-agent.txt" "$out/codec-$name-ref.txt" | awk '{printf "%.4f\n", $1/$3}' | median)
  am=$(cut -d' ' -f1 "$out/codec-$name-agent.txt" | median)
  rm_=$(cut -d' ' -f1 "$out/codec-$name-ref.txt" | median)
  rss=$(cut -d' ' -f2 "$out/codec-$name-agent.txt" | sort -n | tail -n1)
  echo "$name: etcd-agent $am s, reference $rm_ s, median ratio $ratio, stored $stored bytes, peak RSS $rss KiB"
  printf '%s|%s|%s|%s|%s|%s|%s\n' "$name" "$am" "$rm_" "$ratio" "$stored" "$rss" "$size" >> "$out/codec-results.psv"
}

compare "zstd -1" --compression zstd --level 1 -- zstd -q -f -T1 -1 "$snap" -o "$work/ref"
compare "zstd -3" --compression zstd --level 3 -- zstd -q -f -T1 -3 "$snap" -o "$work/ref"
compare "gzip -1" --compression gzip --level 1 -- sh -c "gzip -1 -c '$snap' > '$work/ref'"
compare "none + AES-256-GCM" --compression none --key-file "$work/key" -- cp "$snap" "$work/ref"
compare "none (sha256 check + copy)" --compression none -- cp "$snap" "$work/ref"
