#!/usr/bin/env bash
# Benchmark (not a test): a Fashion-MNIST network with 4-bit PoT weights runs all 10,000 test
# images end to end on an 8x8 accelerator in Verilator (`potmac infer`; ARRAY=8x8:ws by
# default, ARRAY=8x8:os for the output-stationary one), and the script prints hardware
# accuracy, cycles per image and wall time. MODEL=mlp (default): the MLP 784-128-64-10;
# MODEL=cnn: conv8-pool-conv16-pool-fc (3x3 convolutions, padding 1).
# Trains the model first unless OUT already holds it (`potmac qat`; the MLP 10-20 s on 2
# cores, the CNN longer).
#   OUT=target/bench_infer SAMPLES=all BATCH=64 MODEL=cnn benches/infer.sh
# Needs the Debian packages verilator and dataset-fashion-mnist. Run it alone, e.g. with nice.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-target/bench_infer}
SAMPLES=${SAMPLES:-all}
BATCH=${BATCH:-64}
MODEL=${MODEL:-mlp}
ARRAY=${ARRAY:-8x8:ws}
case "$MODEL" in
  mlp) ARCH=(--model mlp) ;;
  cnn) ARCH=(--model cnn --channels 8,16) ;;
  *) echo "MODEL must be mlp or cnn, got $MODEL" >&2; exit 2 ;;
esac
mkdir -p "$OUT"
cargo build --release -q
BIN=target/release/potmac
EXPORT=$OUT/fashion_${MODEL}_pot4
if [ ! -f "$EXPORT/model.json" ]; then
  t0=$(date +%s.%N)
  "$BIN" -q qat --dataset fashion-mnist "${ARCH[@]}" --weights pot:4 --out "$EXPORT"
  t1=$(date +%s.%N)
  echo "qat (training, not part of the benchmark): $(echo "$t1 - $t0" | bc) s"
fi
rm -rf "$OUT/hdl"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "potmac commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), model $MODEL, array $ARRAY"
t0=$(date +%s.%N)
"$BIN" -q infer "$EXPORT" --array "$ARRAY" --sim verilator --samples "$SAMPLES" --batch "$BATCH" \
  --out "$OUT/hdl" | tee "$OUT/infer.txt"
t1=$(date +%s.%N)
echo "infer wall time (generate + Verilator build + 10,000 images + integer model): $(echo "$t1 - $t0" | bc) s"
echo "report: $OUT/hdl/infer_pot4_${ARRAY#*:}${ARRAY%%:*}/infer/report.md"
