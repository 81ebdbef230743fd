#!/usr/bin/env bash
# dive-gpu-check.sh checks the DIVE model (python/dive) on a CUDA machine: it
# trains the tiny configuration for STEPS steps on zsadbench synth data
# rendered as images, exports the checkpoint, runs it through zsadbench run,
# and times the paper's configuration (ViT-L/14@336px at 518, batch 8) with
# dive.bench. It needs no CLIP weights (random backbones) and no network.
#
#   ./scripts/dive-gpu-check.sh [OUT]                   # default OUT /tmp/dive-gpu-check
#   DEVICE=cpu STEPS=10 BENCH=0 ./scripts/dive-gpu-check.sh  # a dry run without a GPU
#
# Not part of scripts/test.sh: CI has no GPU.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

out="${1:-/tmp/dive-gpu-check}"
device="${DEVICE:-cuda}"
steps="${STEPS:-300}"
bench="${BENCH:-1}"
py=/usr/bin/python3

rm -rf "$out"
mkdir -p "$out"
./scripts/setup-onnxruntime.sh
go build -o "$out/zsadbench" ./cmd/zsadbench
"$out/zsadbench" synth --data "$out/data" --num-categories 3 --images-per-category 40 --image-size 128 --seed 1
(cd python && "$py" -c 'import sys; sys.path.insert(0, "tests"); import synthimages; synthimages.maps_to_images(sys.argv[1])' "$out/data")

cd python
"$py" -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "")'
"$py" -m dive.train --data "$out/data" --config tiny --out "$out/run" --device "$device" \
	--max-steps "$steps" --epochs 100000 --workers 4
"$py" - "$out/run/log.jsonl" <<'EOF'
import json, sys
log = [json.loads(line) for line in open(sys.argv[1])]
k = max(1, min(20, len(log) // 4))
first = sum(r["loss"] for r in log[:k]) / k
last = sum(r["loss"] for r in log[-k:]) / k
print(f"loss: mean of the first {k} steps {first:.4f}, of the last {k} {last:.4f}")
EOF
"$py" -m dive.export --checkpoint "$out/run/checkpoint.pt" --out "$out/tiny.onnx"
cd ..
"$out/zsadbench" run --model "$out/tiny.onnx" --data "$out/data" --provider cpu --format markdown
if [[ "$bench" == 1 ]]; then
	(cd python && "$py" -m dive.bench --config paper --device "$device" --batch-size 8 --grad-checkpoint)
	(cd python && "$py" -m dive.bench --config paper --device "$device" --batch-size 8 --grad-checkpoint --amp)
fi
