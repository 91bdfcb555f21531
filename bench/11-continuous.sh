#!/usr/bin/env bash
# Continuous capture (issue 22) under a sustained write load: a single-member etcd with a base dataset (Kubernetes-
# like, bench/EtcdFill to BASE_BYTES), a full backup of it to s3rver (zstd -1, AES-256-GCM), then `etcd-agent run`
# with continuous capture on (default 5 s interval) streaming that backup's chain while bench/EtcdFill's load mode
# puts random 1-8 KiB values over 2,000 keys at RATE writes/s.
#   1. Lag and RSS: LOAD_SECONDS of load, the daemon's /metrics (lag seconds and revisions) and its VmRSS sampled
#      every 0.5 s; its VmHWM at the end (the daemon started after the base backup, so that peak is streaming only).
#   2. RPO: a second load; KILLS times, once the (re)started agent has streamed for KILL_AFTER s (+ a step, so the
#      kills fall at different points of the 5 s interval), SIGKILL it at Tk, read the last committed revision Rc
#      (`backup list`: the chain's end), and count the load's writes acknowledged by Tk with a revision > Rc: the
#      writes a dead writer's node would lose if etcd died with it; RPO = Tk - the first such write's time. Then
#      restart the agent (it waits for the dead one's stream lock lease, 10 s, and resumes the chain).
#   3. Point in time vs plain: `backup download latest` against `backup download latest --at-revision <the chain's
#      end>` (restores the base into a throwaway etcd, replays every captured revision as one Txn, saves, verifies),
#      alternating RUNS times, /usr/bin/time wall and peak RSS (incl. the throwaway etcd it waits for).
# Goals (issue 22): agent RSS while streaming <= 64 MB, RPO <= 10 s. Writes OUT/continuous-results.psv:
#   base_db|rate|load_s|achieved|lag_p50|lag_p95|lag_max|lagrev_max|rss_median|rss_max|vmhwm|segments|gaps|failures|
#   drain_s|plain_s|plain_rss|pitr_s|pitr_rss|pitr_tree_rss|ratio|replayed|replay_rate|load_before|load_during|load_after|samples
# and OUT/continuous-rpo.psv, one line per kill: kill|tk_ms|rc|lost_writes|rpo_s|streamed_s
# plus the raw samples (continuous-samples.txt: unix_ms lag_s lag_rev rss_kib) and the load's summaries.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
# shellcheck source=scripts/lib-etcd.sh
. scripts/lib-etcd.sh
out=${1:-artifacts/bench}
base_bytes=${BASE_BYTES:-157286400}   # 150 MiB
rate=${RATE:-500}
load_seconds=${LOAD_SECONDS:-60}
kills=${KILLS:-3}
kill_after=${KILL_AFTER:-8}
runs=${RUNS:-2}
daemon_env=${DAEMON_ENV-}              # extra environment for the daemon (as in bench/06), e.g. a GC knob to try
agent=artifacts/publish/etcd-agent
fill=bench/EtcdFill/bin/Release/net10.0/EtcdFill.dll
[ -x "$agent" ] || { echo "missing $agent: run make publish first" >&2; exit 1; }
[ -f "$fill" ] || { echo "missing $fill: dotnet build bench/EtcdFill -c Release" >&2; exit 1; }
mkdir -p "$out"
work=$(mktemp -d -t etcd-agent-continuous-bench-XXXXXX)
s3pid="" pid="" loadpid=""
cleanup() {
  [ -n "$loadpid" ] && kill "$loadpid" 2>/dev/null
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  etcd_stop
  [ -n "$s3pid" ] && kill "$s3pid" 2>/dev/null
  if [ -n "${KEEP:-}" ]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
export ETCDCTL_API=3
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

etcd_start "$work" --quota-backend-bytes=8589934592
dotnet "$fill" "$ETCD_ENDPOINT" "$base_bytes" kube | tee "$out/continuous-fill.txt"
base_db=$(etcdctl --endpoints "$ETCD_ENDPOINT" endpoint status -w json | sed 's/.*"dbSize":\([0-9]*\).*/\1/')
start_s3rver "$work"
mport=$(scripts/free-port.sh)
"$agent" key generate "$work/key" >/dev/null
{ s3rver_backup_config "$work" "$port" "$ETCD_ENDPOINT"; cat <<YAML
schedule:
  backup: "0 0 0 1 1 ?"
  drill: "off"
  leaderDelay: 0s
  stateDir: ${work}/state
continuous:
  enabled: true
metrics:
  address: 127.0.0.1:${mport}
YAML
} > "$work/config.yaml"

# The base: a full backup made before the daemon starts, so the daemon's own peak RSS is streaming's.
"$agent" backup create --config "$work/config.yaml" >/dev/null
base_rev=$("$agent" backup list --config "$work/config.yaml" -w json | sed -n 's/.*"revision": \([0-9]*\).*/\1/p' | head -n1)
echo "base: ${base_db} bytes db, backup at revision ${base_rev}"

n_agent=0
start_agent() { # starts the daemon (log run-N.log) and waits until it captures the chain
  n_agent=$((n_agent + 1))
  # shellcheck disable=SC2086 # DAEMON_ENV is a list of NAME=VALUE words
  env $daemon_env "$agent" run --config "$work/config.yaml" 2>"$work/run-$n_agent.log" &
  pid=$!
  for _ in $(seq 1 600); do
    grep -q "capturing the chain" "$work/run-$n_agent.log" && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$work/run-$n_agent.log" >&2; echo "the agent exited" >&2; return 1; }
    sleep 0.1
  done
  cat "$work/run-$n_agent.log" >&2
  echo "the agent did not start capturing in 60 s" >&2
  return 1
}
scrape() { curl -s --max-time 2 "http://127.0.0.1:${mport}/metrics" || true; }
pick() { # name -> its value in the scrape on stdin (empty when absent)
  awk -v m="$1" '$1 == m || index($1, m "{") == 1 {print $2; exit}'
}
metric() { scrape | pick "$1"; } # name -> value from the daemon's /metrics (empty when it does not answer)
now_ms() { date +%s%3N; }
chain_end() { # the last revision of any committed segment in the store: a manifest (.json, written last) s3rver
  # holds whole (its object and its metadata file); 0 when there is none
  find "$work/s3/bench/bench" -path '*/segments/*.json._S3rver_metadata.json' -printf '%f\n' 2>/dev/null |
    sed -n 's/^[0-9]*-\([0-9]*\)\.json\._S3rver_metadata\.json$/\1/p' | sort -n | tail -n1 | awk '{print $1 + 0} END {if (NR == 0) print 0}'
}
wait_drained() { # waits until the daemon's lag is 0 revisions; prints the seconds it took
  local t0 lag
  t0=$(now_ms)
  for _ in $(seq 1 1200); do
    lag=$(metric etcd_agent_continuous_lag_revisions)
    [ "${lag:-1}" = 0 ] && break
    sleep 0.1
  done
  awk -v a="$t0" -v b="$(now_ms)" 'BEGIN {printf "%.1f", (b - a) / 1000}'
}

# ---- 1. lag and RSS under the load -------------------------------------------------------------------------------
start_agent
dotnet "$fill" "$ETCD_ENDPOINT" load "$rate" "$load_seconds" "$work/load1.log" > "$work/load1.out" &
loadpid=$!
: > "$out/continuous-samples.txt"
while kill -0 "$loadpid" 2>/dev/null; do
  m=$(scrape)
  printf '%s %s %s %s\n' "$(now_ms)" "$(pick etcd_agent_continuous_lag_seconds <<<"$m")" "$(pick etcd_agent_continuous_lag_revisions <<<"$m")" \
    "$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")" >> "$out/continuous-samples.txt"
  sleep 0.5
done
wait "$loadpid" || { cat "$work/load1.out" >&2; echo "the load failed" >&2; exit 1; }
loadpid=""
load_during=$(cut -d' ' -f1-3 /proc/loadavg)
drain=$(wait_drained)
cp "$work/load1.out" "$out/continuous-load1.txt"
cat "$work/load1.out"
achieved=$(sed -n 's/.* = \([0-9.]*\) writes\/s.*/\1/p' "$work/load1.out")
vmhwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
# Where the RSS is at the end of the load (anonymous = GC heap and native buffers; file = the binary's pages).
grep -E '^(Rss|Anonymous|Shared_Clean|Private_Clean|Private_Dirty)' "/proc/$pid/smaps_rollup" > "$out/continuous-smaps.txt" || true
segments=$(metric etcd_agent_continuous_segments_total)
gaps=$(metric etcd_agent_continuous_gaps_total)
failures=$(metric etcd_agent_continuous_failures_total)
# Samples with an answer from /metrics (a scrape can time out under load); lag in seconds is the oldest uncommitted
# revision's wait, so it saw-tooths between 0 and the interval plus the upload.
awk 'NF == 4' "$out/continuous-samples.txt" > "$work/samples.txt"
samples=$(wc -l < "$work/samples.txt")
pct() { # column percentile(0..1)
  awk -v c="$1" '{print $c}' "$work/samples.txt" | sort -g | awk -v p="$2" '{a[NR]=$1} END {i=int(p*NR+0.999999); if (i<1) i=1; if (i>NR) i=NR; print a[i]}'
}
two() { awk -v v="$1" 'BEGIN {printf "%.2f", v}'; }
lag_p50=$(two "$(pct 2 0.5)"); lag_p95=$(two "$(pct 2 0.95)"); lag_max=$(two "$(pct 2 1)")
lagrev_max=$(pct 3 1)
rss_median=$(awk '{print $4}' "$work/samples.txt" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
rss_max=$(pct 4 1)
echo "lag: p50 ${lag_p50} s, p95 ${lag_p95} s, max ${lag_max} s, max ${lagrev_max} revisions (${samples} samples); drained ${drain} s after the load"
echo "agent RSS while streaming: median ${rss_median} KiB, max sampled ${rss_max} KiB, VmHWM ${vmhwm} KiB; segments ${segments}, gaps ${gaps}, failures ${failures}"

# ---- 2. RPO: the writer killed under the load ---------------------------------------------------------------------
# Long enough for every kill to fall under the load: each kill's wait, a restart (~10 s for the dead agent's lease,
# 14 s allowed) between kills, and a margin.
rpo_seconds=$(awk -v n="$kills" -v a="$kill_after" 'BEGIN {s = 8; for (k = 1; k <= n; k++) s += a + (k - 1) * 1.3 + (k < n ? 14 : 0); printf "%d", s}')
dotnet "$fill" "$ETCD_ENDPOINT" load "$rate" "$rpo_seconds" "$work/load2.log" > "$work/load2.out" &
loadpid=$!
: > "$work/kills.txt"
for k in $(seq 1 "$kills"); do
  streamed_from=$(now_ms)
  # Different phases of the interval: KILL_AFTER + 0.0, 1.3, 2.6, ... s after the capture (re)started.
  sleep "$(awk -v a="$kill_after" -v k="$k" 'BEGIN {printf "%.1f", a + (k - 1) * 1.3}')"
  gaps=$(( gaps + $(metric etcd_agent_continuous_gaps_total || true) + 0 ))
  failures=$(( failures + $(metric etcd_agent_continuous_failures_total || true) + 0 ))
  tk=$(now_ms)
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  pid=""
  rc=$(chain_end)
  printf '%s %s %s %s\n' "$k" "$tk" "$rc" "$(awk -v a="$streamed_from" -v b="$tk" 'BEGIN {printf "%.1f", (b - a) / 1000}')" >> "$work/kills.txt"
  echo "kill $k at ${tk}: chain committed up to revision ${rc}"
  start_agent
done
wait "$loadpid" || { cat "$work/load2.out" >&2; echo "the load failed" >&2; exit 1; }
loadpid=""
cp "$work/load2.out" "$out/continuous-load2.txt"
cat "$work/load2.out"
: > "$out/continuous-rpo.psv"
while read -r k tk rc streamed; do
  # The load's writes acknowledged by Tk with a revision no committed segment held.
  read -r lost first < <(awk -v tk="$tk" -v rc="$rc" '$1 > rc && $2 <= tk {n++; if (f == "" || $2 < f) f = $2} END {print n + 0, (f == "" ? tk : f)}' "$work/load2.log")
  last_ack=$(awk 'BEGIN {m = 0} $2 > m {m = $2} END {print m}' "$work/load2.log")
  [ "$last_ack" -gt "$tk" ] || echo "warning: kill $k came after the load's last write; its RPO is not under load" >&2
  rpo=$(awk -v a="$first" -v b="$tk" 'BEGIN {printf "%.2f", (b - a) / 1000}')
  echo "kill $k: ${lost} writes acknowledged but not committed, RPO ${rpo} s (streamed ${streamed} s before the kill)"
  printf '%s|%s|%s|%s|%s|%s\n' "$k" "$tk" "$rc" "$lost" "$rpo" "$streamed" >> "$out/continuous-rpo.psv"
done < "$work/kills.txt"
wait_drained >/dev/null
gaps=$(( gaps + $(metric etcd_agent_continuous_gaps_total || true) + 0 ))
failures=$(( failures + $(metric etcd_agent_continuous_failures_total || true) + 0 ))
for f in "$work"/run-*.log; do
  grep -iE "gap|fail|error|warn" "$f" | sed "s|^|$(basename "$f"): |" || true
done > "$out/continuous-log-excerpts.txt"
kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""

# ---- 3. point-in-time snapshot vs plain download ------------------------------------------------------------------
end_rev=$(chain_end)
replayed=$(( end_rev - base_rev ))
run() { # file command... -> appends "seconds tree_kib own_kib": /usr/bin/time's wall time and peak RSS (which
  # includes the children it waits for: the point-in-time build's throwaway etcd), and the agent's own peak, its
  # VmHWM sampled every 50 ms (a high-water mark: only growth in its last 50 ms could be missed)
  local file=$1 tpid child="" hwm=0 h; shift
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" &
  tpid=$!
  while kill -0 "$tpid" 2>/dev/null; do
    [ -n "$child" ] || child=$(pgrep -P "$tpid" | head -n1 || true)
    if [ -n "$child" ]; then
      h=$(awk '/VmHWM/ {print $2}' "/proc/$child/status" 2>/dev/null || true)
      [ -n "$h" ] && hwm=$h
    fi
    sleep 0.05
  done
  wait "$tpid" || { cat "$work/stderr.txt" >&2; exit 1; }
  echo "$(cat "$work/time.txt") $hwm" >> "$file"
}
rm -f "$work/plain.txt" "$work/pitr.txt"
for i in $(seq 1 "$runs"); do
  rm -f "$work/plain.db" "$work/pitr.db"
  run "$work/plain.txt" "$agent" backup download latest "$work/plain.db" --config "$work/config.yaml"
  run "$work/pitr.txt" "$agent" backup download latest "$work/pitr.db" --at-revision "$end_rev" --config "$work/config.yaml"
  got=$(etcdctl snapshot status "$work/pitr.db" -w json 2>/dev/null | sed -n 's/.*"revision":\([0-9]*\).*/\1/p')
  [ "$got" = "$end_rev" ] || { echo "the point-in-time snapshot is at revision ${got}, not ${end_rev}" >&2; exit 1; }
  echo "round $i: plain $(tail -n1 "$work/plain.txt" | cut -d' ' -f1) s, at revision ${end_rev} $(tail -n1 "$work/pitr.txt" | cut -d' ' -f1) s"
done
plain_s=$(cut -d' ' -f1 "$work/plain.txt" | median)
pitr_s=$(cut -d' ' -f1 "$work/pitr.txt" | median)
plain_rss=$(cut -d' ' -f3 "$work/plain.txt" | sort -n | tail -n1)
pitr_rss=$(cut -d' ' -f3 "$work/pitr.txt" | sort -n | tail -n1)
pitr_tree=$(cut -d' ' -f2 "$work/pitr.txt" | sort -n | tail -n1)
ratio=$(awk -v a="$pitr_s" -v b="$plain_s" 'BEGIN {printf "%.2f", a / b}')
replay_rate=$(awk -v n="$replayed" -v a="$pitr_s" -v b="$plain_s" 'BEGIN {printf "%.0f", n / (a - b > 0 ? a - b : a)}')
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
echo "point in time: ${pitr_s} s (agent ${pitr_rss} KiB, with its throwaway etcd ${pitr_tree} KiB) vs plain download ${plain_s} s (${plain_rss} KiB): ${ratio}x; ${replayed} revisions replayed, ~${replay_rate} revisions/s beyond the plain download"
echo "load average: ${load_before} before, ${load_during} at the end of the first load, ${load_after} after"
printf '%s|' "$base_db" "$rate" "$load_seconds" "$achieved" "$lag_p50" "$lag_p95" "$lag_max" "$lagrev_max" "$rss_median" "$rss_max" \
  "$vmhwm" "$segments" "$gaps" "$failures" "$drain" "$plain_s" "$plain_rss" "$pitr_s" "$pitr_rss" "$pitr_tree" "$ratio" "$replayed" "$replay_rate" \
  "$load_before" "$load_during" "$load_after" > "$out/continuous-results.psv"
echo "$samples" >> "$out/continuous-results.psv"
