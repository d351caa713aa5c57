"""The out-of-scope threshold, calibrated on examples the classifier has not seen.

Confidences on training examples are optimistic, so the examples are split into folds (each
intent spread evenly) and each fold is scored by a classifier trained on the others. The
threshold keeps ``keep`` of those held-out in-scope examples above it: whatever scores lower
than nearly all real examples is taken as out of scope. It never exceeds ``ceiling``, since a
high threshold would turn a dataset with a few hard intents into a bot that rarely understands,
and never falls below ``floor``: in a small dataset many held-out examples ("howdy", "farewell")
share no word with the rest, the quantile drops to zero, and out-of-scope detection would vanish.
Each classifier's confidences have their own scale, so a classifier may carry its own
``calibration`` settings; the TF-IDF baseline uses the defaults below.

Above ``LARGE_DATASET`` examples training is the cost, and one fold is scored: half of each
intent's examples, by a classifier trained on the other half. A fifth held out (tried first) is
optimistic: on CLINC150 its threshold rejected 1% of held-out examples but 2% of new in-scope
ones. A classifier that saw half the examples is a plainer stand-in for new wording, the half
gives 2.5 times the scores (a 1% quantile of 3 000 scores moves a lot between seeds), and
training on half costs less than on four fifths.

Examples of an out-of-scope intent (``oos``) are never held out as in-scope: they are what the
threshold is meant to reject. Held-out in-scope examples that the classifier already sends to an
out-of-scope intent are rejected whatever the threshold, so they do not pull it down.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.nlu.classifier import ClassifierTrainer


@dataclass(frozen=True)
class Calibration:
    keep: float
    floor: float
    ceiling: float


DEFAULT_CALIBRATION = Calibration(keep=0.96, floor=0.2, ceiling=0.5)
DEFAULT_THRESHOLD = 0.3  # Rasa's FallbackClassifier default, when there is too little to measure
FOLDS = 5
MIN_SCORES = 10  # fewer held-out scores than this say nothing about a quantile
# Above this many examples one half is held out and scored (see above).
LARGE_DATASET = 2000
LARGE_FOLDS = 2
SEED = 0


def calibrate_threshold(
    texts: Sequence[str],
    labels: Sequence[str],
    trainer: ClassifierTrainer,
    options: Mapping[str, Any],
    out_of_scope: Collection[str] = (),
) -> float:
    scores, calibration = held_out_confidences(texts, labels, trainer, options, out_of_scope)
    if len(scores) < MIN_SCORES:
        return DEFAULT_THRESHOLD
    quantile = float(np.quantile(scores, 1.0 - calibration.keep))
    return float(np.clip(quantile, calibration.floor, calibration.ceiling))


def held_out_confidences(
    texts: Sequence[str],
    labels: Sequence[str],
    trainer: ClassifierTrainer,
    options: Mapping[str, Any],
    out_of_scope: Collection[str] = (),
) -> tuple[list[float], Calibration]:
    """Top confidence of each in-scope example scored by a classifier trained without it,
    and the calibration settings of that classifier."""
    large = len(texts) > LARGE_DATASET
    fold_of = _assign_folds(labels, LARGE_FOLDS if large else FOLDS)
    scores: list[float] = []
    calibration = DEFAULT_CALIBRATION
    for fold in range(1 if large else FOLDS):
        train = [i for i in range(len(texts)) if fold_of[i] != fold]
        known = {labels[i] for i in train}
        held_out = [i for i in range(len(texts)) if fold_of[i] == fold and labels[i] in known
                    and labels[i] not in out_of_scope]
        if not train or not held_out:
            continue
        classifier = trainer([texts[i] for i in train], [labels[i] for i in train], options)
        calibration = getattr(classifier, "calibration", DEFAULT_CALIBRATION)
        for i in held_out:
            ranking = classifier.rank(texts[i])
            if ranking and ranking[0][0] in out_of_scope:
                continue
            scores.append(ranking[0][1] if ranking else 0.0)
    return scores, calibration


def _assign_folds(labels: Sequence[str], folds: int) -> list[int]:
    """A fold per example, each intent's examples dealt round the folds in a seeded order."""
    by_intent: dict[str, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        by_intent[label].append(index)
    rng = np.random.default_rng(SEED)
    fold_of = [0] * len(labels)
    for intent in sorted(by_intent):
        members = by_intent[intent]
        offset = int(rng.integers(folds))  # so small intents do not all land in fold 0
        for position, index in enumerate(rng.permutation(members)):
            fold_of[int(index)] = (position + offset) % folds
    return fold_of
