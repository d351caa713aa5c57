"""Calibration folds: a held-out example is never scored by a classifier that was taught its
paraphrase, so the out-of-scope threshold is set on wording as new as a user's."""

from __future__ import annotations

from collections import Counter

import numpy as np

from bot.nlu.calibration import PARAPHRASE_SIMILARITY, assign_folds
from bot.nlu.embeddings import load_encoder
from bot.nlu.minilm import train_minilm


def _unit(rows: np.ndarray) -> np.ndarray:
    result: np.ndarray = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    return result


def test_without_vectors_each_intent_is_spread_evenly_over_the_folds():
    labels = ["balance"] * 10 + ["transfer"] * 7 + ["greet"] * 3
    folds = assign_folds(labels, 2)
    for intent in ("balance", "transfer"):
        counts = Counter(f for f, label in zip(folds, labels, strict=True) if label == intent)
        assert abs(counts[0] - counts[1]) <= 1, (intent, counts)
    assert assign_folds(labels, 2) == folds  # seeded


def test_paraphrases_share_a_fold_and_the_folds_stay_balanced():
    rng = np.random.default_rng(3)
    labels: list[str] = []
    rows: list[np.ndarray] = []
    for intent in ("balance", "transfer"):
        for _ in range(6):  # six wordings an intent, each written three times over
            centre = rng.normal(size=32)
            for _ in range(3):
                rows.append(centre + rng.normal(scale=0.05, size=32))
                labels.append(intent)
    vectors = _unit(np.array(rows))
    folds = assign_folds(labels, 2, vectors)
    similarity = vectors @ vectors.T
    for i in range(len(labels)):
        for j in range(len(labels)):
            if labels[i] == labels[j] and similarity[i, j] >= PARAPHRASE_SIMILARITY:
                assert folds[i] == folds[j], (i, j)
    for intent in ("balance", "transfer"):
        counts = Counter(f for f, label in zip(folds, labels, strict=True) if label == intent)
        assert counts[0] == counts[1] == 9


def test_minilm_keeps_near_identical_wordings_together():
    texts = [
        "what is my account balance", "what's my account balance", "whats my account balance",
        "how much money do i have", "show me the funds in checking", "am i broke right now",
        "send money to my brother", "transfer money to my brother", "move cash into savings",
        "wire fifty dollars to alex", "pay back the twenty i owe", "shift funds between accounts",
    ]
    labels = ["balance"] * 6 + ["transfer"] * 6
    load_encoder()
    classifier = train_minilm(texts, labels, {})
    folds = assign_folds(labels, 2, classifier.sentence_vectors(texts))
    assert folds[0] == folds[1] == folds[2]  # one question, typed three ways
    assert folds[6] == folds[7]
    assert {folds[i] for i in range(6)} == {0, 1}  # the intent is still held out in part
