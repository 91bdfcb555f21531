#!/usr/bin/env bash
# `make demo`: a throwaway single-member etcd on loopback, some data in it, and etcd-agent backing it up into a
# local-directory store (encrypted, zstd), listing, verifying, downloading and pruning the backups, drilling the
# newest one (restored into a second throwaway etcd) and showing a restore plan. Everything lives
# in a temp dir that is removed at the end (KEEP=1 keeps it), and etcd is stopped even on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib-etcd.sh
. scripts/lib-etcd.sh

agent="dotnet src/Agent/bin/Release/net10.0/etcd-agent.dll"
work=$(mktemp -d -t etcd-agent-demo-XXXXXX)
trap 'etcd_stop; if [ -z "${KEEP:-}" ]; then rm -rf "$work"; else echo "kept ${work}"; fi' EXIT

etcd_start "$work"
endpoint=$ETCD_ENDPOINT
echo "==> started a throwaway etcd at ${endpoint} (data in ${work})"

echo "==> writing a few keys with etcdctl"
for i in 1 2 3; do ETCDCTL_API=3 etcdctl --endpoints "$endpoint" put "/registry/demo/key-$i" "value-$i" >/dev/null; done

echo "==> etcd-agent version"
$agent version
echo
echo "==> etcd-agent endpoint status --endpoints ${endpoint}"
$agent endpoint status --endpoints "$endpoint"
echo
echo "==> etcd-agent endpoint health --endpoints ${endpoint}"
$agent endpoint health --endpoints "$endpoint"
echo
echo "==> etcd-agent member list --endpoints ${endpoint} -w json"
$agent member list --endpoints "$endpoint" -w json
echo
echo "==> a private key and a config for a local-directory store"
$agent key generate "$work/backup.key"
mkdir -m 700 "$work/store"
echo "==> a stand-in for a kubeadm node's /etc/kubernetes under ${work}/node (the recovery bundle's source)"
mkdir -p "$work/node/etc/kubernetes/pki/etcd" "$work/node/etc/kubernetes/manifests"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=kubernetes -keyout "$work/node/etc/kubernetes/pki/ca.key" \
  -out "$work/node/etc/kubernetes/pki/ca.crt" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=etcd-ca -keyout "$work/node/etc/kubernetes/pki/etcd/ca.key" \
  -out "$work/node/etc/kubernetes/pki/etcd/ca.crt" 2>/dev/null
printf 'spec:\n  containers:\n  - command: [kube-apiserver]\n' > "$work/node/etc/kubernetes/manifests/kube-apiserver.yaml"
printf 'apiVersion: v1\nkind: Config\n' > "$work/node/etc/kubernetes/admin.conf"
node=$(hostname | tr '[:upper:]' '[:lower:]' | tr -c 'a-z0-9._\n-' '-')
cat > "$work/config.yaml" <<EOF
cluster: demo
node: ${node}
etcd:
  endpoints: [${endpoint}]
store:
  type: local
  local:
    path: ${work}/store
backup:
  compression: zstd
  encryption:
    keyFile: ${work}/backup.key
  spoolDir: ${work}/spool
bundle:
  enabled: true
  root: ${work}/node
retention:
  keepLast: 2
  daily: 0
  weekly: 0
  monthly: 0
  maxDeleteFraction: 1
drill:
  workDir: ${work}/drill
EOF
cat "$work/config.yaml"
echo
echo "==> etcd-agent config check --config config.yaml"
$agent config check --config "$work/config.yaml"
for round in 1 2 3; do
  echo
  echo "==> etcd-agent backup create (round ${round})"
  ETCDCTL_API=3 etcdctl --endpoints "$endpoint" put "/registry/demo/round" "$round" >/dev/null
  $agent backup create --config "$work/config.yaml"
  sleep 1 # backup ids carry the second
done
echo
echo "==> etcd-agent backup list"
$agent backup list --config "$work/config.yaml"
echo
echo "==> etcd-agent backup verify latest"
$agent backup verify latest --config "$work/config.yaml"
echo
echo "==> etcd-agent backup download latest --bundle bundle: the control-plane files stored (encrypted) beside the snapshot"
$agent backup download latest --bundle "$work/bundle" --config "$work/config.yaml"
echo
echo "==> etcd-agent backup download latest restored.db, then etcdctl snapshot status"
$agent backup download latest "$work/restored.db" --config "$work/config.yaml"
ETCDCTL_API=3 etcdctl snapshot status "$work/restored.db" -w table
echo
echo "==> etcd-agent backup prune (keepLast: 2)"
$agent backup prune --config "$work/config.yaml"
echo
echo "==> etcd-agent drill latest: restore the newest backup into a throwaway etcd on other ports and check it"
mkdir -p "$work/drill"
$agent drill latest --config "$work/config.yaml"
echo
echo "==> etcd-agent restore --dry-run: the plan for restoring this member from the newest backup (changes nothing)"
$agent restore --snapshot latest --dry-run --config "$work/config.yaml" --topology explicit --name throwaway \
  --data-dir "$work/throwaway.etcd" --initial-advertise-peer-urls "$ETCD_PEER" --listen-client-urls "$endpoint" \
  --state-dir "$work/state"
echo
echo "==> etcd-agent run: the daemon, a backup every 10 s and continuous capture (1 s segments), for 14 s"
metrics_port=$(scripts/free-port.sh)
cat >> "$work/config.yaml" <<EOF
schedule:
  backup: "*/10 * * * * ?"
  stateDir: ${work}/state
continuous:
  enabled: true
  interval: 1s
metrics:
  address: 127.0.0.1:${metrics_port}
EOF
$agent run --config "$work/config.yaml" &
daemon=$!
sleep 3
echo "--- writes while the daemon captures every revision"
point=
for i in $(seq 1 8); do
  revision=$(ETCDCTL_API=3 etcdctl --endpoints "$endpoint" put "/registry/demo/live" "write-$i" -w json | sed -n 's/.*"revision":\([0-9]*\).*/\1/p')
  echo "put write-$i at revision ${revision}"
  [ "$i" = 4 ] && point=$revision
  sleep 1
done
sleep 3
echo "--- GET /metrics (excerpt)"
curl -s "http://127.0.0.1:${metrics_port}/metrics" | grep -E '^etcd_agent_(last_backup_revision|backups_in_store|lock_holder_info|spool_backlog|continuous_(streaming|lag_seconds|last_revision|segments_total))' || true
echo "--- GET /healthz"
curl -s "http://127.0.0.1:${metrics_port}/healthz" || true
kill -TERM "$daemon"
wait "$daemon" && echo "daemon exited 0"
echo
echo "==> etcd-agent backup download latest at.db --at-revision ${point}: the cluster as it was right after write-4"
$agent backup download latest "$work/at.db" --at-revision "$point" --config "$work/config.yaml"
ETCDCTL_API=3 etcdctl snapshot status "$work/at.db" -w table
ETCDCTL_API=3 etcdctl --endpoints "$endpoint" get /registry/demo/live --rev "$point" --print-value-only | sed 's/^/the live cluster at that revision held: /'
echo
echo "==> etcd-agent backup list (after the daemon; retention keeps 2)"
$agent backup list --config "$work/config.yaml"
echo
echo "==> what is in the store"
find "$work/store" -type f | sed "s|${work}/||" | sort
echo
echo "==> demo done; stopping etcd and removing ${work}"
