#!/usr/bin/env bash
# `make demo`: a throwaway single-member etcd on loopback, some data in it, and etcd-agent looking at it.
# Everything lives in a temp dir that is removed at the end, and etcd is stopped even on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

agent="dotnet src/Agent/bin/Release/net10.0/etcd-agent.dll"
work=$(mktemp -d -t etcd-agent-demo-XXXXXX)
client_port=$(scripts/free-port.sh)
peer_port=$(scripts/free-port.sh)
endpoint="http://127.0.0.1:${client_port}"
etcd_pid=""

cleanup() {
  if [ -n "$etcd_pid" ]; then kill "$etcd_pid" 2>/dev/null || true; wait "$etcd_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "==> starting a throwaway etcd at ${endpoint} (data in ${work})"
etcd --name demo --data-dir "$work/demo.etcd" \
  --listen-client-urls "$endpoint" --advertise-client-urls "$endpoint" \
  --listen-peer-urls "http://127.0.0.1:${peer_port}" --initial-advertise-peer-urls "http://127.0.0.1:${peer_port}" \
  --initial-cluster "demo=http://127.0.0.1:${peer_port}" --initial-cluster-state new >"$work/etcd.log" 2>&1 &
etcd_pid=$!
for _ in $(seq 1 100); do
  grep -q "ready to serve client requests" "$work/etcd.log" 2>/dev/null && break
  if ! kill -0 "$etcd_pid" 2>/dev/null; then cat "$work/etcd.log"; echo "etcd failed to start" >&2; exit 1; fi
  sleep 0.1
done

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
echo "==> demo done; stopping etcd and removing ${work}"
