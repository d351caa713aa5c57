"""`salesbot train --report`: held-out scores per intent and the pairs of intents that collide."""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.nlu import classifier as classifiers
from bot.nlu.report import cross_validate
from bot.nlu.training_data import TrainingExample

ASSISTANT = Path(__file__).resolve().parents[2] / "fixtures" / "assistant"


def examples(intent: str, *texts: str) -> list[TrainingExample]:
    return [TrainingExample(text, intent) for text in texts]


class KeywordClassifier:
    """Predicts the first intent whose keyword is in the text: predictions a test can foresee."""

    def __init__(self, keywords: Mapping[str, str], known: Sequence[str]) -> None:
        self.keywords = keywords
        self._intents = sorted(set(known))

    @property
    def intents(self) -> list[str]:
        return self._intents

    def rank(self, text: str) -> list[tuple[str, float]]:
        for keyword, intent in self.keywords.items():
            if keyword in text and intent in self._intents:
                return [(intent, 1.0)] + [(i, 0.0) for i in self._intents if i != intent]
        return [(i, 1.0 / len(self._intents)) for i in self._intents]


@pytest.fixture
def keyword_trainer(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []

    def train(texts: Sequence[str], labels: Sequence[str], options: Mapping[str, Any]) -> Any:
        calls.append(len(texts))
        return KeywordClassifier({"book": "book_meeting", "move": "reschedule_meeting",
                                  "hello": "greet"}, labels)

    monkeypatch.setitem(classifiers.TRAINERS, "keywords", train)
    return calls


MEETINGS = (
    examples("book_meeting", "book a meeting", "book a call", "book time with jane",
             "book a demo", "book 30 minutes")
    + examples("reschedule_meeting", "move my meeting", "move the call", "move it to friday",
               "book it for another day", "book a new time instead")
    + examples("greet", "hello", "hello there", "hello bot", "hello again", "well hello")
)


def test_scores_per_intent_and_the_confused_pair(keyword_trainer):
    report = cross_validate(MEETINGS, {"classifier": "keywords"}, folds=5)
    scores = {score.intent: score for score in report.intents}
    # Two "book ..." examples of reschedule_meeting are predicted book_meeting.
    assert scores["reschedule_meeting"].recall == pytest.approx(3 / 5)
    assert scores["reschedule_meeting"].precision == 1.0
    assert scores["book_meeting"].precision == pytest.approx(5 / 7)
    assert scores["book_meeting"].recall == 1.0
    assert (scores["greet"].f1, scores["greet"].support) == (1.0, 5)
    assert report.accuracy == pytest.approx(13 / 15)
    assert report.macro_avg["recall"] == pytest.approx((1 + 3 / 5 + 1) / 3)
    [pair] = report.confused_pairs
    assert pair.intents == ("book_meeting", "reschedule_meeting") and pair.count == 2
    assert {mistake.text for mistake in pair.examples} == {
        "book it for another day", "book a new time instead",
    }
    assert len(keyword_trainer) == 5  # one classifier per fold, each without its fold
    assert all(size == 12 for size in keyword_trainer)


def test_tiny_intents_are_reported_not_evaluated_and_still_trained(keyword_trainer):
    tiny = examples("goodbye", "bye", "see you")
    report = cross_validate([*MEETINGS, *tiny], {"classifier": "keywords"}, folds=5)
    assert report.not_evaluated == {"goodbye": 2}
    assert "goodbye" not in {score.intent for score in report.intents}
    assert all(size == 14 for size in keyword_trainer)  # both goodbyes in every fold


def test_too_few_examples_for_any_comparison_is_a_report_not_a_crash(keyword_trainer):
    report = cross_validate(examples("greet", "hello", "hi"), {"classifier": "keywords"})
    assert report.intents == [] and report.accuracy is None
    assert report.not_evaluated == {"greet": 2}


def test_the_same_text_under_two_intents_is_reported(keyword_trainer):
    clash = examples("greet", "book a meeting")
    report = cross_validate([*MEETINGS, *clash], {"classifier": "keywords"})
    assert report.duplicates == {"book a meeting": ["book_meeting", "greet"]}


def test_the_configured_classifier_is_seeded_and_reproducible():
    first = cross_validate(MEETINGS, {}, folds=3)
    second = cross_validate(MEETINGS, {}, folds=3)
    assert first.as_json() == second.as_json()
    assert first.classifier == "minilm"  # the default
    assert first.evaluated == len(MEETINGS)


# -- the command ----------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "assistant"
    shutil.copytree(ASSISTANT, folder, ignore=shutil.ignore_patterns(".salesbot", "e2e"))
    # The command sets these for the actions it may run; keep them from leaking into other tests.
    monkeypatch.delenv("SALESBOT_DATABASE_URL", raising=False)
    monkeypatch.delenv("SALESBOT_CONFIG", raising=False)
    return folder


def test_train_report_prints_the_table_and_writes_json(project):
    target = project / "report.json"
    result = CliRunner().invoke(app, [
        "train", "--config", str(project / "config.yml"), "--report", "--report-json", str(target),
    ])
    assert result.exit_code == 0, result.output
    assert "precision" in result.output and "macro avg" in result.output
    assert "<->" in result.output  # this assistant's "abort" and "nevermind" collide
    saved = json.loads(target.read_text(encoding="utf-8"))
    assert set(saved["intents"]) == {"ask_price", "book_demo", "book_training", "cancel",
                                     "check_status", "human_handoff", "start_trial"}
    assert saved["folds"] == 5
    pair = saved["confused_pairs"][0]
    assert pair["count"] >= 1 and pair["examples"][0]["intent"] in pair["intents"]


def test_train_report_with_too_few_examples_exits_zero(project):
    result = CliRunner().invoke(app, [
        "train", "--config", str(project / "config.yml"), "--report", "--folds", "20",
    ])
    assert result.exit_code == 0, result.output
    assert "Fewer than two intents" in result.output
    assert "Not evaluated: cancel has 14 examples (fewer than 20)" in result.output
