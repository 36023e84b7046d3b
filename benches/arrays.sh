#!/usr/bin/env bash
# Benchmarks (not tests) of potmac on PoT W4A8 systolic arrays: wall time of generate, lint,
# Icarus build + run, Verilator build + run and Yosys (generic target), and simulated MAC
# operations per second on each simulator (R*C MAC units x simulated cycles / run time).
#
#   benches/arrays.sh                     all sizes (4 8 16 32), both dataflows
#   SIZES="4 8" DATAFLOWS=os benches/arrays.sh
#   VECTORS=2000 VECTORS_LARGE=0 TIMEOUT=1800 benches/arrays.sh
#     (VECTORS: random-GEMM budget, one GEMM per 250; VECTORS_LARGE replaces it from 32x32 on,
#     where Icarus needs minutes for the directed GEMMs alone)
#   POTMAC=target/debug/potmac benches/arrays.sh   use an existing binary (no release build)
#
# Prints one Markdown table row per (size, dataflow), preceded by the machine description.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=${SIZES:-"4 8 16 32"}
DATAFLOWS=${DATAFLOWS:-"ws os"}
VECTORS=${VECTORS:-2000}
VECTORS_LARGE=${VECTORS_LARGE:-0}
TIMEOUT=${TIMEOUT:-1800}
SKIP_SYNTH_ABOVE=${SKIP_SYNTH_ABOVE:-64}
WORK=${WORK:-target/bench-arrays}
if [ -z "${POTMAC:-}" ]; then
  cargo build --release --quiet
  POTMAC=$PWD/target/release/potmac
fi
mkdir -p "$WORK/configs"

now() { date +%s.%N; }
# secs START: elapsed seconds since START, two decimals.
secs() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
# timed VAR CMD...: run CMD (output to $LOG), store the wall time in VAR ("timeout"/"fail").
timed() {
  local var=$1; shift
  local t0; t0=$(now)
  if timeout "$TIMEOUT" "$@" >>"$LOG" 2>&1; then
    printf -v "$var" '%s' "$(secs "$t0")"
  else
    local rc=$?
    if [ $rc -eq 124 ]; then printf -v "$var" 'timeout'; else printf -v "$var" 'fail'; fi
  fi
}

echo "potmac $(git describe --always --dirty 2>/dev/null || echo '?'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "$(verilator --version), $(iverilog -V 2>&1 | head -1), $(yosys -V)"
echo
echo "| array | dataflow | --vectors | cycles simulated | generate s | lint s | Icarus build s | Icarus run s | Icarus MAC/s | Verilator build s | Verilator run s | Verilator MAC/s | Yosys generic s |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
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
    LOG=$WORK/$name.log
    : >"$LOG"
    vectors=$VECTORS
    if [ "$n" -ge 32 ]; then vectors=$VECTORS_LARGE; fi
    timed t_gen "$POTMAC" generate --vectors "$vectors" --out "$WORK/out" "$cfg"
    dir=$WORK/out/$name
    tb=tb_$name
    cyc=$(( $(wc -l <"$dir/vectors/stim.hex") + 8 ))
    pe_cycles=$(( n * n * cyc ))
    mkdir -p "$dir/build/icarus" "$dir/build/verilator"
    timed t_lint make -C "$dir" lint
    timed t_ib bash -c "cd '$dir' && iverilog -g2012 -Wall -o build/icarus/sim.vvp -s $tb -f filelist.f tb/$tb.v"
    timed t_ir bash -c "cd '$dir' && vvp -n build/icarus/sim.vvp | tee build/icarus/sim.log | grep -q '^PASS '"
    timed t_vb bash -c "cd '$dir' && verilator --binary --timing -Wno-fatal -Wno-lint -Wno-style -j $(nproc) --top-module $tb -Mdir build/verilator -o Vsim -f filelist.f tb/$tb.v"
    timed t_vr bash -c "cd '$dir' && ./build/verilator/Vsim | tee build/verilator/sim.log | grep -q '^PASS '"
    rate() { awk -v m="$pe_cycles" -v t="$1" 'BEGIN { if (t + 0 > 0) printf "%.3g", m / t; else print "-" }'; }
    if [ "$n" -le "$SKIP_SYNTH_ABOVE" ]; then
      timed t_ys make -C "$dir" synth TARGET=generic
    else
      t_ys=skipped
    fi
    echo "| ${n}x${n} | $df | $vectors | $cyc | $t_gen | $t_lint | $t_ib | $t_ir | $(rate "$t_ir") | $t_vb | $t_vr | $(rate "$t_vr") | $t_ys |"
  done
done
