#!/usr/bin/env bash
# The second dataset of issue 21: a ~1 GiB etcd whose values are random bytes (bench/EtcdFill ... random: the same
# keys and value sizes as the Kubernetes-like filler, nothing a codec can shrink), so compression hides nothing and
# encryption and upload handle every byte. Alternating, on the same throwaway etcd, same run:
#   `snapshot save`   etcd-agent vs etcdctl                        (goal: <= 0.8x, agent peak RSS <= 48 MB)
#   `snapshot status` etcd-agent vs etcdctl (on the saved file)     (goal: <= 0.6x, agent peak RSS <= 48 MB)
#   `backup create` to s3rver (zstd -1, AES-256-GCM) vs `etcdctl snapshot save` alone (goal: <= 1.15x, <= 96 MB)
# Writes OUT/random-results.psv:
#   db_bytes|rounds|save_a|save_e|save_ratio|save_rss|status_a|status_e|status_ratio|status_rss|backup_a|backup_e|backup_ratio|backup_rss|stored
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
# shellcheck source=scripts/lib-etcd.sh
. scripts/lib-etcd.sh
out=${1:-artifacts/bench}
rounds=${ROUNDS:-3}
target=${TARGET_BYTES:-1073741824}
agent=artifacts/publish/etcd-agent
[ -x "$agent" ] || { echo "missing $agent: run make publish first" >&2; exit 1; }
mkdir -p "$out"
work=$(mktemp -d -t etcd-agent-random-bench-XXXXXX)
s3pid=""
trap 'etcd_stop; [ -n "$s3pid" ] && kill "$s3pid" 2>/dev/null; rm -rf "$work"' EXIT
export ETCDCTL_API=3

etcd_start "$work" --quota-backend-bytes=8589934592
dotnet bench/EtcdFill/bin/Release/net10.0/EtcdFill.dll "$ETCD_ENDPOINT" "$target" random | tee "$out/random-fill.txt"
size=$(etcdctl --endpoints "$ETCD_ENDPOINT" endpoint status -w json | sed 's/.*"dbSize":\([0-9]*\).*/\1/')
start_s3rver "$work"
"$agent" key generate "$work/key" >/dev/null
{ s3rver_backup_config "$work" "$port" "$ETCD_ENDPOINT"; echo "retention: { keepLast: 1 }"; } > "$work/config.yaml"

run() { # file command... -> appends "seconds kib"
  local file=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || { cat "$work/stderr.txt" >&2; exit 1; }
  cat "$work/time.txt" >> "$file"
}
for f in save-a save-e status-a status-e backup-a backup-e; do rm -f "$out/random-$f.txt"; done
for i in $(seq 1 "$rounds"); do
  rm -f "$work/a.db" "$work/e.db"
  run "$out/random-save-a.txt" "$agent" snapshot save "$work/a.db" --endpoints "$ETCD_ENDPOINT"
  run "$out/random-save-e.txt" etcdctl --endpoints "$ETCD_ENDPOINT" snapshot save "$work/e.db"
  run "$out/random-status-a.txt" "$agent" snapshot status "$work/a.db"
  run "$out/random-status-e.txt" etcdctl snapshot status "$work/a.db"
  rm -f "$work/a.db" "$work/e.db"
  run "$out/random-backup-a.txt" "$agent" backup create --config "$work/config.yaml"
  run "$out/random-backup-e.txt" etcdctl --endpoints "$ETCD_ENDPOINT" snapshot save "$work/e.db"
  rm -f "$work/e.db"
  # Keep one backup in s3rver (its disk): prune the older ones.
  "$agent" backup prune --config "$work/config.yaml" >/dev/null 2>&1 || true
  echo "round $i: save $(tail -n1 "$out/random-save-a.txt" | cut -d' ' -f1) vs $(tail -n1 "$out/random-save-e.txt" | cut -d' ' -f1) s;" \
    "status $(tail -n1 "$out/random-status-a.txt" | cut -d' ' -f1) vs $(tail -n1 "$out/random-status-e.txt" | cut -d' ' -f1) s;" \
    "backup $(tail -n1 "$out/random-backup-a.txt" | cut -d' ' -f1) vs save $(tail -n1 "$out/random-backup-e.txt" | cut -d' ' -f1) s"
done
pair() { # a-file e-file -> "median_a median_e median_pairwise_ratio max_rss_a"
  local a=$1 e=$2
  printf '%s %s %s %s\n' "$(cut -d' ' -f1 "$a" | median)" "$(cut -d' ' -f1 "$e" | median)" \
    "$(paste -d' ' "$a" "$e" | awk '{printf "%.4f\n", $1/$3}' | median)" "$(cut -d' ' -f2 "$a" | sort -n | tail -n1)"
}
read -r sa se sr sk < <(pair "$out/random-save-a.txt" "$out/random-save-e.txt")
read -r ta te tr tk < <(pair "$out/random-status-a.txt" "$out/random-status-e.txt")
read -r ba be br bk < <(pair "$out/random-backup-a.txt" "$out/random-backup-e.txt")
stored=$("$agent" backup list --config "$work/config.yaml" -w json | sed -n 's/.*"storedSize": \([0-9]*\).*/\1/p' | head -n1)
echo "random values ($size bytes db, $stored stored): save ${sa} vs ${se} s (${sr}x, ${sk} KiB); status ${ta} vs ${te} s (${tr}x, ${tk} KiB); backup ${ba} vs save ${be} s (${br}x, ${bk} KiB)"
printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$size" "$rounds" "$sa" "$se" "$sr" "$sk" "$ta" "$te" "$tr" "$tk" "$ba" "$be" "$br" "$bk" "$stored" > "$out/random-results.psv"
