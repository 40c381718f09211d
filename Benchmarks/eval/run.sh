#!/usr/bin/env bash
# Metric throughput against the Python reference implementations (issue 7): ROUGE-L, corpus
# BLEU and sentence BLEU of the same generated pairs, by rouge-score/sacrebleu (bench.py) and
# by a Quill script on the release binary (bench.quill), side by side in one run.
#
# Usage: Benchmarks/eval/run.sh [PAIRS] [ROUNDS]     (default: 100000 pairs, 3 rounds)
#
# Environment: SKIP_BUILD=1 (don't build quill first), QUILL=path (default
# .build/release/quill), PYTHON=path (default python3, resolved past pyenv shims).
#
# Steps: generate the pairs once into Benchmarks/out/ (make_pairs.py, seeded); copy the quill
# binary to Benchmarks/out/ so a rebuild cannot swap it mid-run; then each round runs Python
# and then Quill on the same file. Round 1 also writes each pair's scores, and the run stops if
# any pair's ROUGE-L or sentence BLEU, the mean ROUGE-L or the corpus BLEU differ by more than
# 1e-6. Prints each round, then the medians, the ratios Python time / Quill time (above 1:
# Quill is faster) and each process's CPU time against its wall time (both sides score on one
# thread); the table also goes to Benchmarks/out/eval_results.md. Run it on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/../.."

PAIRS="${1:-100000}"
ROUNDS="${2:-3}"
OUT=Benchmarks/out
DATA="$OUT/eval_pairs_$PAIRS.jsonl"
QUILL="${QUILL:-.build/release/quill}"
if [[ -z "${PYTHON:-}" ]]; then
    PYTHON="$(python3 -c 'import sys; print(sys.executable)')"
fi
"$PYTHON" -c 'import sacrebleu, rouge_score' 2>/dev/null \
    || { echo "run.sh: needs sacrebleu and rouge-score: $PYTHON -m pip install sacrebleu rouge-score" >&2; exit 1; }

[[ "${SKIP_BUILD:-0}" == 1 ]] || swift build -c release --product quill >&2
mkdir -p "$OUT"
[[ -f "$DATA" ]] || "$PYTHON" Benchmarks/eval/make_pairs.py "$PAIRS" "$DATA"
cp "$QUILL" "$OUT/quill-eval-under-test"

COMMIT="$(git rev-parse --short HEAD)"
[[ -z "$(git status --porcelain -- Sources Package.swift)" ]] || COMMIT="$COMMIT (with uncommitted changes)"
MACHINE="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo) ($(nproc) cores)"

"$PYTHON" - "$DATA" "$ROUNDS" "$OUT" "$COMMIT" "$MACHINE" <<'PYEOF'
import json, os, platform, resource, statistics, subprocess, sys, time

data, rounds, out, commit, machine = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
sides = {
    "python": lambda scores: [sys.executable, "Benchmarks/eval/bench.py", data] + scores,
    "quill": lambda scores: [os.path.join(out, "quill-eval-under-test"), "run", "Benchmarks/eval/bench.quill", data] + scores,
}
parts = [("read_s", "read the file"), ("rouge_l_s", "ROUGE-L, every pair"),
         ("corpus_bleu_s", "corpus BLEU"), ("sentence_bleu_s", "sentence BLEU, every pair")]

def run(side, scores):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    done = subprocess.run(sides[side](scores), capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"run.sh: {side} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = wall
    result["cpu_s"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result["metrics_s"] = sum(result[k] for k, _ in parts[1:])
    return result

results = {side: [] for side in sides}
print(f"# {time.strftime('%Y-%m-%d')} quill {commit}; {platform.python_implementation()} {platform.python_version()}; {machine}")
print(f"# {data}: {rounds} rounds")
for r in range(rounds):
    for side in sides:
        scores = [os.path.join(out, f"eval_scores.{side}.txt")] if r == 0 else []
        res = run(side, scores)
        results[side].append(res)
        print(f"round {r + 1} {side:6}  " + "  ".join(f"{k[:-2]} {res[k]:.3f}" for k, _ in parts)
              + f"  process {res['wall_s']:.2f} s (cpu {res['cpu_s']:.2f} s)", flush=True)
    if r == 0:
        py, q = results["python"][0], results["quill"][0]
        if py["pairs"] != q["pairs"]:
            sys.exit(f"run.sh: python read {py['pairs']} pairs, quill {q['pairs']}")
        rows = [open(os.path.join(out, f"eval_scores.{s}.txt")).read().split("\n") for s in sides]
        worst = [0.0, 0.0]
        for a, b in zip(*rows):
            if a:
                for i, (x, y) in enumerate(zip(a.split(), b.split())):
                    worst[i] = max(worst[i], abs(float(x) - float(y)))
        diffs = {"mean ROUGE-L": abs(py["rouge_l_mean"] - q["rouge_l_mean"]),
                 "corpus BLEU": abs(py["corpus_bleu"] - q["corpus_bleu"]),
                 "mean sentence BLEU": abs(py["sentence_bleu_mean"] - q["sentence_bleu_mean"]),
                 "largest ROUGE-L difference of a pair": worst[0],
                 "largest sentence BLEU difference of a pair": worst[1]}
        print(f"agreement: mean ROUGE-L {py['rouge_l_mean']:.12f} (python) {q['rouge_l_mean']:.12f} (quill); "
              f"corpus BLEU {py['corpus_bleu']:.12f} / {q['corpus_bleu']:.12f}; "
              f"mean sentence BLEU {py['sentence_bleu_mean']:.12f} / {q['sentence_bleu_mean']:.12f}")
        print("          " + "; ".join(f"{k} {v:.1e}" for k, v in diffs.items()))
        if any(v > 1e-6 for v in diffs.values()):
            sys.exit("run.sh: Quill's scores differ from the reference implementations by more than 1e-6")

def median(side, key):
    return statistics.median(r[key] for r in results[side])

lines = ["| part | Python s | Quill s | Python / Quill |", "| --- | ---: | ---: | ---: |"]
for key, label in parts + [("metrics_s", "all three metrics"), ("wall_s", "whole process (start-up, imports, file)")]:
    p, q = median("python", key), median("quill", key)
    lines.append(f"| {label} | {p:.3f} | {q:.3f} | **{p / q:.1f}×** |")
cpu = {s: median(s, "cpu_s") / median(s, "wall_s") for s in sides}
lines.append("")
lines.append(f"Medians of {rounds} rounds; CPU time / wall time of the process: Python {cpu['python']:.2f}, Quill {cpu['quill']:.2f}.")
text = "\n".join(lines) + "\n"
print()
print(text, end="")
with open(os.path.join(out, "eval_results.md"), "w") as f:
    f.write(text)
PYEOF
