#!/usr/bin/env bash
# Counts the public declarations of the embedding host API (Sources/Quill/Embedding) and, for
# context, of each library module: every line that declares something `public` or `open`.
# docs/embedding.md quotes the first number; RuntimeAPITests.testPublicSurfaceMatchesTheDocs
# keeps the two in step.
set -euo pipefail
cd "$(dirname "$0")/.."
count() { grep -rhE '^\s*(public|open) ' "$@" | grep -vE '^\s*(public|open) import ' | wc -l | tr -d ' '; }
echo "host API (Sources/Quill/Embedding): $(count Sources/Quill/Embedding)"
for module in Quill QuillLanguage QuillLLM QuillEngine; do
  echo "module $module: $(count Sources/$module)"
done
