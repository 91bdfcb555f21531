#!/usr/bin/env bash
# Prints docs/benchmarks.md from the result files of one bench run.
set -euo pipefail
out=${1:?bench output directory}
cpu=$(awk -F: '/model name/ {sub(/^ /,"",$2); print $2; exit}' /proc/cpuinfo)
mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)
cat <<HEAD
# Benchmarks

Written by \`make bench\` (bench/run.sh); every reference number was measured in the same run on the same
machine. Ratios are etcd-agent ÷ etcdctl (lower is better for time). Peak RSS from \`/usr/bin/time -v\`.

- Date: $(date -u +%Y-%m-%d)
- Machine: $(nproc) cores, ${mem}, ${cpu}
- etcd/etcdctl: $(etcdctl version 2>/dev/null | head -n1 | sed 's/etcdctl version: //') (Debian), .NET $(dotnet --list-runtimes | awk '/NETCore.App/ {print $2}' | tail -n1)
- etcd-agent: self-contained single-file, ReadyToRun, trimmed (what \`make publish\` ships)

## CLI round trip (issue 2)

One-shot process: start, connect, one RPC, print, exit; hyperfine, 3 warm-ups and 30 runs of each, same etcd, same run.

| operation | etcd-agent mean | etcdctl mean | ratio | etcd-agent peak RSS | etcdctl peak RSS |
|---|---|---|---|---|---|
HEAD
while IFS='|' read -r verb a e r ar er; do
  echo "| \`$verb\` | ${a} ms | ${e} ms | ${r}× | $((ar / 1024)) MiB | $((er / 1024)) MiB |"
done < "$out/cli-results.psv"
cat <<'CLI'

etcdctl is a Go binary that starts in a few milliseconds; etcd-agent pays .NET runtime start-up (ReadyToRun
already removes most JIT work) on every one-shot invocation. At a prompt both are instant; the daemon (issue 7)
pays start-up once.
CLI
if [ -f "$out/snapshot-results.psv" ]; then
  IFS='|' read -r size pairs median am em ar er < "$out/snapshot-results.psv"
  cat <<SNAP

## snapshot save (issue 3)

A throwaway etcd filled to $(awk -v s="$size" 'BEGIN {printf "%.2f GB", s/1e9}') (${size} bytes incl. trailer) by bench/EtcdFill, started with
\`--quota-backend-bytes=8589934592\`. \`etcd-agent snapshot save\` and \`etcdctl snapshot save\` alternate A B for
${pairs} pairs; the ratio is the median of the pairwise ratios. Goal: ratio ≤ 1.05, etcd-agent peak RSS ≤ 64 MB.

| operation | etcd-agent median | etcdctl median | median pairwise ratio | etcd-agent peak RSS | etcdctl peak RSS |
|---|---|---|---|---|---|
| \`snapshot save\` | ${am} s | ${em} s | ${median}× | $((ar / 1024)) MiB | $((er / 1024)) MiB |

etcd-agent also recomputes the sha256 of every byte and compares it to etcd's trailer, which etcdctl does not.
SNAP
fi

if [ -f "$out/status-results.psv" ]; then
  IFS='|' read -r size pairs ratio am em ar er vm vr < "$out/status-results.psv"
  cat <<STATUS

## snapshot status and verify (issue 4)

The same ${size}-byte snapshot, page cache warm. \`snapshot status\` pairs alternate A B ${pairs} times; goal: ratio ≤ 1.0,
etcd-agent peak RSS ≤ 64 MB (etcdctl memory-maps the whole file). \`snapshot verify\` is the sha256 pass over every
byte plus the structure walk and the decoding of every revision; its floor is the sha256 pass.

| operation | etcd-agent median | etcdctl median | median pairwise ratio | etcd-agent peak RSS | etcdctl peak RSS |
|---|---|---|---|---|---|
| \`snapshot status\` | ${am} s | ${em} s | ${ratio}× | $((ar / 1024)) MiB | $((er / 1024)) MiB |
| \`snapshot verify\` | ${vm} s | (no equivalent) | | $((vr / 1024)) MiB | |
STATUS
  if [ -f "$out/sha256sum-seconds.txt" ]; then
    echo
    echo "For scale: coreutils \`sha256sum\` of the same file took $(cat "$out/sha256sum-seconds.txt") s on this machine; \`snapshot verify\` hashes every byte too."
  fi
fi

if [ -f "$out/codec-results.psv" ]; then
  cat <<'CODEC'

## Codecs (issue 5)

Single thread, on the same Kubernetes-like snapshot, alternating pairs, median pairwise ratio. "Codec only" rows
time etcd-agent's encoder streams (bench/CodecBench: file -> file on tmpfs, no trailer check, no fsync) against
`zstd --single-thread` / `gzip` at the same level. The end-to-end row is `etcd-agent backup encode` with the
pipeline's defaults (zstd -1, encryption on; it also recomputes the input's sha256 trailer and fsyncs before the
rename) against the zstd CLI writing to the same disk. Goal (issue 5): codec within 1.1× the CLI at equal level,
encryption >= 1 GB/s.

| operation | etcd-agent median | reference median | median ratio | stored size | etcd-agent peak RSS |
|---|---|---|---|---|---|
CODEC
  while IFS='|' read -r name am rm ratio stored rss size; do
    echo "| \`$name\` | ${am} s | ${rm} s | ${ratio}× | $(awk -v s="$stored" -v t="$size" 'BEGIN {printf "%.1f%%", 100*s/t}') | $((rss / 1024)) MiB |"
  done < "$out/codec-results.psv"
  if [ -f "$out/codec-aes-seconds.txt" ]; then
    aes_s=$(cat "$out/codec-aes-seconds.txt")
    echo
    echo "AES-256-GCM envelope (1 MiB chunks, sealed in memory): 1 GiB in ${aes_s} s = $(awk -v s="$aes_s" 'BEGIN {printf "%.2f", 1.073741824/s}') GB/s."
  fi
fi

if [ -f "$out/backup-results.psv" ]; then
  IFS='|' read -r size pairs am bm cm vs_script vs_save rss stored < "$out/backup-results.psv"
  cat <<BACKUP

## backup create (issue 6)

\`etcd-agent backup create\` of the same ~1 GiB Kubernetes-like database (restored into a throwaway etcd) to s3rver on
this machine — zstd -1, AES-256-GCM on, 16 MiB parts × 2 — against (b) the script an operator would write:
\`etcdctl snapshot save\` + \`gzip -1\` + one PUT with \`curl --aws-sigv4\` to the same s3rver, and against (c)
\`etcdctl snapshot save\` alone; ${pairs} alternating rounds, medians and median pairwise ratios. etcd-agent also
checks the sha256 trailer and walks the bbolt structure before it completes the upload and writes the manifest.
Goals: (a)/(b) ≤ 0.6, (a)/(c) ≤ 1.15, peak RSS ≤ 128 MB.

| operation | median | ratio | peak RSS |
|---|---|---|---|
| (a) \`backup create\` ($((size / 1048576)) MiB db → $((stored / 1048576)) MiB stored) | ${am} s | | $((rss / 1024)) MiB |
| (b) etcdctl save + gzip -1 + curl PUT | ${bm} s | (a)/(b) = ${vs_script}× | |
| (c) \`etcdctl snapshot save\` alone | ${cm} s | (a)/(c) = ${vs_save}× | |

Where it goes (timestamps in single runs on 2026-11-23, same machine): the snapshot stream itself ends after
13–14 s, against 10–12.6 s for etcdctl's save in the same minutes — on two cores the stream competes with zstd,
the upload and s3rver's own CPU (s3rver is CPU-bound at ~80 MB/s); the structure walk of the spool file takes
~0.8 s; s3rver's CompleteMultipartUpload, which re-reads and concatenates the parts, ~2 s. Peak RSS: ~40 MiB is
the mapped single-file binary, 32 MiB the part buffers (partSize × partsInFlight), ~12 MiB the structure walk's
live-key set at the end; with DOTNET_GCgen0size=0x200000 in the environment it was 133 MB. The (a)/(c) and RSS
goals are not met yet on this machine; scaling at 2× the DB size is not measured yet.
BACKUP
fi

if [ -f "$out/restore-results.psv" ]; then
  IFS='|' read -r size pairs am mm ratio own tree em erss stored keys phases mphases load_before load_after < "$out/restore-results.psv"
  read -r p_fetch p_restore p_stop p_swap p_start p_check <<< "$phases"
  read -r m_fetch m_restore m_stop m_start <<< "$mphases"
  cat <<RESTORE

## restore

\`etcd-agent restore --snapshot latest --topology explicit ... --yes\` of a backup of the same ~1 GiB Kubernetes-like
database that \`backup create\` put into s3rver on this machine (zstd -1, encryption **off**, so that the manual way can
read the same object), replacing the data of a running throwaway member (stop and start commands: a pid file and
\`setsid etcd ... &\`), against (b) the manual way: \`curl --aws-sigv4\` of the same object piped into \`zstd -d\`,
\`etcdctl snapshot restore\` into a fresh dir, stop etcd (wait for its exit), swap the member dirs, start etcd, poll
\`etcdctl endpoint health\` every 0.1 s. ${pairs} alternating rounds, wall clock of the whole command, medians and the median
pairwise ratio. Goals: (a)/(b) ≤ 1.1, the agent's own peak RSS ≤ 128 MB. Load average (2 cores; other work ran on
the machine at the same time): ${load_before} before, ${load_after} after.

| operation | median | ratio | peak RSS |
|---|---|---|---|
| (a) \`etcd-agent restore\` ($((size / 1048576)) MiB db, $((stored / 1048576)) MiB stored, ${keys} keys) | ${am} s | (a)/(b) = ${ratio}× | $((own / 1024)) MiB agent alone; $((tree / 1024)) MiB incl. its etcdctl child |
| (b) curl \\| zstd -d + \`etcdctl snapshot restore\` + stop, swap, start, health | ${mm} s | | |
| \`etcdctl snapshot restore\` alone (inside b) | ${em} s | | $((erss / 1024)) MiB |
RESTORE
  if [ -f "$out/restore-agent.txt" ] && [ -f "$out/restore-manual.txt" ]; then
    echo
    echo "Rounds, (a) / (b): $(paste -d' ' "$out/restore-agent.txt" "$out/restore-manual.txt" | awk '{printf "%s%s / %s s", (NR > 1 ? "; " : ""), $1, $4}')."
  fi
  cat <<RESTORE

Medians per phase, from the agent's output stamped as it ran — (a): fetch + decode + verify (sha256 of the stored
and the plain bytes, etcd's trailer, bbolt structure) ${p_fetch} s, \`etcdctl snapshot restore\` into the staging dir
${p_restore} s, stop until the ports are closed ${p_stop} s, move aside + install + start gate ${p_swap} s, start until
healthy ${p_start} s, key count/revision check ${p_check} s; (b): curl | zstd -d ${m_fetch} s, etcdctl restore
${m_restore} s, stop ${m_stop} s, swap + start until healthy ${m_start} s.

Which RSS is which: \`/usr/bin/time\` reports for a command the peak of the process and of the children it waited
for (wait4 rusage), and the agent waits for \`etcdctl snapshot restore\`, which maps the whole snapshot — so the
"incl. its etcdctl child" number is etcdctl's. The agent's own peak is its VmHWM from /proc, sampled every 50 ms
while it runs (a high-water mark, so only growth in its last 50 ms could be missed).

Where it goes (runs of 2026-11-23 on this machine with load averages of 5–14 from builds and tests running beside it,
so single rounds scatter by ±40%; a second 3-round run gave 1.78, two single pairs 1.92 and 1.09): the fetch is
sequential — download, zstd, two sha256 passes over the plain bytes (one for the manifest's hash, one for etcd's
trailer), the write and a durable fsync of the 1 GB scratch file, then the bbolt structure and content walk —
7.7–9.5 s (15.6 s in the most loaded round) against 2.0–3.7 s for curl | zstd -d into the page cache.
\`etcdctl snapshot restore\` run by the agent took 10–21 s against 7.4–20 s run by hand in the same rounds; in one
monitored round it used 8.6 s of CPU under the agent against 6.5 s by hand, nearly all of the difference system time,
and in another the input was fully in the page cache both times (fincore), so the cause is not known yet. Stop, move
and start gate take under 0.3 s; start until healthy is etcd rebuilding its index, about the same both ways (the
agent polls every 0.5 s, the manual way every 0.1 s).
RESTORE
fi

if [ -f "$out/daemon-results.psv" ]; then
  IFS='|' read -r duration _ _ _ _ _ < "$out/daemon-results.psv"
  cat <<DAEMON

## The daemon (issue 7)

\`etcd-agent run\` with a backup every 30 s (a ~1 MB etcd, local store, prune after each backup), measured over
${duration} s after three ticks had passed: RSS sampled every 5 s, CPU from /proc. Goal: ≤ 60 MB RSS between ticks, ~0
CPU between ticks.

| environment | RSS median | RSS max (incl. ticks) | CPU in the window | ticks in the window |
|---|---|---|---|---|
DAEMON
  for f in "$out/daemon-results.psv" "$out/daemon-results-defaults.psv"; do
    [ -f "$f" ] || continue
    IFS='|' read -r _ median max cpu ticks envs < "$f"
    echo "| \`${envs:-(defaults)}\` | $((median / 1024)) MiB | $((max / 1024)) MiB | ${cpu} s | ${ticks} |"
  done
  cat <<'DAEMON'

About 40 MiB of the RSS is the mapped single-file binary. With the runtime's defaults, tiered compilation keeps
recompiling the tick's hot methods and RSS creeps up over the ticks (84 MiB median before the daemon started
giving each tick's memory back with an aggressive compacting GC, 77 MiB after). With tiered compilation off the
ReadyToRun code is used as it is: less memory and less CPU per tick. The systemd unit (issue 9) is to set
`DOTNET_TieredCompilation=0`; one-shot CLI verbs keep the defaults. CPU between ticks is ~0 (the loop wakes once a
second).
DAEMON
fi

cat <<'TAIL'

Benchmarks of later issues (drills) are added to bench/ and to this report.
TAIL
