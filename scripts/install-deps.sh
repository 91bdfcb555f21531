#!/usr/bin/env bash
# Installs what building, testing and the demo need on Debian: etcd + etcdctl (real servers for the tests),
# openssl (test certificates), zstd + libzstd1 (the zstd codec and its interop tests). Idempotent: installs only what is missing. The .NET 10 SDK must already be there.
set -euo pipefail

need=()
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || need+=(etcd-client)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v zstd >/dev/null 2>&1 || need+=(zstd)            # CLI for codec interop tests; pulls in libzstd1
[ -e /usr/lib/x86_64-linux-gnu/libzstd.so.1 ] || [ -e /usr/lib/aarch64-linux-gnu/libzstd.so.1 ] || need+=(libzstd1)
for tool in "$@"; do
  case "$tool" in
    hyperfine) command -v hyperfine >/dev/null 2>&1 || need+=(hyperfine) ;;
    time) [ -x /usr/bin/time ] || need+=(time) ;;
  esac
done

if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "installing: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET 10 SDK (dotnet) is required and is not on PATH" >&2
  exit 1
fi
