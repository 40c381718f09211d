#!/usr/bin/env bash
# The engine beside llama.cpp: same GGUF files, same thread count, runs interleaved so both
# see the same machine state; tokens/s as ratios, plus Quill's batched decoding, prefix-cached
# time to first token, load time and peak memory.
#
#   Benchmarks/engine/run.sh                       # the three catalog models, 2 threads
#   MODELS="smollm2 path/to/other.gguf" THREADS=2 ROUNDS=3 Benchmarks/engine/run.sh
#   PROMPTS=128,512,2048 Benchmarks/engine/run.sh  # prompt lengths (default 128,512)
#
# Needs llama.cpp built by Benchmarks/engine/build-llamacpp.sh (LLAMACPP_BIN, default
# /work/cache/llama.cpp-build/bin). Writes Benchmarks/out/engine.md.
ROUNDS=${ROUNDS:-3}
PROMPTS=${PROMPTS:-128,512}
. "$(dirname "$0")/setup.sh"
require_llama llama-bench

raw="$OUT/engine-raw.jsonl"
: > "$raw"
prompt=$(python3 -c "print(' '.join(['The quick brown fox jumps over the lazy dog.'] * 50))")
for name in $MODELS; do
  model=$(model_file "$name")
  for round in $(seq "$ROUNDS"); do
    echo "$name: round $round/$ROUNDS" >&2
    $Q bench -m "$model" -t "$THREADS" -p "$PROMPTS" -n 64 -r 3 --json \
      | sed "s|^|{\"engine\":\"quill\",\"file\":\"$model\",\"row\":|; s/\$/}/" >> "$raw"
    llama llama-bench -m "$model" -t "$THREADS" -p "$PROMPTS" -n 64 -r 3 -o jsonl 2>/dev/null \
      | sed "s|^|{\"engine\":\"llama.cpp\",\"file\":\"$model\",\"row\":|; s/\$/}/" >> "$raw"
  done
  # Batched decoding (8 sequences against one) and prefix caching (a 400-token shared start).
  $Q bench -m "$model" -t "$THREADS" -p 0 -n 64 -b 8 -r 3 --prefix 400 --json \
    | sed "s|^|{\"engine\":\"quill\",\"file\":\"$model\",\"row\":|; s/\$/}/" >> "$raw"
  # Peak memory of a whole generation (≈520-token prompt, 64 generated tokens).
  stats=$( { /usr/bin/time -f "%M" $Q generate -m "$model" -t "$THREADS" --temp 0 --max-tokens 64 --verbose "$prompt" >/dev/null; } 2>&1)
  echo "{\"engine\":\"quill\",\"file\":\"$model\",\"row\":{\"test\":\"rss\",\"kb\":$(echo "$stats" | tail -1),\"kv_mib\":$(echo "$stats" | sed -nE 's/.*KV cache ([0-9.]+) MiB.*/\1/p')}}" >> "$raw"
done

python3 - "$raw" "$THREADS" "$ROUNDS" "$PROMPTS" > "$OUT/engine.md" <<'PY'
import json, os, statistics, sys, datetime
raw, threads, rounds, prompts = sys.argv[1:5]
files = {}
for line in open(raw):
    d = json.loads(line); row = d["row"]; f = files.setdefault(d["file"], {"quill": {}, "llama": {}, "extra": {}})
    if d["engine"] == "quill":
        test = row["test"]
        if test in ("load",) or test.startswith("ttft"): f["extra"].setdefault(test, []).append(row["milliseconds"])
        elif test == "rss": f["extra"]["rss"] = row
        else: f["quill"].setdefault(test, []).append(row["tokens_per_second"])
    else:
        test = f"pp{row['n_prompt']}" if row["n_gen"] == 0 else f"tg{row['n_gen']}"
        f["llama"].setdefault(test, []).append(row["avg_ts"])
print(f"Date: {datetime.date.today()}  ")
print(f"Command: `Benchmarks/engine/run.sh` ({threads} threads, {rounds} interleaved rounds of 3 repetitions; medians)\n")
print("| model | test | Quill t/s | llama.cpp t/s | Quill / llama.cpp |")
print("| --- | --- | ---: | ---: | ---: |")
for path, f in files.items():
    for test in [f"pp{p}" for p in prompts.split(",")] + ["tg64"]:
        q, l = statistics.median(f["quill"][test]), statistics.median(f["llama"][test])
        print(f"| {os.path.basename(path)} | {test} | {q:.1f} | {l:.1f} | {q / l:.2f}× |")
print("\n| model | load | tg64 ×8 sequences (aggregate) | ×8 / ×1 | TTFT 400+16 tokens | with the 400 cached | cached / uncached | peak RSS (bound) |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for path, f in files.items():
    e = f["extra"]; size = os.path.getsize(path) / 1048576
    b8, one = statistics.median(f["quill"]["tg64x8"]), statistics.median(f["quill"]["tg64"])
    un, ca = e["ttft400+16"][0], e["ttft400+16_cached"][0]
    rss = e["rss"]; bound = size + rss["kv_mib"] + 100
    print(f"| {os.path.basename(path)} | {statistics.median(e['load']):.0f} ms | {b8:.1f} t/s | {b8 / one:.2f}× | "
          f"{un:.0f} ms | {ca:.0f} ms | {ca / un:.1%} | {rss['kb'] / 1024:.0f} MiB ({bound:.0f}) |")
PY
cat "$OUT/engine.md"
