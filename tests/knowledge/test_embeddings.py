"""MiniLM embeddings: unit vectors in the order asked, the same for a text however often asked."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from knowledge.embeddings import DIMENSIONS, embed


def test_vectors_come_back_in_order_with_repeats_and_cached_texts() -> None:
    first = embed(["what did they say about pricing", "the budget is approved"])
    again = embed(["the budget is approved", "a new sentence about Gong",
                   "what did they say about pricing", "the budget is approved"])
    assert again.shape == (4, DIMENSIONS)
    assert np.allclose(np.linalg.norm(again, axis=1), 1.0, atol=1e-5)
    assert np.allclose(again[0], first[1]) and np.allclose(again[3], first[1])
    assert np.allclose(again[2], first[0])
    # A different sentence gets its own vector, not a neighbour's.
    assert float(again[1] @ first[1]) < 0.9


def test_nothing_to_embed_is_an_empty_matrix() -> None:
    assert embed([]).shape == (0, DIMENSIONS)


def test_loading_the_model_prints_nothing_to_the_user():
    """A rep's first question about calls loads MiniLM: no progress bar in their terminal."""
    script = "from knowledge.embeddings import embed; embed(['what did globex say'])"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[2], check=True)
    assert "Loading weights" not in done.stderr + done.stdout
    assert done.stderr.strip() == ""
