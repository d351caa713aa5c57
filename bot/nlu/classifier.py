"""Intent classifiers, behind one small seam so that another can replace the baseline without
touching parsing, thresholds or caching. ``minilm`` (sentence embeddings, bot/nlu/minilm.py) is
the default; ``tfidf`` is the baseline below.

A classifier ranks every intent it knows with a confidence in [0, 1]. The baseline is TF-IDF over
word 1-2 grams and character 2-5 grams with a logistic regression. Its probabilities alone say
little about *out-of-scope* text (they always sum to one), so each is scaled by how much of the
text's vocabulary the training data has seen, weighted by rarity: "what is the capital of peru"
shares only stop words with a sales assistant's examples and so scores low everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.nlu.text import normalise

Ranking = list[tuple[str, float]]


class IntentClassifier(Protocol):
    """What the NLU model needs of a classifier."""

    @property
    def intents(self) -> list[str]: ...

    def rank(self, text: str) -> Ranking:
        """Every known intent with its confidence, best first."""
        ...


# Trains a classifier from texts and their intents; options are the classifier's config section.
ClassifierTrainer = Callable[[Sequence[str], Sequence[str], Mapping[str, Any]], IntentClassifier]

SEED = 0
DEFAULT_C = 10.0
# How strongly unseen words pull confidence down: coverage ** COVERAGE_POWER.
DEFAULT_COVERAGE_POWER = 1.0
# Above this many examples, n-grams seen once are mostly noise and cost most of the training time.
PRUNE_RARE_ABOVE = 1000


class TfidfClassifier:
    def __init__(
        self,
        words: TfidfVectorizer,
        chars: TfidfVectorizer,
        model: LogisticRegression | None,
        intents: list[str],
        coverage_power: float,
    ) -> None:
        self._words = words
        self._chars = chars
        self._model = model  # None when there is one intent: nothing to tell apart
        self._intents = intents
        self._coverage_power = coverage_power
        vocabulary: dict[str, int] = words.vocabulary_
        idf = words.idf_
        self._word_idf = {term: float(idf[i]) for term, i in vocabulary.items() if " " not in term}
        self._unseen_idf = float(idf.max()) if len(idf) else 1.0
        self._analysers: list[Callable[[str], list[str]]] | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_analysers"] = None  # rebuilt on first use; closures do not pickle
        return state

    @property
    def intents(self) -> list[str]:
        return list(self._intents)

    def rank(self, text: str) -> Ranking:
        normalised = normalise(text)
        coverage = self._coverage(normalised)
        if self._model is None:
            return [(intent, coverage) for intent in self._intents]
        probabilities = self._probabilities(normalised) * coverage
        order = np.argsort(-probabilities, kind="stable")
        return [(self._intents[i], float(probabilities[i])) for i in order]

    def log_probabilities(self, text: str) -> np.ndarray:
        """The regression's log-probabilities, in the order of ``intents`` (no coverage)."""
        if self._model is None:
            return np.zeros(len(self._intents))
        result: np.ndarray = np.log(np.maximum(self._probabilities(normalise(text)), 1e-12))
        return result

    def _probabilities(self, normalised: str) -> np.ndarray:
        """``predict_proba`` of one text, computed directly: sklearn's checks and sparse
        matrices cost about 1.5 ms a message, most of a parse's budget."""
        if self._model is None:
            return np.ones(len(self._intents))
        columns, values = self._fast_features(normalised)
        weights = self._model.coef_
        logits = weights[:, columns] @ values + self._model.intercept_
        if weights.shape[0] == 1:  # two intents: sklearn keeps one row of weights
            logits = np.array([0.0, logits[0]])
        exp = np.exp(logits - logits.max())
        probabilities: np.ndarray = exp / exp.sum()
        return probabilities

    def _fast_features(self, normalised: str) -> tuple[np.ndarray, np.ndarray]:
        """The TF-IDF row (word then character block, each of unit length) as columns and
        values, the same numbers ``transform`` gives (sublinear tf, idf, l2)."""
        columns: list[int] = []
        values: list[float] = []
        offset = 0
        if self._analysers is None:
            self._analysers = [self._words.build_analyzer(), self._chars.build_analyzer()]
        for vectorizer, analyse in zip((self._words, self._chars), self._analysers, strict=True):
            counts: dict[int, int] = {}
            vocabulary: dict[str, int] = vectorizer.vocabulary_
            for term in analyse(normalised):
                index = vocabulary.get(term)
                if index is not None:
                    counts[index] = counts.get(index, 0) + 1
            if counts:
                keys = np.fromiter(counts, dtype=np.int64, count=len(counts))
                tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64,
                                              count=len(counts)))
                block = tf * vectorizer.idf_[keys]
                block /= np.linalg.norm(block)
                columns.extend((keys + offset).tolist())
                values.extend(block.tolist())
            offset += len(vocabulary)
        return np.array(columns, dtype=np.int64), np.array(values)

    def _coverage(self, normalised: str) -> float:
        """Share of the text's words (weighted by rarity) seen in training, to a power."""
        tokens = normalised.split()
        if not tokens:
            return 0.0
        seen = total = 0.0
        for token in tokens:
            weight = self._word_idf.get(token)
            if weight is None:
                total += self._unseen_idf
            else:
                seen += weight
                total += weight
        return float((seen / total) ** self._coverage_power)


def train_tfidf(
    texts: Sequence[str], labels: Sequence[str], options: Mapping[str, Any]
) -> TfidfClassifier:
    """Fit the baseline. ``options``: ``C`` (regularisation), ``coverage_power``; ``max_iter``
    and ``tol`` trade exactness for time (the MiniLM classifier's second opinion)."""
    normalised = [normalise(text) for text in texts]
    min_df = 2 if len(texts) > PRUNE_RARE_ABOVE else 1
    common = {"sublinear_tf": True, "min_df": min_df, "dtype": np.float32}
    words = TfidfVectorizer(
        analyzer="word", ngram_range=(1, 2), token_pattern=r"(?u)\b\w+\b", **common
    )
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), **common)
    matrix = sp.hstack([words.fit_transform(normalised), chars.fit_transform(normalised)])
    intents = sorted(set(labels))
    model = None
    if len(intents) > 1:
        model = LogisticRegression(
            C=float(options.get("C", DEFAULT_C)),
            class_weight="balanced",
            max_iter=int(options.get("max_iter", 2000)),
            tol=float(options.get("tol", 1e-4)),
            random_state=SEED,
        )
        model.fit(matrix.tocsr(), list(labels))
        intents = [str(name) for name in model.classes_]
    power = float(options.get("coverage_power", DEFAULT_COVERAGE_POWER))
    return TfidfClassifier(words, chars, model, intents, power)


def train_minilm(
    texts: Sequence[str], labels: Sequence[str], options: Mapping[str, Any]
) -> IntentClassifier:
    """The MiniLM classifier (bot/nlu/minilm.py), imported only when asked for: it loads torch."""
    from bot.nlu.minilm import train_minilm as train

    return train(texts, labels, options)


TRAINERS: dict[str, ClassifierTrainer] = {"tfidf": train_tfidf, "minilm": train_minilm}
