#!/usr/bin/env bash
# The GPU machine's check (NVIDIA driver and PyTorch; no .NET), from the repository root, after
# `bash bench/gpu/publish.sh` here with bench/gpu/out carried along:
#   bash bench/gpu/run.sh [device] [--tiny]      (device: cuda by default)
# Phases, in order, each in its own process under `timeout`, each writing its own file in $OUT
# (default /tmp/gpu-check) as it goes:
#   env      the machine (nvidia-smi, ldconfig, driver folders) and what our libcuda probe and ILGPU see
#   smoke    one tiny launch per primitive against the CPU reference (compile times included)
#   timings  SGEMM 1024/4096 against cuBLAS in process, add vs copy GB/s, the four training steps
#   torch    PyTorch's SGEMM and training steps (when a python with torch is found)
#   tests    the device's tests of the NUnit suite
# A phase that hangs is cut at its budget (then killed 5 s later) and the next one runs; the whole
# run stays under TINYGRAD_GPU_CHECK_SECONDS (default 450 s, under 8 minutes). The last line is
# always "ratios: ..." with whatever was measured.
# Dry run without a GPU: bash bench/gpu/run.sh ilgpu-cpu --tiny (PyTorch then times the CPU).
# TINYGRAD_GPU_CHECK_HANG=<phase>[,<phase>...] makes those phases hang part-way (to check the timeouts).
set -uo pipefail
cd "$(dirname "$0")/../.."
device="${1:-cuda}"
tiny="${2:-}"
out="${OUT:-/tmp/gpu-check}"
mkdir -p "$out"
deadline=$((SECONDS + ${TINYGRAD_GPU_CHECK_SECONDS:-450}))
check=bench/gpu/out/TinyGrad.GpuCheck
# The self-contained check unpacks its native libraries here (the home folder may not be writable).
DOTNET_BUNDLE_EXTRACT_BASE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tinygrad-gpu-check.XXXXXX")
export DOTNET_BUNDLE_EXTRACT_BASE_DIR
trap 'rm -rf "$DOTNET_BUNDLE_EXTRACT_BASE_DIR"' EXIT
summary=()
failed=0

# phase NAME BUDGET_SECONDS COMMAND...: runs COMMAND under timeout into $out/NAME.txt (and the console).
phase() {
  local name=$1 budget=$2
  shift 2
  local left=$((deadline - SECONDS - 15)) # kept: 5 s to kill this phase, 10 s for the ratios
  ((budget > left)) && budget=$left
  if ((budget < 5)); then
    echo "== phase $name: skipped (the run's deadline is reached)" | tee "$out/$name.txt"
    summary+=("$name=skipped")
    failed=1
    return
  fi
  echo "== phase $name (at most ${budget} s)"
  local t0=$SECONDS
  timeout --kill-after=5 "$budget" stdbuf -oL -eL "$@" 2>&1 | tee "$out/$name.txt"
  local status=${PIPESTATUS[0]} took=$((SECONDS - t0))
  if ((status == 124 || status == 137)); then
    echo "== phase $name: TIMED OUT after ${took} s (cut; the next phases still run)" | tee -a "$out/$name.txt"
    summary+=("$name=timeout(${took}s)")
    failed=1
  elif ((status != 0)); then
    echo "== phase $name: failed (exit $status) after ${took} s"
    summary+=("$name=failed(${took}s)")
    failed=1
  else
    echo "== phase $name: ok in ${took} s"
    summary+=("$name=ok(${took}s)")
  fi
}

# The python that has torch (PyTorch's nvidia-cublas wheel holds the libcublas the check can use).
python=""
for p in python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null && "$p" -c "import torch" 2>/dev/null; then python=$p; break; fi
done
if [[ -n "$python" ]]; then
  TINYGRAD_CUBLAS_DIRS=$("$python" -c 'import os, nvidia.cublas as c; print(":".join(os.path.join(p, "lib") for p in c.__path__))' 2>/dev/null)
  export TINYGRAD_CUBLAS_DIRS
fi

machine() {
  echo "host: $(uname -srm); $(nproc) CPUs; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
  if command -v nvidia-smi >/dev/null; then
    nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader
  else
    echo "nvidia-smi: not found"
  fi
  echo "ldconfig -p | grep libcuda:"
  ldconfig -p 2>/dev/null | grep -E 'libcuda\.|libcublas' || echo "  (none in the loader cache)"
  for d in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/local/nvidia/lib64 /usr/lib/wsl/lib /usr/local/cuda/lib64 /usr/local/cuda/compat; do
    ls -l "$d"/libcuda.so* "$d"/libcublas.so* 2>/dev/null
  done
  echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
  echo "python with torch: ${python:-none}${python:+ ($("$python" -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda)' 2>&1))}"
  echo "cublas folders from that python: ${TINYGRAD_CUBLAS_DIRS:-none}"
  "$check" env
}

export check python
phase env 30 bash -c "$(declare -f machine); machine"
phase smoke 90 "$check" smoke "$device"
phase timings 200 "$check" timings "$device" $tiny
torch_device=cuda
[[ "$device" == cuda* ]] || torch_device=cpu
if [[ -n "$python" ]]; then
  phase torch 60 "$python" -u bench/gpu/torch_bench.py "$torch_device" $tiny
else
  echo "== phase torch: skipped (no python with torch)" | tee "$out/torch.txt"
fi
phase tests 300 "$check" tests "$device" $tiny

echo "phases: ${summary[*]}"
ratios_python=${python:-$(command -v python3)}
if [[ -n "$ratios_python" ]]; then
  "$ratios_python" bench/gpu/ratios.py "$out/timings.txt" "$out/torch.txt" | tee "$out/ratios.txt"
else
  echo "ratios: none (no python3 to compute them)" | tee "$out/ratios.txt"
fi
exit "$failed"
