#!/usr/bin/env bash
# Times one float epoch and one QAT (pot:4, 8-bit activations) epoch of potmac's built-in
# trainer on digits/MLP, Fashion-MNIST/MLP and Fashion-MNIST/CNN. Not a test: prints figures.
# Each epoch time includes the test-set evaluation that follows it (360 / 10,000 samples);
# samples/s counts training samples. Usage: benches/qat.sh [extra `potmac qat` flags]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/potmac
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
for run in "digits mlp" "fashion-mnist mlp" "fashion-mnist cnn"; do
    set -- $run
    log="$out/$1_$2.log"
    "$bin" qat --dataset "$1" --model "$2" --weights pot:4 --fp-epochs 1 --epochs 1 \
        --out "$out/$1_$2" "${@:3}" 2>"$log" >/dev/null
    for phase in fp qat; do
        line=$(grep "^\[$phase\] epoch   1" "$log")
        secs=$(sed -E 's/.*\(([0-9.]+) s, ([0-9]+) samples.*/\1/' <<<"$line")
        rate=$(sed -E 's/.*\(([0-9.]+) s, ([0-9]+) samples.*/\2/' <<<"$line")
        printf '%-14s %-4s %-4s epoch %7s s  %8s samples/s\n' "$1" "$2" "$phase" "$secs" "$rate"
    done
done
