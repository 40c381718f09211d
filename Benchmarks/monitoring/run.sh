#!/usr/bin/env bash
# Hook overhead: local generation (SmolLM2, 6 × 128 tokens, greedy) with and without an empty
# on("token") handler, alternating, ROUNDS rounds each; prints each round and the ratio of the
# medians (with hook / without). Target: below 1.05.
#   Benchmarks/monitoring/run.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-5}
swift build -c release --product quill >/dev/null
quill=.build/release/quill
plain=(); hooked=()
for r in $(seq "$rounds"); do
  p=$($quill run --no-record Benchmarks/monitoring/gen.quill | awk '{print $2}')
  h=$($quill run --no-record Benchmarks/monitoring/gen.quill hook | awk '{print $2}')
  echo "round $r: without hook ${p}s, with empty on(\"token\") ${h}s"
  plain+=("$p"); hooked+=("$h")
done
python3 - "${plain[*]}" "${hooked[*]}" <<'PY'
import statistics, sys
plain = [float(x) for x in sys.argv[1].split()]
hooked = [float(x) for x in sys.argv[2].split()]
p, h = statistics.median(plain), statistics.median(hooked)
print(f"median without {p:.3f}s, with {h:.3f}s: ratio {h / p:.3f} ({(h / p - 1) * 100:+.1f}%)")
PY
