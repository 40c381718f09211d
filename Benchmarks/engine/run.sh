#!/usr/bin/env bash
# The engine beside llama.cpp: same GGUF file, same thread count, runs interleaved so both
# see the same machine state; tokens/s as ratios, plus Quill's load time and peak memory.
#
#   Benchmarks/engine/run.sh            # SmolLM2 Q4_1 (pulled if needed), 2 threads
#   MODEL=path.gguf THREADS=2 ROUNDS=3 Benchmarks/engine/run.sh
#
# Needs llama.cpp built by Benchmarks/engine/build-llamacpp.sh (LLAMACPP_BIN, default
# /work/cache/llama.cpp-build/bin). Writes Benchmarks/out/engine.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
LLAMACPP_BIN=${LLAMACPP_BIN:-/work/cache/llama.cpp-build/bin}
OUT=Benchmarks/out
mkdir -p "$OUT"

swift build -c release --product quill >/dev/null
Q=.build/release/quill
MODEL=${MODEL:-$($Q pull smollm2 2>/dev/null | tail -1)}
[ -x "$LLAMACPP_BIN/llama-bench" ] || { echo "llama-bench not found in $LLAMACPP_BIN; run Benchmarks/engine/build-llamacpp.sh" >&2; exit 1; }

raw="$OUT/engine-raw.jsonl"
: > "$raw"
for round in $(seq "$ROUNDS"); do
  echo "round $round/$ROUNDS" >&2
  $Q bench -m "$MODEL" -t "$THREADS" -p 128,512 -n 64 -r 3 --json | sed 's/^/{"engine":"quill","row":/; s/$/}/' >> "$raw"
  LD_LIBRARY_PATH="$LLAMACPP_BIN" "$LLAMACPP_BIN/llama-bench" -m "$MODEL" -t "$THREADS" -p 128,512 -n 64 -r 3 -o jsonl 2>/dev/null \
    | sed 's/^/{"engine":"llama.cpp","row":/; s/$/}/' >> "$raw"
done

# Peak memory of a whole generation (512-token prompt, 64 generated tokens).
prompt=$(python3 -c "print(' '.join(['The quick brown fox jumps over the lazy dog.'] * 50))")
stats=$( { /usr/bin/time -f "%M" $Q generate -m "$MODEL" -t "$THREADS" --temp 0 --max-tokens 64 --verbose "$prompt" >/dev/null; } 2>&1)
rss_kb=$(echo "$stats" | tail -1)
kv_mib=$(echo "$stats" | sed -nE 's/.*KV cache ([0-9.]+) MiB.*/\1/p')

python3 - "$raw" "$MODEL" "$THREADS" "$ROUNDS" "$rss_kb" "$kv_mib" > "$OUT/engine.md" <<'PY'
import json, os, statistics, sys, datetime
raw, model, threads, rounds, rss_kb, kv_mib = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), float(sys.argv[6])
quill, llama, load = {}, {}, []
for line in open(raw):
    d = json.loads(line); row = d["row"]
    if d["engine"] == "quill":
        if row["test"] == "load": load.append(row["milliseconds"])
        else: quill.setdefault(row["test"], []).append(row["tokens_per_second"])
    else:
        test = f"pp{row['n_prompt']}" if row["n_gen"] == 0 else f"tg{row['n_gen']}"
        llama.setdefault(test, []).append(row["avg_ts"])
size = os.path.getsize(model)
print(f"Date: {datetime.date.today()}  ")
print(f"Model: `{os.path.basename(model)}` ({size / 1e6:.1f} MB), {threads} threads, {rounds} interleaved rounds of 3 repetitions each  ")
print(f"Command: `Benchmarks/engine/run.sh`\n")
print("| test | Quill t/s | llama.cpp t/s | Quill / llama.cpp |")
print("| --- | ---: | ---: | ---: |")
for test in ["pp128", "pp512", "tg64"]:
    q, l = statistics.median(quill[test]), statistics.median(llama[test])
    print(f"| {test} | {q:.1f} | {l:.1f} | {q / l:.2f}× |")
print(f"\nModel load (map, parse, tokenizer tables): median {statistics.median(load):.0f} ms over {len(load)} runs.  ")
print(f"Peak RSS of `quill generate` (≈520-token prompt + 64 tokens): {rss_kb / 1024:.1f} MiB; "
      f"bound: file {size / 1048576:.1f} MiB + KV cache {kv_mib:.1f} MiB + 100 MiB = {size / 1048576 + kv_mib + 100:.1f} MiB.")
PY
cat "$OUT/engine.md"
