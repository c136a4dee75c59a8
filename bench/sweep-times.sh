#!/usr/bin/env bash
# Wall time of one preset (default quick) of all hw1 experiments + the report, three ways: one process
# (hw1 report), --scheduler local --jobs 2, and a single-node Slurm cluster (scripts/slurm.sh, CPUS=2 so
# it matches the hardware here); then checks that the three give the same metrics.csv files.
# Usage: bash bench/sweep-times.sh [preset] [seed]
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-quick}
seed=${2:-0}
dotnet build src/Experiments -c Release -nologo -v q >&2
hw1=(dotnet "$PWD/src/Experiments/bin/Release/net10.0/hw1.dll")
out=$(mktemp -d)
slurm_dir=$(mktemp -d)
trap 'bash scripts/slurm.sh stop "$slurm_dir" >/dev/null 2>&1; rm -rf "$out"' EXIT
now() { date +%s.%N; }

t0=$(now)
"${hw1[@]}" report --preset "$preset" --seed "$seed" --out "$out/one" >"$out/one.log"
t1=$(now)
"${hw1[@]}" sweep all --preset "$preset" --seed "$seed" --out "$out/local" --scheduler local --jobs 2 >"$out/local.log"
t2=$(now)
eval "$(CPUS=2 bash scripts/slurm.sh start "$slurm_dir")"
t3=$(now)
"${hw1[@]}" sweep all --preset "$preset" --seed "$seed" --out "$out/slurm" >"$out/slurm.log"
report_job=$(sed -n 's/^\[report\] submitted report job \([0-9]*\).*/\1/p' "$out/slurm.log")
while squeue --noheader --jobs "$report_job" 2>/dev/null | grep -q .; do sleep 1; done
t4=$(now)

for way in local slurm; do
  for f in "$out"/one/*/metrics.csv; do
    e=$(basename "$(dirname "$f")")
    cmp -s "$f" "$out/$way/$e/metrics.csv" || { echo "sweep-times: $way $e metrics.csv differs from one process" >&2; exit 1; }
  done
done
units=$(find "$out/one" -name unit.json | wc -l)
printf '%s preset, %d units, seed %s (metrics.csv of all 11 experiments identical three ways)\n' "$preset" "$units" "$seed"
secs() { awk "BEGIN { printf \"%.0f\", $2 - $1 }"; }
echo "| one process (hw1 report) | $(secs "$t0" "$t1") s |"
echo "| --scheduler local --jobs 2 | $(secs "$t1" "$t2") s |"
echo "| single-node Slurm, 2 CPUs (submit to report job end) | $(secs "$t3" "$t4") s |"
