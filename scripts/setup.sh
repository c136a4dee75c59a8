#!/usr/bin/env bash
# One-time set-up of a fresh Debian machine: system packages the tests and tools use, then the
# NuGet restore. Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests and the report use: the OpenCL loader under the name ILGPU opens
# (libOpenCL.so, from ocl-icd-opencl-dev) with PoCL, a CPU OpenCL device the tests expect to be
# listed as unusable (ILGPU cannot run on it); numpy (file-format interop checks); libfontconfig1 +
# fonts-dejavu-core (SkiaSharp draws the text of the hw1 figures' PNGs with them). Nothing here is
# needed to build. Installed only when missing and when we may (root + apt).
# TINYGRAD_APT_PACKAGES overrides the list.
default_packages="ocl-icd-opencl-dev pocl-opencl-icd python3-numpy libfontconfig1 fonts-dejavu-core"
packages=()
for p in ${TINYGRAD_APT_PACKAGES-$default_packages}; do
  dpkg -s "$p" >/dev/null 2>&1 || packages+=("$p")
done
if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    source scripts/apt.sh
    apt_get update -qq
    DEBIAN_FRONTEND=noninteractive apt_get install -y -qq "${packages[@]}" >/dev/null
  else
    echo "setup: please install: ${packages[*]}" >&2
  fi
fi

command -v dotnet >/dev/null || { echo "setup: the .NET SDK (see global.json) is required" >&2; exit 1; }
dotnet restore Hw1.sln --nologo -v quiet
