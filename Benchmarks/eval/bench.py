#!/usr/bin/env python3
"""The reference side of the metric benchmark: rouge-score and sacrebleu over a JSON Lines file.

    python3 Benchmarks/eval/bench.py PAIRS.jsonl [SCORES_OUT]

Reads the pairs, then computes rouge-score's ROUGE-L F-measure of every pair
(RougeScorer(["rougeL"], use_stemmer=False), hypothesis as the prediction), sacrebleu's corpus
BLEU over all pairs and its sentence BLEU (effective order, as `sentence_bleu`) of every pair,
timing each part with a monotonic clock after the imports (so interpreter start-up is left out
and reading the file is timed on its own). Prints one JSON line of times and results; BLEU is
divided by 100 to match Quill's 0–1 scale. With SCORES_OUT, also writes each pair's
ROUGE-L and sentence BLEU (after timing) so run.sh can compare them row by row with Quill's.
"""

import json
import sys
import time

from rouge_score import rouge_scorer
from sacrebleu.metrics import BLEU


def main():
    path = sys.argv[1]
    clock = time.perf_counter

    t = clock()
    hyps, refs = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            hyps.append(row["hypothesis"])
            refs.append(row["reference"])
    read_s = clock() - t

    t = clock()
    scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    rouge = [scorer.score(r, h)["rougeL"].fmeasure for h, r in zip(hyps, refs)]  # (target, prediction)
    rouge_s = clock() - t

    t = clock()
    corpus = BLEU().corpus_score(hyps, [refs]).score / 100
    corpus_s = clock() - t

    t = clock()
    sentence_bleu = BLEU(effective_order=True)
    sentence = [sentence_bleu.sentence_score(h, [r]).score / 100 for h, r in zip(hyps, refs)]
    sentence_s = clock() - t

    print(json.dumps({
        "pairs": len(hyps),
        "read_s": read_s, "rouge_l_s": rouge_s, "corpus_bleu_s": corpus_s, "sentence_bleu_s": sentence_s,
        "rouge_l_mean": sum(rouge) / len(rouge), "corpus_bleu": corpus,
        "sentence_bleu_mean": sum(sentence) / len(sentence),
    }))
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as f:
            f.write("".join(f"{a!r} {b!r}\n" for a, b in zip(rouge, sentence)))


if __name__ == "__main__":
    main()
