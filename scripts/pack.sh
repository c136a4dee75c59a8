#!/usr/bin/env bash
# Packs TinyGrad.Kernels, TinyGrad and the hw1 tool (TinyGrad.Hw1) into artifacts/packages, a local
# folder feed, then builds the samples against those packages (they have no project reference) and runs
# them on cpu and on ILGPU's CPU simulator: samples/MlpHvp trains a small MLP and checks a Hessian-vector
# product against its closed form; samples/CnnStateDict trains a CNN, reloads its state dict into a fresh
# model after To(device) and checks a custom op with the public gradcheck. Also installs the tool from the
# feed and runs `hw1 list`. Exits non-zero when a pack, a sample or one of these checks fails. CI runs it (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

# Reproducible packages: the same commit packs to the same bytes in any checkout (zip entry times from
# the commit, not the clock; /_/ instead of the checkout's path in the PDBs).
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || true)}
export SOURCE_DATE_EPOCH
feed=artifacts/packages
samples=(samples/MlpHvp samples/CnnStateDict)
rm -rf artifacts
mkdir -p artifacts
# Runs a build step with its output in artifacts/build.log, shown only when the step fails.
quiet() { "$@" > artifacts/build.log 2>&1 || { cat artifacts/build.log; echo "pack.sh: failed: $*" >&2; exit 1; }; }
for project in src/Kernels/TinyGrad.Kernels.csproj src/TinyGrad/TinyGrad.csproj src/Experiments/Experiments.csproj; do
  quiet dotnet pack "$project" -c Release -p:ContinuousIntegrationBuild=true -o "$feed" --nologo
done
version=$(ls "$feed" | sed -n 's/^TinyGrad\.\([0-9].*\)\.nupkg$/\1/p')
[ -n "$version" ] || { echo "pack.sh: no TinyGrad package in $feed" >&2; exit 1; }

# Each sample restores into its own obj/packages (its nuget.config): drop the TinyGrad packages a
# previous run left there, so that restore takes the ones just packed, and check that it did.
status=0
for sample in "${samples[@]}"; do
  name=$(basename "$sample")
  rm -rf "$sample/obj/packages/tinygrad" "$sample/obj/packages/tinygrad.kernels"
  quiet dotnet build "$sample" -c Release -p:TinyGradVersion="$version" --nologo
  for id in TinyGrad TinyGrad.Kernels; do
    lower=$(echo "$id" | tr '[:upper:]' '[:lower:]')
    restored="$sample/obj/packages/$lower/$version"
    cmp -s "$feed/$id.$version.nupkg" "$restored/$lower.$version.nupkg" ||
      { echo "pack.sh: $name did not restore the $id package just packed" >&2; exit 1; }
    for file in README.md "lib/net10.0/$id.dll" "lib/net10.0/$id.xml"; do
      [ -s "$restored/$file" ] || { echo "pack.sh: the $id package has no $file" >&2; exit 1; }
    done
    [ -s "$feed/$id.$version.snupkg" ] || { echo "pack.sh: no symbols package for $id" >&2; exit 1; }
  done
  log="artifacts/$name.log"
  # Without arguments a sample runs on every device the registry lists as available; cpu and ilgpu-cpu must be among them.
  dotnet "$sample/bin/Release/net10.0/$name.dll" | tee "$log" || status=1
  for device in cpu ilgpu-cpu; do
    grep -qx "ok: $device" "$log" || { echo "pack.sh: $name did not pass on $device" >&2; status=1; }
  done
done
[ "$status" -eq 0 ] || exit "$status"

quiet dotnet tool install TinyGrad.Hw1 --version "$version" --add-source "$feed" --tool-path artifacts/tools
artifacts/tools/hw1 list | grep -q minimal-ratio || { echo "pack.sh: the installed hw1 tool does not list its experiments" >&2; exit 1; }

echo "packages (version $version):"
for f in "$feed"/*; do printf '  %-34s %8d bytes\n' "$(basename "$f")" "$(stat -c %s "$f")"; done
for id in TinyGrad TinyGrad.Kernels; do
  lower=$(echo "$id" | tr '[:upper:]' '[:lower:]')
  deps=$(grep -o '<dependency id="[^"]*" version="[^"]*"' "${samples[0]}/obj/packages/$lower/$version/$lower.nuspec" |
    sed 's/<dependency id="\([^"]*\)" version="\([^"]*\)"/\1 \2/' | paste -sd';' - | sed 's/;/; /g')
  echo "  $id depends on: $deps"
done
for sample in "${samples[@]}"; do
  echo "  $(basename "$sample"): restored packages $(du -sh "$sample/obj/packages" | cut -f1), build output $(du -sh "$sample/bin/Release/net10.0" | cut -f1)"
done
echo "pack.sh: packages packed, samples passed on cpu and ilgpu-cpu, hw1 tool installed"
