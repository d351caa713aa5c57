"""Passage retrieval on QMSum: hit@5 of the hybrid index, beside BM25 and dense alone.

For every specific query of each meeting, at most 5 passages of at most 4 consecutive turns are
retrieved from that meeting only; a query is a hit when a passage overlaps one of its gold
``relevant_text_span`` turn ranges (inclusive). Every meeting is indexed as a call through
``knowledge.index.CallIndex`` (Chroma PersistentClient in a temporary folder, MiniLM, BM25),
and the baselines rank the very same passages:

  bm25_hit_at_5    BM25 alone, its top 5 passages as they come (the usual baseline)
  dense_hit_at_5   MiniLM cosine alone, top 5 as they come
  hit_at_5         the index's search: the ranks of BM25, of MiniLM for the question and for
                   its topic alone, fused; passages 3 turns apart where the meeting allows

Confidence calibration for "I couldn't find that": every query is also asked of the meeting
least like its own (by vocabulary), where it has no answer; the best passage's confidence is
reported for answerable and unanswerable queries, and how many of each the configured
``min_confidence`` keeps.

Prints one JSON object on its last line:
  {hit_at_5, bm25_hit_at_5, dense_hit_at_5, queries, passages, seconds, ...}

    python bench/retrieval.py --data ../shared/bench/qmsum/val.jsonl [--embedding-cache FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402

from knowledge.bm25 import BM25, query_terms, tokenize  # noqa: E402
from knowledge.chunks import Turn  # noqa: E402
from knowledge.embeddings import embed  # noqa: E402
from knowledge.index import CallIndex, Pool, chroma_client  # noqa: E402
from knowledge.settings import KnowledgeSettings, VectorStoreSettings  # noqa: E402

# QMSum's annotations of the recording ({disfmarker}, {vocalsound}, [Laughter.]) are not speech.
_MARKUP = re.compile(r"\{[a-z]+\}|\[[A-Za-z .]+\.\]")
K = 5


@dataclass(frozen=True)
class Query:
    text: str
    spans: list[tuple[int, int]]


@dataclass(frozen=True)
class Meeting:
    turns: list[Turn]
    queries: list[Query]


def load(path: Path) -> list[Meeting]:
    meetings = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                meetings.append(_meeting(row))
            except (ValueError, KeyError, TypeError) as error:
                raise SystemExit(f"{path}:{number}: not a QMSum meeting ({error})") from None
    return meetings


def _meeting(row: dict[str, Any]) -> Meeting:
    turns = []
    for position, turn in enumerate(row["meeting_transcripts"]):
        text = " ".join(_MARKUP.sub(" ", str(turn["content"])).split())
        # QMSum has no times: a turn's position stands in, so passages still carry an order.
        turns.append(Turn(position, str(turn["speaker"]), float(position), float(position), text))
    queries = [
        Query(str(q["query"]), [(int(a), int(b)) for a, b in q["relevant_text_span"]])
        for q in row.get("specific_query_list", [])
    ]
    return Meeting(turns, queries)


class CachedEmbedder:
    """MiniLM with an optional file cache, so repeated runs embed each passage once."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.vectors: dict[str, np.ndarray] = {}
        self.computed = 0
        if path and path.exists():
            stored = np.load(path)
            self.vectors = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        keys = [hashlib.sha1(text.encode()).hexdigest() for text in texts]
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True)
                                     if k not in self.vectors))  # fmt: skip
        if missing:
            for text, vector in zip(missing, embed(missing), strict=True):
                self.vectors[hashlib.sha1(text.encode()).hexdigest()] = vector
            self.computed += len(missing)
        return np.stack([self.vectors[key] for key in keys])

    def save(self) -> None:
        if self.path and self.computed:
            keys = list(self.vectors)
            np.savez(self.path, keys=np.array(keys),
                     vectors=np.stack([self.vectors[k] for k in keys]))  # fmt: skip


def hit(pool: Pool, indices: Sequence[int], spans: Sequence[tuple[int, int]]) -> bool:
    return any(
        pool.candidates[i].first_position <= end and pool.candidates[i].last_position >= start
        for i in indices
        for start, end in spans
    )


def top(scores: np.ndarray, k: int = K) -> list[int]:
    return [int(i) for i in np.argsort(-scores, kind="stable")[:k]]


def least_alike(meetings: Sequence[Meeting]) -> list[int]:
    """For each meeting, the other meeting whose vocabulary is least like its own."""
    vectors = []
    for meeting in meetings:
        counts = Counter(t for turn in meeting.turns for t in tokenize(turn.text))
        vectors.append(counts)
    def cosine(a: Counter[str], b: Counter[str]) -> float:
        dot = sum(v * b.get(t, 0) for t, v in a.items())
        norm = math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))
        return dot / norm if norm else 0.0
    return [
        min((j for j in range(len(meetings)) if j != i),
            key=lambda j: cosine(vectors[i], vectors[j]))
        for i in range(len(meetings))
    ]


def percentiles(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = np.asarray(sorted(values))
    return {f"p{p}": round(float(np.percentile(ordered, p)), 3) for p in (10, 25, 50, 75, 90)}


def run(meetings: Sequence[Meeting], index: CallIndex, embedder: CachedEmbedder) -> dict[str, Any]:
    started = time.perf_counter()
    passages = sum(index.add_turns(number + 1, m.turns) for number, m in enumerate(meetings))
    indexed = time.perf_counter() - started
    settings = index.retrieval
    hits = {"hybrid": 0, "bm25": 0, "dense": 0}
    answerable: list[float] = []
    unanswerable: list[float] = []
    other = least_alike(meetings) if len(meetings) > 1 else []
    queries = 0
    for number, meeting in enumerate(meetings):
        for query in meeting.queries:
            queries += 1
            pool = index.pool(query.text, [number + 1])
            bm25 = BM25([tokenize(c.text) for c in pool.candidates], k1=settings.bm25_k1,
                        b=settings.bm25_b)  # fmt: skip
            hits["bm25"] += hit(pool, top(np.asarray(bm25.scores(query_terms(query.text)))),
                                query.spans)  # fmt: skip
            hits["dense"] += hit(pool, top(np.nan_to_num(pool.cosines, nan=-2.0)), query.spans)
            found = index.search(query.text, [number + 1], k=K)
            ranked = [_position(pool, p.first_position, p.last_position) for p in found]
            hits["hybrid"] += hit(pool, ranked, query.spans)
            answerable.append(found[0].score if found else 0.0)
            if other:
                elsewhere = index.search(query.text, [other[number] + 1], k=1)
                unanswerable.append(elsewhere[0].score if elsewhere else 0.0)
    threshold = index.min_confidence
    return {
        "hit_at_5": round(hits["hybrid"] / max(queries, 1), 4),
        "bm25_hit_at_5": round(hits["bm25"] / max(queries, 1), 4),
        "dense_hit_at_5": round(hits["dense"] / max(queries, 1), 4),
        "queries": queries,
        "meetings": len(meetings),
        "passages": passages,
        "passages_embedded": embedder.computed,
        "index_seconds": round(indexed, 1),
        "search_ms_mean": round(1000 * (time.perf_counter() - started - indexed)
                                / max(1, queries * (2 if other else 1)), 1),
        "min_confidence": threshold,
        "confidence_answerable": percentiles(answerable),
        "confidence_unanswerable": percentiles(unanswerable),
        "answerable_kept": round(sum(s >= threshold for s in answerable) / max(1, queries), 3),
        "unanswerable_rejected": round(
            sum(s < threshold for s in unanswerable) / max(1, len(unanswerable)), 3),
        "settings": {"window": settings.window, "stride": settings.stride,
                     "max_words": settings.max_words, "dense_weight": settings.dense_weight,
                     "bm25_k1": settings.bm25_k1, "bm25_b": settings.bm25_b},
    }


def _position(pool: Pool, first: int, last: int) -> int:
    for i, candidate in enumerate(pool.candidates):
        if (candidate.first_position, candidate.last_position) == (first, last):
            return i
    raise LookupError(f"passage {first}-{last} not in the pool")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="QMSum jsonl file")
    parser.add_argument("--embedding-cache", type=Path, default=None,
                        help="an .npz file keeping passage vectors between runs (optional)")
    parser.add_argument("--meetings", type=int, default=0, help="only the first N meetings")
    parser.add_argument("--stride", type=int, default=0, help="override retrieval.stride")
    parser.add_argument("--dense-weight", type=float, default=-1.0,
                        help="override retrieval.dense_weight (0..1)")
    args = parser.parse_args()
    meetings = load(args.data)[: args.meetings or None]
    settings = KnowledgeSettings()
    if args.stride:
        settings = replace(settings, retrieval=replace(settings.retrieval, stride=args.stride))
    if args.dense_weight >= 0:
        settings = replace(settings, retrieval=replace(settings.retrieval,
                                                       dense_weight=args.dense_weight))
    embedder = CachedEmbedder(args.embedding_cache)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-retrieval-") as folder:
        store = VectorStoreSettings(path=Path(folder) / "chroma", collection="qmsum")
        settings = replace(settings, data_dir=Path(folder), vector_store=store)
        index = CallIndex(settings, client=chroma_client(store), embedder=embedder)
        result = run(meetings, index, embedder)
    embedder.save()
    result["seconds"] = round(time.perf_counter() - started, 1)
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print(f"BM25 alone:   hit@5 {result['bm25_hit_at_5']:.3f}")
    print(f"dense alone:  hit@5 {result['dense_hit_at_5']:.3f}")
    print(f"hybrid index: hit@5 {result['hit_at_5']:.3f}  ({result['queries']} queries, "
          f"{result['passages']} passages, {result['seconds']} s)")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
