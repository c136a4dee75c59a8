#!/usr/bin/env bash
# Here (with .NET): builds the GPU check as one self-contained linux-x64 file into bench/gpu/out
# (the GPU machine has no .NET), compressed so that it travels.
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -rf bench/gpu/out
dotnet publish bench/gpu/TinyGrad.GpuCheck.csproj -c Release -r linux-x64 -o bench/gpu/out --nologo -v quiet
ls -la bench/gpu/out
