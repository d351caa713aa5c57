"""The out-of-scope threshold, calibrated on examples the classifier has not seen.

Confidences on training examples are optimistic, so the examples are split into folds (each
intent spread evenly) and each fold is scored by a classifier trained on the others. The
threshold keeps ``KEEP`` of those held-out in-scope examples above it: whatever scores lower
than nearly all real examples is taken as out of scope. It never exceeds ``CEILING``, since a
high threshold would turn a dataset with a few hard intents into a bot that rarely understands,
and never falls below ``FLOOR``: in a small dataset many held-out examples ("howdy", "farewell")
share no word with the rest, the quantile drops to zero, and out-of-scope detection would vanish.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from bot.nlu.classifier import ClassifierTrainer

KEEP = 0.96
CEILING = 0.5
FLOOR = 0.2
DEFAULT_THRESHOLD = 0.3  # Rasa's FallbackClassifier default, when there is too little to measure
FOLDS = 5
MIN_SCORES = 10  # fewer held-out scores than this say nothing about a quantile
# Training is the cost: above this many examples one held-out fold is plenty of scores.
LARGE_DATASET = 2000
SEED = 0


def calibrate_threshold(
    texts: Sequence[str],
    labels: Sequence[str],
    trainer: ClassifierTrainer,
    options: Mapping[str, Any],
) -> float:
    scores = held_out_confidences(texts, labels, trainer, options)
    if len(scores) < MIN_SCORES:
        return DEFAULT_THRESHOLD
    return float(np.clip(np.quantile(scores, 1.0 - KEEP), FLOOR, CEILING))


def held_out_confidences(
    texts: Sequence[str],
    labels: Sequence[str],
    trainer: ClassifierTrainer,
    options: Mapping[str, Any],
) -> list[float]:
    """Top confidence of each example scored by a classifier trained without it."""
    fold_of = _assign_folds(labels)
    folds_to_score = 1 if len(texts) > LARGE_DATASET else FOLDS
    scores: list[float] = []
    for fold in range(folds_to_score):
        train = [i for i in range(len(texts)) if fold_of[i] != fold]
        known = {labels[i] for i in train}
        held_out = [i for i in range(len(texts)) if fold_of[i] == fold and labels[i] in known]
        if not train or not held_out:
            continue
        classifier = trainer([texts[i] for i in train], [labels[i] for i in train], options)
        for i in held_out:
            ranking = classifier.rank(texts[i])
            scores.append(ranking[0][1] if ranking else 0.0)
    return scores


def _assign_folds(labels: Sequence[str]) -> list[int]:
    """A fold per example, each intent's examples dealt round the folds in a seeded order."""
    by_intent: dict[str, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        by_intent[label].append(index)
    rng = np.random.default_rng(SEED)
    fold_of = [0] * len(labels)
    for intent in sorted(by_intent):
        members = by_intent[intent]
        offset = int(rng.integers(FOLDS))  # so small intents do not all land in fold 0
        for position, index in enumerate(rng.permutation(members)):
            fold_of[int(index)] = (position + offset) % FOLDS
    return fold_of
