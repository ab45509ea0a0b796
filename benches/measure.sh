#!/usr/bin/env bash
# Interleaved tapegrad / PyTorch runs for the side-by-side table of docs/performance.md.
#
#   benches/measure.sh [ROUNDS] [PYTHON]     (defaults: 2 rounds, /work/venv/bin/python)
#
# For each round and each thread count (1, then 2), runs examples/bench then
# benches/pytorch_baseline.py, so both sides see the same machine conditions; then prints the
# comparison tables from the best figure of each side over the rounds. Results are kept in
# target/measure/. Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
py=${2:-/work/venv/bin/python}
out=target/measure
mkdir -p "$out"
cargo build --release --example bench
for r in $(seq 1 "$rounds"); do
  for t in 1 2; do
    echo "round $r, $t thread(s); load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    ./target/release/examples/bench --threads "$t" > "$out/tapegrad-t$t-r$r.json"
    "$py" benches/pytorch_baseline.py --threads "$t" > "$out/pytorch-t$t-r$r.json"
  done
done
for t in 1 2; do
  rs=$(ls "$out"/tapegrad-t$t-r*.json | head -n "$rounds" | paste -sd,)
  ps=$(ls "$out"/pytorch-t$t-r*.json | head -n "$rounds" | paste -sd,)
  echo
  echo "### $t thread(s), best of $rounds interleaved runs per side"
  echo
  python3 benches/compare.py --markdown "$rs" "$ps"
done
