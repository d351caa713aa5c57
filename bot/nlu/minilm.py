"""The MiniLM intent classifier: frozen sentence features, a trained linear head, and a
confidence that knows when a message is like nothing it was taught.

Each text becomes the unit-length mean token state of every MiniLM layer (bot/nlu/embeddings.py).
A softmax head over those features picks the intent; the head's probability alone says little
about *out-of-scope* text (softmax always sums to one), so each intent's probability is scaled by
how close the message is to that intent's nearest training example in the sentence embedding
(the last layer), relative to how close that intent's examples usually are to each other (the
median, over its examples, of the nearest other one): ``min(1, cosine / usual) **
SIMILARITY_POWER``. On CLINC150 this separates out-of-scope messages far better than either
signal alone; being relative, a paraphrase as close as the examples are to each other keeps the
head's probability, so the dialogue's thresholds (digression, clarification) keep their meaning
whatever the classifier.

Only the head weights and the training examples' sentence embeddings (float16) are kept in the
artefact; the encoder is loaded once per process and never pickled.

The TF-IDF regression of the baseline (bot/nlu/classifier.py) is a second opinion: its
log-probabilities are mixed into the head's with weight ``TFIDF_WEIGHT``. Word and character
n-grams catch wording the frozen encoder blurs (on CLINC150 +0.3 points of accuracy), and
projects with a handful of examples per intent lean on exact words more than large ones do.
On large datasets the regression stops early (``LARGE_TFIDF``): it is a second opinion.
Below ``LARGE`` examples (a project's own flows, a handful of examples per intent) the baseline's
final confidence, which counts the words of the message it has seen, is averaged in, and is the
floor of each intent's confidence, which MiniLM can lift half way to its own: with
five examples of an intent the encoder finds a one-word message ("book") far from every
sentence it was taught, and "jane at acme" close to "reassign jane's cadences at acme", where
the words know better; a paraphrase sharing no word with the examples is still understood
through MiniLM.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.nlu.calibration import DEFAULT_CALIBRATION, Calibration
from bot.nlu.classifier import Ranking, TfidfClassifier, train_tfidf
from bot.nlu.embeddings import DIMENSIONS, load_encoder

SEED = 0
EPOCHS = 10
MIN_STEPS = 300  # small projects: enough updates for the head to converge
BATCH = 64
LEARNING_RATE = 2e-2
WEIGHT_DECAY = 1e-4
SIMILARITY_POWER = 2.0
# Neighbours are looked up for at most this many of the head's best intents; the rest keep the
# lowest factor found, so a ranking never promises more than the best-looked-at intents.
LOOKED_AT = 10
MIN_USUAL = 0.2  # an intent of unrelated examples must not make everything look close to it
TFIDF_WEIGHT = 0.3
LARGE = 2000
LARGE_TFIDF = {"max_iter": 100, "tol": 1e-3}
# Held-out in-scope examples kept above the threshold, and its bounds (see calibration.py), for
# projects of ``LARGE`` examples or more; smaller ones calibrate as the baseline does. Asking a
# user to rephrase 1.5% of what the bot could have answered is the price of catching most of
# what it cannot: on CLINC150's validation set 0.985 gave in-scope accuracy 0.966 with 86% of
# out-of-scope messages refused, 0.99 gave 0.967 with 85%.
CALIBRATION = Calibration(keep=0.985, floor=0.05, ceiling=0.5)


@dataclass
class _Head:
    weights: np.ndarray  # (features, intents) float32
    bias: np.ndarray  # (intents,) float32

    def log_probabilities(self, row: np.ndarray) -> np.ndarray:
        logits = row @ self.weights + self.bias
        logits = logits - logits.max()
        result: np.ndarray = logits - np.log(np.exp(logits).sum())
        return result


class MiniLMClassifier:

    def __init__(
        self,
        head: _Head | None,
        intents: list[str],
        memory: np.ndarray,
        members: list[np.ndarray],
        usual: np.ndarray,
        baseline: TfidfClassifier,
        small: bool,
    ) -> None:
        self._head = head  # None when there is one intent: nothing to tell apart
        self._intents = intents
        self._memory = memory  # unit sentence embeddings of the training texts, float16
        self._members = members  # per intent: the rows of ``memory`` that are its examples
        self._usual = usual  # per intent: how similar its examples usually are to each other
        self._baseline = baseline
        self._small = small  # few examples: the baseline's word-based confidence is a floor
        self._unpacked: list[np.ndarray] | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_unpacked"] = None  # the float32 blocks are rebuilt on first use
        return state

    @property
    def intents(self) -> list[str]:
        return list(self._intents)

    @property
    def calibration(self) -> Calibration:
        """A small project's confidences are the baseline's scale: so is its threshold."""
        return DEFAULT_CALIBRATION if self._small else CALIBRATION

    def sentence_vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Unit sentence embeddings (the last layer): how alike texts are, for calibration."""
        return _unit_sentences(load_encoder().features(texts))

    def rank(self, text: str) -> Ranking:
        row = load_encoder().feature(text)
        if self._head is None:
            probabilities = np.ones(1)
        else:
            mixed = ((1 - TFIDF_WEIGHT) * self._head.log_probabilities(row)
                     + TFIDF_WEIGHT * self._baseline.log_probabilities(text))
            probabilities = np.exp(mixed - mixed.max())
            probabilities /= probabilities.sum()
        order = np.argsort(-probabilities, kind="stable")
        confidences = self._scaled(probabilities, order, row[-DIMENSIONS:])
        if self._small:
            return self._with_words(text, confidences)
        final = np.argsort(-confidences, kind="stable")
        scores = confidences[final].tolist()
        return [(self._intents[i], score)
                for i, score in zip(final.tolist(), scores, strict=True)]

    def _with_words(self, text: str, confidences: np.ndarray) -> Ranking:
        """Intents ordered by the mean of MiniLM's confidence and the words' (the baseline's);
        each confidence is that mean with the words' as its floor, never above the one before
        it (a ranking is sorted). Ordering by the floored value instead let the words' regression,
        trained on a dozen sentences an intent and sure of itself for the wrong reasons, overrule
        MiniLM: on the starter flows that cost a point of cross-validated accuracy (0.888 against
        0.899, `salesbot train --report`, three seeds)."""
        theirs = dict(self._baseline.rank(text))
        words = np.array([theirs.get(intent, 0.0) for intent in self._intents])
        mean = (confidences + words) / 2
        floored = np.maximum(mean, words)
        ranking: Ranking = []
        ceiling = 1.0
        for i in np.argsort(-mean, kind="stable"):
            ceiling = min(ceiling, float(floored[i]))
            ranking.append((self._intents[i], ceiling))
        return ranking

    def _scaled(
        self, probabilities: np.ndarray, order: np.ndarray, sentence: np.ndarray
    ) -> np.ndarray:
        """Each probability times how close its intent's nearest example is, relative to usual.

        Neighbours are looked up in the head's order. A factor is at most 1, so once an intent's
        probability is below the second-best confidence found, neither it nor any after it can
        reach the best two, which are all a parse decides on (threshold, clarification): a large
        project stops there, usually after two or three intents instead of ``LOOKED_AT``. A
        small one looks at them all, since the words' confidence reorders its ranking."""
        examples = self._examples_by_intent()
        looked_at: list[int] = []
        relative: list[float] = []
        best = second = 0.0
        for i in order[:LOOKED_AT].tolist():
            if not self._small and probabilities[i] < second:
                break
            nearest = float((examples[i] @ sentence).max(initial=0.0))
            factor = min(max(nearest, 0.0) / float(self._usual[i]), 1.0) ** SIMILARITY_POWER
            looked_at.append(i)
            relative.append(factor)
            confidence = float(probabilities[i]) * factor
            best, second = max(best, confidence), max(second, min(best, confidence))
        factors = np.full(len(self._intents), min(relative), dtype=np.float64)
        factors[looked_at] = relative
        scaled: np.ndarray = np.clip(probabilities * factors, 0.0, 1.0)
        return scaled

    def _examples_by_intent(self) -> list[np.ndarray]:
        """Per intent, its examples' embeddings as one contiguous float32 block: float16
        products are slow in numpy, and gathering the rows at every parse cost 0.3 ms."""
        if self._unpacked is None:
            memory = self._memory.astype(np.float32)
            self._unpacked = [np.ascontiguousarray(memory[rows]) for rows in self._members]
        return self._unpacked


def train_minilm(
    texts: Sequence[str], labels: Sequence[str], options: Mapping[str, Any]
) -> MiniLMClassifier:
    """Fit the head on MiniLM features. ``options``: ``seed``, ``epochs``."""
    features = load_encoder().features(texts)
    intents = sorted(set(labels))
    index = {intent: i for i, intent in enumerate(intents)}
    targets = np.array([index[label] for label in labels], dtype=np.int64)
    head = None
    if len(intents) > 1:
        head = _fit_head(features, targets, len(intents), options)
    sentence = _unit_sentences(features)
    members = [np.flatnonzero(targets == i) for i in range(len(intents))]
    usual = _usual_similarity(sentence, members)
    # The regression's classes are the sorted intents too, so the two line up.
    quick = LARGE_TFIDF if len(texts) > LARGE else {}
    baseline = train_tfidf(texts, labels, {**options, **quick})
    return MiniLMClassifier(head, intents, sentence.astype(np.float16), members, usual, baseline,
                            small=len(texts) <= LARGE)


def _unit_sentences(features: np.ndarray) -> np.ndarray:
    """The sentence embedding part of feature rows (the last layer), scaled to unit length."""
    sentence = features[:, -DIMENSIONS:]
    unit: np.ndarray = sentence / np.maximum(
        np.linalg.norm(sentence, axis=1, keepdims=True), 1e-12)
    return unit


def _usual_similarity(sentence: np.ndarray, members: list[np.ndarray]) -> np.ndarray:
    """Per intent, the median similarity of an example to its nearest other example; an intent
    with one example borrows the median of the others (1.0 when there are none)."""
    usual = np.full(len(members), np.nan)
    for i, rows in enumerate(members):
        if len(rows) > 1:
            vectors = sentence[rows]
            similarity = vectors @ vectors.T
            np.fill_diagonal(similarity, -1.0)
            usual[i] = max(float(np.median(similarity.max(axis=1))), MIN_USUAL)
    known = usual[~np.isnan(usual)]
    usual[np.isnan(usual)] = float(np.median(known)) if len(known) else 1.0
    return usual


def _fit_head(
    features: np.ndarray, targets: np.ndarray, classes: int, options: Mapping[str, Any]
) -> _Head:
    """Softmax regression by minibatch AdamW with a one-cycle schedule; seeded, one thread."""
    import torch

    seed = int(options.get("seed", SEED))
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    inputs = torch.from_numpy(np.ascontiguousarray(features, dtype=np.float32))
    labels = torch.from_numpy(targets)
    layer = torch.nn.Linear(inputs.shape[1], classes)
    optimiser = torch.optim.AdamW(layer.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    per_epoch = -(-len(labels) // BATCH)
    epochs = max(int(options.get("epochs", EPOCHS)), -(-MIN_STEPS // per_epoch))
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=LEARNING_RATE, total_steps=epochs * per_epoch
    )
    for _ in range(epochs):
        permutation = torch.randperm(len(labels), generator=generator)
        for start in range(0, len(labels), BATCH):
            batch = permutation[start : start + BATCH]
            loss = torch.nn.functional.cross_entropy(layer(inputs[batch]), labels[batch])
            optimiser.zero_grad()
            backward: Any = loss.backward  # untyped in torch
            backward()
            optimiser.step()
            schedule.step()
    with torch.no_grad():
        weights = layer.weight.detach().numpy().T.astype(np.float32, copy=True)
        bias = layer.bias.detach().numpy().astype(np.float32, copy=True)
    return _Head(weights, bias)
