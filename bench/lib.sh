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
