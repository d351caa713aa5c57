"""A call's summary without an LLM: customer impression, the most informative sentences, next steps.

- Summary: extractive. Sentences of at least ``MIN_WORDS`` words (or short ones that carry an
  insight: "We're also evaluating Gong.") are the candidates; each gets a
  centrality (LexRank: PageRank over the cosine-similarity graph of their vectors; TF-IDF vectors
  by default, or sentence embeddings when an ``embed`` function is given), weighted up a little
  for sentences that carry an insight (a price, an objection, a next step, a competitor), then
  picked greedily with a redundancy penalty (maximal marginal relevance) so the summary does not
  say one thing five times, and shown in the order they were said. About one sentence for every
  ``SENTENCES_PER_PICK`` candidates, between ``MIN_PICKS`` and ``MAX_PICKS``.
- Customer impression: a small sentiment lexicon over the customer's sentences (negation-aware,
  like the objection rules), with each objection counting against. Positive or negative needs a
  clear margin; anything else is neutral. The evidence is the customer's strongest sentence in the
  impression's direction, so a reader can judge it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from knowledge.insights import Sentence, cite
from knowledge.objections import NEGATIONS
from knowledge.text import CLAUSE_BREAK, straight, words

Embed = Callable[[Sequence[str]], NDArray[np.float32]]

MIN_WORDS = 10  # shorter sentences rarely say much (chosen on half of QMSum val)
MIN_PICKS, MAX_PICKS, SENTENCES_PER_PICK = 6, 8, 8
INSIGHT_WEIGHT = 1.6  # a sentence with an insight (price, objection, competitor) counts more
QUESTION_WEIGHT = 0.6  # a question says less about what happened than its answer
REDUNDANCY = 0.35  # how much similarity to an already picked sentence costs (0..1)
DAMPING = 0.85

_POSITIVE = [
    r"love",
    r"great",
    r"excellent",
    r"impress(ed|ive)",
    r"excit(ed|ing)",
    r"perfect",
    r"awesome",
    r"fantastic",
    r"helpful",
    r"useful",
    r"valuable",
    r"makes (a lot of )?sense",
    r"sounds (good|great)",
    r"looks (good|great)",
    r"(really|very) (nice|cool|interesting)",
    r"exactly what",
    r"keen",
    r"compelling",
    r"promising",
    r"game[- ]changer",
    r"big win",
    r"(i|we) like (that|this|it|what)",
    r"interested in",
    r"on board",
    r"let's do it",
    r"move forward",
    r"thrilled",
    r"happy with (this|that|what)",
    r"(that's|that is|sounds|it's|very|really) interesting",
    r"agreed",
    r"(that|this) (really )?helps",
    r"worth it",
    r"(a lot )?easier to justify",
    r"i like (that|the|this) idea",
]
_NEGATIVE = [
    r"concern(ed|s)?",
    r"worr(ied|y|ies)",
    r"skeptic(al)?",
    r"hesitant",
    r"disappoint(ed|ing)",
    r"frustrat(ed|ing)",
    r"not (convinced|sure|impressed)",
    r"unfortunately",
    r"confus(ed|ing)",
    r"clunky",
    r"(doesn't|does not|won't|will not) work for us",
    r"deal[- ]?breaker",
    r"red flag",
    r"(a|too) (big )?risk",
    r"complicated",
    r"underwhelm(ed|ing)",
]
_POSITIVE_RE = [re.compile(r"(?<![\w'])" + p + r"(?![\w'])", re.I) for p in _POSITIVE]
_NEGATIVE_RE = [re.compile(r"(?<![\w'])" + p + r"(?![\w'])", re.I) for p in _NEGATIVE]


def sentence_tone(text: str) -> int:
    """Positive minus negative cues in ``text``; a negated cue counts the other way."""
    text = straight(text)
    score = 0
    for patterns, sign in ((_POSITIVE_RE, 1), (_NEGATIVE_RE, -1)):
        for pattern in patterns:
            for match in pattern.finditer(text):
                clause = CLAUSE_BREAK.split(text[: match.start()])[-1]
                negated = any(w in NEGATIONS or w.endswith("n't") for w in words(clause)[-3:])
                if negated and not match.group(0).lower().startswith(("not ", "doesn't", "won't")):
                    score -= sign
                else:
                    score += sign
    return score


def customer_impression(
    sentences: list[Sentence], objection_positions: list[tuple[int, str]]
) -> dict[str, Any]:
    customer = [s for s in sentences if not s.turn.internal]
    tones = [(sentence_tone(s.text), s) for s in customer]
    objections = {(pos, quote) for pos, quote in objection_positions}
    scored = [
        (tone - (1 if (s.turn.position, s.text) in objections else 0), s) for tone, s in tones
    ]
    positive = sum(score for score, _ in scored if score > 0)
    negative = -sum(score for score, _ in scored if score < 0)
    if positive >= 2 and positive >= 1.5 * negative:
        label = "positive"
    elif negative >= 2 and negative >= 1.5 * positive:
        label = "negative"
    else:
        label = "neutral"
    return {
        "label": label,
        "positive_cues": positive,
        "negative_cues": negative,
        "evidence": [cite(s) for s in _evidence(label, scored)],
    }


def _evidence(label: str, scored: list[tuple[int, Sentence]]) -> list[Sentence]:
    if label == "positive":
        ranked = sorted((i for i in scored if i[0] > 0), key=lambda i: (-i[0], -len(i[1].text)))
        return [s for _, s in ranked[:2]]
    if label == "negative":
        ranked = sorted((i for i in scored if i[0] < 0), key=lambda i: (i[0], -len(i[1].text)))
        return [s for _, s in ranked[:2]]
    mixed = [item for item in scored if item[0] != 0]
    best_positive = max(mixed, key=lambda i: i[0], default=None)
    best_negative = min(mixed, key=lambda i: i[0], default=None)
    return [item[1] for item in (best_positive, best_negative) if item and item[0] != 0]


def extractive_summary(
    sentences: list[Sentence],
    insight_keys: set[tuple[int, str]] | None = None,
    embed: Embed | None = None,
    picks: int | None = None,
    exclude: set[tuple[int, str]] | None = None,
) -> list[dict[str, Any]]:
    """The most informative sentences, in call order, as citable items.

    ``exclude`` (turn position, sentence) are left out: the next steps, shown on their own.
    """
    left_out = exclude or set()
    keys = insight_keys or set()
    candidates = [
        s
        for s in sentences
        if (len(words(s.text)) >= MIN_WORDS or (s.turn.position, s.text) in keys)
        and (s.turn.position, s.text) not in left_out
    ]
    if not candidates:
        candidates = sorted(sentences, key=lambda s: -len(s.text))[:MIN_PICKS]
        return [cite(s) for s in sorted(candidates, key=lambda s: s.start)]
    count = picks or min(MAX_PICKS, max(MIN_PICKS, round(len(candidates) / SENTENCES_PER_PICK)))
    vectors = embed([s.text for s in candidates]) if embed else _tfidf([s.text for s in candidates])
    similarity = _cosine(vectors)
    scores = _lexrank(similarity)
    weights = np.array([_weight(s, keys) for s in candidates])
    chosen = _mmr(scores * weights, similarity, count)
    return [cite(candidates[i]) for i in sorted(chosen, key=lambda i: candidates[i].start)]


def _weight(sentence: Sentence, keys: set[tuple[int, str]]) -> float:
    weight = INSIGHT_WEIGHT if (sentence.turn.position, sentence.text) in keys else 1.0
    return weight * (QUESTION_WEIGHT if sentence.text.rstrip().endswith("?") else 1.0)


def _tfidf(texts: list[str]) -> NDArray[np.float32]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    try:
        matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    except ValueError:  # nothing but stop words
        return np.ones((len(texts), 1), dtype=np.float32)
    return np.asarray(matrix.toarray(), dtype=np.float32)


def _cosine(vectors: NDArray[np.float32]) -> NDArray[np.float64]:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.where(norms == 0, 1, norms)
    return np.clip(unit @ unit.T, 0.0, 1.0).astype(np.float64)


def _lexrank(similarity: NDArray[np.float64]) -> NDArray[np.float64]:
    size = similarity.shape[0]
    graph = similarity.copy()
    np.fill_diagonal(graph, 0.0)
    rows = graph.sum(axis=1, keepdims=True)
    transition = np.where(rows > 0, graph / np.where(rows == 0, 1, rows), 1.0 / size)
    rank = np.full(size, 1.0 / size)
    for _ in range(100):
        updated = (1 - DAMPING) / size + DAMPING * transition.T @ rank
        if np.abs(updated - rank).sum() < 1e-9:
            break
        rank = updated
    return np.asarray(rank / rank.max(), dtype=np.float64)


def _mmr(scores: NDArray[np.float64], similarity: NDArray[np.float64], count: int) -> list[int]:
    chosen: list[int] = []
    remaining = set(range(len(scores)))
    while remaining and len(chosen) < count:

        def value(i: int) -> float:
            overlap = max((similarity[i, j] for j in chosen), default=0.0)
            return float((1 - REDUNDANCY) * scores[i] - REDUNDANCY * overlap)

        best = max(remaining, key=value)
        chosen.append(best)
        remaining.discard(best)
    return chosen
