#!/usr/bin/env bash
# The real-GPU checks in one run (issue #4): the GPU and its driver, `egpu devices`, every example and library
# kernel on cuda:0 against the simulator, saxpy's measured timeline, and `egpu bench cuda`. Everything it prints
# is also written under $OUT (default /tmp/egpu-gpu), with bench/results/cuda.json. Prepare with scripts/gpu-pack.sh.
set -u
cd "$(dirname "$0")/.."
OUT="${OUT:-/tmp/egpu-gpu}"
mkdir -p "$OUT"
NODE=node
if ! command -v node >/dev/null 2>&1 || [ -f .gpu/node.gz ]; then
  gzip -dc .gpu/node.gz > /tmp/egpu-node && chmod +x /tmp/egpu-node && NODE=/tmp/egpu-node
fi
step() { echo; echo "== $1"; }
{
  step "GPU"; nvidia-smi --query-gpu=name,driver_version,memory.total,pcie.link.gen.current,pcie.link.width.current --format=csv 2>&1
  step "node"; "$NODE" --version
  step "egpu devices"; timeout 60 "$NODE" dist/cli.js devices 2>&1
  step "cuda:0 vs sim, every example and library kernel"; timeout 300 "$NODE" --test dist/gpu-test.js 2>&1
  step "egpu run saxpy on cuda:0"; timeout 120 "$NODE" dist/cli.js run kernels/examples/saxpy.kern --device cuda:0 --trace "$OUT/saxpy-cuda-trace.json" 2>&1
  step "egpu bench cuda"; timeout 240 "$NODE" dist/cli.js bench cuda 2>&1
} 2>&1 | tee "$OUT/gpu-check.log"
cp bench/results/cuda.json "$OUT/" 2>/dev/null || true
