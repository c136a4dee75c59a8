#!/usr/bin/env bash
# Runs the homework program (hw1) after the one-time set-up; arguments go to hw1.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec dotnet run --project src/Experiments -c Release --no-restore -- "$@"
