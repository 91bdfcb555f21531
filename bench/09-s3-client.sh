#!/usr/bin/env bash
# Issue 19: the S3 client decision. `backup create`'s pipeline (snapshot, verify, zstd -1, AES-256-GCM, upload,
# manifest) runs through bench/S3ClientBench with the product's AWSSDK.S3 store and with a store over the design
# card's Minio client, alternating, against the same s3rver and the same etcd (a ~0.25 GiB Kubernetes-like
# database, generated once like 08's). Both run in the same JIT harness, so the ratio compares the clients, not the
# builds. Rule (issue 19): Minio must stay <= 96 MB peak RSS and within 5 % of AWSSDK's wall time. Then both clients
# list the store (s3rver 3.7.1 was seen to return nothing to Minio's ListObjects). The same again against a Ceph RGW
# started here (bench/lib.sh start_rgw) when radosgw is installed.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
# shellcheck source=scripts/lib-etcd.sh
. scripts/lib-etcd.sh
out=${1:-artifacts/bench}
mkdir -p "$out"
pairs=${PAIRS:-5}
harness=bench/S3ClientBench/bin/Release/net10.0/S3ClientBench.dll
fill=bench/EtcdFill/bin/Release/net10.0/EtcdFill.dll
agent=artifacts/publish/etcd-agent
for f in "$harness" "$fill" "$agent"; do
  [ -f "$f" ] || { echo "missing $f: make bench builds it (or dotnet build bench/S3ClientBench -c Release)" >&2; exit 1; }
done
snap="$out/bench-0.25g.db"
work=$(mktemp -d -t etcd-agent-s3client-bench-XXXXXX)
s3pid=""
rgw_pids=""
trap 'etcd_stop; [ -n "$s3pid" ] && kill "$s3pid" 2>/dev/null; stop_rgw; rm -rf "$work"' EXIT
export ETCDCTL_API=3

if [ ! -f "$snap" ]; then
  mkdir -p "$work/gen"
  etcd_start "$work/gen" --quota-backend-bytes=8589934592
  echo "generating $snap with EtcdFill"
  dotnet "$fill" "$ETCD_ENDPOINT" 268435456 >/dev/null
  etcdctl --endpoints "$ETCD_ENDPOINT" snapshot save "$work/gen/snap.db" >/dev/null
  etcd_stop
  mv "$work/gen/snap.db" "$snap"
fi

etcdctl snapshot restore "$snap" --data-dir "$work/throwaway.etcd" --name throwaway \
  --initial-cluster throwaway=http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 >/dev/null 2>&1
etcd_start "$work" --quota-backend-bytes=8589934592
size=$(etcdctl --endpoints "$ETCD_ENDPOINT" endpoint status -w json | sed 's/.*"dbSize":\([0-9]*\).*/\1/')

start_s3rver "$work"
"$agent" key generate "$work/key" >/dev/null

config() { # label endpoint access secret -> writes $work/<label>.yaml
  printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$3" "$4" > "$work/$1.credentials"
  chmod 600 "$work/$1.credentials"
  cat > "$work/$1.yaml" <<YAML
cluster: bench
node: bench
store:
  type: s3
  s3:
    bucket: bench
    endpoint: $2
    chunkedEncoding: false
    credentials: { source: file, file: $work/$1.credentials }
backup:
  compression: zstd
  level: 1
  encryption: { keyFile: $work/key }
  spoolDir: $work/spool
YAML
}

run() { # file command... -> appends "seconds kib"
  local file=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || { cat "$work/stderr.txt" >&2; exit 1; }
  cat "$work/time.txt" >> "$file"
}

compare() { # label server-name: alternates the two clients against the store in $work/<label>.yaml
  local label=$1 server=$2 a="$out/s3client-$1-awssdk.txt" m="$out/s3client-$1-minio.txt"
  rm -f "$a" "$m"
  for i in $(seq 1 "$pairs"); do
    run "$a" dotnet "$harness" awssdk "$work/$label.yaml" "$ETCD_ENDPOINT"
    run "$m" dotnet "$harness" minio "$work/$label.yaml" "$ETCD_ENDPOINT"
    echo "$server round $i: AWSSDK.S3 $(tail -n1 "$a"), Minio $(tail -n1 "$m") (s KiB)"
  done
  local listed_aws listed_minio ratio am mm arss mrss
  listed_aws=$(dotnet "$harness" list-awssdk "$work/$label.yaml" 2>&1 | tail -n1)
  listed_minio=$(dotnet "$harness" list-minio "$work/$label.yaml" 2>&1 | tail -n1)
  ratio=$(paste -d' ' "$m" "$a" | awk '{printf "%.4f\n", $1/$3}' | median)
  am=$(cut -d' ' -f1 "$a" | median); mm=$(cut -d' ' -f1 "$m" | median)
  arss=$(cut -d' ' -f2 "$a" | sort -n | tail -n1); mrss=$(cut -d' ' -f2 "$m" | sort -n | tail -n1)
  echo "backup create to $server ($size bytes db), $pairs pairs: AWSSDK.S3 ${am} s, peak ${arss} KiB; Minio ${mm} s, peak ${mrss} KiB; Minio/AWSSDK ${ratio}; listed: AWSSDK.S3 ${listed_aws}, Minio ${listed_minio}"
  printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$server" "$size" "$pairs" "$am" "$arss" "$mm" "$mrss" "$ratio" "$listed_aws" "$listed_minio" >> "$out/s3client-results.psv"
}

: > "$out/s3client-results.psv"
config s3rver "http://127.0.0.1:${port}" S3RVER S3RVER
compare s3rver "s3rver 3.7.1"
kill "$s3pid"; s3pid=""
if start_rgw "$work"; then
  config rgw "http://127.0.0.1:${rgw_port}" "$RGW_ACCESS" "$RGW_SECRET"
  compare rgw "Ceph RGW 16.2"
else
  echo "Ceph RGW could not start: measured on s3rver only" >&2
fi
