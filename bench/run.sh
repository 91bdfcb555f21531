#!/usr/bin/env bash
# Runs every benchmark in bench/ and rewrites docs/benchmarks.md with the results of this run.
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/bench
mkdir -p "$out"
for b in bench/[0-9]*.sh; do
  echo "==> $b"
  "$b" "$out"
done
bench/report.sh "$out" > docs/benchmarks.md
echo "==> wrote docs/benchmarks.md"
