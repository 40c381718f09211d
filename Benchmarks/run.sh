#!/usr/bin/env bash
# Runs the Quill / CPython / Lua benchmarks and prints a Markdown table of the results.
#
# Usage: Benchmarks/run.sh [program ...]        (default: every program in ALL_PROGRAMS)
#
# Environment:
#   SKIP_BUILD=1     do not run `swift build -c release --product quill` first
#   QUILL=path       the quill binary           (default: <repo>/.build/release/quill)
#   PYTHON=path      the CPython binary         (default: python3, resolved past pyenv shims)
#   LUA=path         the Lua binary             (default: lua5.4, else lua)
#   RUNS=n           timed runs per program     (default: 3; WARMUP=n warm-up runs, default 1)
#   STARTUP_RUNS=n   timed runs for `startup`   (default: 30; 5 warm-up runs)
#
# Steps: build; copy the quill binary to Benchmarks/out/quill-under-test (so a rebuild
# during the run cannot swap it); run every program in all three languages and check that
# the outputs are byte-identical (nothing is timed if any differ); time each with hyperfine
# (JSON exported to Benchmarks/out/NAME.json); measure peak RSS with /usr/bin/time -f %M;
# write the table to Benchmarks/out/results.md and print it. Timings are only meaningful
# on an otherwise idle machine: don't run this while a build or tests are running.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$BENCH_DIR")"
PROGRAMS_DIR="$BENCH_DIR/programs"
OUT="$BENCH_DIR/out"

ALL_PROGRAMS=(startup fib loop strings maps closures listops json_roundtrip template)

RUNS="${RUNS:-3}"
WARMUP="${WARMUP:-1}"
STARTUP_RUNS="${STARTUP_RUNS:-30}"
STARTUP_WARMUP="${STARTUP_WARMUP:-5}"

die() { echo "run.sh: error: $*" >&2; exit 1; }

# --- Tools -----------------------------------------------------------------------------

QUILL="${QUILL:-$ROOT/.build/release/quill}"
if [[ -z "${PYTHON:-}" ]]; then
    command -v python3 >/dev/null || die "python3 not found (set PYTHON=...)"
    # `python3` may be a pyenv shim (a shell script): time the real interpreter instead.
    PYTHON="$(python3 -c 'import sys; print(sys.executable)')"
fi
if [[ -z "${LUA:-}" ]]; then
    LUA="$(command -v lua5.4 || command -v lua || true)"
    [[ -n "$LUA" ]] || die "lua5.4 not found (apt-get install -y lua5.4, or set LUA=...)"
fi
command -v hyperfine >/dev/null || die "hyperfine not found (apt-get install -y hyperfine)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (apt-get install -y time)"

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    echo "==> Building quill (release)"
    (cd "$ROOT" && swift build -c release --product quill)
fi
[[ -x "$QUILL" ]] || die "no quill binary at $QUILL (build it, or set QUILL=...)"
[[ -x "$PYTHON" ]] || die "no python at $PYTHON"

if [[ $# -gt 0 ]]; then
    PROGRAMS=("$@")
else
    PROGRAMS=("${ALL_PROGRAMS[@]}")
fi
for p in "${PROGRAMS[@]}"; do
    for ext in quill py lua; do
        [[ -f "$PROGRAMS_DIR/$p.$ext" ]] || die "missing $PROGRAMS_DIR/$p.$ext"
    done
done

mkdir -p "$OUT"
LANGS=(quill python lua)

# Measure a private copy of the binary, so that a rebuild while the benchmarks run cannot
# swap it out halfway through (the table's commit line would then be wrong).
QUILL_COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$ROOT" status --porcelain -- Sources Package.swift 2>/dev/null)" ]]; then
    QUILL_COMMIT="$QUILL_COMMIT (with uncommitted changes)"
fi
if [[ -n "$(find "$ROOT/Sources" "$ROOT/Package.swift" -newer "$QUILL" -print -quit 2>/dev/null)" ]]; then
    echo "run.sh: warning: some sources are newer than $QUILL" >&2
    QUILL_COMMIT="$QUILL_COMMIT (binary older than some sources)"
fi
cp "$QUILL" "$OUT/quill-under-test"
QUILL="$OUT/quill-under-test"

# The command line (as an argv array) that runs program $2 in language $1.
command_for() {
    local lang="$1" prog="$2"
    case "$lang" in
        quill)  CMD=("$QUILL" "$PROGRAMS_DIR/$prog.quill") ;;
        python) CMD=("$PYTHON" "$PROGRAMS_DIR/$prog.py") ;;
        lua)    CMD=("$LUA" "$PROGRAMS_DIR/$prog.lua") ;;
        *) die "unknown language $lang" ;;
    esac
}

# The same command as one string for hyperfine -N, which splits it like a POSIX shell.
command_string() {
    command_for "$1" "$2"
    printf '%q ' "${CMD[@]}"
}

# --- 1. Outputs must agree ---------------------------------------------------------------

echo "==> Checking outputs"
failed=0
for p in "${PROGRAMS[@]}"; do
    ok=1
    for lang in "${LANGS[@]}"; do
        command_for "$lang" "$p"
        if ! "${CMD[@]}" </dev/null >"$OUT/$p.$lang.out" 2>"$OUT/$p.$lang.err"; then
            echo "FAIL: $p ($lang) exited with an error:" >&2
            sed 's/^/    /' "$OUT/$p.$lang.err" | head -20 >&2
            ok=0
        fi
    done
    for lang in quill lua; do
        if ! cmp -s "$OUT/$p.python.out" "$OUT/$p.$lang.out"; then
            echo "FAIL: $p: $lang output differs from python output:" >&2
            diff -u --label "$p (python)" --label "$p ($lang)" \
                "$OUT/$p.python.out" "$OUT/$p.$lang.out" | head -40 >&2 || true
            ok=0
        fi
    done
    if [[ $ok == 1 ]]; then
        printf '    %-16s ok  (%s)\n' "$p" "$(head -c 60 "$OUT/$p.python.out" | tr '\n' ' ')"
    else
        failed=1
    fi
done
[[ $failed == 0 ]] || die "outputs differ or a program failed; not timing anything"

# --- 2. Timing --------------------------------------------------------------------------

echo "==> Timing (hyperfine)"
for p in "${PROGRAMS[@]}"; do
    if [[ "$p" == startup ]]; then
        runs="$STARTUP_RUNS"; warmup="$STARTUP_WARMUP"
    else
        runs="$RUNS"; warmup="$WARMUP"
    fi
    args=()
    for lang in "${LANGS[@]}"; do
        args+=(--command-name "$lang" "$(command_string "$lang" "$p")")
    done
    hyperfine -N --style basic --warmup "$warmup" --runs "$runs" \
        --export-json "$OUT/$p.json" "${args[@]}"
done

# --- 3. Peak memory -----------------------------------------------------------------------

echo "==> Peak RSS (/usr/bin/time -f %M)"
for p in "${PROGRAMS[@]}"; do
    for lang in "${LANGS[@]}"; do
        command_for "$lang" "$p"
        /usr/bin/time -f %M -o "$OUT/$p.$lang.rss" "${CMD[@]}" </dev/null >/dev/null
    done
    printf '    %-16s quill %s KB, python %s KB, lua %s KB\n' "$p" \
        "$(tail -1 "$OUT/$p.quill.rss")" "$(tail -1 "$OUT/$p.python.rss")" "$(tail -1 "$OUT/$p.lua.rss")"
done

# --- 4. Table ---------------------------------------------------------------------------

PY_VERSION="$("$PYTHON" -c 'import platform; print(platform.python_implementation(), platform.python_version())')"
LUA_VERSION="$("$LUA" -v 2>&1 | awk '{print $1, $2}')"
CPU="$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)"
NPROC="$(nproc 2>/dev/null || echo '?')"

"$PYTHON" - "$OUT" "$QUILL_COMMIT" "$PY_VERSION" "$LUA_VERSION" "${CPU:-unknown CPU} ($NPROC cores)" \
    "$RUNS" "$WARMUP" "$STARTUP_RUNS" "${PROGRAMS[@]}" <<'PYEOF'
import datetime, json, math, os, sys

out, commit, py_version, lua_version, cpu, runs, warmup, startup_runs, *programs = sys.argv[1:]
langs = ["quill", "python", "lua"]

def mean_times(prog):
    with open(os.path.join(out, prog + ".json")) as f:
        results = json.load(f)["results"]
    by_name = {r["command"]: r for r in results}
    return {lang: (by_name[lang]["mean"], by_name[lang]["stddev"] or 0.0) for lang in langs}

def peak_mb(prog, lang):
    with open(os.path.join(out, f"{prog}.{lang}.rss")) as f:
        lines = [l.strip() for l in f if l.strip()]
    return int(lines[-1]) / 1024.0   # %M is in KiB

def secs(t):
    return f"{t:.4f}" if t < 0.1 else f"{t:.3f}"

def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")

rows, ratios = [], {}
for prog in programs:
    t = mean_times(prog)
    q, py, lu = t["quill"][0], t["python"][0], t["lua"][0]
    ratios[prog] = (q / py, q / lu)
    mem = [peak_mb(prog, lang) for lang in langs]
    rows.append(f"| {prog} | {secs(q)} | {secs(py)} | {secs(lu)} | {q / py:.2f} | {q / lu:.2f} | "
                + " | ".join(f"{m:.1f}" for m in mem) + " |")

lines = [
    "# Quill benchmark results",
    "",
    f"- date: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}",
    f"- quill: commit {commit}, release build",
    f"- python: {py_version}; lua: {lua_version}",
    f"- machine: {cpu}",
    f"- timing: hyperfine mean of {runs} runs after {warmup} warm-up "
    f"(startup: {startup_runs} runs); memory: peak RSS of one run",
    "- ratios are Quill time / other time: below 1 means Quill is faster",
    "",
    "| program | quill s | python s | lua s | quill/python | quill/lua | quill MB | python MB | lua MB |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    *rows,
]
for label, keys in (("geomean (excluding startup)", [p for p in programs if p != "startup"]),
                    ("geomean (all programs)", programs)):
    if not keys:
        continue
    gp = geomean([ratios[p][0] for p in keys])
    gl = geomean([ratios[p][1] for p in keys])
    lines.append(f"| **{label}** | | | | **{gp:.2f}** | **{gl:.2f}** | | | |")

text = "\n".join(lines) + "\n"
with open(os.path.join(out, "results.md"), "w") as f:
    f.write(text)
print()
print(text, end="")
PYEOF
echo
echo "(written to $OUT/results.md)"
