#!/usr/bin/env bash
# Server throughput: generated tokens/s of `quill serve` with 1 client against 8 concurrent clients
# (32 greedy non-streaming chat requests of max_tokens 64 each, 3 alternating rounds).
# Usage: Benchmarks/serve/run.sh [REQUESTS] [MAX_TOKENS] [CLIENTS] [ROUNDS]
# Needs only python3 (the client uses urllib). Check `top` first: other builds distort the ratio.
set -euo pipefail
cd "$(dirname "$0")/../.."
[[ "${SKIP_BUILD:-0}" == 1 ]] || swift build -c release --product quill >&2
quill=.build/release/quill
echo "# $(date -u +%Y-%m-%d) $(git rev-parse --short HEAD) $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
out=$(mktemp)
$quill serve --port 0 smollm2 > "$out" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 1 600); do grep -q "listening on" "$out" && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.]*:[0-9]*' "$out")
python3 Benchmarks/serve/bench.py "$url" smollm2 "${1:-32}" "${2:-64}" "${3:-8}" "${4:-3}"
