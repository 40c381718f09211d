# Sourced by the engine benchmarks (run.sh, context.sh): their shared settings, a release
# build of quill, and helpers for llama.cpp's tools and the models' files.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
THREADS=${THREADS:-2}
MODELS=${MODELS:-"smollm2 gemma3-270m qwen2.5-coder-0.5b"}
LLAMACPP_BIN=${LLAMACPP_BIN:-/work/cache/llama.cpp-build/bin}
OUT=Benchmarks/out
mkdir -p "$OUT"

swift build -c release -Xswiftc -enable-testing --build-tests >/dev/null
Q=.build/release/quill

# Stops unless each named llama.cpp tool is built in LLAMACPP_BIN.
require_llama() {
  for tool in "$@"; do
    [ -x "$LLAMACPP_BIN/$tool" ] || { echo "$tool not found in $LLAMACPP_BIN; run Benchmarks/engine/build-llamacpp.sh" >&2; exit 1; }
  done
}

# Runs llama.cpp's tool $1 with the remaining arguments.
llama() {
  local tool=$1
  shift
  LD_LIBRARY_PATH="$LLAMACPP_BIN" "$LLAMACPP_BIN/$tool" "$@"
}

# The file of catalog model $1 (pulled on first use), or $1 itself if it is a .gguf path.
model_file() {
  case "$1" in *.gguf) echo "$1" ;; *) $Q pull "$1" 2>/dev/null | tail -1 ;; esac
}
