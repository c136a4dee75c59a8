#!/usr/bin/env bash
# On the GPU machine (NVIDIA driver and PyTorch; no .NET), from the repository root, after
# `bash bench/gpu/publish.sh` here with bench/gpu/out carried along:
#   bash bench/gpu/run.sh [device] [--tiny]      (device: cuda by default)
# Device list, first-launch (kernel compile) times, the device's tests of the suite (parity of every
# primitive, Float64 gradient and Hessian-vector checks, the CNN curve against cpu), our timings and
# PyTorch's, then the ratio table; its last line is "ratios: ...". Logs go to $OUT (or /tmp/gpu-check).
# Dry run without a GPU: bash bench/gpu/run.sh ilgpu-cpu --tiny (PyTorch then times the CPU).
set -uo pipefail
cd "$(dirname "$0")/../.."
device="${1:-cuda}"
tiny="${2:-}"
out="${OUT:-/tmp/gpu-check}"
mkdir -p "$out"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/machine.txt"
bench/gpu/out/TinyGrad.GpuCheck "$device" $tiny 2>&1 | tee "$out/ours.txt"
status=${PIPESTATUS[0]}
torch_device=cuda
[[ "$device" == cuda* ]] || torch_device=cpu
python=python3
/usr/bin/python3 -c "import torch" 2>/dev/null && python=/usr/bin/python3
if "$python" -c "import torch" 2>/dev/null; then
  "$python" bench/gpu/torch_bench.py "$torch_device" $tiny | tee "$out/torch.txt"
  "$python" bench/gpu/ratios.py "$out/ours.txt" "$out/torch.txt" | tee "$out/ratios.txt"
else
  echo "ratios: none (PyTorch not found)"
fi
exit "$status"
