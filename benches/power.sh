#!/usr/bin/env bash
# The energy-proxy tables of docs/results/power.md: `potmac power` on
# the four paper MACs (exact and 16-bit accumulators, both adder structures) with random, held
# and real data, unit and zero gate delay, GE area, and the 8x8 arrays on real data. Not a
# test: prints figures. About 1 s per MAC run and 3-5 min per 8x8 array run on 2 shared cores.
# Real data: one `potmac qat` export per weight format (digits MLP, default schedule), trained
# first unless POTMAC_EXPORTS=DIR already holds them (DIR/uniform-8, DIR/uniform-4, DIR/pot-4,
# DIR/apot-4). Usage: benches/power.sh [cycles, default 2000]; POTMAC_ARRAY_CYCLES=N sets the
# arrays' budget (default 100; 0 skips them)
set -euo pipefail
cd "$(dirname "$0")/.."
cycles=${1:-2000}
cargo build --release --quiet
bin=target/release/potmac
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
exports=${POTMAC_EXPORTS:-$out/exports}
names=(uniform_w8a8 uniform_w4a8 pot_w4a8 apot_w4a8)
formats=(uniform:8 uniform:4 pot:4 apot:4)
cfgs=()
for n in "${names[@]}"; do cfgs+=("verification/configs/paper/$n.yaml"); done
for i in 0 1 2 3; do
    dir="$exports/${formats[$i]/:/-}"
    if [ ! -f "$dir/model.json" ]; then
        nice -n 10 "$bin" -q qat --dataset digits --model mlp --weights "${formats[$i]}" \
            --out "$dir" >/dev/null
    fi
done
echo "machine: $(nproc) cores; $cycles MAC operations per run"
for delay in unit zero; do
    for stim in random held; do
        echo; echo "## $stim, $delay delay"
        nice -n 10 "$bin" -q power "${cfgs[@]}" --stimulus "$stim" --delay "$delay" \
            --cycles "$cycles" --out "$out/hdl"
    done
    echo; echo "## real (digits MLP exports), $delay delay"
    for i in 0 1 2 3; do
        nice -n 10 "$bin" -q power "${cfgs[$i]}" --stimulus real \
            --export "$exports/${formats[$i]/:/-}" --delay "$delay" --cycles "$cycles" \
            --out "$out/hdl" --format csv
    done | awk -F, 'NR == 1 || $1 != "design"' | tee "$out/real.csv" | python3 -c '
import csv, sys
rows = list(csv.DictReader(sys.stdin))
ref = float(rows[0]["cap_per_mac"])
print("| design | MACs | toggles/MAC | C/MAC total | ratio |")
print("|---|---|---|---|---|")
for r in rows:
    c = float(r["cap_per_mac"])
    print("| %s | %s | %.1f | %.1f | %.2f |" % (r["design"], r["macs"], float(r["toggles_per_mac"]), c, c / ref))
'
done
# The paper's 16-bit accumulators (uniform W8A8 keeps 24 bits, as in the paper).
p16=(verification/configs/paper/uniform_w8a8.yaml verification/configs/paper16/uniform_w4a8_acc16.yaml
    verification/configs/paper16/pot_w4a8_acc16.yaml verification/configs/paper16/apot_w4a8_acc16.yaml
    verification/configs/paper16/pot_w4a8_acc16w.yaml)
p16x=(uniform-8 uniform-4 pot-4 apot-4 pot-4)
for stim in random held; do
    for delay in unit zero; do
        echo; echo "## 16-bit accumulators, $stim, $delay delay"
        nice -n 10 "$bin" -q power "${p16[@]}" --stimulus "$stim" --delay "$delay" \
            --cycles "$cycles" --out "$out/hdl"
    done
done
echo; echo "## 16-bit accumulators, real, unit delay"
for i in 0 1 2 3 4; do
    nice -n 10 "$bin" -q power "${p16[$i]}" --stimulus real --export "$exports/${p16x[$i]}" \
        --cycles "$cycles" --out "$out/hdl" --format csv
done | awk -F, 'NR == 1 || $1 != "design"' | cut -d, -f1,4,11,15

# The add/subtract structure (adder: xor against adder: invert), PoT and APoT.
adders=(verification/configs/paper/pot_w4a8.yaml verification/configs/adder/pot_w4a8_invert.yaml
    verification/configs/paper/apot_w4a8.yaml verification/configs/adder/apot_w4a8_invert.yaml)
for t in ice40 xc7; do
    echo; echo "## adder: xor | invert, $t"
    "$bin" -q synth "${adders[@]}" --target "$t" --out "$out/hdl"
done
for stim in random held; do
    for delay in unit zero; do
        echo; echo "## adder: xor | invert, $stim, $delay delay"
        nice -n 10 "$bin" -q power "${adders[@]}" --stimulus "$stim" --delay "$delay" \
            --cycles "$cycles" --out "$out/hdl"
    done
done
echo; echo "## adder: xor | invert, real, unit delay"
for i in 0 1 2 3; do
    f=$([ "$i" -lt 2 ] && echo pot-4 || echo apot-4)
    nice -n 10 "$bin" -q power "${adders[$i]}" --stimulus real --export "$exports/$f" \
        --cycles "$cycles" --out "$out/hdl" --format csv
done | awk -F, 'NR == 1 || $1 != "design"' | cut -d, -f1,4,11,15

# 8x8 arrays, both dataflows, real data: about ${POTMAC_ARRAY_CYCLES:-100} array cycles each
# (at most that many x 64 MAC operations).
acycles=${POTMAC_ARRAY_CYCLES:-100}
[ "$acycles" -gt 0 ] || exit 0   # POTMAC_ARRAY_CYCLES=0: the MACs only
echo; echo "## 8x8 arrays, real (digits MLP exports), unit delay, budget $acycles cycles"
for df in ws os; do
    for i in 0 1 2 3; do
        nice -n 10 "$bin" -q power "verification/configs/arrays/${names[$i]}_${df}8x8.yaml" \
            --stimulus real --export "$exports/${formats[$i]/:/-}" --cycles "$acycles" \
            --out "$out/hdl" --format csv
    done
done | awk -F, 'NR == 1 || $1 != "design"'
