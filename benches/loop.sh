#!/usr/bin/env bash
# Benchmark (not a test) of the design loop the way a user runs it, step by step: for a PoT W4A8
# array of each size, `potmac generate`, `potmac sim --sim both` (the default vectors), and the
# area with `potmac synth` on the generic and iCE40 targets, flat (the default) and
# hierarchical (`--hier`). Prints one Markdown row per size and dataflow with each step's wall
# seconds and the loop's total (generate + sim + generic + iCE40), so a regression shows as a
# number.
#
#   benches/loop.sh                                   sizes 4 8 16, ws
#   SIZES="16" DATAFLOWS="ws os" FLAT=0 benches/loop.sh   hierarchical synthesis only
#   POTMAC=target/release/potmac benches/loop.sh      use an existing binary
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"4 8 16"}
DATAFLOWS=${DATAFLOWS:-"ws"}
FLAT=${FLAT:-1}
WORK=${WORK:-target/bench-loop}
if [ -z "${POTMAC:-}" ]; then
  cargo build --release --quiet
  POTMAC=$PWD/target/release/potmac
fi
mkdir -p "$WORK/configs"
now() { date +%s.%N; }
secs() { echo "$(now) - $1" | bc | awk '{printf "%.2f", $1}'; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "potmac: $($POTMAC --version), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo
echo "| array | generate | sim both | generic flat | iCE40 flat | generic --hier | iCE40 --hier | loop flat | loop --hier |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in $SIZES; do
  for df in $DATAFLOWS; do
    name="pot_w4a8_${df}${n}x${n}"
    cfg="$WORK/configs/$name.yaml"
    cat > "$cfg" <<YAML
name: $name
weights: {format: pot, bits: 4, zero: code}
activations: {bits: 8, signed: false}
max_dot_length: 256
array: {rows: $n, cols: $n, dataflow: $df}
YAML
    out="$WORK/out"
    rm -rf "$out/$name"
    t=$(now); "$POTMAC" -q generate "$cfg" --out "$out" > /dev/null; gen=$(secs "$t")
    t=$(now); "$POTMAC" -q sim "$cfg" --sim both --out "$out" > /dev/null; sim=$(secs "$t")
    gf="-"; if_="-"
    if [ "$FLAT" = 1 ]; then
      t=$(now); "$POTMAC" -q synth "$cfg" --out "$out" > /dev/null; gf=$(secs "$t")
      t=$(now); "$POTMAC" -q synth "$cfg" --target ice40 --out "$out" > /dev/null; if_=$(secs "$t")
    fi
    t=$(now); "$POTMAC" -q synth "$cfg" --hier --out "$out" > /dev/null; gh=$(secs "$t")
    t=$(now); "$POTMAC" -q synth "$cfg" --hier --target ice40 --out "$out" > /dev/null; ih=$(secs "$t")
    lf="-"; if [ "$FLAT" = 1 ]; then lf=$(echo "$gen + $sim + $gf + $if_" | bc); fi
    lh=$(echo "$gen + $sim + $gh + $ih" | bc)
    echo "| ${n}x${n} $df | $gen | $sim | $gf | $if_ | $gh | $ih | $lf | $lh |"
  done
done
