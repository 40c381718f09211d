#!/usr/bin/env bash
# Decoding after a long context, and several sequences decoded together, beside llama.cpp:
# same GGUF files and thread count, runs interleaved so both see the same machine state.
#
#   Benchmarks/engine/context.sh                   # the three catalog models, 2 threads
#   MODELS=smollm2 DEPTHS=1024,2048 ROUNDS=2 Benchmarks/engine/context.sh
#
# - generation of 32 tokens after DEPTHS tokens of context: `quill bench -d`, with the f32
#   KV cache (the default) and with the f16 one (`--kv-type f16`, llama.cpp's default), and
#   `llama-bench -d`;
# - 64 tokens for each of 8 sequences at once against one sequence: `quill bench -b 8`
#   and `llama-batched-bench -npl 1,8` (aggregate tokens/s).
# Needs llama.cpp built by Benchmarks/engine/build-llamacpp.sh (LLAMACPP_BIN). Writes
# Benchmarks/out/context.md.
ROUNDS=${ROUNDS:-2}
DEPTHS=${DEPTHS:-1024,2048}
. "$(dirname "$0")/setup.sh"
require_llama llama-bench llama-batched-bench

raw="$OUT/context-raw.jsonl"
: > "$raw"
for name in $MODELS; do
  model=$(model_file "$name")
  tag() { sed "s|^|{\"engine\":\"$1\",\"file\":\"$model\",\"row\":|; s/\$/}/" >> "$raw"; }
  for round in $(seq "$ROUNDS"); do
    echo "$name: round $round/$ROUNDS" >&2
    $Q bench -m "$model" -t "$THREADS" -p 0 -n 32 -d "$DEPTHS" -r 1 --json | tag quill
    $Q bench -m "$model" -t "$THREADS" -p 0 -n 32 -d "$DEPTHS" -r 1 --kv-type f16 --json | tag quill-f16
    llama llama-bench -m "$model" -t "$THREADS" -p 0 -n 32 -d "$DEPTHS" -r 2 -o jsonl 2>/dev/null | tag llama.cpp
    $Q bench -m "$model" -t "$THREADS" -p 0 -n 64 -b 8 -r 1 --json | tag quill
    llama llama-batched-bench -m "$model" -t "$THREADS" -c 1024 -npp 1 -ntg 64 -npl 1,8 --output-format jsonl 2>/dev/null \
      | grep '^{' | tag llama.cpp-batched
  done
done

python3 - "$raw" "$THREADS" "$ROUNDS" > "$OUT/context.md" <<'PY'
import json, os, statistics, sys, datetime
raw, threads, rounds = sys.argv[1:4]
files = {}
for line in open(raw):
    d = json.loads(line); row = d["row"]; f = files.setdefault(d["file"], {})
    if d["engine"].startswith("quill"):
        if "tokens_per_second" not in row: continue
        test = row["test"].replace("@d", " @ d")
        f.setdefault((test, d["engine"]), []).append(row["tokens_per_second"])
    elif d["engine"] == "llama.cpp":
        test = f"tg{row['n_gen']}" + (f" @ d{row['n_depth']}" if row["n_depth"] else "")
        f.setdefault((test, "llama"), []).append(row["avg_ts"])
    else:
        test = "tg64" if row["pl"] == 1 else f"tg64x{row['pl']}"
        f.setdefault((test + " batched", "llama"), []).append(row["speed_tg"])
med = lambda f, k: statistics.median(f[k]) if k in f else float("nan")
print(f"Date: {datetime.date.today()}  ")
print(f"Command: `Benchmarks/engine/context.sh` ({threads} threads, {rounds} interleaved rounds; medians)\n")
print("| model | test | Quill t/s (f32 cache) | Quill t/s (f16 cache) | llama.cpp t/s (f16 cache) | Quill f32 / llama.cpp | Quill f16 / llama.cpp |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
for path, f in files.items():
    for test in sorted({t for t, _ in f if "@" in t}, key=lambda t: int(t.split("d")[-1])):
        q, h, l = med(f, (test, "quill")), med(f, (test, "quill-f16")), med(f, (test, "llama"))
        print(f"| {os.path.basename(path)} | {test} | {q:.1f} | {h:.1f} | {l:.1f} | {q / l:.2f}× | {h / l:.2f}× |")
print("\n| model | Quill 1 sequence | Quill 8 (aggregate) | Quill ×8 / ×1 | llama.cpp 1 | llama.cpp 8 | llama.cpp ×8 / ×1 | 8 sequences: Quill / llama.cpp |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for path, f in files.items():
    q1, q8 = med(f, ("tg64", "quill")), med(f, ("tg64x8", "quill"))
    l1, l8 = med(f, ("tg64 batched", "llama")), med(f, ("tg64x8 batched", "llama"))
    print(f"| {os.path.basename(path)} | {q1:.1f} | {q8:.1f} | {q8 / q1:.2f}× | {l1:.1f} | {l8:.1f} | {l8 / l1:.2f}× | {q8 / l8:.2f}× |")
PY
cat "$OUT/context.md"
