#!/usr/bin/env bash
# Regenerates smollm2-q4_1.jsonl: llama.cpp's mean-pooled, L2-normalized embeddings of a few texts
# on the default model, the reference for Transformer.embedding(of:) (EmbeddingGoldenTests).
#
# llama-embedding comes from the llama.cpp build of Benchmarks/engine/build-llamacpp.sh, plus
#   cmake --build /work/cache/llama.cpp-build --target llama-embedding
# The command (each text is one sequence; attention stays causal, as in generation):
#   llama-embedding -m SmolLM2-135M-Instruct.Q4_1.gguf --pooling mean --embd-normalize 2 \
#     --embd-output-format array -t 2 --embd-separator '<#sep#>' -p 'TEXT1<#sep#>TEXT2...'
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BIN="${LLAMACPP_BUILD_DIR:-/work/cache/llama.cpp-build}/bin"
MODEL="${MODEL:-$HOME/.quill/models/SmolLM2-135M-Instruct.Q4_1.gguf}"
texts=(
  "The quick brown fox jumps over the lazy dog."
  "Paris is the capital of France."
  "a"
  "Quill is an embeddable scripting runtime for LLM workflows, written in Swift."
  "Embeddings: mean pooling over every token, then L2 normalization. Ünïcödé — 東京 🚀"
)
joined=$(printf '%s<#sep#>' "${texts[@]}")
joined=${joined%<#sep#>}
"$BIN/llama-embedding" -m "$MODEL" --pooling mean --embd-normalize 2 --embd-output-format array -t 2 \
  --embd-separator '<#sep#>' -p "$joined" 2>/dev/null > /tmp/quill-embeddings.json
python3 - "$HERE/smollm2-q4_1.jsonl" "${texts[@]}" <<'PY'
import json, sys
out, texts = sys.argv[1], sys.argv[2:]
vectors = json.load(open("/tmp/quill-embeddings.json"))
assert len(vectors) == len(texts), (len(vectors), len(texts))
with open(out, "w") as f:
    for text, vector in zip(texts, vectors):
        f.write(json.dumps({"text": text, "embedding": vector}, ensure_ascii=False) + "\n")
PY
echo "wrote $HERE/smollm2-q4_1.jsonl"
