#!/usr/bin/env bash
# Benchmark (not a test): the Fashion-MNIST MLP 784-128-64-10 with 4-bit PoT weights runs all
# 10,000 test images end to end on an 8x8 weight-stationary accelerator in Verilator
# (`potmac infer`), and the script prints hardware accuracy, cycles per image and wall time.
# Trains the model first unless OUT already holds it (`potmac qat`, 10-20 s on 2 cores).
#   OUT=target/bench_infer SAMPLES=all BATCH=64 benches/infer.sh
# Needs the Debian packages verilator and dataset-fashion-mnist. Run it alone, e.g. with nice.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-target/bench_infer}
SAMPLES=${SAMPLES:-all}
BATCH=${BATCH:-64}
mkdir -p "$OUT"
cargo build --release -q
BIN=target/release/potmac
EXPORT=$OUT/fashion_mlp_pot4
if [ ! -f "$EXPORT/model.json" ]; then
  t0=$(date +%s.%N)
  "$BIN" -q qat --dataset fashion-mnist --model mlp --weights pot:4 --out "$EXPORT"
  t1=$(date +%s.%N)
  echo "qat (training, not part of the benchmark): $(echo "$t1 - $t0" | bc) s"
fi
rm -rf "$OUT/hdl"
t0=$(date +%s.%N)
"$BIN" -q infer "$EXPORT" --array 8x8:ws --sim verilator --samples "$SAMPLES" --batch "$BATCH" \
  --out "$OUT/hdl" | tee "$OUT/infer.txt"
t1=$(date +%s.%N)
echo "infer wall time (generate + Verilator build + 10,000 images + integer model): $(echo "$t1 - $t0" | bc) s"
echo "report: $OUT/hdl/infer_pot4_ws8x8/infer/report.md"
