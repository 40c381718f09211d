#!/usr/bin/env bash
# Tokenizing beside llama.cpp: `quill tokenize` and `llama-tokenize` on the same GGUF files,
# whole processes timed (so loading the file and building the tokenizer count), for a one-word
# text and for long ones, interleaved; medians of ROUNDS.
#
#   Benchmarks/engine/tokenize.sh                  # the three catalog models
#   SIZES="12000 120000" ROUNDS=5 Benchmarks/engine/tokenize.sh
#
# The long texts are English words drawn at random (a fixed seed), SIZES bytes each. Both tools
# print the same ids (checked here on every text). llama-tokenize loads the whole model, not
# only its vocabulary, so the one-word row is an upper bound for its tokenizer's set-up.
# Writes Benchmarks/out/tokenize.md.
ROUNDS=${ROUNDS:-3}
SIZES=${SIZES:-"12000 120000"}
. "$(dirname "$0")/setup.sh"
require_llama llama-tokenize

texts=$(mktemp -d)
trap 'rm -rf "$texts"' EXIT
echo -n "hello" > "$texts/5"
for size in $SIZES; do
  python3 - "$size" > "$texts/$size" <<'PY'
import random, sys
random.seed(1)
words = ("the quick brown fox jumps over lazy dog model token batch evaluation latency prompt cache "
         "Tokenization, of (long) texts: 42 times 17; naïve café 日本語 🦙 — done.").split()
out, size = [], int(sys.argv[1])
while sum(len(w) + 1 for w in out) < size: out.append(random.choice(words))
sys.stdout.write(" ".join(out)[:size].encode()[:size].decode("utf-8", "ignore"))
PY
done

# Wall seconds of a command, its output discarded.
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }

{
  echo "Date: $(date +%F). Command: \`Benchmarks/engine/tokenize.sh\` (medians of $ROUNDS interleaved rounds; whole processes)"
  echo
  echo "| model | text | quill tokenize | llama-tokenize | llama.cpp / Quill |"
  echo "| --- | ---: | ---: | ---: | ---: |"
  for name in $MODELS; do
    model=$(model_file "$name")
    for size in 5 $SIZES; do
      text="$texts/$size"
      a=$($Q tokenize -m "$model" "$(cat "$text")" | tr -d '[] \n')
      b=$(llama llama-tokenize -m "$model" --file "$text" --ids --log-disable 2>/dev/null | tr -d '[] \n')
      [ "$a" == "$b" ] || { echo "$name: the ids differ on the $size-byte text" >&2; exit 1; }
      q=(); l=()
      for round in $(seq "$ROUNDS"); do
        q+=("$(seconds $Q tokenize -m "$model" "$(cat "$text")")")
        l+=("$(seconds llama llama-tokenize -m "$model" --file "$text" --ids --log-disable)")
      done
      python3 - "$(basename "$model")" "$size" "${q[*]}" "${l[*]}" <<'PY'
import statistics, sys
name, size, q, l = sys.argv[1], int(sys.argv[2]), [float(x) for x in sys.argv[3].split()], [float(x) for x in sys.argv[4].split()]
mq, ml = statistics.median(q), statistics.median(l)
print(f"| {name} | {size:,} bytes | {mq * 1000:.0f} ms | {ml * 1000:.0f} ms | {ml / mq:.2f}× |")
PY
    done
  done
} | tee "$OUT/tokenize.md"
