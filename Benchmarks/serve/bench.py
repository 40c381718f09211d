"""Throughput of `quill serve`: generated tokens per second with 1 client against N concurrent clients.

Usage: python3 bench.py BASE_URL MODEL [REQUESTS] [MAX_TOKENS] [CLIENTS] [ROUNDS]
Sends the same REQUESTS greedy chat completions (non-streaming, max_tokens MAX_TOKENS) first one at a
time, then from CLIENTS threads at once, ROUNDS times each, alternating; tokens/s counts the
completion_tokens the server reports over the wall time of each batch of requests. Prints one line
per run and a JSON summary line last.
"""
import json
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

base_url, model = sys.argv[1], sys.argv[2]
requests = int(sys.argv[3]) if len(sys.argv) > 3 else 32
max_tokens = int(sys.argv[4]) if len(sys.argv) > 4 else 64
clients = int(sys.argv[5]) if len(sys.argv) > 5 else 8
rounds = int(sys.argv[6]) if len(sys.argv) > 6 else 3
topics = ["the sea", "a lighthouse", "mountains", "a city at night", "a library", "the desert", "a train journey",
          "autumn leaves", "a chess game", "the moon", "a bakery", "a thunderstorm", "a garden", "a river", "an old clock",
          "a violin"]


def one(i):
    body = {"model": model, "max_tokens": max_tokens, "temperature": 0,
            "messages": [{"role": "user", "content": f"Write a long, detailed story about {topics[i % len(topics)]} (story {i})."}]}
    req = urllib.request.Request(base_url + "/v1/chat/completions", json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.load(r)["usage"]["completion_tokens"]


def run(concurrency):
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        tokens = sum(pool.map(one, range(requests)))
    seconds = time.monotonic() - start
    return tokens, seconds


one(0)  # warm-up: the first request pays for page faults and the scheduler's start
results = {1: [], clients: []}
for r in range(rounds):
    for c in (1, clients):
        tokens, seconds = run(c)
        results[c].append(tokens / seconds)
        print(f"round {r + 1}: {c} client(s): {tokens} tokens in {seconds:.2f} s = {tokens / seconds:.1f} tokens/s", flush=True)
best1, bestN = max(results[1]), max(results[clients])
mean1, meanN = sum(results[1]) / rounds, sum(results[clients]) / rounds
print(json.dumps({"requests": requests, "max_tokens": max_tokens, "clients": clients, "rounds": rounds,
                  "tokens_per_second_1": round(mean1, 1), f"tokens_per_second_{clients}": round(meanN, 1),
                  "ratio_of_means": round(meanN / mean1, 2), "ratio_of_best": round(bestN / best1, 2)}))
