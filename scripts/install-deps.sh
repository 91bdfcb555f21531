#!/usr/bin/env bash
# Installs what building, testing and the demo need on Debian: etcd + etcdctl (real servers for the tests),
# openssl (test certificates), zstd + libzstd1 (the zstd codec and its interop tests), lintian and systemd's
# systemd (the packaging tests run it as PID 1 in a sandbox), Ceph RGW, promtool (Debian's prometheus package, without its recommends: the
# monitoring kit's rule tests), node + npm and then
# s3rver from tests/s3rver/package-lock.json (the real S3-compatible server the tests start). Idempotent: installs
# only what is missing. The .NET 10 SDK must already be there.
set -euo pipefail

need=()
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || need+=(etcd-client)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v zstd >/dev/null 2>&1 || need+=(zstd)            # CLI for codec interop tests; pulls in libzstd1
[ -e /usr/lib/x86_64-linux-gnu/libzstd.so.1 ] || [ -e /usr/lib/aarch64-linux-gnu/libzstd.so.1 ] || need+=(libzstd1)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
command -v curl >/dev/null 2>&1 || need+=(curl)               # the demo reads the daemon's /metrics
command -v lintian >/dev/null 2>&1 || need+=(lintian)         # the .deb test lints the package
# systemd-analyze (verify + security score of the unit) and systemd itself: the packaging tests boot it as PID 1 in a
# sandbox (util-linux's unshare/nsenter, iproute2 for the sandbox's own loopback, python3 for the hardening probe).
{ command -v systemd-analyze >/dev/null 2>&1 && [ -x /lib/systemd/systemd ]; } || need+=(systemd)
command -v nsenter >/dev/null 2>&1 || need+=(util-linux)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
[ -x /usr/bin/python3 ] || need+=(python3)
for tool in "$@"; do
  case "$tool" in
    hyperfine) command -v hyperfine >/dev/null 2>&1 || need+=(hyperfine) ;;
    time) [ -x /usr/bin/time ] || need+=(time) ;;
    # NativeAOT's native link (make publish): clang as the linker driver, zlib for the runtime's compression.
    aot) command -v clang >/dev/null 2>&1 || need+=(clang); [ -e /usr/include/zlib.h ] || need+=(zlib1g-dev) ;;
  esac
done

if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "installing: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Ceph RGW, the second real S3 (mon + OSD + radosgw, started by the tests), and promtool: without their recommends.
if ! command -v radosgw >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "installing: ceph-mon ceph-osd radosgw (Ceph RGW)"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends ceph-mon ceph-osd radosgw >/dev/null
fi

# Apart from the list above: its recommends (node_exporter, the web console's libraries) are not needed.
if ! command -v promtool >/dev/null 2>&1; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "installing: prometheus (for promtool)"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi

# s3rver, pinned by the committed lockfile; reinstalled when the lockfile changes.
s3dir="$(dirname "$0")/../tests/s3rver"
if [ ! -f "$s3dir/node_modules/s3rver/bin/s3rver.js" ] || [ "$s3dir/package-lock.json" -nt "$s3dir/node_modules/.package-lock.json" ]; then
  echo "installing s3rver (npm ci in tests/s3rver)"
  npm ci --prefix "$s3dir" --no-audit --no-fund --loglevel=error >/dev/null
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET 10 SDK (dotnet) is required and is not on PATH" >&2
  exit 1
fi
