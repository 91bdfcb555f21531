# shellcheck shell=bash
# Sourced by the bench scripts: shared helpers.

# Median of the numbers on stdin, one per line (mean of the middle two when the count is even).
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.4f\n", (a[NR/2]+a[NR/2+1])/2}'; }
