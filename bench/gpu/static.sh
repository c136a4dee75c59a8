#!/usr/bin/env bash
# Static report of the CUDA kernels, without a GPU: NVIDIA's own assembler (ptxas) and disassembler
# (cuobjdump) from Debian's non-free nvidia-cuda-toolkit 11.8, fetched with `apt-get download` into a
# cache folder and unpacked with `dpkg-deb -x` (nothing is installed; apt reads a private sources
# list with the non-free component, the system's apt configuration is untouched).
#   bash bench/gpu/static.sh [--markdown]
# Every kernel instantiation is compiled to PTX by KernelCompileTests (TINYGRAD_PTX_DIR), assembled
# for sm_80 and sm_90, and tabled by static_report.py; the last line is
#   static: kernels=N spills=S max_registers=R gemm_ffma_per_lds=X gemm_ldg_bits=B conv_direct=yes|no
# Cache: $TINYGRAD_CUDA_TOOLS (default ~/.cache/tinygrad/cuda-11.8). Work folder: $OUT (default /tmp/gpu-static).
set -euo pipefail
cd "$(dirname "$0")/../.."
tools="${TINYGRAD_CUDA_TOOLS:-$HOME/.cache/tinygrad/cuda-11.8}"
out="${OUT:-/tmp/gpu-static}"

fetch_tools() {
  [ -x "$tools/usr/bin/ptxas" ] && [ -x "$tools/usr/bin/cuobjdump" ] && return 0
  local apt="$tools.apt"
  rm -rf "$apt" && mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$tools"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm non-free" >"$apt/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/nonexistent
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o APT::Sandbox::User=root -q)
  echo "static: fetching nvidia-cuda-toolkit 11.8 (about 84 MB, once) into $tools" >&2
  apt-get "${opts[@]}" update >&2
  (cd "$apt" && apt-get "${opts[@]}" download nvidia-cuda-toolkit >&2)
  dpkg-deb -x "$apt"/nvidia-cuda-toolkit_*.deb "$tools"
  rm -rf "$apt"
  [ -x "$tools/usr/bin/ptxas" ] || { echo "static: ptxas missing from the package" >&2; exit 1; }
}

fetch_tools
rm -rf "$out" && mkdir -p "$out/ptx"
echo "static: compiling every kernel instantiation to PTX (KernelCompileTests)" >&2
TINYGRAD_PTX_DIR="$out/ptx" dotnet test tests -c Release --nologo -v quiet \
  --filter "FullyQualifiedName~KernelCompileTests.CompilesToPtxForAmpereAndHopper" >"$out/compile.log" 2>&1 ||
  { tail -30 "$out/compile.log" >&2; echo "static: the PTX compile tests failed" >&2; exit 1; }
python3 bench/gpu/static_report.py "$out" "$tools/usr/bin" "$@"
