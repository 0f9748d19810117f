#!/usr/bin/env bash
# Packs what the real-GPU checks need on a machine that has the NVIDIA driver but no Node or npm (the device
# machines some sessions are lent): Node itself (gzip), the bundles with the GPU test beside them, and koffi.
# Then, on the GPU machine, from the repository root: bash scripts/gpu-check.sh  (carry: dist, node_modules/koffi, .gpu)
set -euo pipefail
cd "$(dirname "$0")/.."
npm run build >/dev/null
npx esbuild test/gpu/cuda-vs-sim.test.ts --bundle --platform=node --format=cjs --external:koffi --log-level=warning --outfile=dist/gpu-test.js
mkdir -p .gpu
grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >> .git/info/exclude
node_bin="$(readlink -f "$(command -v node)")"
gzip -6 -c "$node_bin" > .gpu/node.gz
node -p 'process.version' > .gpu/node-version.txt
du -sh dist node_modules/koffi .gpu | sed 's/^/packed: /'
