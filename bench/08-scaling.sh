#!/usr/bin/env bash
# Scaling of `etcd-agent backup create` and `etcd-agent snapshot status` with the database size: 0.25, 1 and 2 GiB
# Kubernetes-like databases (bench/EtcdFill), each measured next to `etcdctl snapshot save` / `etcdctl snapshot
# status` on the same data in the same run, alternating. Expected: time linear in the size, etcd-agent's peak RSS flat.
#
# Data: OUT/bench-<size>g.db (bench-1g.db is the one 02 leaves). A missing one is generated once (throwaway etcd,
# EtcdFill to the target size, `etcdctl snapshot save`) and kept, so reruns skip the fill (delete them after changing
# EtcdFill). For each size the snapshot is restored into a throwaway etcd; `backup create` goes to a LOCAL-DIRECTORY
# store (store.type local, on the same disk as the spool dir) with zstd -1 and AES-256-GCM on, the pipeline's
# defaults. Time and peak RSS come from /usr/bin/time (%e = elapsed wall clock, %M = maximum resident set, the same
# fields `time -v` prints).
#
# Env: SIZES (GiB, default "0.25 1 2"), ROUNDS (alternating rounds per size, default 3).
# Writes OUT/scaling-results.psv, one line per size measured (appended as each size finishes, so a run cut short
# still leaves the sizes it finished):
#   label|gib|db_bytes|file_bytes|rounds|backup_s|backup_kib|save_s|save_kib|status_s|status_kib|estatus_s|estatus_kib|stored|load_before|load_after|verify_s|verify_kib
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
# shellcheck source=scripts/lib-etcd.sh
. scripts/lib-etcd.sh
out=${1:-artifacts/bench}
sizes=${SIZES:-0.25 1 2}
rounds=${ROUNDS:-3}
agent=artifacts/publish/etcd-agent
fill=bench/EtcdFill/bin/Release/net10.0/EtcdFill.dll
[ -x "$agent" ] || { echo "missing $agent: run make publish first" >&2; exit 1; }
mkdir -p "$out"
export ETCDCTL_API=3
work=""
cleanup() { etcd_stop; [ -z "$work" ] || rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

load1() { cut -d' ' -f1 /proc/loadavg; }

# etcd_start gives up after 10 s, but a restored 2 GiB member rebuilds its index for longer on a loaded machine:
# if etcd is still running, wait for it (up to 5 minutes) instead of failing.
start_etcd() {
  etcd_start "$@" && return 0
  for _ in $(seq 1 3000); do
    if grep -q "ready to serve client requests" "$1/etcd.log" 2>/dev/null; then return 0; fi
    if ! kill -0 "$ETCD_PID" 2>/dev/null; then cat "$1/etcd.log" >&2; echo "etcd failed to start" >&2; return 1; fi
    sleep 0.1
  done
  echo "etcd did not become ready in 5 minutes; log: $1/etcd.log" >&2
  return 1
}

generate() { # file target-bytes -> a Kubernetes-like snapshot of about target-bytes
  local file=$1 target=$2 gen
  [ -f "$fill" ] || { echo "missing $fill: dotnet build bench/EtcdFill -c Release" >&2; exit 1; }
  gen=$(mktemp -d -t etcd-agent-scaling-fill-XXXXXX)
  work=$gen
  start_etcd "$gen" --quota-backend-bytes=8589934592
  echo "generating $file ($target bytes) with EtcdFill"
  dotnet "$fill" "$ETCD_ENDPOINT" "$target"
  etcdctl --endpoints "$ETCD_ENDPOINT" snapshot save "$gen/snap.db" >/dev/null
  etcd_stop
  mv "$gen/snap.db" "$file.tmp" && mv "$file.tmp" "$file"
  rm -rf "$gen"; work=""
}

run() { # file command... -> appends "seconds kib" to file
  local file=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || { cat "$work/stderr.txt" >&2; exit 1; }
  cat "$work/time.txt" >> "$file"
}
med() { cut -d' ' -f1 "$1" | median; }
peak() { cut -d' ' -f2 "$1" | sort -n | tail -n1; }

: > "$out/scaling-results.psv"
for gib in $sizes; do
  label="${gib}g"
  snap="$out/bench-${label}.db"
  target=$(awk -v g="$gib" 'BEGIN {printf "%.0f", g*1073741824}')
  [ -f "$snap" ] || generate "$snap" "$target"
  load_before=$(load1)

  work=$(mktemp -d -t etcd-agent-scaling-XXXXXX)
  etcdctl snapshot restore "$snap" --data-dir "$work/throwaway.etcd" --name throwaway \
    --initial-cluster throwaway=http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 >/dev/null 2>&1
  start_etcd "$work" --quota-backend-bytes=8589934592
  db=$(etcdctl --endpoints "$ETCD_ENDPOINT" endpoint status -w json | sed 's/.*"dbSize":\([0-9]*\).*/\1/')
  mkdir -m 700 "$work/store"
  "$agent" key generate "$work/key" >/dev/null
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
  compression: zstd
  level: 1
  encryption: { keyFile: ${work}/key }
  spoolDir: ${work}/spool
YAML

  # backup create (a) against etcdctl snapshot save (c), alternating, on the running throwaway etcd.
  for i in $(seq 1 "$rounds"); do
    run "$work/backup.txt" "$agent" backup create --config "$work/config.yaml"
    rm -f "$work/c.db"
    run "$work/save.txt" etcdctl --endpoints "$ETCD_ENDPOINT" snapshot save "$work/c.db"
    rm -f "$work/c.db"
    echo "${label} round $i: backup create $(tail -n1 "$work/backup.txt"), etcdctl snapshot save $(tail -n1 "$work/save.txt") (s KiB)"
  done
  stored=$("$agent" backup list --config "$work/config.yaml" -w json | sed -n 's/.*"storedSize": \([0-9]*\).*/\1/p' | head -n1)
  etcd_stop

  # snapshot status on the cached snapshot file, page cache warm, alternating (quick: 5 rounds at least).
  cat "$snap" > /dev/null
  for i in $(seq 1 "$(( rounds > 5 ? rounds : 5 ))"); do
    run "$work/status.txt" "$agent" snapshot status "$snap" -w json
    run "$work/estatus.txt" etcdctl snapshot status "$snap" -w json
  done
  echo "${label} snapshot status: etcd-agent $(med "$work/status.txt") s $(peak "$work/status.txt") KiB, etcdctl $(med "$work/estatus.txt") s $(peak "$work/estatus.txt") KiB"
  # snapshot verify (sha256 of every byte, structure and content): its memory must not grow with the key count either.
  for i in $(seq 1 "$rounds"); do
    run "$work/verify.txt" "$agent" snapshot verify "$snap"
  done
  echo "${label} snapshot verify: etcd-agent $(med "$work/verify.txt") s $(peak "$work/verify.txt") KiB"

  printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$label" "$gib" "$db" "$(stat -c %s "$snap")" "$rounds" \
    "$(med "$work/backup.txt")" "$(peak "$work/backup.txt")" "$(med "$work/save.txt")" "$(peak "$work/save.txt")" \
    "$(med "$work/status.txt")" "$(peak "$work/status.txt")" "$(med "$work/estatus.txt")" "$(peak "$work/estatus.txt")" \
    "${stored:-0}" "$load_before" "$(load1)" "$(med "$work/verify.txt")" "$(peak "$work/verify.txt")" | tee -a "$out/scaling-results.psv"
  rm -rf "$work"; work=""
done
