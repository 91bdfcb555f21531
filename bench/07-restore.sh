#!/usr/bin/env bash
# `etcd-agent restore --snapshot latest` of a ~1 GiB backup stored in s3rver, end to end on a running member, against
# the manual way an operator would do it: download the same stored object with `curl --aws-sigv4` piped into
# `zstd -d`, `etcdctl snapshot restore` into a fresh dir, stop etcd, swap the member dirs, start etcd, wait until
# `etcdctl endpoint health` is ok. Alternating rounds on the same throwaway member (whose data is replaced every
# time), loaded from the ~1 GiB Kubernetes-like snapshot that 02 left. The backup is made once by
# `etcd-agent backup create` with the default codec (zstd -1) and encryption OFF, so that the manual way can read
# the very same object with curl + zstd. Goals (the restore issue): agent/manual <= 1.1x, the agent's own peak RSS <= 128 MB.
#
# Memory: /usr/bin/time reports for the agent the maximum RSS of the agent AND its waited-for children (wait4
# rusage = RUSAGE_SELF + RUSAGE_CHILDREN), i.e. of `etcdctl snapshot restore`, which the agent runs as a child.
# So the agent's OWN peak is read from /proc/PID/status VmHWM (the kernel's high-water mark of that process'
# resident set, monotonic) every 50 ms while it runs, and etcdctl's peak comes from /usr/bin/time on the manual
# way's etcdctl (same binary, same snapshot). Needs root (restore moves etcd's data dir).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
out=${1:-artifacts/bench}
pairs=${PAIRS:-3}
agent=artifacts/publish/etcd-agent
snap=${SNAP:-$out/bench-1g.db}
[ -f "$snap" ] || { echo "missing $snap: run bench/02-snapshot-save.sh first (make bench runs both)" >&2; exit 1; }
[ -x "$agent" ] || { echo "missing $agent: run make publish first" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "restore moves etcd's data dir: run this as root" >&2; exit 1; }
command -v zstd >/dev/null || { echo "zstd (the CLI) is needed for the manual way" >&2; exit 1; }
mkdir -p "$out"
work=$(mktemp -d -t etcd-agent-restore-bench-XXXXXX)
m="$work/member"
data="$m/data"
s3pid=""
etcd_pid() { cat "$m/etcd.pid" 2>/dev/null || true; }
wait_gone() { # pid -> waits until the process has exited (it is not our child: started detached by start.sh)
  local pid=$1
  [ -n "$pid" ] || return 0
  for _ in $(seq 1 600); do
    [ -e "/proc/$pid" ] || return 0
    grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "process $pid did not exit" >&2
  return 1
}
cleanup() {
  local pid
  pid=$(etcd_pid)
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait_gone "$pid" || kill -9 "$pid" 2>/dev/null || true; fi
  if [ -n "$s3pid" ]; then kill "$s3pid" 2>/dev/null || true; wait "$s3pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export ETCDCTL_API=3
client_port=$(scripts/free-port.sh)
peer_port=$(scripts/free-port.sh)
while [ "$peer_port" = "$client_port" ]; do peer_port=$(scripts/free-port.sh); done
curl_url="http://127.0.0.1:${client_port}"
purl="http://127.0.0.1:${peer_port}"
mkdir -p "$m"
# What a restore's --start-command/--stop-command would be on a host without systemd: etcd detached, a pid file.
cat > "$m/start.sh" <<SH
#!/bin/sh
setsid etcd --name throwaway --data-dir $data \\
  --listen-client-urls $curl_url --advertise-client-urls $curl_url \\
  --listen-peer-urls $purl --initial-advertise-peer-urls $purl \\
  --initial-cluster throwaway=$purl --initial-cluster-state new \\
  --quota-backend-bytes=8589934592 >> $m/etcd.log 2>&1 < /dev/null &
echo \$! > $m/etcd.pid
SH
cat > "$m/stop.sh" <<SH
#!/bin/sh
if [ -f $m/etcd.pid ]; then kill \$(cat $m/etcd.pid) 2>/dev/null; fi
exit 0
SH
wait_healthy() { # until `etcdctl endpoint health` is ok, 10 polls a second, at most 10 minutes
  for _ in $(seq 1 6000); do
    etcdctl --endpoints "$curl_url" --dial-timeout=1s --command-timeout=2s endpoint health >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "etcd at $curl_url did not become healthy; log: $m/etcd.log" >&2
  tail -n 20 "$m/etcd.log" >&2
  return 1
}

echo "load before: $(uptime)"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

etcdctl snapshot restore "$snap" --data-dir "$data" --name throwaway \
  --initial-cluster "throwaway=$purl" --initial-advertise-peer-urls "$purl" >/dev/null 2>&1
sh "$m/start.sh"
wait_healthy
size=$(etcdctl --endpoints "$curl_url" endpoint status -w json | sed 's/.*"dbSize":\([0-9]*\).*/\1/')

port=$(scripts/free-port.sh)
mkdir -p "$work/s3"
node tests/s3rver/node_modules/s3rver/bin/s3rver.js -d "$work/s3" -a 127.0.0.1 -p "$port" --silent --configure-bucket bench >"$work/s3.log" 2>&1 &
s3pid=$!
up=""
for _ in $(seq 1 300); do (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && { up=1; break; }; sleep 0.1; done
[ -n "$up" ] || { cat "$work/s3.log" >&2; echo "s3rver did not listen on $port within 30 s" >&2; exit 1; }
sleep 0.5

{ s3rver_config "$work" "$port" "$curl_url"; cat <<YAML
backup:
  compression: zstd
  spoolDir: ${work}/spool
YAML
} > "$work/config.yaml"

"$agent" backup create --config "$work/config.yaml" >"$work/backup.txt" 2>&1 || { cat "$work/backup.txt" >&2; exit 1; }
rm -rf "$work/spool"
object=$(cd "$work/s3/bench" && find . -name 'snapshot.db*._S3rver_object' | sed 's|^\./||; s|\._S3rver_object$||')
if [ -z "$object" ] || [ "$(printf '%s\n' "$object" | wc -l)" -ne 1 ]; then
  echo "expected one stored snapshot object, got: $object" >&2
  exit 1
fi
case "$object" in *.zst) ;; *) echo "expected a zstd object without encryption, got $object" >&2; exit 1 ;; esac
stored=$(stat -c %s "$work/s3/bench/${object}._S3rver_object")
echo "backup: $object ($stored bytes stored, db $size bytes)"

# `etcd-agent restore` on the running member, each output line stamped with the seconds since the start.
stamp() { # t0 in microseconds
  local t0=$1 line now
  while IFS= read -r line; do now=${EPOCHREALTIME/./}; printf '%7.2f %s\n' "$(((now - t0) / 10000))e-2" "$line"; done
}
agent_restore() { # log -> appends "seconds tree_kib own_kib" to $out/restore-agent.txt
  local log=$1 t0 time_pid stamp_pid pid="" hwm=0 k v
  rm -f "$work/agent.fifo"; mkfifo "$work/agent.fifo"
  t0=${EPOCHREALTIME/./}
  stamp "$t0" < "$work/agent.fifo" > "$log" &
  stamp_pid=$!
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$agent" restore --config "$work/config.yaml" --snapshot latest \
    --topology explicit --name throwaway --data-dir "$data" --initial-advertise-peer-urls "$purl" \
    --listen-client-urls "$curl_url" --listen-peer-urls "$purl" \
    --stop-command "sh $m/stop.sh" --start-command "sh $m/start.sh" --state-dir "$work/state" --yes > "$work/agent.fifo" 2>&1 &
  time_pid=$!
  while [ -z "$pid" ] && kill -0 "$time_pid" 2>/dev/null; do
    pid=$(cut -d' ' -f1 "/proc/$time_pid/task/$time_pid/children" 2>/dev/null || true)
    [ -n "$pid" ] || sleep 0.01
  done
  while [ -n "$pid" ] && [ -e "/proc/$pid" ]; do
    { while read -r k v _; do if [ "$k" = VmHWM: ] && [ "$v" -gt "$hwm" ]; then hwm=$v; fi; done < "/proc/$pid/status"; } 2>/dev/null || true
    sleep 0.05
  done
  if ! wait "$time_pid"; then wait "$stamp_pid" || true; cat "$log" >&2; tail -n 20 "$m/etcd.log" >&2; exit 1; fi
  wait "$stamp_pid"
  echo "$(cat "$work/time.txt") $hwm" >> "$out/restore-agent.txt"
}
manual_restore() { # the way an operator would do it; phase times to $work/manual-phases.txt
  set -euo pipefail
  local t0 t1 t2 t3 t4 pid
  t0=$EPOCHREALTIME
  mkdir -p "$work/manual"
  curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
    "http://127.0.0.1:${port}/bench/${object}" \
    | zstd -d -q -c > "$work/manual/snapshot.db"
  t1=$EPOCHREALTIME
  /usr/bin/time -f "%e %M" -o "$work/etcdctl-time.txt" etcdctl snapshot restore "$work/manual/snapshot.db" \
    --name throwaway --data-dir "$work/manual/new" --initial-cluster "throwaway=$purl" \
    --initial-cluster-token "manual-$t0" --initial-advertise-peer-urls "$purl" >/dev/null 2>&1
  t2=$EPOCHREALTIME
  pid=$(etcd_pid)
  sh "$m/stop.sh"
  wait_gone "$pid"
  t3=$EPOCHREALTIME
  mv "$data/member" "$work/manual/old-member"
  mv "$work/manual/new/member" "$data/member"
  sh "$m/start.sh"
  wait_healthy
  t4=$EPOCHREALTIME
  echo "$t0 $t1 $t2 $t3 $t4" > "$work/manual-phases.txt"
}
export -f manual_restore wait_gone wait_healthy etcd_pid
export work port object purl curl_url m data

# Phases of the agent's run, from its stamped log (steps [1/10]..[10/10] of the explicit topology): fetch+decode+
# verify until step 1; 1 etcdctl restore into the staging dir; 2-3 stop and wait until the ports close; 4-6 move
# aside, install, start gate; 7-8 start until healthy; 9 key/revision check until the last line.
agent_phases() {
  awk '$2 ~ /^\[[0-9]+\// { split(substr($2, 2), n, "/"); s[n[1]] = $1 } { last = $1 }
       END { printf "%.2f %.2f %.2f %.2f %.2f %.2f\n", s[1], s[2] - s[1], s[4] - s[2], s[7] - s[4], s[9] - s[7], last - s[9] }' "$1"
}

rm -f "$out"/restore-agent.txt "$out"/restore-manual.txt "$out"/restore-etcdctl.txt "$out"/restore-agent-phases.txt "$out"/restore-manual-phases.txt
for i in $(seq 1 "$pairs"); do
  sync
  agent_restore "$out/restore-agent-$i.log"
  rm -rf "$data"/.etcd-agent-* "$work/state/restore"/*/snapshot.db
  sync
  /usr/bin/time -f "%e %M" -o "$work/time.txt" bash -c manual_restore || { tail -n 20 "$m/etcd.log" >&2; exit 1; }
  cat "$work/time.txt" >> "$out/restore-manual.txt"
  cat "$work/etcdctl-time.txt" >> "$out/restore-etcdctl.txt"
  awk '{ printf "%.2f %.2f %.2f %.2f\n", $2 - $1, $3 - $2, $4 - $3, $5 - $4 }' "$work/manual-phases.txt" >> "$out/restore-manual-phases.txt"
  rm -rf "$work/manual"
  agent_phases "$out/restore-agent-$i.log" >> "$out/restore-agent-phases.txt"
  read -r as atree aown < <(tail -n1 "$out/restore-agent.txt")
  read -r ms _ < <(tail -n1 "$out/restore-manual.txt")
  read -r es erss < <(tail -n1 "$out/restore-etcdctl.txt")
  echo "round $i: agent restore ${as} s (own peak RSS ${aown} KiB, with etcdctl child ${atree} KiB); manual ${ms} s (its etcdctl restore ${es} s, ${erss} KiB); load $(cut -d' ' -f1 /proc/loadavg)"
  echo "         agent phases [fetch+verify, etcdctl restore, stop+ports closed, move+install+gate, start..healthy, check]: $(tail -n1 "$out/restore-agent-phases.txt")"
  echo "         manual phases [curl|zstd -d, etcdctl restore, stop, swap+start..healthy]: $(tail -n1 "$out/restore-manual-phases.txt")"
done
# The member still answers with the backup's data.
keys=$(etcdctl --endpoints "$curl_url" get "" --prefix --limit=1 -w json | sed 's/.*"count":\([0-9]*\).*/\1/')
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "load after: $(uptime)"

ratio=$(paste -d' ' "$out/restore-agent.txt" "$out/restore-manual.txt" | awk '{printf "%.4f\n", $1/$4}' | median)
am=$(cut -d' ' -f1 "$out/restore-agent.txt" | median)
mm=$(cut -d' ' -f1 "$out/restore-manual.txt" | median)
em=$(cut -d' ' -f1 "$out/restore-etcdctl.txt" | median)
own=$(cut -d' ' -f3 "$out/restore-agent.txt" | sort -n | tail -n1)
tree=$(cut -d' ' -f2 "$out/restore-agent.txt" | sort -n | tail -n1)
erss=$(cut -d' ' -f2 "$out/restore-etcdctl.txt" | sort -n | tail -n1)
phases=$(for c in 1 2 3 4 5 6; do cut -d' ' -f"$c" "$out/restore-agent-phases.txt" | median; done | paste -sd' ')
mphases=$(for c in 1 2 3 4; do cut -d' ' -f"$c" "$out/restore-manual-phases.txt" | median; done | paste -sd' ')
echo "restore ($size bytes db, $stored stored, $keys keys): agent ${am} s, manual ${mm} s, median pairwise ratio ${ratio}; agent's own peak RSS ${own} KiB (with its etcdctl child ${tree} KiB); etcdctl snapshot restore ${em} s, ${erss} KiB"
printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$size" "$pairs" "$am" "$mm" "$ratio" "$own" "$tree" "$em" "$erss" \
  "$stored" "$keys" "$phases" "$mphases" "$load_before" "$load_after" > "$out/restore-results.psv"
