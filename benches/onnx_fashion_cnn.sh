#!/usr/bin/env bash
# Benchmark (not a test, not run by CI) of issue 22's "bring your own model" path on a real
# PyTorch model: benches/onnx_fashion_cnn.py trains a CNN with BatchNorm on Fashion-MNIST in
# PyTorch and exports it to ONNX; `potmac import` reads the graph (no --arch), folds the
# BatchNorms into per-channel requantization and quantizes to pot:4 (PTQ, then FINE_TUNE QAT
# epochs); `potmac infer` runs all 10,000 test images on the 8x8 output-stationary
# accelerator (Verilator) and checks every logit against the integer model. Prints each
# step's figures and wall seconds.
#
# Usage: benches/onnx_fashion_cnn.sh [--install]
#   --install      create target/torch-venv and pip install torch, onnx and numpy into it
#   TORCH_PYTHON   a Python with torch and onnx (default target/torch-venv/bin/python)
#   EPOCHS=2 FINE_TUNE=1 WEIGHTS=pot:4 ARRAY=8x8:os POTMAC=... WORK=target/bench-onnx
# Needs the Debian package dataset-fashion-mnist (or FASHION_DIR=...).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/torch-venv
if [[ "${1:-}" == "--install" ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet torch onnx numpy
fi
py="${TORCH_PYTHON:-$venv/bin/python}"
if ! "$py" -c 'import torch, onnx, numpy' 2>/dev/null; then
  echo "error: no PyTorch with onnx at $py: run benches/onnx_fashion_cnn.sh --install (or set TORCH_PYTHON)" >&2
  exit 2
fi
data="${FASHION_DIR:-/usr/share/datasets/fashion-mnist}"
EPOCHS=${EPOCHS:-2}
FINE_TUNE=${FINE_TUNE:-1}
WEIGHTS=${WEIGHTS:-pot:4}
ARRAY=${ARRAY:-8x8:os}
WORK=${WORK:-target/bench-onnx}
if [ -z "${POTMAC:-}" ]; then
  cargo build --release --quiet -j1
  POTMAC=$PWD/target/release/potmac
fi
now() { date +%s.%N; }
secs() { echo "$(now) - $1" | bc | awk '{printf "%.1f", $1}'; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "potmac: $($POTMAC --version), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown); torch $("$py" -c 'import torch; print(torch.__version__)')"
rm -rf "$WORK"
mkdir -p "$WORK"

echo
echo "## PyTorch: train $EPOCHS epochs, export $WORK/model.onnx"
t0=$(now)
"$py" benches/onnx_fashion_cnn.py "$data" "$WORK/model.onnx" "$EPOCHS" "$(nproc)"
echo "wall: $(secs "$t0") s"

echo
echo "## potmac import $WORK/model.onnx --dataset fashion-mnist --weights $WEIGHTS --fine-tune $FINE_TUNE"
t0=$(now)
$POTMAC import "$WORK/model.onnx" --dataset fashion-mnist --data-dir "$data" --weights "$WEIGHTS" \
  --fine-tune "$FINE_TUNE" --out "$WORK/export"
echo "wall: $(secs "$t0") s"

echo
echo "## potmac infer $WORK/export --array $ARRAY --sim verilator --samples all --batch 64"
t0=$(now)
$POTMAC infer "$WORK/export" --array "$ARRAY" --sim verilator --samples all --batch 64 \
  --data-dir "$data" --out "$WORK/infer"
echo "wall: $(secs "$t0") s"
