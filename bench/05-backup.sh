#!/usr/bin/env bash
# `etcd-agent backup create` to s3rver (zstd -1, encryption on) against the script an operator would write —
# `etcdctl snapshot save` + `gzip -1` + one PUT with `curl --aws-sigv4` to the same s3rver — and against
# `etcdctl snapshot save` alone, alternating, on the ~1 GiB Kubernetes-like snapshot that 02 left (restored into a
# throwaway etcd). Goals (issue 6): (a)/(b) <= 0.6, (a) <= 1.15x etcdctl snapshot save, agent peak RSS <= 128 MB.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
# shellcheck source=scripts/lib-etcd.sh
. scripts/lib-etcd.sh
out=${1:-artifacts/bench}
pairs=${PAIRS:-3}
agent=artifacts/publish/etcd-agent
snap="$out/bench-1g.db"
[ -f "$snap" ] || { echo "missing $snap: run bench/02-snapshot-save.sh first (make bench runs both)" >&2; exit 1; }
work=$(mktemp -d -t etcd-agent-backup-bench-XXXXXX)
s3pid=""
trap 'etcd_stop; [ -n "$s3pid" ] && kill "$s3pid" 2>/dev/null; rm -rf "$work"' EXIT

export ETCDCTL_API=3
etcdctl snapshot restore "$snap" --data-dir "$work/throwaway.etcd" --name throwaway \
  --initial-cluster throwaway=http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 >/dev/null 2>&1
etcd_start "$work" --quota-backend-bytes=8589934592
size=$(etcdctl --endpoints "$ETCD_ENDPOINT" endpoint status -w json | sed 's/.*"dbSize":\([0-9]*\).*/\1/')

start_s3rver "$work"

"$agent" key generate "$work/key" >/dev/null
s3rver_backup_config "$work" "$port" "$ETCD_ENDPOINT" > "$work/config.yaml"

run() { # file command... -> appends "seconds kib"
  local file=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || { cat "$work/stderr.txt" >&2; exit 1; }
  cat "$work/time.txt" >> "$file"
}
script_b() { # what an operator would write; any failing step fails the round (bash -c does not inherit set -e)
  set -euo pipefail
  etcdctl --endpoints "$ETCD_ENDPOINT" snapshot save "$work/b.db" >/dev/null
  gzip -1 -c "$work/b.db" > "$work/b.db.gz"
  # curl 7.88's --aws-sigv4 does not send x-amz-content-sha256, which s3rver (like S3) requires: without it the PUT
  # is rejected at once and nothing is uploaded.
  curl -sSf --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
    -T "$work/b.db.gz" "http://127.0.0.1:${port}/bench/script/$(date +%s%N).db.gz"
  rm -f "$work/b.db" "$work/b.db.gz"
}
export -f script_b
export work port ETCD_ENDPOINT

rm -f "$out"/backup-agent.txt "$out"/backup-script.txt "$out"/backup-etcdctl.txt
for i in $(seq 1 "$pairs"); do
  run "$out/backup-agent.txt" "$agent" backup create --config "$work/config.yaml"
  run "$out/backup-script.txt" bash -c script_b
  rm -f "$work/c.db"
  run "$out/backup-etcdctl.txt" etcdctl --endpoints "$ETCD_ENDPOINT" snapshot save "$work/c.db"
  rm -f "$work/c.db"
  echo "round $i: backup create $(tail -n1 "$out/backup-agent.txt" | cut -d' ' -f1) s, script $(tail -n1 "$out/backup-script.txt" | cut -d' ' -f1) s, etcdctl save $(tail -n1 "$out/backup-etcdctl.txt" | cut -d' ' -f1) s"
done
stored=$("$agent" backup list --config "$work/config.yaml" -w json | sed -n 's/.*"storedSize": \([0-9]*\).*/\1/p' | head -n1)
vs_script=$(paste -d' ' "$out/backup-agent.txt" "$out/backup-script.txt" | awk '{printf "%.4f\n", $1/$3}' | median)
vs_save=$(paste -d' ' "$out/backup-agent.txt" "$out/backup-etcdctl.txt" | awk '{printf "%.4f\n", $1/$3}' | median)
am=$(cut -d' ' -f1 "$out/backup-agent.txt" | median)
bm=$(cut -d' ' -f1 "$out/backup-script.txt" | median)
cm=$(cut -d' ' -f1 "$out/backup-etcdctl.txt" | median)
rss=$(cut -d' ' -f2 "$out/backup-agent.txt" | sort -n | tail -n1)
echo "backup create ($size bytes db, $stored stored): ${am} s; script ${bm} s (ratio ${vs_script}); etcdctl save ${cm} s (ratio ${vs_save}); agent peak RSS ${rss} KiB"
# The 10th field says that (b)'s upload was checked (curl's exit status) in this run; report.sh flags older results.
printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$size" "$pairs" "$am" "$bm" "$cm" "$vs_script" "$vs_save" "$rss" "$stored" "upload-checked" > "$out/backup-results.psv"
