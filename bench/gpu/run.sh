#!/usr/bin/env bash
# On the GPU machine (CUDA driver, NVRTC and PyTorch; no .NET), from the repository root, after
# `bash bench/gpu/publish.sh` here and with bench/gpu/out carried along:
#   bash bench/gpu/run.sh [device]          (device: cuda by default)
# Runs every kernel's parity check on the device, the CNN loss curve against the CPU, our timings
# and PyTorch's, and prints the ratio table. Logs go to $OUT (or /tmp/gpu-bench) too.
set -uo pipefail
cd "$(dirname "$0")/../.."
device="${1:-cuda}"
out="${OUT:-/tmp/gpu-bench}"
mkdir -p "$out"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/machine.txt"
bench/gpu/out/TinyGrad.Bench gpu "$device" 30 2>&1 | tee "$out/ours.txt"
status=${PIPESTATUS[0]}
if [[ "$device" == cuda* ]] && python3 -c "import torch; assert torch.cuda.is_available()" 2>/dev/null; then
  python3 bench/gpu/torch_bench.py | tee "$out/torch.txt"
  python3 bench/gpu/ratios.py "$out/ours.txt" "$out/torch.txt" | tee "$out/ratios.txt"
fi
exit "$status"
