"""Learned entities: a token tagger trained on the annotated examples.

The lookup finds the values the examples annotated; this finds values they did not, from the
words around them: trained on "schedule a call with [Jane](person)" and "meet [Omar](person)
tomorrow", it reads "book 30 minutes with Priya next week" as naming a person.

Each token gets a BIO tag (``B-person``, ``I-person``, ``O``; role and group are part of the
label, so ``[Berlin]{"entity": "city", "role": "to"}`` is learned as a city *to*) from a
logistic regression over its features: the word itself, its shape ("Xxxx", "dd"), prefix and
suffix, capitalisation, and the words and shapes around it. Whether a word is in the lookup is
*not* a feature: every annotated word is in the lookup built from the same examples, so the
model would learn "in the lookup means entity" and nothing that carries over to new names.

Prediction multiplies a few sparse rows of the weight matrix in numpy rather than going through
scikit-learn, which costs ~0.2 ms per call in input checks alone. An entity is kept when the
mean probability of its tokens reaches ``MIN_CONFIDENCE``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.feature_extraction import DictVectorizer
from sklearn.linear_model import LogisticRegression

from bot.nlu.training_data import EntitySpan, TrainingExample

EXTRACTOR = "LearnedEntityExtractor"
OUTSIDE = "O"
MIN_CONFIDENCE = 0.5
C = 5.0  # few examples: weak regularisation finds names (no false ones on CLINC150 val)
SEED = 0
# Part of the NLU cache key: bump when features or training change, so old models retrain.
TAGGER_VERSION = "bio-logreg-1"
_TOKEN = re.compile(r"\w+(?:['\u2019]\w+)*|[^\w\s]")
_SEPARATOR = "\x1f"  # joins entity, role and group in a label; never in a YAML name

Entity = dict[str, Any]
Token = tuple[str, int, int]


def tokenize(text: str) -> list[Token]:
    return [(match.group(), match.start(), match.end()) for match in _TOKEN.finditer(text)]


def shape(word: str) -> str:
    """"Jane" -> "Xx", "Q4" -> "Xd", "jane@acme.com" -> "x@x.x": runs of a kind collapse."""
    kinds: list[str] = []
    for char in word:
        kind = "X" if char.isupper() else "x" if char.isalpha() else "d" if char.isdigit() else char
        if not kinds or kinds[-1] != kind:
            kinds.append(kind)
    return "".join(kinds)


def token_features(tokens: Sequence[Token], index: int) -> list[str]:
    word = tokens[index][0]
    lower = word.lower()
    features = [
        "bias",
        f"w={lower}",
        f"shape={shape(word)}",
        f"pre={lower[:3]}",
        f"suf={lower[-3:]}",
    ]
    if index == 0:
        features.append("first")
    for offset in (-2, -1, 1, 2):
        position = index + offset
        if 0 <= position < len(tokens):
            neighbour = tokens[position][0]
            features.append(f"w{offset:+d}={neighbour.lower()}")
            if abs(offset) == 1:
                features.append(f"shape{offset:+d}={shape(neighbour)}")
        else:
            features.append(f"w{offset:+d}=<edge>")
    return features


def _labels(tokens: Sequence[Token], spans: Sequence[EntitySpan]) -> list[str]:
    tags = [OUTSIDE] * len(tokens)
    for span in spans:
        label = _SEPARATOR.join([span.entity, span.role or "", span.group or ""])
        inside = [i for i, (_, start, end) in enumerate(tokens)
                  if start < span.end and span.start < end]
        for position, index in enumerate(inside):
            if tags[index] == OUTSIDE:  # several entities on one span: the first is learned
                tags[index] = ("B-" if position == 0 else "I-") + label
    return tags


class EntityTagger:
    """Tags tokens with the entity they belong to; ``fit`` trains one from examples."""

    def __init__(
        self, vocabulary: dict[str, int], weights: np.ndarray, bias: np.ndarray, labels: list[str]
    ) -> None:
        self.vocabulary = vocabulary
        self.weights = weights  # features x labels
        self.bias = bias
        self.labels = labels

    @classmethod
    def fit(cls, examples: Sequence[TrainingExample]) -> EntityTagger | None:
        """A tagger for the annotated entities; None when no example annotates any."""
        if not any(example.entities for example in examples):
            return None
        rows: list[dict[str, float]] = []
        tags: list[str] = []
        for example in examples:
            tokens = tokenize(example.text)
            tags.extend(_labels(tokens, example.entities))
            rows.extend({name: 1.0 for name in token_features(tokens, i)}
                        for i in range(len(tokens)))
        if len(set(tags)) < 2:
            return None
        vectorizer = DictVectorizer(dtype=np.float32)
        matrix = vectorizer.fit_transform(rows)
        model = LogisticRegression(C=C, max_iter=1000, random_state=SEED)
        model.fit(matrix, tags)
        labels = [str(label) for label in model.classes_]
        coefficients = model.coef_
        intercepts = model.intercept_
        if len(labels) == 2:  # scikit-learn keeps one row for two classes: rebuild both
            coefficients = np.vstack([-coefficients[0] / 2, coefficients[0] / 2])
            intercepts = np.array([-intercepts[0] / 2, intercepts[0] / 2])
        vocabulary = {str(name): int(index) for name, index in vectorizer.vocabulary_.items()}
        weights = np.ascontiguousarray(coefficients.T, dtype=np.float32)
        return cls(vocabulary, weights, intercepts.astype(np.float32), labels)

    def probabilities(self, tokens: Sequence[Token]) -> np.ndarray:
        """tokens x labels: how likely each token carries each tag."""
        scores = np.tile(self.bias, (len(tokens), 1))
        for row, _ in enumerate(tokens):
            columns = [self.vocabulary[name] for name in token_features(tokens, row)
                       if name in self.vocabulary]
            scores[row] += self.weights[columns].sum(axis=0)
        scores -= scores.max(axis=1, keepdims=True)
        exponentials = np.exp(scores)
        probabilities: np.ndarray = exponentials / exponentials.sum(axis=1, keepdims=True)
        return probabilities

    def extract(self, text: str) -> list[Entity]:
        tokens = tokenize(text)
        if not tokens:
            return []
        probabilities = self.probabilities(tokens)
        best = probabilities.argmax(axis=1)
        entities: list[Entity] = []
        current: tuple[str, int, int, list[float]] | None = None  # label, first, last, scores
        for index, label_index in enumerate(best):
            tag = self.labels[int(label_index)]
            score = float(probabilities[index, label_index])
            label = tag[2:] if tag != OUTSIDE else None
            continues = current is not None and tag.startswith("I-") and label == current[0]
            if current is not None and not continues:
                entities.extend(self._entity(text, tokens, *current))
                current = None
            if label is None:
                continue
            if current is None:
                current = (label, index, index, [score])
            else:
                current = (label, current[1], index, [*current[3], score])
        if current is not None:
            entities.extend(self._entity(text, tokens, *current))
        return entities

    @staticmethod
    def _entity(
        text: str, tokens: Sequence[Token], label: str, first: int, last: int, scores: list[float]
    ) -> list[Entity]:
        confidence = sum(scores) / len(scores)
        if confidence < MIN_CONFIDENCE:
            return []
        entity, role, group = label.split(_SEPARATOR)
        start, end = tokens[first][1], tokens[last][2]
        found: Entity = {
            "entity": entity,
            "value": text[start:end],
            "start": start,
            "end": end,
            "confidence_entity": round(confidence, 3),
            "extractor": EXTRACTOR,
        }
        if role:
            found["role"] = role
        if group:
            found["group"] = group
        return [found]


def without_overlaps(entities: Sequence[Entity], others: Sequence[Entity]) -> list[Entity]:
    """``entities`` that share no character with any of ``others``."""
    return [
        entity for entity in entities
        if all(entity["end"] <= other["start"] or entity["start"] >= other["end"]
               for other in others)
    ]
