#!/usr/bin/env bash
# Here (with .NET): builds the GPU check as one self-contained linux-x64 file (no .NET on the GPU
# machine) into bench/gpu/out, small enough to travel (compressed single file).
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -rf bench/gpu/out
dotnet publish bench/TinyGrad.Bench.csproj -c Release -r linux-x64 --self-contained \
  -p:PublishSingleFile=true -p:EnableCompressionInSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=true \
  -o bench/gpu/out --nologo -v quiet
ls -la bench/gpu/out
