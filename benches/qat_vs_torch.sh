#!/usr/bin/env bash
# potmac's CNN QAT against a plain eager PyTorch QAT of the same network (benches/qat_vs_torch.py:
# same architecture, batch 64, Adam, 4-bit PoT weight fake-quant with the STE, 8-bit activation
# fake-quant), per-epoch training time on Fashion-MNIST at the same thread count. Not a test and
# not run by CI. Each side runs one float and one QAT epoch, alternately, REPEATS times; the
# best (shortest) epoch of each is compared, since the machine may be shared.
#
# Usage: benches/qat_vs_torch.sh [--install] [THREADS [REPEATS [TRAIN_LIMIT]]]
#   --install   create target/torch-venv and pip install torch and numpy into it first
#   THREADS     default: nproc; REPEATS default 3; TRAIN_LIMIT default 60000 (all)
# Needs the Debian package dataset-fashion-mnist (or FASHION_DIR=...).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/torch-venv
if [[ "${1:-}" == "--install" ]]; then
    shift
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet torch numpy
fi
py="${TORCH_PYTHON:-$venv/bin/python}"
if ! "$py" -c 'import torch, numpy' 2>/dev/null; then
    echo "error: no PyTorch at $py: run benches/qat_vs_torch.sh --install (or set TORCH_PYTHON)" >&2
    exit 2
fi
threads="${1:-$(nproc)}"
repeats="${2:-3}"
limit="${3:-60000}"
data="${FASHION_DIR:-/usr/share/datasets/fashion-mnist}"
cargo build --release --quiet
bin=target/release/potmac
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); torch $("$py" -c 'import torch; print(torch.__version__)'); $threads threads, $limit training images, best of $repeats"
best() { sort -g | head -1; }
for r in $(seq "$repeats"); do
    "$bin" qat --dataset fashion-mnist --model cnn --weights pot:4 --fp-epochs 1 --epochs 1 \
        --threads "$threads" --train-limit "$limit" --test-limit 1000 --golden-samples 1 \
        --data-dir "$data" --out "$out/potmac" 2>"$out/potmac.log" >/dev/null
    for phase in fp qat; do
        grep "^\[$phase\] epoch   1" "$out/potmac.log" \
            | sed -E 's/.*\(([0-9.]+) s, .*/\1/' >>"$out/potmac_$phase"
    done
    # Passive OpenMP waiting: on a shared machine, spinning worker threads make PyTorch many
    # times slower (measured 20x at 2 threads), which would flatter potmac.
    OMP_WAIT_POLICY=PASSIVE "$py" benches/qat_vs_torch.py "$data" "$threads" "$limit" >"$out/torch.log"
    for phase in fp qat; do
        grep "^torch $phase epoch" "$out/torch.log" | awk '{print $4}' >>"$out/torch_$phase"
    done
    echo "run $r: potmac fp $(tail -1 "$out/potmac_fp") s, qat $(tail -1 "$out/potmac_qat") s; torch fp $(tail -1 "$out/torch_fp") s, qat $(tail -1 "$out/torch_qat") s"
done
for phase in fp qat; do
    p=$(best <"$out/potmac_$phase")
    t=$(best <"$out/torch_$phase")
    awk -v ph="$phase" -v p="$p" -v t="$t" -v n="$limit" 'BEGIN {
        printf "%-3s epoch: potmac %6.2f s (%6.0f samples/s)  PyTorch %6.2f s (%6.0f samples/s)  PyTorch/potmac %.2fx\n",
            ph, p, n / p, t, n / t, t / p }'
done
