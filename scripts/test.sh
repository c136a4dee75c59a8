#!/usr/bin/env bash
# Builds and runs every test in Release, then prints one line "N passed, N failed, N skipped"
# read from the TRX results. Exits non-zero when anything failed. A full run (no extra arguments)
# also checks tests/test-floors.txt: each fixture below its floor of executed tests, and each fixture
# that executed tests but is not listed, counts as one failure (scripts/test-floors.sh;
# TINYGRAD_TEST_FLOORS=skip skips the check).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

results=TestResults
rm -rf "$results"
dotnet test Hw1.sln -c Release --no-restore --nologo \
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
if [ "$#" -gt 0 ]; then
  echo "test floors: not checked (a filtered or modified run)" >&2
elif [ "${TINYGRAD_TEST_FLOORS:-}" = skip ]; then
  echo "test floors: skipped (TINYGRAD_TEST_FLOORS=skip)" >&2
else
  floors=$(bash scripts/test-floors.sh check "$trx" 2>&1)
  floors_status=$?
  echo "$floors" >&2
  below=$(echo "$floors" | grep -c "below its floor\|has no floor" || true)
  # A check that could not run at all (no floors file) still fails the run.
  if [ "$floors_status" -ne 0 ] && [ "$below" -eq 0 ]; then below=1; fi
  failed=$((failed + below))
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ]; then exit 1; fi
if [ "$passed" -eq 0 ]; then echo "test.sh: no test ran" >&2; exit 1; fi
