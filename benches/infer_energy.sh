#!/usr/bin/env bash
# The whole-inference energy table of docs/results/energy.md: `potmac infer --liberty` on the
# uniform W8A8, PoT W4A8 and APoT W4A8 digits MLPs of one hidden layer of 32 (64-32-10, default
# `potmac qat` schedule; the default 64-128-64-10 MLP takes about 4x the cycles, 6-9 min a run
# on a gate netlist), each on its 8x8 weight-stationary accelerator, the first 8 test images
# in one pass, mapped to OSU 0.18 um
# and to SKY130 HD (when POTMAC_SKY130 or ../shared/pdk/ has it; never copied into the
# project), zero gate delay (no glitches: a unit-delay run takes about twice as long). Not a
# test: prints the tables (nJ per image, each part's share, ratios to uniform). About 1
# to 2 min per run on 2 shared cores. Usage: benches/infer_energy.sh [images, default 8];
# POTMAC_EXPORTS=DIR reuses exports (DIR/uniform-8, DIR/pot-4, DIR/apot-4).
set -euo pipefail
cd "$(dirname "$0")/.."
images=${1:-8}
cargo build --release --quiet -j1
bin=${CARGO_TARGET_DIR:-target}/release/potmac
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
exports=${POTMAC_EXPORTS:-$out/exports}
formats=(uniform:8 pot:4 apot:4)
libs=()
sky=${POTMAC_SKY130:-../shared/pdk/sky130_fd_sc_hd/sky130_fd_sc_hd__tt_025C_1v80.lib.gz}
if [ -f "$sky" ]; then libs+=("$sky"); else echo "skipping SKY130: $sky is absent"; fi
libs+=(/usr/share/qflow/tech/osu018/osu018_stdcells.lib)
for f in "${formats[@]}"; do
    dir="$exports/${f/:/-}"
    if [ ! -f "$dir/model.json" ]; then
        nice -n 10 "$bin" -q qat --dataset digits --model mlp --hidden 32 --weights "$f" \
            --out "$dir" >/dev/null
    fi
done
mkdir -p "$out/json"
echo "machine: $(nproc) cores; digits MLP 64-32-10; $images images, batch 8, 8x8:ws, zero gate delay"
for lib in "${libs[@]}"; do
    stem=$(basename "$lib"); stem=${stem%.gz}; stem=${stem%.lib}
    for f in "${formats[@]}"; do
        start=$(date +%s)
        nice -n 10 "$bin" -q infer "$exports/${f/:/-}" --array 8x8:ws --samples "$images" \
            --batch 8 --delay zero --liberty "$lib" --out "$out/hdl" > "$out/run.txt"
        head -1 "$out/run.txt"
        echo "  ($f on $stem: $(( $(date +%s) - start )) s)"
        cp "$out/hdl/infer_${f/:/}_ws8x8/infer/energy.json" "$out/json/${stem}_${f/:/}.json"
    done
done
python3 - "$out/json" "${formats[@]/:/}" <<'PY'
import json, os, sys
d, formats = sys.argv[1], sys.argv[2:]
names = {"uniform8": "uniform W8A8", "pot4": "PoT W4A8", "apot4": "APoT W4A8"}
parts = ["array", "post_op", "sequencer", "argmax", "host", "datapath"]
libs = sorted({f.rsplit("_", 1)[0] for f in os.listdir(d)})
for lib in libs:
    rows = {f: json.load(open(os.path.join(d, f"{lib}_{f}.json"))) for f in formats}
    ref = rows[formats[0]]["total_pj"]
    print(f"\n## {lib}: nJ per image (share of the total)\n")
    print("| format | cycles/image | total nJ/image | ratio | array | post-op | sequencer | argmax | host interface | datapath other | memories |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for f in formats:
        r = rows[f]
        t = r["total_pj"]
        by = {p: e["total_pj"] for p, e in r["parts"]}
        cells = [f"{by[p] / 1e3:.1f} ({100 * by[p] / t:.1f} %)" for p in parts]
        cells.append(f"{r['memory_pj'] / 1e3:.1f} ({100 * r['memory_pj'] / t:.1f} %)")
        print(f"| {names.get(f, f)} | {r['cycles'] / r['images']:.1f} | {t / 1e3:.1f} | {t / ref:.2f} | " + " | ".join(cells) + " |")
    pj = rows[formats[0]]["mem_pj_per_bit"]
    print(f"\nmemories at {pj} pJ per bit read or written; logic on {lib}")
PY
