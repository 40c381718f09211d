#!/usr/bin/env python3
"""Time from starting an interactive REPL in a pseudo-terminal to its first prompt.

Runs each REPL `--rounds` times (default 30) in a fresh pty and reports the median and p90
milliseconds until the prompt text appears on the terminal. Quill's REPL is measured with a
private QUILL_HOME (history only; no model is loaded: models load on first use), beside
CPython's interactive prompt as a familiar reference.

    python3 Benchmarks/repl/startup.py [--quill .build/release/quill] [--rounds 30]
"""
import argparse, os, pty, select, statistics, tempfile, time


def time_to_prompt(argv, prompt, env):
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(argv[0], argv, env)
    seen = b""
    try:
        while prompt not in seen:
            ready, _, _ = select.select([fd], [], [], 10)
            if not ready:
                raise RuntimeError(f"{argv[0]}: no prompt after 10 s; saw {seen!r}")
            seen += os.read(fd, 4096)
        return (time.perf_counter() - start) * 1000
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        os.close(fd)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quill", default=".build/release/quill")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="quill-repl-bench-")
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TERM": "xterm", "LANG": "C.UTF-8", "HOME": home}
    cases = [
        ("quill", [os.path.abspath(args.quill)], b"quill>", dict(base, QUILL_HOME=home, QUILL_NO_RECORD="1")),
        ("python3 -i", ["python3", "-i", "-q"], b">>>", base),
    ]
    print(f"{'REPL':<12} {'median ms':>10} {'p90 ms':>8}  ({args.rounds} rounds)")
    for name, argv, prompt, env in cases:
        times = sorted(time_to_prompt(argv, prompt, env) for _ in range(args.rounds))
        print(f"{name:<12} {statistics.median(times):>10.1f} {times[int(0.9 * (len(times) - 1))]:>8.1f}")


if __name__ == "__main__":
    main()
