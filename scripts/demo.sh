#!/usr/bin/env bash
# `make demo`: a throwaway single-member etcd on loopback, some data in it, and etcd-agent looking at it.
# Everything lives in a temp dir that is removed at the end, and etcd is stopped even on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib-etcd.sh
. scripts/lib-etcd.sh

agent="dotnet src/Agent/bin/Release/net10.0/etcd-agent.dll"
work=$(mktemp -d -t etcd-agent-demo-XXXXXX)
trap 'etcd_stop; rm -rf "$work"' EXIT

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
echo "==> demo done; stopping etcd and removing ${work}"
