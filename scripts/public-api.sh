#!/usr/bin/env bash
# Regenerates the public API listings of the packed libraries (src/*/PublicAPI.Shipped.txt) from the
# code, with the analyzer's own code fix (RS0016: "add to the declared API"). Run it after an intended
# API change or a merge that changed the API, then review `git diff -- '*PublicAPI*'` and commit.
# The build fails (RS0016/RS0017) whenever the code and the listing disagree.
#
# Until the first release every listed symbol counts as "shipped" (0.1.0 is the baseline). After a
# release, keep Shipped.txt as released and let new API accumulate in Unshipped.txt instead:
#   dotnet format analyzers src/TinyGrad/TinyGrad.csproj --diagnostics RS0016 --severity warn
set -euo pipefail
cd "$(dirname "$0")/.."
for project in src/Kernels/TinyGrad.Kernels.csproj src/TinyGrad/TinyGrad.csproj; do
  dir=$(dirname "$project")
  # Start empty: RS0016's fix then writes every public symbol to Unshipped.txt (removed ones are gone).
  printf '#nullable enable\n' > "$dir/PublicAPI.Shipped.txt"
  printf '#nullable enable\n' > "$dir/PublicAPI.Unshipped.txt"
  # Kernels first: TinyGrad's fix needs Kernels to build against its own listing.
  dotnet format analyzers "$project" --diagnostics RS0016 --severity warn -v q
  { printf '#nullable enable\n'; grep -v '^#nullable' "$dir/PublicAPI.Unshipped.txt" | LC_ALL=C sort; } > "$dir/PublicAPI.Shipped.txt"
  printf '#nullable enable\n' > "$dir/PublicAPI.Unshipped.txt"
  echo "$dir/PublicAPI.Shipped.txt: $(($(wc -l < "$dir/PublicAPI.Shipped.txt") - 1)) symbols"
done
