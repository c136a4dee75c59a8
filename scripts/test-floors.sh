#!/usr/bin/env bash
# Per-fixture test floors: every fixture listed in tests/test-floors.txt must have executed (passed or
# failed, not skipped or ignored) at least that many tests in a TRX file. A fixture whose cases stop
# being discovered, constructed or run (renamed away, an unconstructible generic fixture, a device
# silently absent) then fails the run instead of quietly shrinking the total; so does a fixture that
# executed tests but is not listed (a new fixture, or a renamed one), so the list cannot fall behind.
#
#   bash scripts/test-floors.sh check <trx> [floors]   one line per fixture below its floor or unlisted; exit 1 if any
#   bash scripts/test-floors.sh write <trx> [floors]   sets the floors to what the TRX executed (after
#                                                       adding or removing tests on purpose)
#   bash scripts/test-floors.sh counts <trx>           "executed total fixture" per fixture
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-}
trx=${2:-}
floors=${3:-tests/test-floors.txt}
if [ -z "$mode" ] || [ -z "$trx" ] || [ ! -f "$trx" ]; then
  echo "usage: bash scripts/test-floors.sh check|write|counts <trx> [floors]" >&2
  exit 2
fi

# "executed total fixture" per fixture: UnitTest ids map to TestMethod classNames (the fixture, with
# its arguments), UnitTestResult testIds to outcomes.
counts() {
  {
    grep -oE '<UnitTest [^>]*>|<TestMethod [^>]*>' "$trx"
    echo "--results--"
    grep -oE '<UnitTestResult [^>]*>' "$trx"
  } | awk '
    function attr(s, name) { return match(s, " " name "=\"[^\"]*\"") ? substr(s, RSTART + length(name) + 3, RLENGTH - length(name) - 4) : "" }
    /^--results--$/ { results = 1; next }
    !results && /^<UnitTest / { id = attr($0, "id"); next }
    !results && /^<TestMethod / { fixture[id] = attr($0, "className"); next }
    results {
      f = fixture[attr($0, "testId")]; gsub(/&quot;/, "\"", f); gsub(/&amp;/, "\\&", f)
      o = attr($0, "outcome"); total[f]++
      if (o == "Passed" || o == "Failed" || o == "Error") run[f]++
    }
    END { for (f in total) printf "%d %d %s\n", run[f] + 0, total[f], f }' | sort -k3
}

case "$mode" in
  counts)
    counts
    ;;
  write)
    {
      echo "# Tests each fixture must execute at least (passed or failed; skipped and ignored do not count),"
      echo "# checked by scripts/test.sh on every full run. Regenerate after adding or removing tests on purpose:"
      echo "#   bash scripts/test-floors.sh write TestResults/tests.trx"
      counts | awk '$1 > 0 { print $1, $3 }'
    } > "$floors"
    echo "test floors: wrote $(grep -vc '^#' "$floors") fixtures to $floors"
    ;;
  check)
    [ -f "$floors" ] || { echo "test floors: $floors is missing" >&2; exit 1; }
    counts | awk -v floors="$floors" '
      FNR == NR { executed[substr($0, index($0, $3))] = $1; next }
      /^#/ || NF < 2 { next }
      {
        fixture = substr($0, index($0, " ") + 1); checked++; listed[fixture] = 1
        ran = (fixture in executed) ? executed[fixture] : 0
        if (ran < $1) { printf "test floors: %s executed %d tests, below its floor of %d\n", fixture, ran, $1; below++ }
      }
      END {
        for (fixture in executed)
          if (executed[fixture] > 0 && !(fixture in listed)) {
            printf "test floors: %s executed %d tests and has no floor in %s (bash scripts/test-floors.sh write <trx>)\n", fixture, executed[fixture], floors
            below++
          }
        if (below) exit 1
        printf "test floors: %d fixtures at or above their floors\n", checked
      }' - "$floors"
    ;;
  *)
    echo "usage: bash scripts/test-floors.sh check|write|counts <trx> [floors]" >&2
    exit 2
    ;;
esac
