"""Hybrid ranking of passages: BM25 and MiniLM cosine, fused by rank, with a confidence.

Kept apart from the store (``knowledge/index.py``) so the benchmark and the index rank with
the very same code. The two retrievers fail differently: BM25 finds the rare exact word
("Gong", "SOC 2") that an embedding blurs; the embedding finds "too expensive" for a question
about pricing. Their scores live on different scales, so they are fused by rank (weighted
reciprocal rank fusion), which needs no calibration per collection.

The fused rank orders passages but says nothing about whether any of them answers the question:
the best passage of a call about something else is still ranked first. The confidence is
therefore absolute: how much of the question's content a passage contains (IDF-weighted term
coverage) and how close its meaning is (cosine), each on a fixed scale.

A question that names a speaker ("what did Ana say about pricing?") asks what that speaker
said: the name is no topic to search for (it is replaced by "they" for the embedding and left
out of BM25), and passages in which that speaker talks rank higher, by their share of the words.

The question is embedded twice: as asked, and as its topic alone ("what did they think about
the pricing of the renewal?" -> "pricing renewal"). The phrasing of a question pulls its vector
toward passages phrased alike (other questions, "what do you think"); the topic alone pulls
toward what was said about it. Each gives a ranking, and both enter the fusion.

The passages returned are ``GAP`` turns apart where the calls allow: two windows of one exchange
quote the same moment twice, where the reader is better served by another moment of the calls.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from knowledge.bm25 import BM25, QUERY_STEMS, STOP_WORDS, query_terms, stem, tokenize

# Above the usual 60: a call has hundreds of passages, and the ranks of the two retrievers
# disagree often enough that a flatter curve lets agreement further down count.
RRF_K = 100
TOPIC_WEIGHT = 0.25  # the topic-only embedding's ranking, beside dense and BM25 (0.5 + 0.5)
GAP = 3  # turns between two passages returned from one call
# Cosines of MiniLM between a question and a passage: unrelated text sits near 0.1, a
# passage on the question's topic from about 0.35; mapped linearly onto 0..1 between these.
COSINE_FLOOR = 0.2
COSINE_CEILING = 0.6
CONFIDENCE_WEIGHT = 0.25
SPEAKER_BOOST = 0.3  # a passage all in the named speaker's words ranks as if 30% better
_WORDS = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Candidate:
    """A stored passage as the ranker sees it."""

    call_id: int
    first_position: int
    last_position: int
    text: str


@dataclass(frozen=True)
class Ranked:
    index: int  # into the candidates given
    fused: float  # the ranking value (higher first); comparable within one search only
    confidence: float  # 0..1, comparable across searches
    bm25: float
    cosine: float


def rank(
    query: str,
    candidates: Sequence[Candidate],
    cosines: Sequence[float] | np.ndarray,
    *,
    topic_cosines: Sequence[float] | np.ndarray | None = None,
    k: int = 5,
    dense_weight: float = 0.5,
    k1: float = 1.2,
    b: float = 0.75,
) -> list[Ranked]:
    """The best ``k`` passages, no two of one call sharing a turn.

    ``cosines`` holds each candidate's cosine to the query (NaN where the dense retriever
    did not return the passage: it then ranks after every passage it did return);
    ``topic_cosines`` the same for the question's topic alone (``topic_of``), if it has one.
    Passages of one call never share a turn, and are ``GAP`` turns apart where the calls are
    long enough to give ``k`` such passages.
    """
    if not candidates:
        return []
    words = [speaker_words(candidate.text) for candidate in candidates]
    named = named_speakers(query, {label for counts in words for label in counts})
    terms = query_terms(query)
    if named:
        said_by = {token for label in named for token in tokenize(_name(label))}
        terms = [term for term in terms if term not in said_by] or terms
    bm25 = BM25([tokenize(candidate.text) for candidate in candidates], k1=k1, b=b)
    lexical = np.asarray(bm25.scores(terms), dtype=np.float64)
    dense = np.nan_to_num(np.asarray(cosines, dtype=np.float64), nan=-2.0)
    fused = dense_weight * _rrf(dense) + (1.0 - dense_weight) * _rrf(lexical, zero_last=True)
    if topic_cosines is not None:
        topic = np.nan_to_num(np.asarray(topic_cosines, dtype=np.float64), nan=-2.0)
        fused = fused + TOPIC_WEIGHT * _rrf(topic)
    if named:
        share = np.asarray([sum(c[label] for label in named) / max(1, sum(c.values()))
                            for c in words])  # fmt: skip
        fused = fused * (1.0 + SPEAKER_BOOST * share)
    confidence = np.asarray([_confidence(bm25.coverage(terms, i), float(dense[i]))
                             for i in range(len(candidates))])  # fmt: skip
    # Ranks alone forget how much better the best is ("Gong" said once beats "looking" said
    # twice); the absolute confidence brings that back.
    key = fused / (fused.max() or 1.0) + CONFIDENCE_WEIGHT * confidence
    order = [int(i) for i in np.argsort(-key, kind="stable")]
    # Apart first; then, if the calls are too short for k such moments, merely distinct.
    picked: list[int] = []
    for gap in (GAP, 0):
        for index in order:
            if len(picked) == k:
                break
            if index not in picked and not any(
                _near(candidates[index], candidates[other], gap) for other in picked
            ):  # a near-copy of a passage already chosen tells the reader nothing new
                picked.append(index)
    picked.sort(key=lambda index: -key[index])
    return [Ranked(index, float(key[index]), float(confidence[index]), float(lexical[index]),
                   float(dense[index])) for index in picked]  # fmt: skip


def speaker_words(text: str) -> Counter[str]:
    """How many words each speaker says in a passage ("Ana Ruiz (Globex): ..." lines)."""
    counts: Counter[str] = Counter()
    for line in text.split("\n"):
        label, _, said = line.partition(": ")
        if said:
            counts[label] += len(said.split())
    return counts


def named_speakers(query: str, labels: set[str]) -> list[str]:
    """The speakers a question names: all of a label's name words, or a first name that
    only one speaker has ("Ana" for "Ana Ruiz (Globex)"; "the professor" for "Professor C")."""
    asked = set(_WORDS.findall(query.lower())) | set(tokenize(query))
    names = {label: _WORDS.findall(_name(label).lower()) for label in labels}
    firsts = Counter(words[0] for words in names.values() if words)
    found = []
    for label, words in names.items():
        whole = bool(words) and all(w in asked or stem(w) in asked for w in words)
        first = bool(words) and len(words[0]) >= 3 and words[0] not in STOP_WORDS
        if whole or (first and words[0] in asked and firsts[words[0]] == 1):
            found.append(label)
    return sorted(found)


def without_speakers(query: str, named: list[str]) -> str:
    """The question with the named speakers replaced by "they", for the embedding."""
    text = query
    for label in sorted(named, key=len, reverse=True):
        pattern = _longest_mention(text, _WORDS.findall(_name(label)))
        if pattern is not None:
            text = pattern.sub("they", text)
    return " ".join(text.split())


def _longest_mention(text: str, words: list[str]) -> re.Pattern[str] | None:
    """The longest run of a name's words that the question holds: "the Industrial Designer's",
    "Industrial Design", "Huw Irranca-Davies" for "Huw Irranca-Davies AM", "Ana" for "Ana Ruiz".
    Without it a part of the name would stay behind ("they Irranca-Davies") as noise."""
    stems = [re.escape(w[:-2] if len(w) > 6 else w) + r"\w*" for w in words]
    for length in range(len(stems), 0, -1):
        for begin in range(len(stems) - length + 1):
            joined = r"[\s-]+".join(stems[begin : begin + length])
            pattern = re.compile(rf"\b(?:the\s+)?{joined}(?:'s)?", re.IGNORECASE)
            if pattern.search(text):
                return pattern
    return None


def topic_of(query: str) -> str:
    """The question's content words as written, without the words that frame it as a
    question about a conversation: "What did they think about the touch screen?" ->
    "touch screen". Empty when nothing is left (then the question has no separate topic)."""
    words = _WORDS.findall(query.replace("\u2019", "'"))
    return " ".join(w for w in words if w.lower() not in STOP_WORDS
                    and stem(w.lower()) not in QUERY_STEMS)  # fmt: skip


def _name(label: str) -> str:
    return label.split(" (", 1)[0]  # "Ana Ruiz (Globex)": the company is not the speaker


def _rrf(scores: np.ndarray, *, zero_last: bool = False) -> np.ndarray:
    """1 / (RRF_K + rank) with rank 1 for the best score; ties share the better rank."""
    order = np.argsort(-scores, kind="stable")
    ranks = np.empty(len(scores), dtype=np.float64)
    ranks[order] = np.arange(1, len(scores) + 1)
    # Equal scores get equal ranks, so the order of storage never decides between them.
    _, first = np.unique(-scores[order], return_index=True)
    for start, end in zip(first, [*first[1:], len(scores)], strict=True):
        ranks[order[start:end]] = start + 1
    result = 1.0 / (RRF_K + ranks)
    if zero_last:
        result[scores <= 0.0] = 0.0  # no query word at all: no lexical evidence, not a rank
    return result


def _near(a: Candidate, b: Candidate, gap: int) -> bool:
    """Same call, and fewer than ``gap`` turns between them (0: sharing a turn)."""
    return (
        a.call_id == b.call_id
        and a.first_position <= b.last_position + gap
        and b.first_position <= a.last_position + gap
    )


def _confidence(coverage: float, cosine: float) -> float:
    closeness = min(1.0, max(0.0, (cosine - COSINE_FLOOR) / (COSINE_CEILING - COSINE_FLOOR)))
    return round(0.5 * coverage + 0.5 * closeness, 4)
