"""`salesbot train --report`: how well the project's own intents are told apart, and which collide.

Each example is classified by a model trained without it: the examples are split into ``k``
stratified folds (seeded, so two runs agree) and each fold is predicted by the configured
classifier trained on the others. The prediction is the top intent, with no out-of-scope
threshold: the report is about which intents are confused with which, and a flow author fixes
that by editing examples. Intents with fewer than ``k`` examples cannot be spread over the folds:
they stay in every training split, are never held out, and are listed as not evaluated.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from rich.console import Console
from rich.table import Table
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold

from bot.nlu.classifier import TRAINERS, ClassifierTrainer
from bot.nlu.model import classifier_name, entity_variants
from bot.nlu.text import normalise
from bot.nlu.training_data import TrainingExample
from bot.nlu.variants import with_entity_variants

DEFAULT_FOLDS = 5
SEED = 0
TOP_PAIRS = 5
EXAMPLES_PER_PAIR = 2


@dataclass
class IntentScore:
    intent: str
    precision: float
    recall: float
    f1: float
    support: int


@dataclass
class Confusion:
    text: str
    intent: str
    predicted: str


@dataclass
class ConfusedPair:
    intents: tuple[str, str]
    count: int
    examples: list[Confusion]


@dataclass
class Report:
    classifier: str
    folds: int
    seed: int
    evaluated: int = 0
    accuracy: float | None = None
    intents: list[IntentScore] = field(default_factory=list)
    macro_avg: dict[str, float] = field(default_factory=dict)
    weighted_avg: dict[str, float] = field(default_factory=dict)
    confused_pairs: list[ConfusedPair] = field(default_factory=list)
    not_evaluated: dict[str, int] = field(default_factory=dict)  # intent -> its examples
    duplicates: dict[str, list[str]] = field(default_factory=dict)  # text -> its intents

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["intents"] = {score.pop("intent"): score for score in data["intents"]}
        return data


def cross_validate(
    examples: Sequence[TrainingExample],
    config: Mapping[str, Any],
    *,
    folds: int = DEFAULT_FOLDS,
    seed: int = SEED,
    classifier: str | None = None,
) -> Report:
    """Per-intent precision, recall and F1 over ``folds`` held-out folds, and what collides."""
    if folds < 2:
        raise ValueError(f"--folds: need at least 2 folds, got {folds}")
    name = classifier or classifier_name(config)
    usable = sorted(
        (example for example in examples if normalise(example.text)),
        key=lambda example: (example.intent, example.text),
    )
    # As training does: each fold's classifier is also taught its examples' entity variants.
    trainer = with_entity_variants(_trainer(name), usable, entity_variants(config))
    report = Report(classifier=name, folds=folds, seed=seed)
    report.duplicates = _duplicates(usable)
    sizes = Counter(example.intent for example in usable)
    report.not_evaluated = {intent: n for intent, n in sorted(sizes.items()) if n < folds}
    held = [example for example in usable if sizes[example.intent] >= folds]
    always_trained = [example for example in usable if sizes[example.intent] < folds]
    if len({example.intent for example in held}) < 2:
        return report  # nothing to tell apart
    predicted = _held_out_predictions(held, always_trained, trainer, config, folds, seed)
    _score(report, held, predicted)
    return report


def _trainer(name: str) -> ClassifierTrainer:
    if name not in TRAINERS:
        raise ValueError(
            f"config.yml nlu.classifier: unknown classifier {name!r} (known: {sorted(TRAINERS)})"
        )
    return TRAINERS[name]


def _held_out_predictions(
    held: list[TrainingExample],
    always_trained: list[TrainingExample],
    trainer: ClassifierTrainer,
    config: Mapping[str, Any],
    folds: int,
    seed: int,
) -> list[str]:
    labels = [example.intent for example in held]
    predicted = [""] * len(held)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_index, test_index in splitter.split(labels, labels):
        training = [held[i] for i in train_index] + always_trained
        model = trainer(
            [example.text for example in training], [example.intent for example in training], config
        )
        for i in test_index:
            ranking = model.rank(held[i].text)
            predicted[i] = ranking[0][0] if ranking else ""
    return predicted


def _score(report: Report, held: list[TrainingExample], predicted: list[str]) -> None:
    truth = [example.intent for example in held]
    intents = sorted(set(truth))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=intents, zero_division=0
    )
    report.evaluated = len(held)
    report.accuracy = sum(t == p for t, p in zip(truth, predicted, strict=True)) / len(held)
    report.intents = [
        IntentScore(intent, float(p), float(r), float(f), int(s))
        for intent, p, r, f, s in zip(intents, precision, recall, f1, support, strict=True)
    ]
    for average, target in (("macro", report.macro_avg), ("weighted", report.weighted_avg)):
        p, r, f, _ = precision_recall_fscore_support(
            truth, predicted, labels=intents, average=average, zero_division=0
        )
        target.update(precision=float(p), recall=float(r), f1=float(f))
    report.confused_pairs = _confused_pairs(held, predicted)


def _confused_pairs(held: list[TrainingExample], predicted: list[str]) -> list[ConfusedPair]:
    mistakes: dict[tuple[str, str], list[Confusion]] = defaultdict(list)
    for example, guess in zip(held, predicted, strict=True):
        if guess != example.intent:
            pair = (min(example.intent, guess), max(example.intent, guess))
            mistakes[pair].append(Confusion(example.text, example.intent, guess))
    ranked = sorted(mistakes.items(), key=lambda item: (-len(item[1]), item[0]))
    return [
        ConfusedPair(pair, len(found), found[:EXAMPLES_PER_PAIR])
        for pair, found in ranked[:TOP_PAIRS]
    ]


def _duplicates(examples: list[TrainingExample]) -> dict[str, list[str]]:
    """The same text (as the classifier sees it) given as an example of several intents."""
    intents_of: dict[str, set[str]] = defaultdict(set)
    text_of: dict[str, str] = {}
    for example in examples:
        key = normalise(example.text)
        intents_of[key].add(example.intent)
        text_of.setdefault(key, example.text)
    return {text_of[key]: sorted(found) for key, found in intents_of.items() if len(found) > 1}


def render(report: Report, console: Console) -> None:
    """The report as a table, worst intents first, then what collides."""
    console.print(
        f"Cross-validation: {report.folds} folds (seed {report.seed}), classifier "
        f"{report.classifier}, {report.evaluated} examples"
        + (f", accuracy {report.accuracy:.3f}" if report.accuracy is not None else "")
    )
    if report.intents:
        table = Table("intent", "precision", "recall", "f1", "support")
        for score in sorted(report.intents, key=lambda s: (s.f1, s.intent)):
            table.add_row(score.intent, f"{score.precision:.3f}", f"{score.recall:.3f}",
                          f"{score.f1:.3f}", str(score.support))
        table.add_section()
        for label, average in (("macro avg", report.macro_avg),
                               ("weighted avg", report.weighted_avg)):
            table.add_row(label, f"{average['precision']:.3f}", f"{average['recall']:.3f}",
                          f"{average['f1']:.3f}", str(report.evaluated))
        console.print(table)
    else:
        console.print("Fewer than two intents have enough examples to cross-validate.")
    if report.confused_pairs:
        console.print("Most confused pairs:")
    for pair in report.confused_pairs:
        first, second = pair.intents
        plural = "example" if pair.count == 1 else "examples"
        console.print(f"  {first} <-> {second}: {pair.count} {plural}", highlight=False)
        for mistake in pair.examples:
            console.print(f'    "{mistake.text}" ({mistake.intent}, predicted {mistake.predicted})',
                          highlight=False, markup=False)
    for intent, count in report.not_evaluated.items():
        console.print(f"Not evaluated: {intent} has {count} examples (fewer than {report.folds})",
                      highlight=False)
    for text, intents in report.duplicates.items():
        console.print(f'Duplicate: "{text}" is an example of {", ".join(intents)}',
                      highlight=False, markup=False)
