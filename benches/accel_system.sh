#!/usr/bin/env bash
# Benchmark (not a test): the system-level comparison of issue 19. The whole top of the 8x8
# accelerator sized for the Fashion-MNIST MLP (the memories, the host interface, the post-op
# units, the argmax and the array) in three weight formats, uniform W8A8, PoT W4A8 and APoT
# W4A8, synthesized by `potmac synth` for each target (DSPs off: area comparison), with the
# ratios to uniform W8A8 that potmac prints. Figures: docs/results/accelerator.md and the
# README.
#   benches/accel_system.sh                      ECP5 and iCE40
#   TARGETS=ecp5 POTMAC=target/release/potmac benches/accel_system.sh
set -euo pipefail
cd "$(dirname "$0")/.."
TARGETS=${TARGETS:-"ecp5 ice40"}
WORK=${WORK:-target/bench-accel-system}
if [ -z "${POTMAC:-}" ]; then
  cargo build --release --quiet -j1
  POTMAC=$PWD/target/release/potmac
fi
CONFIGS=(verification/configs/accel/uniform_w8a8_accel8x8.yaml
         verification/configs/accel/pot_w4a8_accel8x8.yaml
         verification/configs/accel/apot_w4a8_accel8x8.yaml)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "potmac: $($POTMAC --version), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
mkdir -p "$WORK"
for t in $TARGETS; do
  echo
  echo "## $t: potmac synth ${CONFIGS[*]} --target $t"
  t0=$(date +%s.%N)
  $POTMAC synth "${CONFIGS[@]}" --target "$t" --out "$WORK" --json "$WORK/$t.json"
  echo "wall: $(echo "$(date +%s.%N) - $t0" | bc | awk '{printf "%.1f", $1}') s"
done
