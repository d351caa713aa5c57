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

Above ``LARGE_DATASET`` examples training is the cost, and the examples are split in two halves,
each scored by a classifier trained on the other. A fifth held out (tried first) is optimistic:
on CLINC150 its threshold rejected 1% of held-out examples but 2% of new in-scope ones. A
classifier that saw half the examples is a plainer stand-in for new wording, and training on half
costs less than on four fifths. Both halves are scored because a 1% quantile rests on its lowest
few dozen scores: on CLINC150 the two halves alone gave thresholds of 0.108 and 0.130, the pair
0.118.

Held out one by one, examples are still too easy: crowd workers and flow authors write an
intent's sentences in small families of near-paraphrases, and a held-out sentence whose sibling
was trained on scores like a training sentence. So when the classifier can say how alike two
sentences are (``sentence_vectors``), each intent's examples at ``PARAPHRASE_SIMILARITY`` or more
(directly or through each other) are one wording, and a wording is held out whole. On CLINC150
a held-out sentence then lies as far from the other half (median nearest same-intent similarity
0.74) as an unseen one does (0.77), instead of 0.82. Held out one by one, the examples had set a
threshold that rejected 1.4% of the validation set's in-scope messages where 1% was meant.

Examples of an out-of-scope intent (``oos``) are never held out as in-scope: they are what the
threshold is meant to reject. Held-out in-scope examples that the classifier already sends to an
out-of-scope intent are rejected whatever the threshold, so they do not pull it down.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

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
# Cosine similarity of sentence vectors at which two examples of an intent are one wording.
PARAPHRASE_SIMILARITY = 0.85

# Unit sentence vectors of texts, one row each: the classifier's sense of how alike they are.
SentenceVectors = Callable[[Sequence[str]], np.ndarray]


def calibrate_threshold(
    texts: Sequence[str],
    labels: Sequence[str],
    trainer: ClassifierTrainer,
    options: Mapping[str, Any],
    out_of_scope: Collection[str] = (),
    sentence_vectors: SentenceVectors | None = None,
) -> float:
    scores, calibration = held_out_confidences(
        texts, labels, trainer, options, out_of_scope, sentence_vectors)
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
    sentence_vectors: SentenceVectors | None = None,
) -> tuple[list[float], Calibration]:
    """Top confidence of each in-scope example scored by a classifier trained without it (nor
    its paraphrases), and the calibration settings of that classifier."""
    large = len(texts) > LARGE_DATASET
    vectors = sentence_vectors(texts) if sentence_vectors is not None else None
    fold_of = assign_folds(labels, LARGE_FOLDS if large else FOLDS, vectors)
    scores: list[float] = []
    calibration = DEFAULT_CALIBRATION
    for fold in range(LARGE_FOLDS if large else FOLDS):
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


def assign_folds(
    labels: Sequence[str], folds: int, vectors: np.ndarray | None = None
) -> list[int]:
    """A fold per example. Each intent's wordings are dealt in a seeded order, the largest first,
    each to the fold holding the fewest of that intent's examples (from a seeded starting fold,
    so small intents do not all land in fold 0). Without ``vectors`` every example is a wording
    of its own."""
    by_intent: dict[str, list[int]] = defaultdict(list)
    for index, label in enumerate(labels):
        by_intent[label].append(index)
    rng = np.random.default_rng(SEED)
    fold_of = [0] * len(labels)
    for intent in sorted(by_intent):
        wordings = _wordings(np.array(by_intent[intent]), vectors)
        start = int(rng.integers(folds))
        shuffled = [wordings[int(i)] for i in rng.permutation(len(wordings))]
        held = [0] * folds
        for wording in sorted(shuffled, key=len, reverse=True):  # stable: ties keep the shuffle
            fold = min(range(folds), key=lambda f: (held[f], (f - start) % folds))
            for index in wording:
                fold_of[int(index)] = fold
            held[fold] += len(wording)
    return fold_of


def _wordings(members: np.ndarray, vectors: np.ndarray | None) -> list[np.ndarray]:
    """An intent's examples grouped into wordings: linked by ``PARAPHRASE_SIMILARITY``."""
    if vectors is None or len(members) < 2:
        return [members[i : i + 1] for i in range(len(members))]
    rows = vectors[members]
    linked = csr_matrix(rows @ rows.T >= PARAPHRASE_SIMILARITY)
    count, wording_of = connected_components(linked, directed=False)
    return [members[wording_of == wording] for wording in range(count)]
