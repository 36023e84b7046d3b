#!/usr/bin/env bash
# Benchmark (not a test) of the Verilator build of the arrays' testbenches: PoT W4A8 arrays
# (max_dot_length 256) of 8x8 and 16x16, both dataflows. Each build is the generated
# Makefile's own `verilator --binary ...` line (the one `potmac sim` runs) into a fresh -Mdir;
# RUNS builds per array, one array after the other, and prints the best and the median wall
# seconds and the median CPU seconds (user + sys of the build, less sensitive to other load on
# a shared machine than the wall time).
#
#   benches/verilator_build.sh                  8x8 and 16x16, ws and os, 3 builds each
#   SIZES=8 DATAFLOWS=ws RUNS=5 benches/verilator_build.sh
#   POTMAC=/path/to/other/potmac benches/verilator_build.sh   another build of potmac (say,
#       an older commit's) for a before/after comparison; run both back to back
#
# Prints one Markdown table row per (size, dataflow), preceded by the machine and its load.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"8 16"}
DATAFLOWS=${DATAFLOWS:-"ws os"}
RUNS=${RUNS:-3}
WORK=${WORK:-target/bench-verilator-build}
if [ -z "${POTMAC:-}" ]; then
  cargo build --release --quiet -j1
  POTMAC=$PWD/target/release/potmac
  WHICH="potmac $(git describe --always --dirty 2>/dev/null || echo '?')"
else
  WHICH="potmac $("$POTMAC" --version 2>/dev/null | awk '{ print $2 }') at $POTMAC (given)"
fi
rm -rf "$WORK"
mkdir -p "$WORK/configs"

echo "$WHICH, $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "$(verilator --version), $(g++ --version | head -1); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| array | dataflow | builds | best wall s | median wall s | median CPU s |"
echo "|---|---|---|---|---|---|"
# median: the middle of the numbers on stdin (the lower middle for an even count).
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for n in $SIZES; do
  for df in $DATAFLOWS; do
    name=bench_pot_${df}${n}x${n}
    cfg=$WORK/configs/$name.yaml
    cat >"$cfg" <<YAML
name: $name
weights: {format: pot, bits: 4, zero: code}
activations: {bits: 8, signed: false}
max_dot_length: 256
array: {rows: $n, cols: $n, dataflow: $df}
YAML
    "$POTMAC" generate "$cfg" --out "$WORK" >/dev/null
    dir=$WORK/$name
    # The Makefile's Verilator build line, without the waves variable and its build folder.
    cmd=$(sed -n 's/^\tverilator --binary/verilator --binary/p' "$dir/Makefile" |
      sed 's/ \$(VERILATOR_WAVES)//; s/-Mdir [^ ]*//')
    walls=() cpus=()
    for ((i = 0; i < RUNS; i++)); do
      rm -rf "$dir/build-bench"
      TIMEFORMAT='%R %U %S'
      t=$( { time (cd "$dir" && $cmd -Mdir build-bench >build-bench.log 2>&1) ; } 2>&1 )
      read -r real user sys <<<"$t"
      walls+=("$real")
      cpus+=("$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')")
      test -x "$dir/build-bench/Vsim" || { echo "$name: build failed, see $dir/build-bench.log" >&2; exit 1; }
    done
    best=$(printf '%s\n' "${walls[@]}" | sort -g | head -1)
    med=$(printf '%s\n' "${walls[@]}" | median)
    cpu=$(printf '%s\n' "${cpus[@]}" | median)
    echo "| ${n}x${n} | $df | $RUNS | $best | $med | $cpu |"
  done
done
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
