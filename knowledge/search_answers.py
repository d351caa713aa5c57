"""Answers by retrieval: the best passages of the selected calls, quoted with citations.

The index (``knowledge.index.CallIndex``) searches only the selected calls' passages; a passage
counts when its confidence reaches the index's ``min_confidence`` and it shares a content word
with the question (or its confidence is very high: a paraphrase). Below that the answer is "I
couldn't find that", never a guess. From each passage the quoted evidence is the turn that best
covers the question's words (the customer's turn first when the question asks what "they" or a
customer said), cut to its best sentences; the text always comes from the stored segments.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select

from knowledge.asking import Asked
from knowledge.bm25 import query_terms, tokenize
from knowledge.citations import Answer, Citation, speaker_company
from knowledge.models import CallSegment
from knowledge.text import split_sentences

DEFAULT_MIN_CONFIDENCE = 0.3
STRONG_CONFIDENCE = 0.45  # trusted without a shared word (a paraphrase, very close in meaning)
MAX_EVIDENCE = 3
PASSAGES = 5
_THEY = re.compile(
    r"\b(?:they|them|their|customer|client|prospect|buyer)\b|\bdid \w+ say\b", re.IGNORECASE
)


class Passage(Protocol):
    @property
    def call_id(self) -> int: ...
    @property
    def first_position(self) -> int: ...
    @property
    def last_position(self) -> int: ...
    @property
    def score(self) -> float: ...


class Retriever(Protocol):
    def search(self, query: str, call_ids: Sequence[int], k: int = 5) -> Sequence[Passage]: ...


@dataclass(frozen=True)
class Evidence:
    passage: Passage
    segments: list[CallSegment]  # the passage's turns, from SQL
    best: CallSegment
    quote: str
    overlap: float


def search_query(asked: Asked) -> str:
    """The question without the words that chose the calls ("on my last call with Initech")."""
    text = asked.question
    for phrase in sorted(asked.query.phrases, key=len, reverse=True):
        text = re.sub(re.escape(phrase), " ", text, flags=re.IGNORECASE)
    text = re.sub(r"\b(?:on|in|with|from|during|of)\s+(?:my|our|the|their)?\s*(?:calls?|meetings?)"
                  r"\b", " ", text, flags=re.IGNORECASE)  # fmt: skip
    text = re.sub(r"\b(?:on|in|with|from|during|of|at|for|by)\s*(?=[?.!]*\s*$)", " ", text.strip())
    cleaned = " ".join(text.split())
    return cleaned if query_terms(cleaned) else asked.question


def find_evidence(asked: Asked, index: Retriever) -> list[Evidence]:
    query = search_query(asked)
    call_ids = [call.id for call in asked.calls]
    passages = index.search(query, call_ids, k=PASSAGES)
    threshold = float(getattr(index, "min_confidence", DEFAULT_MIN_CONFIDENCE))
    prefer_customer = bool(_THEY.search(asked.question)) or bool(
        asked.query.accounts or asked.query.people
    )
    terms = query_terms(query)
    found: list[Evidence] = []
    seen: set[tuple[int, int]] = set()
    for passage in passages:
        if passage.call_id not in call_ids or passage.score < threshold:
            continue  # the index is trusted to filter, and checked anyway: scope comes first
        evidence = _evidence(asked, passage, terms, prefer_customer)
        if evidence is None or (evidence.overlap == 0 and passage.score < STRONG_CONFIDENCE):
            continue
        marker = (passage.call_id, evidence.best.position)
        if marker not in seen:
            seen.add(marker)
            found.append(evidence)
    return found[:MAX_EVIDENCE]


def _evidence(
    asked: Asked, passage: Passage, terms: list[str], prefer_customer: bool
) -> Evidence | None:
    segments = list(
        asked.session.scalars(
            select(CallSegment)
            .where(
                CallSegment.call_id == passage.call_id,
                CallSegment.position.between(passage.first_position, passage.last_position),
            )
            .order_by(CallSegment.position)
        )
    )
    if not segments:
        return None  # the index is behind the database (a deleted call): nothing to quote

    def rank(segment: CallSegment) -> tuple[float, int, int]:
        customer = int(segment.participant is None or not segment.participant.internal)
        return (_overlap(terms, segment.text), customer if prefer_customer else 0,
                len(segment.text))  # fmt: skip

    best = max(segments, key=rank)
    return Evidence(passage, segments, best, best_sentences(best.text, terms),
                    _overlap(terms, best.text))  # fmt: skip


def _overlap(terms: list[str], text: str) -> float:
    if not terms:
        return 0.0
    present = set(tokenize(text))
    return sum(1 for term in dict.fromkeys(terms) if term in present) / len(set(terms))


def best_sentences(text: str, terms: list[str], limit: int = 2) -> str:
    """The sentence that covers the question best, with the one after it for context."""
    sentences = split_sentences(text)
    if len(sentences) <= limit:
        return " ".join(sentences)
    scores = [_overlap(terms, sentence) for sentence in sentences]
    best = max(range(len(sentences)), key=lambda i: (scores[i], -i))
    return " ".join(sentences[best : best + limit])


def search_answer(asked: Asked, index: Retriever | None) -> Answer:
    if index is None:
        return asked.not_found()
    evidence = find_evidence(asked, index)
    if not evidence:
        return asked.not_found()
    citations = [citation_of(asked, item) for item in evidence]
    lines = [f"Here's what I found {asked.where}:"]
    lines += [f"\u2022 {c.render(asked.timezone, asked.now)}" for c in citations]
    return Answer("\n".join(lines), citations, True, sorted({c.call_id for c in citations}))


def citation_of(asked: Asked, evidence: Evidence) -> Citation:
    call = next(c for c in asked.calls if c.id == evidence.passage.call_id)
    segment = evidence.best
    return Citation(call.id, call.title, call.started_at, segment.speaker,
                    speaker_company(call, segment), segment.start, segment.position,
                    evidence.quote)  # fmt: skip
