#!/usr/bin/env bash
# Benchmark (not a test): the paper's MAC table on real standard-cell libraries (issue 21,
# item 5). Uniform W4A8, APoT W4A8 and PoT W4A8 against uniform W8A8, with the paper's 16-bit
# accumulators (verification/configs/paper16/; uniform W8A8 keeps its 24 bits, as in the
# paper) and with exact ones (verification/configs/paper/): `potmac synth --liberty` (area,
# logic and flip-flops) and `potmac power --liberty` (pJ per MAC, random operands: each input
# bit toggles half the time, the paper's setting; then `held`, each weight held for 64 cycles
# as in a weight-stationary PE; logic and flip-flops) on each library, plus potmac's own
# library (GE, switched capacitance C) from the same power runs. Figures:
# docs/results/liberty.md. About 2 min on 2 shared cores.
#   benches/paper_liberty.sh
#   POTMAC=target/release/potmac OSU018=... SKY130=... CYCLES=2000 benches/paper_liberty.sh
# OSU018 (default Debian qflow-tech-osu018's osu018_stdcells.lib) and SKY130 (default
# ../shared/pdk/sky130_fd_sc_hd/sky130_fd_sc_hd__tt_025C_1v80.lib.gz, not part of potmac): a
# library that is absent is skipped with a message. DONT_USE=PATTERNS is passed to both
# commands as --dont-use (default: potmac's default list). STIMULI (default "random held"):
# the power runs' --stimulus values. WORK: the output folder.
set -euo pipefail
cd "$(dirname "$0")/.."
OSU018=${OSU018:-/usr/share/qflow/tech/osu018/osu018_stdcells.lib}
SKY130=${SKY130:-../shared/pdk/sky130_fd_sc_hd/sky130_fd_sc_hd__tt_025C_1v80.lib.gz}
CYCLES=${CYCLES:-2000}
STIMULI=${STIMULI:-random held}
WORK=${WORK:-${CARGO_TARGET_DIR:-target}/bench-paper-liberty}
if [ -z "${POTMAC:-}" ]; then
  cargo build --release --quiet -j1
  POTMAC=$PWD/${CARGO_TARGET_DIR:-target}/release/potmac
fi
dont_use=()
if [ -n "${DONT_USE+x}" ]; then dont_use=(--dont-use "$DONT_USE"); fi
P=verification/configs/paper
P16=verification/configs/paper16
exact=($P/uniform_w8a8.yaml $P/uniform_w4a8.yaml $P/apot_w4a8.yaml $P/pot_w4a8.yaml)
acc16=($P/uniform_w8a8.yaml $P16/uniform_w4a8_acc16.yaml $P16/apot_w4a8_acc16.yaml
       $P16/pot_w4a8_acc16.yaml)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "potmac: $($POTMAC --version), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown); $CYCLES MAC operations per power run"
mkdir -p "$WORK"
run() {  # print the command, run it, its CSV to $1
  local csv=$1; shift
  echo "\$ $*" | sed "s|$PWD/||g"
  "$@" --format csv >"$csv"
}
for lib in "$OSU018" "$SKY130"; do
  if [ ! -f "$lib" ]; then
    echo; echo "skipping $lib: absent"
    continue
  fi
  stem=$(basename "$lib" | sed 's/\.lib\(\.gz\)\?$//')
  for set in acc16 exact; do
    declare -n cfgs=$set
    run "$WORK/$stem.$set.synth.csv" "$POTMAC" -q synth "${cfgs[@]}" --liberty "$lib" \
      "${dont_use[@]}" --out "$WORK/hdl"
    for stim in $STIMULI; do
      echo; echo "## $stem, $set, $stim"
      t0=$(date +%s)
      run "$WORK/$stem.$set.$stim.csv" "$POTMAC" -q power "${cfgs[@]}" --liberty "$lib" \
        "${dont_use[@]}" --stimulus "$stim" --cycles "$CYCLES" --out "$WORK/hdl"
      echo "wall: $(( $(date +%s) - t0 )) s"
      python3 - "$WORK/$stem.$set.synth.csv" "$WORK/$stem.$set.$stim.csv" <<'EOF'
import csv, sys
synth = list(csv.DictReader(open(sys.argv[1])))
power = list(csv.DictReader(open(sys.argv[2])))
f = lambda r, k: float(r[k])
num = lambda x: "%.0f" % x if x >= 1000 else "%.4g" % x
cols = [  # (heading, rows, key); ratios to the first row
    ("GE logic", power, "ge_comb"), ("GE total", power, "ge_total"),
    ("C logic", power, "cap_logic_per_mac"), ("C total", power, "cap_per_mac"),
    ("µm² logic", synth, "lib_area_comb"), ("µm² total", synth, "lib_area"),
    ("pJ logic", power, "pj_logic_per_mac"), ("pJ total", power, "pj_per_mac"),
]
print("| design | " + " | ".join(c[0] for c in cols) + " |")
print("|---|" + "---|" * len(cols))
for i, r in enumerate(power):
    cells = ["%s (%.2f)" % (num(f(rows[i], k)), f(rows[i], k) / f(rows[0], k))
             for _, rows, k in cols]
    print("| %s | %s |" % (r["design"], " | ".join(cells)))
EOF
    done
  done
done
