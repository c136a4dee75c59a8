#!/usr/bin/env bash
# Renders a hw1 report.html in headless Chromium and saves a full-page screenshot, to check that every
# figure renders with axes, labels and legends. Usage: bash scripts/check-report.sh <report.html> [screenshot.png] [height]
# Installs Debian's chromium when missing (root + apt).
set -euo pipefail
report="${1:?usage: check-report.sh <report.html> [screenshot.png] [height]}"
shot="${2:-$(dirname "$report")/report.png}"
height="${3:-}"
browser="$(command -v chromium || command -v chromium-browser || true)"
if [ -z "$browser" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"
    apt_get update -qq
    DEBIAN_FRONTEND=noninteractive apt_get install -y -qq chromium >/dev/null
    browser="$(command -v chromium)"
  else
    echo "check-report: chromium not found and cannot install it (need root + apt)" >&2
    exit 2
  fi
fi
[ -f "$report" ] || { echo "check-report: no such file: $report" >&2; exit 2; }
# Page height: measured from the number of figures unless given (chromium screenshots a fixed window).
if [ -z "$height" ]; then
  figures=$(grep -o '<div class="fig">' "$report" | wc -l)
  height=$(( 1200 + figures * 760 ))
fi
abs="$(cd "$(dirname "$report")" && pwd)/$(basename "$report")"
"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
  --no-first-run --hide-scrollbars --window-size=1100,"$height" --screenshot="$shot" "file://$abs" >/dev/null 2>&1
[ -s "$shot" ] || { echo "check-report: no screenshot written" >&2; exit 1; }
echo "check-report: $shot ($(stat -c %s "$shot") bytes, window 1100x$height)"
