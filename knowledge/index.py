"""The calls' passages in Chroma, searched by meaning and by word within the calls allowed.

One collection holds every call's passages (``knowledge/chunks.py``) with their MiniLM vectors
and metadata (call id, turn positions, speakers, times). Chroma is embedded by default (a
PersistentClient under the data folder) or a server (``vector_store.url``: an HttpClient).

A search names the calls it may look at, and both retrievers are filtered to them: the dense
query by a ``call_id`` filter in Chroma, BM25 by being built from those calls' passages only, so
a passage of any other call can neither be returned nor shape the scores. Nothing is fetched:
telemetry is off and the model comes from an installed package.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import numpy as np

from knowledge.chunks import Chunk, Turn, chunk_turns
from knowledge.embeddings import MiniLMEmbeddingFunction, embed
from knowledge.models import Call
from knowledge.retrieval import Candidate, named_speakers, rank, topic_of, without_speakers
from knowledge.settings import KnowledgeSettings, VectorStoreSettings
from knowledge.turns import turns_of

if TYPE_CHECKING:
    from chromadb.api import ClientAPI
    from chromadb.api.models.Collection import Collection

Embedder = Callable[[Sequence[str]], np.ndarray]
DENSE_CANDIDATES = 300  # dense hits per search; BM25 ranks every passage of the calls


class CallIndexError(RuntimeError):
    """The vector store cannot be used (a server that does not answer, a broken folder)."""


@dataclass(frozen=True)
class Passage:
    """At most ``window`` consecutive turns of one call, found for a question.

    ``score`` is the confidence that the passage is about what was asked, 0..1 on a scale
    that does not depend on the calls searched: below ``CallIndex.min_confidence`` the
    honest answer is "I couldn't find that".
    """

    call_id: int
    first_position: int
    last_position: int
    speakers: tuple[str, ...]
    text: str
    score: float
    start: float
    end: float


def chroma_client(store: VectorStoreSettings) -> ClientAPI:
    """An HttpClient for ``store.url``, else a PersistentClient in ``store.path``."""
    import chromadb
    from chromadb.config import Settings

    settings = Settings(anonymized_telemetry=False)
    if store.url:
        parts = urlsplit(store.url)
        if not parts.hostname:
            raise CallIndexError(f"vector_store.url: no host in {store.url!r}")
        ssl = parts.scheme == "https"
        port = parts.port or (443 if ssl else 8000)
        return chromadb.HttpClient(host=parts.hostname, port=port, ssl=ssl, settings=settings)
    store.path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(store.path), settings=settings)


def call_turns(call: Call) -> list[Turn]:
    """The call's segments as passage turns, speakers labelled "Ana (Globex)" where known."""
    sides = turns_of(call)
    return [
        Turn(
            position=turn.position,
            speaker=f"{turn.speaker} ({turn.company})"
            if turn.company and sides.sides_known and turn.company not in turn.speaker
            else turn.speaker,
            start=turn.start,
            end=turn.end,
            text=turn.text,
        )
        for turn in sides.turns
    ]


class CallIndex:
    """Passages of calls in one Chroma collection: add, delete, and search within calls."""

    def __init__(
        self,
        settings: KnowledgeSettings,
        *,
        client: ClientAPI | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self.settings = settings
        self.retrieval = settings.retrieval
        self.min_confidence = settings.retrieval.min_confidence
        self._client = client
        self._embed: Embedder = embedder or (lambda texts: embed(texts))
        self._collection: Collection | None = None
        self._lock = threading.Lock()

    @property
    def collection(self) -> Collection:
        with self._lock:
            if self._collection is None:
                client = self._client or chroma_client(self.settings.vector_store)
                self._client = client
                self._collection = client.get_or_create_collection(
                    self.settings.vector_store.collection,
                    embedding_function=MiniLMEmbeddingFunction(),  # type: ignore[arg-type]
                    configuration={"hnsw": {"space": "cosine"}},
                )
            return self._collection

    @contextmanager
    def _store_errors(self, doing: str) -> Iterator[None]:
        """Chroma's own errors, as one error that names the store (for a one-line reason)."""
        try:
            yield
        except CallIndexError:
            raise
        except Exception as error:
            store = self.settings.vector_store
            where = store.url or str(store.path)
            raise CallIndexError(f"call index at {where}: cannot {doing}: {error}") from error

    def add_call(self, call: Call) -> int:
        """Index the call's passages (again: the same call leaves the same passages)."""
        return self.add_turns(call.id, call_turns(call))

    def add_turns(self, call_id: int, turns: Sequence[Turn]) -> int:
        """Make the call's passages those of ``turns``; returns how many there are.

        Passages already stored unchanged are kept (and not embedded again); passages the
        turns no longer give are deleted, so re-adding an edited call leaves no stale text.
        """
        chunks = chunk_turns(
            turns,
            window=self.retrieval.window,
            stride=self.retrieval.stride,
            max_words=self.retrieval.max_words,
        )
        wanted = {passage_id(call_id, chunk): chunk for chunk in chunks}
        with self._store_errors(f"index call {call_id}"):
            stored = self.collection.get(where={"call_id": call_id}, include=["documents"])
            unchanged = {
                id_
                for id_, document in zip(stored["ids"], stored["documents"] or [], strict=True)
                if id_ in wanted and wanted[id_].text == document
            }
            stale = [id_ for id_ in stored["ids"] if id_ not in unchanged]
            if stale:
                self.collection.delete(ids=stale)
            new = [(id_, chunk) for id_, chunk in wanted.items() if id_ not in unchanged]
            self._store(call_id, new)
        return len(wanted)

    def _store(self, call_id: int, passages: Sequence[tuple[str, Chunk]]) -> None:
        batch = 500  # well under any Chroma server's max batch size; one embedding call each
        for begin in range(0, len(passages), batch):
            part = passages[begin : begin + batch]
            vectors = self._embed([chunk.spoken for _, chunk in part])
            self.collection.add(
                ids=[id_ for id_, _ in part],
                documents=[chunk.text for _, chunk in part],
                embeddings=[vector.tolist() for vector in vectors],
                metadatas=[_metadata(call_id, chunk) for _, chunk in part],
            )

    def delete_call(self, call_id: int) -> None:
        with self._store_errors(f"delete call {call_id}"):
            self.collection.delete(where={"call_id": call_id})

    def count(self, call_id: int | None = None) -> int:
        with self._store_errors("count passages"):
            if call_id is None:
                return self.collection.count()
            return len(self.collection.get(where={"call_id": call_id}, include=[])["ids"])

    def search(self, query: str, call_ids: Sequence[int], k: int = 5) -> list[Passage]:
        """The ``k`` best passages of the calls ``call_ids`` (and of no other call)."""
        with self._store_errors("search"):
            pool = self.pool(query, call_ids)
        ranked = rank(
            query,
            pool.candidates,
            pool.cosines,
            topic_cosines=pool.topic_cosines,
            k=k,
            dense_weight=self.retrieval.dense_weight,
            k1=self.retrieval.bm25_k1,
            b=self.retrieval.bm25_b,
        )
        return [pool.passage(r.index, r.confidence) for r in ranked]

    def pool(self, query: str, call_ids: Sequence[int]) -> Pool:
        """Every passage of the calls ``call_ids`` with its cosine to ``query``: what is ranked."""
        allowed = sorted({int(call_id) for call_id in call_ids})
        if not allowed or not query.strip():
            return Pool([], np.zeros(0), [], [], None)
        scope: dict[str, Any] = (
            {"call_id": allowed[0]} if len(allowed) == 1 else {"call_id": {"$in": allowed}}
        )
        stored = self.collection.get(where=scope, include=["documents", "metadatas"])
        ids: list[str] = stored["ids"]
        if not ids:
            return Pool([], np.zeros(0), [], [], None)
        metadatas = list(stored["metadatas"] or [])
        documents = list(stored["documents"] or [])
        candidates = [
            Candidate(int(meta["call_id"]), int(meta["first_position"]),  # type: ignore[arg-type]
                      int(meta["last_position"]), document)  # type: ignore[arg-type]
            for meta, document in zip(metadatas, documents, strict=True)
        ]  # fmt: skip
        labels = {label for meta in metadatas for label in str(meta["speakers"]).split("\n")}
        # "What did Ana say": the embedding searches for what was said, not for Ana.
        dense_query = without_speakers(query, named_speakers(query, labels))
        topic = topic_of(dense_query)
        asked = [dense_query] if topic in ("", dense_query) else [dense_query, topic]
        cosines = self._cosines(asked, ids, scope)
        topic_cosines = cosines[1] if len(cosines) > 1 else None
        return Pool(candidates, cosines[0], metadatas, documents, topic_cosines)

    def _cosines(
        self, queries: list[str], ids: list[str], scope: dict[str, Any]
    ) -> list[np.ndarray]:
        """Each stored passage's cosine to each query; NaN for those beyond the dense hits."""
        vectors = self._embed(queries)
        found = self.collection.query(
            query_embeddings=[vector.tolist() for vector in vectors],
            n_results=min(DENSE_CANDIDATES, len(ids)),
            where=scope,
            include=["distances"],
        )
        position = {id_: i for i, id_ in enumerate(ids)}
        results = []
        for hits, distances in zip(found["ids"], found["distances"] or [], strict=True):
            cosines = np.full(len(ids), np.nan)
            for id_, distance in zip(hits, distances, strict=True):
                if id_ in position:  # stored between the two reads: the next search has it
                    cosines[position[id_]] = 1.0 - float(distance)
            results.append(cosines)
        return results


@dataclass(frozen=True)
class Pool:
    """The passages a search may return, as stored, with their cosines to the question (and
    to its topic alone, when that differs from the question)."""

    candidates: list[Candidate]
    cosines: np.ndarray
    metadatas: list[Any]
    documents: list[str]
    topic_cosines: np.ndarray | None

    def passage(self, index: int, confidence: float) -> Passage:
        metadata = self.metadatas[index]
        return Passage(
            call_id=int(metadata["call_id"]),
            first_position=int(metadata["first_position"]),
            last_position=int(metadata["last_position"]),
            speakers=tuple(str(metadata["speakers"]).split("\n")),
            text=self.documents[index],
            score=confidence,
            start=float(metadata["start"]),
            end=float(metadata["end"]),
        )


def passage_id(call_id: int, chunk: Chunk) -> str:
    """The same call and turns always give the same id: re-adding replaces, never duplicates."""
    return f"call-{call_id}:{chunk.key}"


def _metadata(call_id: int, chunk: Chunk) -> dict[str, str | int | float | bool]:
    return {
        "call_id": call_id,
        "first_position": chunk.first_position,
        "last_position": chunk.last_position,
        "first_piece": chunk.first_piece,
        "last_piece": chunk.last_piece,
        "speakers": "\n".join(chunk.speakers),
        "start": chunk.start,
        "end": chunk.end,
    }
