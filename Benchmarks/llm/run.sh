#!/usr/bin/env bash
# Batched generation on the local core against one-at-a-time generation, and against the
# engine's single-sequence decode rate (quill bench tg). Usage: Benchmarks/llm/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
[[ "${SKIP_BUILD:-0}" == 1 ]] || swift build -c release --product quill >&2
quill=.build/release/quill
echo "# $(date -u +%Y-%m-%d) $(git rev-parse --short HEAD) $(nproc) cores" >&2
for round in 1 2 3; do
  $quill run Benchmarks/llm/batch.quill 64 8 64
done
$quill bench -p 16 -n 64 -b 8 -r 3
