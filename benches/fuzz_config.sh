#!/usr/bin/env bash
# Fuzzes the config loader for a fixed time on stable Rust: seeded random and mutated YAML
# documents go to Design::from_yaml (examples/fuzz_config.rs, mutations shared with the CI
# property test tests/config_fuzz.rs). Not run by CI. Findings are saved as YAML files.
# Usage: benches/fuzz_config.sh [SECONDS (default 300)] [SEED (default: the time)] [FINDINGS_DIR]
# Exit code: 0 no findings, 1 findings (see FINDINGS_DIR, default target/fuzz_findings).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-300}
seed=${2:-$(date +%s)}
findings=${3:-target/fuzz_findings}
cargo build --release --quiet --example fuzz_config
echo "machine: $(nproc) cores; fuzzing the config loader for ${secs} s, seed ${seed}"
exec target/release/examples/fuzz_config "$secs" "$seed" "$findings"
