#!/usr/bin/env bash
# Builds and runs every test in Release, then prints one line "N passed, N failed, N skipped"
# read from the TRX results. Exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

results=TestResults
rm -rf "$results"
# Every test here runs under VSTest (NUnit3TestAdapter). bench/gpu/TinyGrad.GpuCheck.csproj references the
# test project and so evaluates as a Microsoft.Testing.Platform app, which the .NET 10 SDK refuses to run
# through VSTest ("Testing with VSTest target is no longer supported"): say for the whole solution that none is.
dotnet test Hw1.sln -c Release --no-restore --nologo -p:IsTestingPlatformApplication=false \
  --logger "trx;LogFileName=tests.trx" --logger "console;verbosity=minimal" \
  --results-directory "$results" "$@"
status=$?

trx=$(find "$results" -name '*.trx' | head -n 1)
if [ -z "$trx" ]; then
  echo "0 passed, 1 failed, 0 skipped"
  echo "test.sh: no test results were written (build failure?)" >&2
  exit 1
fi
counters=$(grep -o '<Counters [^>]*>' "$trx")
count() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
passed=$(count passed); failed=$(count failed)
# The Counters element leaves notExecuted at 0 for ignored tests: count their results instead.
skipped=$(grep -o 'outcome="NotExecuted"' "$trx" | wc -l)
errors=$(count error)
failed=$((failed + errors))
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then exit 1; fi
if [ "$passed" -eq 0 ]; then echo "test.sh: no test ran" >&2; exit 1; fi
