#!/usr/bin/env python3
"""Writes (hypothesis, reference) pairs for the metric benchmark as JSON Lines.

    python3 Benchmarks/eval/make_pairs.py [COUNT] [PATH]    (default: 100000, Benchmarks/out/eval_pairs_COUNT.jsonl)

Each line is {"hypothesis": ..., "reference": ...}. References are English-like sentences of
5 to 60 words with punctuation, numbers, money, percentages, times, hyphenated words,
contractions, parentheses and quotes, and now and then a non-ASCII word; hypotheses are
derived from them the way model outputs relate to gold answers: shortened (a summary), with
synonyms swapped in, words dropped, reordered or added, numbers written differently, and a
few identical or unrelated. The generator is seeded, so the same COUNT gives the same file
byte for byte; the data is generated, never committed.
"""

import json
import os
import random
import sys

SEED = 20261206

NOUNS = """model team report customer revenue quarter market product service engineer manager
budget project deadline meeting server database request user account invoice payment contract
policy system network update release feature bug test result dataset sample question answer
city river company government election school student teacher hospital patient doctor study
price cost growth sales profit loss share investor analyst forecast trend region country
energy climate storm weather rain temperature road traffic train flight airport ticket hotel
book author story chapter film music album concert player match season league coach goal
data memory disk file folder version language library framework method function error
village bridge museum garden kitchen window door table chair phone laptop screen battery""".split()

VERBS = """said reported announced found showed increased decreased reached raised cut improved
reduced launched released fixed tested approved rejected delayed expected predicted described
explained confirmed denied reviewed measured built opened closed moved sent received paid
signed visited joined left won lost scored played wrote read changed added removed replaced
shipped deployed trained evaluated compared requested answered asked completed started""".split()

ADJECTIVES = """new old large small strong weak quick slow early late major minor recent final
annual quarterly local national global public private main key current previous next first
last high low important significant simple complex stable critical open free full empty
well-known state-of-the-art long-term short-term high-quality low-cost real-time""".split()

ADVERBS = """quickly slowly sharply steadily nearly roughly largely mostly clearly finally
recently already again still also only just even""".split()

NAMES = """Alice Bob Carol David Emma Frank Grace Henry Irene James Karen Liam Maria Nina Omar
Paula Quinn Ravi Sofia Tom Uma Victor Wendy Acme Globex Initech Umbrella Contoso Northwind
London Paris Berlin Madrid Tokyo Toronto Sydney Chicago Boston Denver""".split()

# Now and then a word outside ASCII, as real text has (names, loanwords).
FOREIGN = ["café", "Zürich", "naïve", "résumé", "São Paulo", "Müller", "Ångström", "façade", "piñata", "Kraków"]

PREPOSITIONS = "in on at for with from to by about after before during over under near".split()
DETERMINERS = ["the", "a", "this", "that", "their", "our", "its", "every", "each", "some"]
CONNECTORS = [", and", ", but", "; however,", " because", " while", ", which means", " so", ", although"]
FILLERS = ["actually", "basically", "in fact", "overall", "in short", "notably", "according to the report"]
CONTRACTIONS = ["don't", "it's", "we'll", "they're", "isn't", "can't", "won't", "that's"]

SYNONYMS = {
    "said": "stated", "reported": "noted", "announced": "declared", "increased": "rose",
    "decreased": "fell", "reached": "hit", "raised": "lifted", "cut": "reduced", "improved": "boosted",
    "launched": "introduced", "released": "published", "fixed": "repaired", "expected": "anticipated",
    "large": "big", "small": "little", "quick": "fast", "major": "big", "recent": "latest",
    "important": "crucial", "significant": "notable", "simple": "easy", "company": "firm",
    "customer": "client", "revenue": "income", "profit": "earnings", "study": "research",
    "sharply": "steeply", "nearly": "almost", "roughly": "about", "mostly": "mainly",
    "quarter": "period", "city": "town", "film": "movie", "error": "fault",
}


def number(rng):
    kind = rng.randrange(9)
    if kind == 0:
        return f"{rng.randint(1, 99)}%"
    if kind == 1:
        return f"${rng.randint(1, 999)}.{rng.randint(0, 99):02d}"
    if kind == 2:
        return f"{rng.randint(1, 99)},{rng.randint(0, 999):03d}"
    if kind == 3:
        return str(rng.randint(1990, 2030))
    if kind == 4:
        return f"{rng.randint(1, 12)}:{rng.choice(['00', '15', '30', '45'])}"
    if kind == 5:
        return f"{rng.randint(0, 9)}.{rng.randint(1, 9)}"
    if kind == 6:
        return f"{rng.randint(1, 5)}-{rng.randint(6, 9)}"
    if kind == 7:
        return f"Q{rng.randint(1, 4)}"
    return str(rng.randint(2, 500))


def noun_phrase(rng):
    words = [rng.choice(DETERMINERS)]
    if rng.random() < 0.45:
        words.append(rng.choice(ADJECTIVES))
    if rng.random() < 0.01:
        words.append(rng.choice(FOREIGN))
    words.append(rng.choice(NOUNS))
    return words


def clause(rng):
    words = [rng.choice(NAMES)] if rng.random() < 0.3 else noun_phrase(rng)
    if rng.random() < 0.2:
        words.append(rng.choice(ADVERBS))
    if rng.random() < 0.1:
        words.append(rng.choice(CONTRACTIONS))
    words.append(rng.choice(VERBS))
    if rng.random() < 0.35:
        words.append(number(rng))
    words += noun_phrase(rng)
    if rng.random() < 0.5:
        words.append(rng.choice(PREPOSITIONS))
        words += noun_phrase(rng) if rng.random() < 0.7 else [number(rng)]
    if rng.random() < 0.1:
        inner = noun_phrase(rng)
        words.append("(" + " ".join(inner) + ")")
    if rng.random() < 0.06:
        words.append('"' + rng.choice(NOUNS) + '"')
    if rng.random() < 0.03:
        words.append(rng.choice(["R&D", "Q&A", "AT&T", "e-mail", "co-op", "<none>", "#42", "@team"]))
    return words


def sentence(rng, length):
    """Words (punctuation attached) for one or two sentences of about `length` words."""
    words = clause(rng)
    while len(words) < length:
        words[-1] += rng.choice(CONNECTORS)
        words += clause(rng)
        if len(words) < length and rng.random() < 0.15:
            words[-1] += rng.choice([".", "!", "?"])
            words += clause(rng)
    words = " ".join(words).split()[:length]
    words[0] = words[0][:1].upper() + words[0][1:]
    words[-1] = words[-1].rstrip(",;") + rng.choice([".", ".", ".", "!", "?", ""])
    return words


def paraphrase(rng, ref_words):
    """A model output against the gold text: a summary, a paraphrase, or now and then an
    exact copy or something unrelated."""
    roll = rng.random()
    if roll < 0.03:
        return list(ref_words)
    if roll < 0.08:
        return sentence(rng, rng.randint(5, 40))
    words = list(ref_words)
    if rng.random() < 0.4:
        # A summary: keep a prefix, or about half of the words in order.
        if rng.random() < 0.5:
            words = words[:max(5, int(len(words) * rng.uniform(0.3, 0.8)))]
        else:
            words = [w for w in words if rng.random() < 0.6] or words[:5]
    out = []
    for w in words:
        r = rng.random()
        bare = w.strip(".,;!?").lower()
        if r < 0.08:
            continue
        if r < 0.25 and bare in SYNONYMS:
            w = w.replace(bare, SYNONYMS[bare]) if w.islower() else SYNONYMS[bare]
        elif r < 0.28 and w.endswith("%"):
            w = w[:-1] + " percent"
        elif r < 0.32:
            out.append(rng.choice(FILLERS))
        out.append(w)
    for _ in range(len(out) // 12):
        i = rng.randrange(len(out) - 1) if len(out) > 1 else 0
        if len(out) > 1:
            out[i], out[i + 1] = out[i + 1], out[i]
    while len(out) < 5:
        out.append(rng.choice(NOUNS))
    out = " ".join(out).split()[:60]
    if rng.random() < 0.1:
        out[0] = out[0].upper()
    return out


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(root, "out", f"eval_pairs_{count}.jsonl")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    rng = random.Random(SEED)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for _ in range(count):
            length = int(rng.triangular(5, 60, 16))
            ref = sentence(rng, length)
            hyp = paraphrase(rng, ref)
            f.write(json.dumps({"hypothesis": " ".join(hyp), "reference": " ".join(ref)}, ensure_ascii=False) + "\n")
    print(f"wrote {count} pairs to {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
