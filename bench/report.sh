#!/usr/bin/env bash
# Prints docs/benchmarks.md from the result files of one bench run.
set -euo pipefail
out=${1:?bench output directory}
cpu=$(awk -F: '/model name/ {sub(/^ /,"",$2); print $2; exit}' /proc/cpuinfo)
mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)
gib() { awk -v b="$1" 'BEGIN {printf "%.2f GiB", b/1073741824}'; }
mib() { echo "$(( $1 / 1024 )) MiB"; }
# Date range of the result files the report reads (report.sh may run long after the benchmarks did).
results_dates=$(find "$out" -maxdepth 1 -name '*.psv' -printf '%TY-%Tm-%Td\n' 2>/dev/null | sort -u | paste -sd' ' | sed 's/ / to /; s/ to .* / to /')
cat <<HEAD
# Benchmarks

Written by \`make bench\` (bench/run.sh, which runs every bench/[0-9]*.sh and then bench/report.sh). Every reference
number was measured in the same benchmark run, on the same machine and the same data, as the etcd-agent number it is
compared with. Ratios are etcd-agent ÷ reference (lower is better for time). Peak RSS from \`/usr/bin/time\` (%M, the
maximum resident set that \`time -v\` prints) unless a section says otherwise.

- Date: $(date -u +%Y-%m-%d) (report written); result files from ${results_dates:-?}
- Machine: $(nproc) cores, ${mem}, ${cpu}
- Load average when the report was written: $(cut -d' ' -f1-3 /proc/loadavg) — the machine is shared (builds and tests ran beside the benchmarks), so treat single numbers as noisy
- etcd/etcdctl: $(etcdctl version 2>/dev/null | head -n1 | sed 's/etcdctl version: //') (Debian), .NET $(dotnet --list-runtimes | awk '/NETCore.App/ {print $2}' | tail -n1)
- etcd-agent: the NativeAOT binary (what \`make publish\` builds and the amd64 .deb ships, issue 21); etcd client: dotnet-etcd over Grpc.Net.Client (issue 17)

## Summary

One row per result file present in this run's output; the sections below give the method and the detail of each.

| operation | etcd-agent | reference (tool, measured in the same run) | ratio | etcd-agent peak RSS | data size |
|---|---|---|---|---|---|
HEAD
if [ -f "$out/cli-results.psv" ]; then
  while IFS='|' read -r verb a e r ar _; do
    echo "| \`$verb\` (one-shot CLI) | ${a} ms | \`etcdctl $verb\`: ${e} ms | ${r}× | $(mib "$ar") | empty etcd |"
  done < "$out/cli-results.psv"
fi
if [ -f "$out/snapshot-results.psv" ]; then
  IFS='|' read -r size _ median am em ar _ < "$out/snapshot-results.psv"
  echo "| \`snapshot save\` | ${am} s | \`etcdctl snapshot save\`: ${em} s | ${median}× | $(mib "$ar") | $(gib "$size") |"
fi
if [ -f "$out/status-results.psv" ]; then
  IFS='|' read -r size _ ratio am em ar _ vm vr < "$out/status-results.psv"
  echo "| \`snapshot status\` | ${am} s | \`etcdctl snapshot status\`: ${em} s | ${ratio}× | $(mib "$ar") | $(gib "$size") |"
  echo "| \`snapshot verify\` | ${vm} s | none (no etcdctl equivalent) | | $(mib "$vr") | $(gib "$size") |"
fi
if [ -f "$out/codec-results.psv" ]; then
  while IFS='|' read -r name am rm_ ratio _ rss size; do
    base=${name%% (codec only)}
    case $name in
      "zstd -"*" (codec only)") ref="\`zstd --single-thread ${base#zstd }\`" ;;
      "gzip -"*" (codec only)") ref="\`${base}\`" ;;
      *) ref="\`zstd --single-thread -1\` to the same disk" ;;
    esac
    echo "| codec: ${name} | ${am} s | ${ref}: ${rm_} s | ${ratio}× | $(mib "$rss") | $(gib "$size") |"
  done < "$out/codec-results.psv"
fi
if [ -f "$out/backup-results.psv" ]; then
  IFS='|' read -r size _ am bm cm vs_script vs_save rss _ checked < "$out/backup-results.psv"
  unchecked=""
  [ "${checked:-}" = "upload-checked" ] || unchecked=" (suspect: PUT probably rejected, see below)"
  echo "| \`backup create\` to s3rver (zstd -1, AES) | ${am} s | etcdctl save + \`gzip -1\` + \`curl\` PUT: ${bm} s${unchecked} | ${vs_script}× | $(mib "$rss") | $(gib "$size") |"
  echo "| \`backup create\` to s3rver (zstd -1, AES) | ${am} s | \`etcdctl snapshot save\` alone: ${cm} s | ${vs_save}× | $(mib "$rss") | $(gib "$size") |"
fi
for f in "$out/daemon-results.psv" "$out/daemon-results-defaults.psv"; do
  [ -f "$f" ] || continue
  IFS='|' read -r duration median _ _ _ envs < "$f"
  echo "| \`run\` daemon idle RSS (median over ${duration} s, ${envs:-defaults}) | $(mib "$median") | none (etcdctl has no daemon) | | $(mib "$median") | ~1 MB etcd |"
done
if [ -f "$out/restore-results.psv" ]; then
  IFS='|' read -r size _ am mm ratio own _ _ _ _ _ _ _ _ _ < "$out/restore-results.psv"
  echo "| \`restore\` from s3rver, end to end | ${am} s | curl \\| zstd -d + \`etcdctl snapshot restore\` + swap + start: ${mm} s | ${ratio}× | $(mib "$own") (agent alone) | $(gib "$size") |"
fi
if [ -s "$out/scaling-results.psv" ]; then
  # The largest size the scaling run measured; all sizes are in the scaling section.
  IFS='|' read -r _ gib_ db _ _ bs bk ss _ st sk es _ _ _ _ < <(sort -t'|' -k2,2g "$out/scaling-results.psv" | tail -n1)
  echo "| \`backup create\` to a local directory, scaling run, ${gib_} GiB | ${bs} s | \`etcdctl snapshot save\`: ${ss} s | $(awk -v a="$bs" -v b="$ss" 'BEGIN {printf "%.2f", a/b}')× | $(mib "$bk") | $(gib "$db") |"
  echo "| \`snapshot status\`, scaling run, ${gib_} GiB | ${st} s | \`etcdctl snapshot status\`: ${es} s | $(awk -v a="$st" -v b="$es" 'BEGIN {printf "%.2f", a/b}')× | $(mib "$sk") | $(gib "$db") |"
fi
if [ -f "$out/continuous-results.psv" ]; then
  IFS='|' read -r cbase crate _ cach _ _ clagmax _ crssmed _ chwm _ _ _ _ cplain _ cpitr cpitrrss _ cratio creplayed _ < "$out/continuous-results.psv"
  echo "| \`run\` with continuous capture, ${crate} writes/s (achieved ${cach}): RSS while streaming, median (peak) | $(mib "$crssmed") ($(mib "$chwm") peak); lag ≤ ${clagmax} s | none (etcd has no continuous backup) | | $(mib "$chwm") | $(gib "$cbase") base |"
  echo "| \`backup download --at-revision\` (${creplayed} revisions replayed) | $(awk -v v="$cpitr" 'BEGIN {printf "%.2f", v}') s | the same \`backup download\` without it: $(awk -v v="$cplain" 'BEGIN {printf "%.2f", v}') s | ${cratio}× | $(mib "$cpitrrss") | $(gib "$cbase") base |"
fi

# ---- Issue 21's goals, each from this run's result files ---------------------------------------------------------
# MB is 10^6 bytes here, as the issue writes it: 20 MB = 19531 KiB, 40 MB = 39063, 48 MB = 46875, 96 MB = 93750.
goal_rows=""
goal() { # text target measured ok(1/0)
  local verdict="**missed**"
  [ "$4" = 1 ] && verdict="met"
  goal_rows+="| $1 | $2 | $3 | ${verdict} |"$'\n'
}
le() { awk -v a="$1" -v b="$2" 'BEGIN {print (a <= b) ? 1 : 0}'; }
both() { [ "$1" = 1 ] && [ "$2" = 1 ] && echo 1 || echo 0; }
if [ -f "$out/cli-results.psv" ]; then
  while IFS='|' read -r verb a e r ar _; do
    goal "\`$verb\` wall vs etcdctl" "≤ 2×" "${r}× (${a} vs ${e} ms)" "$(le "$r" 2)"
  done < "$out/cli-results.psv"
fi
if [ -f "$out/version-results.psv" ]; then
  IFS='|' read -r vms vrss < "$out/version-results.psv"
  goal "\`version\` peak RSS" "≤ 20 MB" "$(awk -v k="$vrss" 'BEGIN {printf "%.1f MB (%.1f MiB)", k*1024/1e6, k/1024}'), ${vms} ms" "$(le "$vrss" 19531)"
fi
mb() { awk -v k="$1" 'BEGIN {printf "%.1f MB", k*1024/1e6}'; }
if [ -f "$out/snapshot-results.psv" ]; then
  IFS='|' read -r _ _ median _ _ ar _ < "$out/snapshot-results.psv"
  goal "\`snapshot save\` (Kubernetes-like 1 GiB)" "≤ 0.8×, ≤ 48 MB" "${median}×, $(mb "$ar")" "$(both "$(le "$median" 0.8)" "$(le "$ar" 46875)")"
fi
if [ -f "$out/random-results.psv" ]; then
  IFS='|' read -r _ _ _ _ sr sk _ _ tr tk _ _ br bk _ < "$out/random-results.psv"
  goal "\`snapshot save\` (random values 1 GiB)" "≤ 0.8×, ≤ 48 MB" "${sr}×, $(mb "$sk")" "$(both "$(le "$sr" 0.8)" "$(le "$sk" 46875)")"
fi
if [ -f "$out/status-results.psv" ]; then
  IFS='|' read -r _ _ ratio am em ar _ vm vr < "$out/status-results.psv"
  goal "\`snapshot status\` (Kubernetes-like 1 GiB)" "≤ 0.6× etcdctl status, ≤ 48 MB" "${ratio}×, $(mb "$ar")" "$(both "$(le "$ratio" 0.6)" "$(le "$ar" 46875)")"
  vratio=$(awk -v a="$vm" -v b="$em" 'BEGIN {printf "%.2f", a/b}')
  goal "\`snapshot verify\` (Kubernetes-like 1 GiB)" "≤ 0.6× etcdctl status, ≤ 48 MB" "${vratio}× (${vm} vs ${em} s), $(mb "$vr")" "$(both "$(le "$vratio" 0.6)" "$(le "$vr" 46875)")"
fi
if [ -f "$out/random-results.psv" ]; then
  goal "\`snapshot status\` (random values 1 GiB)" "≤ 0.6×, ≤ 48 MB" "${tr}×, $(mb "$tk")" "$(both "$(le "$tr" 0.6)" "$(le "$tk" 46875)")"
fi
if [ -s "$out/scaling-results.psv" ]; then
  flat=$(sort -t'|' -k2,2g "$out/scaling-results.psv" | awk -F'|' '{printf "%s%s GiB: status %.1f / verify %s MB", (NR>1?"; ":""), $2, $11*1024/1e6, ($18==""?"?":sprintf("%.1f", $18*1024/1e6))}')
  spread=$(awk -F'|' '{k=($18==""?$11:$18); if (min==""||k<min) min=k; if (k>max) max=k} END {print max-min}' "$out/scaling-results.psv")
  goal "status/verify peak RSS flat with size" "same at 0.25/1/2 GiB (≤ 4 MiB apart)" "${flat}" "$(le "$spread" 4096)"
fi
if [ -f "$out/backup-results.psv" ]; then
  IFS='|' read -r _ _ am _ cm _ vs_save rss _ _ < "$out/backup-results.psv"
  goal "\`backup create\` to s3rver vs \`etcdctl snapshot save\` (Kubernetes-like)" "≤ 1.15×, ≤ 96 MB" "${vs_save}× (${am} vs ${cm} s), $(mb "$rss")" "$(both "$(le "$vs_save" 1.15)" "$(le "$rss" 93750)")"
fi
if [ -f "$out/random-results.psv" ]; then
  goal "\`backup create\` to s3rver vs \`etcdctl snapshot save\` (random values)" "≤ 1.15×, ≤ 96 MB" "${br}×, $(mb "$bk")" "$(both "$(le "$br" 1.15)" "$(le "$bk" 93750)")"
fi
if [ -f "$out/restore-results.psv" ]; then
  IFS='|' read -r _ _ am mm ratio own _ < "$out/restore-results.psv"
  goal "\`restore\` from s3rver vs download + \`etcdctl snapshot restore\` (+ swap, start)" "≤ 1.1×" "${ratio}× (${am} vs ${mm} s), agent $(mb "$own")" "$(le "$ratio" 1.1)"
fi
if [ -f "$out/daemon-results.psv" ]; then
  IFS='|' read -r _ median _ _ _ envs < "$out/daemon-results.psv"
  goal "daemon idle RSS, metrics on, ${envs:-defaults}" "≤ 40 MB" "$(mb "$median") ($(mib "$median"))" "$(le "$median" 39063)"
fi
if [ -n "$goal_rows" ]; then
  cat <<GOALS

## Issue 21's goals, from this run

Each row is computed from this run's result files by bench/report.sh (MB = 10^6 bytes, as the issue states them).

| goal | target | measured | verdict |
|---|---|---|---|
${goal_rows%$'\n'}
GOALS
fi

if [ -f "$out/cli-results.psv" ]; then
  cat <<'CLI'

## CLI round trip (issue 2)

One-shot process: start, connect, one RPC, print, exit; hyperfine, 3 warm-ups and 30 runs of each, same etcd, same run.

| operation | etcd-agent mean | etcdctl mean | ratio | etcd-agent peak RSS | etcdctl peak RSS |
|---|---|---|---|---|---|
CLI
  while IFS='|' read -r verb a e r ar er; do
    echo "| \`$verb\` | ${a} ms | ${e} ms | ${r}× | $((ar / 1024)) MiB | $((er / 1024)) MiB |"
  done < "$out/cli-results.psv"
  cat <<'CLI'

Goal (issue 21): ≤ 2× etcdctl's wall time. The NativeAOT binary has no runtime to load and nothing to JIT; the
single-file ReadyToRun build it replaced took 135-148 ms here (6-11× etcdctl).
CLI
fi
if [ -f "$out/snapshot-results.psv" ]; then
  IFS='|' read -r size pairs median am em ar er < "$out/snapshot-results.psv"
  cat <<SNAP

## snapshot save (issues 3 and 17)

A throwaway etcd filled to $(awk -v s="$size" 'BEGIN {printf "%.2f GB", s/1e9}') (${size} bytes incl. trailer) by bench/EtcdFill, started with
\`--quota-backend-bytes=8589934592\`. \`etcd-agent snapshot save\` and \`etcdctl snapshot save\` alternate A B for
${pairs} pairs; the ratio is the median of the pairwise ratios. Goal (issue 17, on dotnet-etcd/Grpc.Net.Client):
ratio ≤ 1.0, etcd-agent peak RSS ≤ 64 MB.

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
  IFS='|' read -r size pairs am bm cm vs_script vs_save rss stored checked < "$out/backup-results.psv"
  cat <<BACKUP

## backup create (issue 6)

\`etcd-agent backup create\` of the same ~1 GiB Kubernetes-like database (restored into a throwaway etcd) to s3rver on
this machine — zstd -1, AES-256-GCM on, 8 MiB parts × 2 — against (b) the script an operator would write:
\`etcdctl snapshot save\` + \`gzip -1\` + one PUT with \`curl --aws-sigv4\` to the same s3rver, and against (c)
\`etcdctl snapshot save\` alone; ${pairs} alternating rounds, medians and median pairwise ratios. etcd-agent also
checks the sha256 trailer and walks the bbolt structure before it completes the upload and writes the manifest.
Goals: (a)/(b) ≤ 0.6, (a)/(c) ≤ 1.15, peak RSS ≤ 128 MB.

| operation | median | ratio | peak RSS |
|---|---|---|---|
| (a) \`backup create\` ($((size / 1048576)) MiB db → $((stored / 1048576)) MiB stored) | ${am} s | | $((rss / 1024)) MiB |
| (b) etcdctl save + gzip -1 + curl PUT | ${bm} s | (a)/(b) = ${vs_script}× | |
| (c) \`etcdctl snapshot save\` alone | ${cm} s | (a)/(c) = ${vs_save}× | |

Where it goes (NativeAOT binary, 2026-12-01, \`perf record\` of one run and \`/usr/bin/time\` CPU figures): the
stream from etcd, the spool file, zstd -1 and AES-256-GCM overlap on two threads; the agent uses ~5 s user + 2-3 s
system CPU for 1 GiB (zstd 25 %, sha256/AES 11 %, the kernel's page-cache copy of the spool file 12 %, thread
switches most of the rest), while \`etcdctl snapshot save\` alone uses 2.5-3.3 s user + 4-6 s system. On two cores
the remaining gap is s3rver's own CPU on the same machine: the same pipeline to a **local directory** is 1.04× etcdctl
save at 1 GiB and 1.12× at 2 GiB (scaling section), and with random values (nothing to compress, 0.9 GB uploaded)
7.5-8.4 s to a directory against 14.9-20.8 s to s3rver, although one \`curl\` PUT of 897 MB to the same s3rver takes
3.4-3.7 s: s3rver's multipart path (a file per part, then CompleteMultipartUpload re-reading and concatenating them)
is what the S3 rows measure beyond the agent. Peak RSS: ~26 MiB the binary's and libraries' pages, 16 MiB the part
buffers (partSize 8 MiB × partsInFlight 2, the default since issue 21; 32 MiB before), 4 MiB the hand-off to the
encoder, the verifier's live-key table ≤ 1 MiB (bounded since issue 21; it grew with the key count).
BACKUP
  if [ "${checked:-}" != "upload-checked" ]; then
    cat <<'UNCHECKED'

**(b) is suspect in these results**: they were written before bench/05-backup.sh checked curl's exit status. With
curl 7.88.1, `--aws-sigv4` does not send `x-amz-content-sha256` and s3rver rejects such a PUT at once
(`InvalidRequest: Missing required header`, checked on this machine), and the old script ignored the failure — so (b)
most likely timed etcdctl save + gzip without the upload (its median is about etcdctl save + gzip -1 alone), which
makes (a)/(b) look worse for etcd-agent than it is. The script now sends the header and fails on error; rerun
bench/05-backup.sh to replace these numbers.
UNCHECKED
  fi
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

Where it goes (NativeAOT binary, 2026-12-01): the agent's extra time is its fetch phase, 3.9-5.1 s against 1.5-2.0 s
for \`curl | zstd -d\`, because the agent also proves what it fetched: the stored bytes' sha256 and size against the
manifest, the plain bytes' sha256 (etcd's trailer and the manifest's file hash, one pass), and the bbolt structure and
content walk (~0.5 s) — all before anything is restored. Since issue 21 the download/decode and the hash/write run on
two threads, and the S3 SDK's own MD5 of the body (16 % of the fetch's CPU, a managed MD5) is skipped for payloads,
whose sha256 the fetch checks anyway: \`backup download\` of the encrypted 1 GiB backup went from 4.4 s to 3.1-3.4 s.
\`etcdctl snapshot restore\` and etcd's start take the same time both ways within the noise. Not done yet: overlapping
the structure walk with \`etcdctl snapshot restore\` (safe, since nothing is swapped before both finish).
RESTORE
fi

if [ -f "$out/daemon-results.psv" ]; then
  IFS='|' read -r duration _ _ _ _ _ < "$out/daemon-results.psv"
  cat <<DAEMON

## The daemon (issues 7, 18 and 21)

\`etcd-agent run\` with a backup every 30 s (a ~1 MB etcd, local store, prune after each backup), measured over
${duration} s after three ticks had passed: RSS sampled every 5 s, CPU from /proc. Goal: ≤ 60 MB RSS between ticks, ~0
CPU between ticks (issue 18); ≤ 40 MB with metrics on (issue 21).

| environment | RSS median | RSS max (incl. ticks) | CPU in the window | ticks in the window |
|---|---|---|---|---|
DAEMON
  for f in "$out/daemon-results.psv" "$out/daemon-results-defaults.psv"; do
    [ -f "$f" ] || continue
    IFS='|' read -r _ median max cpu ticks envs < "$f"
    echo "| \`${envs:-(defaults)}\` | $((median / 1024)) MiB | $((max / 1024)) MiB | ${cpu} s | ${ticks} |"
  done
  cat <<'DAEMON'

Goals: ≤ 60 MB between ticks (issue 18), ≤ 40 MB with metrics on and no runtime knobs (issue 21). CPU between ticks
is ~0 (Quartz's scheduler thread sleeps until the next fire). The NativeAOT binary meets the first and **not the
second**: 48-53 MiB in the runs of 2026-12-01. The JIT build it replaced measured 75.6-80.6 MiB (11 runs; 46.5 MiB of
it clean pages of the single-file binary).

Where the NativeAOT daemon's ~46-50 MiB go (2026-12-01, bench 06's set-up with a 10 s schedule, `/proc/PID/smaps`
25 s after start):

| part | MiB | what it is |
|---|---|---|
| the binary's code (r-x), file-backed | 10.5 | the machine code start-up and the first ticks touched, of 12.6 MiB |
| the binary's read-only data, file-backed | 10.7 | type and method metadata, frozen objects |
| rehydrated runtime data (rw, anonymous, beside the binary) | 7.6 | NativeAOT stores it compressed and expands it at start |
| other anonymous (GC regions, stacks, native) | ~10 | |
| libcrypto, libc, libzstd, libm | ~5 | |

Build settings tried (each from a clean native obj, 90-150 s windows; differences under ~1.5 MiB are noise):

| build | idle RSS median | binary | `version` peak RSS |
|---|---|---|---|
| as shipped (NativeAOT defaults) | 48.4-49.5 MiB (3 runs) | 26.8 MB | 20.6 MiB |
| non-concurrent GC | 48.3 MiB | 26.8 MB | |
| `DOTNET_GCgen0size=0x400000` (a knob, for comparison) | 47.5 MiB | | |
| `DOTNET_GCConserveMemory=9` + gen0size 2 MiB | 48.3 MiB | | |
| `OptimizationPreference=Size` | 48.8 MiB | 26.2 MB | 21.9 MiB |
| `IlcDehydrate=false` | 55.5 MiB | 41.0 MB | 27.8 MiB |

No setting reaches 40 MB: two thirds of the RSS are the binary's own pages that start-up touches (the CLI tree, the
Generic Host, Quartz, the AWS SDK's and prometheus-net's initialisation). Getting under needs less code on the
daemon's start-up path, not a build flag (issue 21, open).
DAEMON
fi

if [ -s "$out/scaling-results.psv" ]; then
  sorted=$(sort -t'|' -k2,2g "$out/scaling-results.psv")
  measured=$(cut -d'|' -f2 <<<"$sorted" | paste -sd' ')
  rounds=$(head -n1 <<<"$sorted" | cut -d'|' -f5)
  cat <<SCALING

## Scaling with the database size: backup create and snapshot status

Kubernetes-like databases of ~0.25, 1 and 2 GiB (bench/EtcdFill, cached as artifacts/bench/bench-<size>g.db), each
restored into a throwaway etcd. \`etcd-agent backup create\` to a **local-directory store** (store.type local, same
disk; zstd -1, AES-256-GCM on) alternates with \`etcdctl snapshot save\` for ${rounds} rounds per size; then
\`etcd-agent snapshot status\` alternates with \`etcdctl snapshot status\` on the snapshot file (page cache warm, at
least 5 rounds). Medians; ratio = etcd-agent median ÷ etcdctl median. Sizes measured in this run: ${measured} GiB.
"s/GiB" is the time divided by the database size; "marginal s/GiB" is the slope between consecutive sizes, which
leaves out fixed costs such as process start-up.

| size (db) | operation | etcd-agent | s/GiB | etcd-agent peak RSS | etcdctl | s/GiB | etcdctl peak RSS | ratio | load 1 min before → after |
|---|---|---|---|---|---|---|---|---|---|
SCALING
  while IFS='|' read -r _ _ db _ _ bs bk ss sk st sk2 es ek _ lb la; do
    awk -v db="$db" -v bs="$bs" -v bk="$bk" -v ss="$ss" -v sk="$sk" -v st="$st" -v sk2="$sk2" -v es="$es" -v ek="$ek" -v lb="$lb" -v la="$la" 'BEGIN {
      g = db / 1073741824
      printf "| %.2f GiB | `backup create` vs `etcdctl snapshot save` | %s s | %.2f | %d MiB | %s s | %.2f | %d MiB | %.2f× | %s → %s |\n", g, bs, bs/g, bk/1024, ss, ss/g, sk/1024, bs/ss, lb, la
      printf "| %.2f GiB | `snapshot status` vs `etcdctl snapshot status` | %s s | %.2f | %d MiB | %s s | %.2f | %d MiB | %.2f× | |\n", g, st, st/g, sk2/1024, es, es/g, ek/1024, st/es
    }'
  done <<<"$sorted"
  echo
  # Verdicts computed from the numbers above. Time: the marginal s/GiB between consecutive sizes agree within 25%
  # (needs three sizes; with two there is one slope and nothing to compare it with); and, less sensitive to the load
  # changing between sizes, whether etcd-agent ÷ etcdctl grows by more than 10% from the smallest to the largest
  # size. Memory: etcd-agent's peak RSS grows by at most max(8 MiB, 10%) from each size to the next.
  for spec in "backup create|6|7|8|9" "snapshot status|10|11|12|13"; do
    IFS='|' read -r op tcol rcol etcol ercol <<<"$spec"
    awk -F'|' -v op="$op" -v tc="$tcol" -v rc="$rcol" -v etc="$etcol" -v erc="$ercol" '
      { n++; g[n] = $3 / 1073741824; t[n] = $tc; r[n] = $rc; et[n] = $etc; er[n] = $erc }
      END {
        slopes = ""; eslopes = ""; lo = 1e18; hi = 0
        for (i = 2; i <= n; i++) {
          s = (t[i] - t[i-1]) / (g[i] - g[i-1]); es = (et[i] - et[i-1]) / (g[i] - g[i-1])
          slopes = slopes sprintf("%s%.2f (%.2f→%.2f GiB)", (i > 2 ? ", " : ""), s, g[i-1], g[i])
          eslopes = eslopes sprintf("%s%.2f", (i > 2 ? ", " : ""), es)
          if (s < lo) lo = s; if (s > hi) hi = s; if (i == 2) first = s
        }
        if (n < 2) { printf "- **%s**: one size measured, no scaling verdict.\n", op; exit }
        if (n < 3) verdict = "not testable with two sizes (one slope)"
        else if (lo > 0 && hi / lo <= 1.25) verdict = sprintf("**~linear** (slopes within %.0f%% of each other)", 100 * (hi / lo - 1))
        else if (lo > 0) verdict = sprintf("**not linear within 25%%** (slopes differ by %.0f%%; the last slope is %s than the first: %s)", \
          100 * (hi / lo - 1), (s > first ? "higher" : "lower"), (s > first ? "super-linear" : "sub-linear, larger sizes cost less per GiB"))
        else verdict = "**not linear** (time did not grow between two sizes)"
        steps = ""; flat = 1
        for (i = 2; i <= n; i++) {
          d = (r[i] - r[i-1]) / 1024; lim = (r[i-1] / 1024 * 0.10 > 8 ? r[i-1] / 1024 * 0.10 : 8)
          if (d > lim) flat = 0
          steps = steps sprintf("%s%+.0f MiB %.2f→%.2f GiB", (i > 2 ? ", " : ""), d, g[i-1], g[i])
        }
        grow = (r[n] - r[1]) / 1024
        mverdict = flat ? "**flat**" : "**not flat**"
        ratios = ""
        for (i = 1; i <= n; i++) ratios = ratios sprintf("%s%.2f", (i > 1 ? " → " : ""), t[i] / et[i])
        rverdict = (t[n] / et[n] <= 1.10 * t[1] / et[1]) ? "does not grow with the size, so no super-linear cost beyond etcdctl'"'"'s" : sprintf("grows by %.0f%% from the smallest to the largest size (more than 10%%)", 100 * ((t[n] / et[n]) / (t[1] / et[1]) - 1))
        printf "- **%s** time: marginal s/GiB %s — %s; etcdctl in the same run: %s s/GiB. ", op, slopes, verdict, eslopes
        printf "Load-independent check, etcd-agent ÷ etcdctl (alternated, so both saw the same load) per size: %s — %s. ", ratios, rverdict
        printf "Peak RSS: %d MiB at %.2f GiB → %d MiB at %.2f GiB (%s; %+.1f MiB per GiB overall) — %s (flat = no step grows by more than max(8 MiB, 10%%)); etcdctl %d → %d MiB.\n", \
          r[1] / 1024, g[1], r[n] / 1024, g[n], steps, grow / (g[n] - g[1]), mverdict, er[1] / 1024, er[n] / 1024
      }' <<<"$sorted"
  done
  for want in 0.25 1 2; do
    grep -q "^${want}g|" <<<"$sorted" || echo "- ${want} GiB: **not measured** in this run (no row in scaling-results.psv)."
  done
  echo
  echo "Rounds are few and the machine was shared (load averages above, 2 cores): single numbers scatter; the verdicts are from medians."
fi

if [ -s "$out/s3client-results.psv" ]; then
  IFS='|' read -r _ size pairs _ < "$out/s3client-results.psv"
  cat <<S3CLIENT

## The S3 client: AWSSDK.S3 against Minio (issue 19)

bench/09: \`backup create\`'s pipeline (snapshot, verify, zstd -1, AES-256-GCM, upload, manifest) of a ${size}-byte
Kubernetes-like database through bench/S3ClientBench, once with the product's AWSSDK.S3 store and once with a store
over Minio 7.0.0, alternating for ${pairs} pairs against the same server and etcd, on each real server. Both run in the
same JIT harness (not the trimmed product binary), so the numbers compare the clients. Rule (issue 19): Minio
replaces AWSSDK.S3 only at ≤ 96 MB peak RSS, within 5 % of its wall time, with the conformance suite passing on both
servers.

| server | AWSSDK.S3 median | peak RSS | Minio median | peak RSS | Minio ÷ AWSSDK (median of pairs) | objects listed: AWSSDK.S3 / Minio |
|---|---|---|---|---|---|---|
S3CLIENT
  while IFS='|' read -r server _ _ am arss mm mrss ratio la lm; do
    echo "| ${server} | ${am} s | $((arss / 1024)) MiB | ${mm} s | $((mrss / 1024)) MiB | ${ratio} | ${la} / ${lm} |"
  done < "$out/s3client-results.psv"
  cat <<'S3CLIENT'

The decision and the rest of the reasons (no public multipart calls, trimming) are in docs/decisions.md.
S3CLIENT
fi

if [ -f "$out/continuous-results.psv" ]; then
  IFS='|' read -r cbase crate cload cach lag50 lag95 lagmax lagrev rssmed rssmax hwm segs gaps fails drain plain plainrss pitr pitrrss pitrtree ratio replayed rrate lb ld la samples < "$out/continuous-results.psv"
  plain=$(awk -v v="$plain" 'BEGIN {printf "%.2f", v}'); pitr=$(awk -v v="$pitr" 'BEGIN {printf "%.2f", v}')
  cat <<CONT

## Continuous capture (issue 22)

bench/11-continuous.sh: a single-member etcd with a $((cbase / 1048576)) MiB Kubernetes-like base (bench/EtcdFill), a full backup of
it in s3rver (zstd -1, AES-256-GCM), then \`etcd-agent run\` with \`continuous.enabled\` and the default interval (5 s)
and segment size (2 MiB), while \`EtcdFill ENDPOINT load\` puts random 1-8 KiB values over 2,000 keys at ${crate}
writes/s (paced by ticket over 16 concurrent writers; every acknowledged write logged with its revision and time).
The base backup is made before the daemon starts, so the daemon's peak RSS is its streaming's. Load average
(2 cores, shared with other work): ${lb} before, ${ld} at the end of the first load, ${la} after.

**Lag and memory**, over ${cload} s of load (achieved ${cach} writes/s), \`/metrics\` and \`/proc/PID/status\` sampled
every 0.5 s plus the scrape's own time (${samples} samples answered). Lag in seconds is how long the oldest revision
that no committed segment holds has waited, so it saw-tooths between 0 and the time to fill and upload a segment (a
segment is cut at 2 MiB or 5 s, whichever comes first).

| measure | value |
|---|---|
| lag, seconds: p50 / p95 / max | ${lag50} / ${lag95} / ${lagmax} s |
| lag, revisions: max | ${lagrev} |
| lag back to 0 after the load stopped | ${drain} s |
| segments committed during the load | ${segs} (~$(awk -v n="$cload" -v r="$cach" -v s="$segs" 'BEGIN {printf "%.0f revisions, %.1f s of writes", n*r/s, n/s}') each) |
| gaps / capture failures counted (every agent of the run, first phase and the killed ones) | ${gaps} / ${fails} |
| agent RSS while streaming: median / max sampled | $(mib "$rssmed") / $(mib "$rssmax") |
| agent peak RSS (VmHWM, start to the end of the load) | $(mib "$hwm") |
CONT
  if [ -s "$out/continuous-smaps.txt" ]; then
    echo
    echo "Where the RSS was at the end of the load (/proc/PID/smaps_rollup): $(awk '{printf "%s%s %d MiB", (NR > 1 ? ", " : ""), $1, $2 / 1024}' "$out/continuous-smaps.txt" | sed 's/://g')"
    echo "— Anonymous is the GC heap and native buffers, Private_Clean/Shared_Clean mostly the binary's pages."
    cat <<'CONT'

Where the streaming memory goes (runs of this script with a 20 MB base and 30 s loads, 2026-12-01): the same daemon
streaming an idle cluster (2 writes/s) sits at 52 MiB median, 55 MiB peak — issue 21's start-up cost of the binary,
host, Quartz, AWS SDK and prometheus-net (docs above). The load adds ~17 MiB: a segment held three times while it is
committed (as received revisions, encoded, stored: 2 MiB each), the watch's HTTP/2 window (1 MiB), 256 revisions
in the hand-off channel, and GC slack. The first version of the capture (fresh buffers growing by doubling for every
segment, 8 MiB segments, a 4,096-revision channel, no collection after a commit) sat at 219 MiB median, 264 MiB peak
in this benchmark (run of 21:51, load 9-12); reused buffers sized from the exact encoded size, a full collection after
each committed segment and a gen0 cap brought 8 MiB segments to 82-97 MiB, and 2 MiB segments (the default now) to the
figures above. `DOTNET_GCgen0size=0x200000`, `DOTNET_gcConcurrent=0` and `DOTNET_GCConserveMemory=7` changed nothing
(71-73 MiB median). The remaining way down is to encode each revision into the compressed segment as it arrives
(one copy instead of three) and the start-up cost itself.
CONT
  fi
  if [ -s "$out/continuous-rpo.psv" ]; then
    cat <<'CONT'

**RPO: the writer killed under the load.** A second load at the same rate; the agent is SIGKILLed at Tk, a few
seconds after it (re)started capturing (offsets stepped by 1.3 s so the kills fall at different points of a segment).
Rc is the last revision of a committed segment (its manifest in the store) right after the kill. The lost writes are
the load's writes etcd had acknowledged by Tk with a revision > Rc: what the dead writer's node would lose if etcd died
with it (with etcd alive, the next writer captures them from Rc + 1 — the agent is restarted after each kill, waits for
the dead one's 10 s stream-lock lease, and resumes the chain). RPO = Tk − the acknowledgement time of the first such write.

| kill | from the second load's start (kill 1) or the restart's first capture to Tk | Rc | writes acknowledged, in no committed segment | RPO |
|---|---|---|---|---|
CONT
    while IFS='|' read -r k _ rc lost rpo streamed; do
      echo "| ${k} | ${streamed} s | ${rc} | ${lost} | ${rpo} s |"
    done < "$out/continuous-rpo.psv"
  fi
  cat <<CONT

**Point in time vs plain download**, after the loads, with the daemon stopped: \`backup download latest FILE\` against
\`backup download latest FILE --at-revision R\` at the chain's last revision (restores the base into a throwaway etcd,
replays every captured revision as one Txn, checks each, saves and verifies the result; \`etcdctl snapshot status\`
confirms revision R), alternating, medians. Peak RSS: the agent's own VmHWM (sampled every 50 ms); \`/usr/bin/time\`
with the throwaway etcd it waits for in brackets.

| operation | median | peak RSS |
|---|---|---|
| \`backup download latest\` ($((cbase / 1048576)) MiB db) | ${plain} s | $(mib "$plainrss") |
| \`backup download latest --at-revision\` (${replayed} revisions replayed) | ${pitr} s | $(mib "$pitrrss") ($(mib "$pitrtree") with etcd) |

Ratio ${ratio}×; the replay ran at ~${rrate} revisions/s (revisions ÷ the time beyond the plain download).
CONT
  crow=""
  cgoal() { # text target measured ok(1/0)
    local verdict="**missed**"
    [ "$4" = 1 ] && verdict="met"
    crow+="| $1 | $2 | $3 | ${verdict} |"$'\n'
  }
  # 64 MB = 62500 KiB (MB = 10^6 bytes, as the issue writes it).
  cgoal "agent RSS while streaming ${crate} writes/s" "≤ 64 MB" "peak $(awk -v k="$hwm" 'BEGIN {printf "%.1f MB", k*1024/1e6}') ($(mib "$hwm")), median $(awk -v k="$rssmed" 'BEGIN {printf "%.1f MB", k*1024/1e6}')" \
    "$(awk -v a="$hwm" 'BEGIN {print (a <= 62500) ? 1 : 0}')"
  if [ -s "$out/continuous-rpo.psv" ]; then
    rpomax=$(cut -d'|' -f5 "$out/continuous-rpo.psv" | sort -g | tail -n1)
    lostmax=$(cut -d'|' -f4 "$out/continuous-rpo.psv" | sort -n | tail -n1)
    cgoal "RPO, writer killed under ${crate} writes/s" "≤ 10 s" "max ${rpomax} s over $(wc -l < "$out/continuous-rpo.psv") kills (≤ ${lostmax} writes)" \
      "$(awk -v a="$rpomax" 'BEGIN {print (a <= 10) ? 1 : 0}')"
  fi
  cat <<CONT

Goals (issue 22), from this run:

| goal | target | measured | verdict |
|---|---|---|---|
${crow%$'\n'}
CONT
fi

cat <<'TAIL'

Benchmarks of later issues (drills) are added to bench/ and to this report.
TAIL
