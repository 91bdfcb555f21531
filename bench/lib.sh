# shellcheck shell=bash
# Sourced by the bench scripts: shared helpers.

# Median of the numbers on stdin, one per line (mean of the middle two when the count is even).
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.4f\n", (a[NR/2]+a[NR/2+1])/2}'; }

# Starts s3rver (tests/s3rver) with a bucket "bench" on a free port, data in $1/s3; sets port and s3pid and waits
# until it accepts connections (the caller's trap kills $s3pid).
start_s3rver() {
  port=$(scripts/free-port.sh)
  mkdir -p "$1/s3"
  node tests/s3rver/node_modules/s3rver/bin/s3rver.js -d "$1/s3" -a 127.0.0.1 -p "$port" --silent --configure-bucket bench >"$1/s3.log" 2>&1 &
  s3pid=$!
  for _ in $(seq 1 100); do (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  sleep 0.3
}

# Writes $1/credentials (s3rver's fixed keys, 0600) and prints the cluster, etcd and store sections of a config.yaml
# for the s3rver on port $2 and the etcd at $3; the caller appends its own backup: section.
s3rver_config() {
  printf '[default]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n' > "$1/credentials"
  chmod 600 "$1/credentials"
  cat <<YAML
cluster: bench
node: bench
etcd:
  endpoints: [$3]
store:
  type: s3
  s3:
    bucket: bench
    endpoint: http://127.0.0.1:$2
    chunkedEncoding: false
    credentials: { source: file, file: $1/credentials }
YAML
}

# s3rver_config (same arguments) plus the backup section every bench backup to s3rver uses: zstd -1, AES-256-GCM with
# the key at $1/key (the caller generates it), the spool in $1/spool.
s3rver_backup_config() {
  s3rver_config "$@"
  cat <<YAML
backup:
  compression: zstd
  level: 1
  encryption: { keyFile: $1/key }
  spoolDir: $1/spool
YAML
}

# Starts a single-host Ceph RGW (mon + memstore OSD + radosgw; Debian's ceph-mon ceph-osd radosgw) in $1/rgw with a
# bucket "bench"; sets rgw_port, rgw_pids, RGW_ACCESS and RGW_SECRET. The recipe and its pitfalls are
# tests/EtcdAgent.IntegrationTests/Fixtures/CephRgwNode.cs (the tests' fixture). Stop with stop_rgw.
start_rgw() {
  local d=$1/rgw fsid uuid mon_port p
  command -v radosgw >/dev/null || { echo "radosgw missing: apt-get install ceph-mon ceph-osd radosgw" >&2; return 1; }
  mkdir -p "$d"/{log,run,crash,rgw,mon,osd/ceph-0}
  fsid=$(cat /proc/sys/kernel/random/uuid); uuid=$(cat /proc/sys/kernel/random/uuid)
  # Ports below the ephemeral range (32768-60999), where other servers' random ports land.
  mon_port=$((20000 + RANDOM % 6000)); rgw_port=$((26000 + RANDOM % 6000))
  cat > "$d/ceph.conf" <<CONF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$mon_port]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
ms bind msgr1 = false
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
ms client mode = crc
ms service mode = crc
ms cluster mode = crc
run dir = $d/run
admin socket = $d/run/\$name.asok
log file = $d/log/\$name.log
mon cluster log file = default=$d/log/\$cluster.\$channel.log cluster=$d/log/\$cluster.log
crash dir = $d/crash
keyring = $d/keyring
mon data = $d/mon/\$cluster-\$id
osd data = $d/osd/\$cluster-\$id
osd objectstore = memstore
memstore device bytes = 2147483648
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
paxos propose interval = 0.05

[client.rgw.bench]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw data = $d/rgw
CONF
  RGW_ACCESS=BENCHACCESSKEY; RGW_SECRET=$(head -c 30 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 40)
  ceph-authtool --create-keyring "$d/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$d/monmap" >/dev/null
  ceph-mon -c "$d/ceph.conf" --mkfs -i a --monmap "$d/monmap" --keyring "$d/keyring"
  ceph-mon -c "$d/ceph.conf" -i a -f >"$d/log/mon.out" 2>&1 & rgw_pids="$!"
  [ "$(ceph -c "$d/ceph.conf" --connect-timeout 60 osd new "$uuid")" = 0 ] || { echo "ceph osd new failed" >&2; return 1; }
  ceph-osd -c "$d/ceph.conf" -i 0 --mkfs --osd-uuid "$uuid" >/dev/null 2>&1
  ceph-osd -c "$d/ceph.conf" -i 0 -f >"$d/log/osd.out" 2>&1 & rgw_pids="$! $rgw_pids"
  radosgw-admin -c "$d/ceph.conf" user create --uid=bench --display-name=bench --access-key="$RGW_ACCESS" --secret-key="$RGW_SECRET" >/dev/null
  radosgw -c "$d/ceph.conf" -n client.rgw.bench -f >"$d/log/rgw.out" 2>&1 & rgw_pids="$! $rgw_pids"
  for _ in $(seq 1 300); do
    # Ready when a signed request works (an anonymous GET / answers 200 earlier).
    curl -sf --aws-sigv4 "aws:amz:us-east-1:s3" --user "$RGW_ACCESS:$RGW_SECRET" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
      -X PUT "http://127.0.0.1:$rgw_port/bench" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "radosgw did not come up on $rgw_port; logs in $d/log" >&2
  return 1
}

# Kills what start_rgw started, radosgw first (its graceful stop waits for a missing monitor).
stop_rgw() {
  local p
  for p in $rgw_pids; do kill -9 "$p" 2>/dev/null || true; done
  for p in $rgw_pids; do wait "$p" 2>/dev/null || true; done
  rgw_pids=""
}
