# Sourced by the demo and the benchmarks: start/stop a throwaway single-member etcd on loopback.
# Sets ETCD_ENDPOINT, ETCD_PEER and ETCD_PID; etcd_stop kills it. Extra etcd flags may be passed to etcd_start.

etcd_start() {
  local dir=$1; shift
  local client_port peer_port
  client_port=$(scripts/free-port.sh)
  peer_port=$(scripts/free-port.sh)
  ETCD_ENDPOINT="http://127.0.0.1:${client_port}"
  ETCD_PEER="http://127.0.0.1:${peer_port}"
  etcd --name throwaway --data-dir "$dir/throwaway.etcd" \
    --listen-client-urls "$ETCD_ENDPOINT" --advertise-client-urls "$ETCD_ENDPOINT" \
    --listen-peer-urls "http://127.0.0.1:${peer_port}" --initial-advertise-peer-urls "http://127.0.0.1:${peer_port}" \
    --initial-cluster "throwaway=http://127.0.0.1:${peer_port}" --initial-cluster-state new "$@" \
    >"$dir/etcd.log" 2>&1 &
  ETCD_PID=$!
  for _ in $(seq 1 100); do
    if grep -q "ready to serve client requests" "$dir/etcd.log" 2>/dev/null; then return 0; fi
    if ! kill -0 "$ETCD_PID" 2>/dev/null; then cat "$dir/etcd.log" >&2; echo "etcd failed to start" >&2; return 1; fi
    sleep 0.1
  done
  echo "etcd did not become ready in 10 s; log: $dir/etcd.log" >&2
  return 1
}

etcd_stop() {
  if [ -n "${ETCD_PID:-}" ]; then
    kill "$ETCD_PID" 2>/dev/null || true
    wait "$ETCD_PID" 2>/dev/null || true
    ETCD_PID=""
  fi
}
