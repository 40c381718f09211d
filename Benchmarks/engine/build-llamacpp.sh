#!/usr/bin/env bash
# Build llama.cpp beside the project, as a reference for golden fixtures and benchmarks.
#
# llama.cpp's source comes from the llama-cpp-python source distribution on PyPI (its vendor/llama.cpp).
# None of llama.cpp's code is committed to this repository; only this script and our own llama-logits.cpp.
#
# Environment (all optional):
#   LLAMACPP_PY_VERSION  llama-cpp-python sdist version (default 0.3.36 = llama.cpp commit 0c1e57098)
#   LLAMACPP_SDIST_DIR   where the sdist is downloaded   (default /work/cache/llamacpp-src)
#   LLAMACPP_DIR         where the sdist is unpacked     (default /work/cache/llama.cpp)
#   LLAMACPP_BUILD_DIR   CMake build directory           (default /work/cache/llama.cpp-build)
#   JOBS                 parallel build jobs             (default 2)
#
# Result: $LLAMACPP_BUILD_DIR/bin/{llama-cli,llama-tokenize,llama-bench,llama-batched-bench,llama-quantize,llama-logits}
# and libllama / libggml* beside them. About 10 minutes on 2 cores.
set -euo pipefail

VERSION="${LLAMACPP_PY_VERSION:-0.3.36}"
SDIST_DIR="${LLAMACPP_SDIST_DIR:-/work/cache/llamacpp-src}"
LLAMACPP_DIR="${LLAMACPP_DIR:-/work/cache/llama.cpp}"
BUILD_DIR="${LLAMACPP_BUILD_DIR:-/work/cache/llama.cpp-build}"
JOBS="${JOBS:-2}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# 1. Download the sdist. `--no-binary llama-cpp-python` (rather than `--no-binary :all:`) so that pip may use
#    wheels for the sdist's build requirements when it prepares metadata; with `:all:` it compiles CMake itself.
SDIST="$SDIST_DIR/llama_cpp_python-$VERSION.tar.gz"
if [ ! -f "$SDIST" ]; then
    mkdir -p "$SDIST_DIR"
    python3 -m pip download --no-deps --no-binary llama-cpp-python "llama-cpp-python==$VERSION" -d "$SDIST_DIR"
fi

# 2. Unpack: $LLAMACPP_DIR holds the sdist's top level, $LLAMACPP_DIR/vendor/llama.cpp the llama.cpp tree.
if [ ! -f "$LLAMACPP_DIR/vendor/llama.cpp/CMakeLists.txt" ]; then
    mkdir -p "$LLAMACPP_DIR"
    tar xzf "$SDIST" -C "$LLAMACPP_DIR" --strip-components=1
fi
SRC="$LLAMACPP_DIR/vendor/llama.cpp"
# The sdist has no .git; the llama.cpp commit is the newest "update llama.cpp to" line of its CHANGELOG.
COMMIT="$(grep -m1 -o 'update llama.cpp to ggml-org/llama.cpp@[0-9a-f]*' "$LLAMACPP_DIR/CHANGELOG.md" | sed 's/.*@//' || true)"
echo "llama-cpp-python $VERSION, llama.cpp commit ${COMMIT:-unknown}"

# 3. CMake (from PyPI if the machine has none).
if ! command -v cmake >/dev/null 2>&1; then
    python3 -m pip install cmake
fi

# 4. Configure and build (Release, CPU, native kernels).
cmake -S "$SRC" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DLLAMA_CURL=OFF -DGGML_NATIVE=ON \
    ${COMMIT:+-DLLAMA_BUILD_COMMIT="$COMMIT"}
cmake --build "$BUILD_DIR" --config Release -j "$JOBS" \
    --target llama llama-cli llama-tokenize llama-bench llama-batched-bench llama-quantize

# 5. Our own driver: per-position logits through llama.h's public API.
"${CXX:-g++}" -O2 -std=c++17 -o "$BUILD_DIR/bin/llama-logits" "$HERE/llama-logits.cpp" \
    -I"$SRC/include" -I"$SRC/ggml/include" \
    -L"$BUILD_DIR/bin" -lllama -lggml -lggml-base -Wl,-rpath,"$BUILD_DIR/bin"

echo "built: $BUILD_DIR/bin"
ls "$BUILD_DIR/bin"
