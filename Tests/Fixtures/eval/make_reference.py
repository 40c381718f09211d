#!/usr/bin/env python3
"""Reference scores for Quill's BLEU and ROUGE, computed with the reference implementations.

Writes reference.json next to this file: for a fixed corpus of (hypothesis, reference) pairs,
sacrebleu's corpus BLEU (13a tokenizer; smoothing exp, none, floor and add-k) and sentence
BLEU of each pair (exp, none, floor, add-k; effective order), its 13a tokenization, and
rouge-score's ROUGE-1, ROUGE-2 and ROUGE-L (no stemming) precision, recall and F-measure.
QuillLLMTests compares Quill's metrics with these to 1e-6.

Rerun:  python3 -m pip install sacrebleu rouge-score && python3 Tests/Fixtures/eval/make_reference.py
"""

import json
import os

import sacrebleu
from rouge_score import rouge_scorer
from sacrebleu.metrics import BLEU
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

PAIRS = [
    ("The cat sat on the mat.", "The cat sat on the mat."),
    ("The cat is on the mat.", "There is a cat on the mat."),
    ("A quick brown fox jumps over the lazy dog", "The quick brown fox jumped over the lazy dog."),
    ("It costs $3.50, or 3,500 won - about 2-3 dollars.", "It costs $3.50 (about 3,500 won), i.e. 2-3 dollars."),
    ("Hello, world!", "Hello world"),
    ("", "Something was expected here."),
    ("only the hypothesis", ""),
    ("Billing issue: my card was charged twice.", "billing"),
    ("Paris is the capital of France.", "The capital of France is Paris."),
    ("the the the the the the the", "The cat is on the mat."),
    ("Summarise: revenue grew 12% in Q3, driven by cloud sales.",
     "Revenue rose 12 percent in the third quarter thanks to cloud sales."),
    ("He said \"no\" & left <quickly>.", "He said &quot;no&quot; and left quickly."),
    ("e-mail me at ann@example.com / 555-1234", "email Ann at ann@example.com or call 555-1234"),
    ("Über café naïve résumé", "Uber cafe naive resume"),
    ("Machine learning models need data; lots of it!", "Models of machine learning need lots of data."),
    ("1,000.5 and 2.75 and .5 and 5.", "1,000.5 plus 2.75 plus 0.5 plus 5"),
    ("short", "a much longer reference sentence with many words in it"),
    ("a much longer hypothesis sentence with many more words than the short reference has", "short reference"),
    ("Tokens: [brackets] {braces} (parens) <angles> back`tick ~tilde^ under_score",
     "Tokens: brackets braces parens angles backtick tilde underscore"),
    ("The meeting is on Tuesday at 10:30 am in room 4-B.", "Meeting: Tuesday, 10:30am, room 4-B."),
    ("We'll ship it -- hopefully -- by Friday.", "We will ship it by Friday, hopefully."),
    ("THE CAT SAT ON THE MAT", "the cat sat on the mat"),
    ("rain rain go away come again another day", "rain go away, come again some other day"),
    ("Quill runs scripts over a bundled CPU transformer core.",
     "Quill runs workflow scripts on a CPU transformer core it bundles."),
]


def bleu_scores(method, hyps, refs, sentence):
    kwargs = {"smooth_method": method}
    if sentence:
        metric = BLEU(effective_order=True, **kwargs)
        return [metric.sentence_score(h, [r]).score for h, r in zip(hyps, refs)]
    return BLEU(**kwargs).corpus_score(hyps, [refs]).score


def main():
    hyps = [h for h, _ in PAIRS]
    refs = [r for _, r in PAIRS]
    tokenizer = Tokenizer13a()
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=False)
    pairs = []
    for h, r in PAIRS:
        rouge = scorer.score(r, h)  # rouge-score takes (target, prediction)
        pairs.append({
            "hypothesis": h, "reference": r,
            "tokens_13a": tokenizer(h),
            "sentence_bleu": {m: bleu_scores(m, [h], [r], True)[0] for m in ["exp", "none", "floor", "add-k"]},
            "rouge": {k: {"precision": v.precision, "recall": v.recall, "fmeasure": v.fmeasure} for k, v in rouge.items()},
        })
    out = {
        "generated_with": {"sacrebleu": sacrebleu.__version__, "rouge_score": "rouge-score (PyPI), use_stemmer=False"},
        "corpus_bleu": {m: bleu_scores(m, hyps, refs, False) for m in ["exp", "none", "floor", "add-k"]},
        "pairs": pairs,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("wrote", path, "with", len(pairs), "pairs")


if __name__ == "__main__":
    main()
