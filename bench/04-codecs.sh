#!/usr/bin/env bash
# Codecs on the ~1 GiB Kubernetes-like snapshot that 02 left, single thread, alternating A B (PAIRS pairs):
#  - codec only: bench/CodecBench (etcd-agent's encoder streams, file -> file, no trailer check, no fsync) against
#    `zstd --single-thread` and `gzip` at the same level, output on tmpfs so the disk does not decide;
#  - AES-256-GCM envelope throughput over 1 GiB in memory (goal >= 1 GB/s);
#  - end to end: `etcd-agent backup encode` (input sha256 trailer checked, output fsynced and renamed) with the
#    defaults the pipeline uses, against `zstd` at the same level writing to the same disk.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
out=${1:-artifacts/bench}
pairs=${PAIRS:-3}
agent=artifacts/publish/etcd-agent
codec=bench/CodecBench/bin/Release/net10.0/CodecBench
snap="$out/bench-1g.db"
[ -f "$snap" ] || { echo "missing $snap: run bench/02-snapshot-save.sh first (make bench runs both)" >&2; exit 1; }
[ -x "$codec" ] || { echo "missing $codec: make bench builds it" >&2; exit 1; }
work=$(mktemp -d -t etcd-agent-codec-XXXXXX)
shm=$(mktemp -d -p /dev/shm etcd-agent-codec-XXXXXX 2>/dev/null || mktemp -d -t etcd-agent-codec-shm-XXXXXX)
trap 'rm -rf "$work" "$shm"' EXIT
"$agent" key generate "$work/key" >/dev/null

run() { # file command... -> appends "seconds kib"
  local file=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || { cat "$work/stderr.txt" >&2; exit 1; }
  cat "$work/time.txt" >> "$file"
}
size=$(stat -c %s "$snap")
cat "$snap" > /dev/null
: > "$out/codec-results.psv"

compare() { # name stored-file agent-command... -- reference command...
  local name=$1 stored_file=$2; shift 2
  local agent_cmd=() ref=()
  while [ "$1" != "--" ]; do agent_cmd+=("$1"); shift; done
  shift; ref=("$@")
  rm -f "$out/codec-$name-agent.txt" "$out/codec-$name-ref.txt"
  for _ in $(seq 1 "$pairs"); do
    rm -f "$shm"/* "$work/out" "$work/ref"
    run "$out/codec-$name-agent.txt" "${agent_cmd[@]}"
    stored=$(stat -c %s "$stored_file")
    rm -f "$shm"/* "$work/out" "$work/ref"
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

for level in 1 3; do
  compare "zstd -$level (codec only)" "$shm/a" "$codec" zstd "$level" "$snap" "$shm/a" -- zstd -q -f --single-thread "-$level" "$snap" -o "$shm/r"
done
compare "gzip -1 (codec only)" "$shm/a" "$codec" gzip 1 "$snap" "$shm/a" -- sh -c "gzip -1 -c '$snap' > '$shm/r'"
compare "backup encode, zstd -1 + AES-256-GCM (end to end)" "$work/out" "$agent" backup encode "$snap" "$work/out" --level 1 --key-file "$work/key" \
  -- zstd -q -f --single-thread -1 "$snap" -o "$work/ref"

# Envelope throughput: 1 GiB sealed in memory; GB/s = 1.073741824 / seconds.
aes=()
for _ in $(seq 1 "$pairs"); do aes+=("$("$codec" aes 1024)"); done
aes_s=$(printf '%s\n' "${aes[@]}" | median)
echo "AES-256-GCM envelope: 1 GiB in $aes_s s ($(awk -v s="$aes_s" 'BEGIN {printf "%.2f", 1.073741824/s}') GB/s)"
echo "$aes_s" > "$out/codec-aes-seconds.txt"
