#!/usr/bin/env bash
# Wall time of one unit of each hw1 experiment at --preset full on this machine, to size Slurm arrays.
# A unit that runs longer than the cap (default 300 s) is stopped there and its time extrapolated from its
# last progress line (steps or epochs done of total); the table says which numbers are extrapolated.
# CPU-hours = the unit's wall time x the number of units (one 2-vCPU job per unit, run one after another).
# Usage: bash bench/full-unit-times.sh [cap_seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
cap=${1:-300}
dotnet build src/Experiments -c Release -nologo -v q >&2
hw1=(dotnet "$PWD/src/Experiments/bin/Release/net10.0/hw1.dll")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# The unit measured per experiment: the middle one where cost grows along the units (minimal-ratio's steps,
# the model widths), else the slowest kind (deepest net, CIFAR CNN, smallest batch): an upper bound there.
units="function-fit:2 actual-task:7 trajectory:0 grad-norm:0 minimal-ratio:50 error-surface:0 random-labels:0
params-vs-generalization:25 interpolation:0 sensitivity:0 sharpness:0"
echo "| experiment | units (full) | unit measured | its wall time | how | CPU-hours, all units |"
echo "|---|---|---|---|---|---|"
for eu in $units; do
  e=${eu%%:*}; i=${eu##*:}
  n=$("${hw1[@]}" run "$e" --preset full --units | grep -cE '^│ [0-9]')
  name=$("${hw1[@]}" run "$e" --preset full --units | awk -v i="$i" -F'│' '$2+0 == i && $2 ~ /[0-9]/ { gsub(/ /, "", $3); print $3 }')
  log="$out/$e.log"
  start=$(date +%s.%N)
  if timeout "$cap" "${hw1[@]}" run "$e" --preset full --unit "$i" --out "$out/$e" >"$log" 2>&1; then
    secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
    how="measured"
  else
    # "  [<exp> <stage>] done/total ..., eta Ns": the stage took eta*done/(total-done) so far and needs eta
    # more; without an eta (the stage ended, later work did not finish) scale the cap by total/done.
    last=$(grep -E '^  \[' "$log" | tail -n 1 || true)
    frac=$(echo "$last" | sed -E 's/^  \[[^]]*\] ([0-9]+)\/([0-9]+).*/\1 \2/')
    eta=$(echo "$last" | sed -nE 's/.*, eta ([0-9]+)s$/\1/p')
    if [ -z "$last" ]; then secs=""; how="no progress line within ${cap} s"
    elif [ -n "$eta" ]; then
      secs=$(echo "$frac" | awk -v e="$eta" '{ printf "%.0f", e * $2 / ($2 - $1) }')
      how="extrapolated: $(echo "$frac" | tr ' ' '/') steps of its longest stage in ${cap} s"
    else
      secs=$(echo "$frac" | awk -v c="$cap" '{ printf "%.0f", c * $2 / $1 }')
      how="extrapolated: $(echo "$frac" | tr ' ' '/') in ${cap} s"
    fi
  fi
  hours=$([ -n "$secs" ] && awk -v s="$secs" -v n="$n" 'BEGIN { printf "%.1f", s * n / 3600 }' || true)
  echo "| $e | $n | $i ($name) | ${secs:-?} s | $how | ${hours:-?} |"
done
