import shutil
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli import app
from bot.nlu.classifier import TRAINERS, train_tfidf
from bot.nlu.model import load_or_train, train_nlu

from .conftest import toy_examples

ASSISTANT = Path(__file__).resolve().parents[2] / "fixtures" / "assistant"


def test_unchanged_examples_load_the_cached_model(tmp_path):
    examples = toy_examples()
    first, trained = load_or_train(examples, {}, tmp_path)
    assert trained
    second, trained_again = load_or_train(examples, {}, tmp_path)
    assert not trained_again
    text = "can we schedule a demo"
    assert second.parse(text)["intent_ranking"] == first.parse(text)["intent_ranking"]


def test_a_changed_example_retrains(tmp_path):
    examples = toy_examples()
    load_or_train(examples, {}, tmp_path)
    changed = [*examples[:-1], replace(examples[-1], text="please cancel everything")]
    _, trained = load_or_train(changed, {}, tmp_path)
    assert trained


def test_a_changed_config_retrains_and_force_retrains(tmp_path):
    examples = toy_examples()
    load_or_train(examples, {}, tmp_path)
    model, trained = load_or_train(examples, {"threshold": 0.4}, tmp_path)
    assert trained and model.threshold == 0.4
    _, forced = load_or_train(examples, {"threshold": 0.4}, tmp_path, force=True)
    assert forced


def test_a_damaged_artefact_is_retrained_not_fatal(tmp_path):
    examples = toy_examples()
    load_or_train(examples, {"threshold": 0.3}, tmp_path)
    [artefact] = tmp_path.glob("nlu-*.joblib")
    artefact.write_bytes(b"truncated")
    model, trained = load_or_train(examples, {"threshold": 0.3}, tmp_path)
    assert trained
    assert model.parse("hello there")["intent"]["name"] == "greet"


def test_old_artefacts_are_pruned(tmp_path):
    examples = toy_examples()
    for threshold in (0.21, 0.22, 0.23, 0.24, 0.25):
        train_nlu(examples, {"threshold": threshold}, tmp_path)
    assert len(list(tmp_path.glob("nlu-*.joblib"))) == 3
    assert not list(tmp_path.glob(".nlu-*"))  # no temporary files left behind


def test_the_same_examples_in_another_order_hit_the_cache(tmp_path):
    examples = toy_examples()
    load_or_train(examples, {"threshold": 0.3}, tmp_path)
    _, trained = load_or_train(list(reversed(examples)), {"threshold": 0.3}, tmp_path)
    assert not trained


# -- what does and does not retrain, counted at the trainer -----------------------------------


@pytest.fixture
def trainings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Registers a "counting" classifier (the baseline, counted) and returns its call log."""
    calls: list[int] = []

    def counting(texts: Sequence[str], labels: Sequence[str], options: Mapping[str, Any]) -> Any:
        calls.append(len(texts))
        return train_tfidf(texts, labels, options)

    monkeypatch.setitem(TRAINERS, "counting", counting)
    return calls


COUNTED = {"classifier": "counting", "threshold": 0.3}  # a fixed threshold: one fit per training


def test_an_unchanged_project_is_loaded_not_retrained(tmp_path, trainings):
    examples = toy_examples()
    _, trained = load_or_train(examples, COUNTED, tmp_path)
    assert trained and len(trainings) == 1
    [artefact] = tmp_path.glob("nlu-*.joblib")
    written = artefact.stat().st_mtime_ns
    model, trained_again = load_or_train(list(examples), dict(COUNTED), tmp_path)
    assert not trained_again and len(trainings) == 1
    assert artefact.stat().st_mtime_ns == written  # read, not rewritten
    assert model.parse("hello there")["intent"]["name"] == "greet"


def test_one_changed_example_or_annotation_retrains(tmp_path, trainings):
    examples = toy_examples()
    load_or_train(examples, COUNTED, tmp_path)
    changed = [*examples[:-1], replace(examples[-1], text=examples[-1].text + " now")]
    assert load_or_train(changed, COUNTED, tmp_path)[1]
    annotated = next(example for example in examples if example.entities)
    relabelled = replace(
        annotated, entities=tuple(replace(span, entity="contact") for span in annotated.entities)
    )
    swapped = [relabelled if example is annotated else example for example in examples]
    assert load_or_train(swapped, COUNTED, tmp_path)[1]  # the tagger learns annotations
    assert len(trainings) == 3


@pytest.mark.parametrize(
    "dialogue_only",
    [{"timezone": "Europe/Berlin"}, {"record_names_refresh_seconds": 5},
     {"digression_threshold": 0.9}],
)
def test_keys_only_the_dialogue_reads_do_not_retrain(tmp_path, trainings, dialogue_only):
    examples = toy_examples()
    load_or_train(examples, COUNTED, tmp_path)
    _, trained = load_or_train(examples, {**COUNTED, **dialogue_only}, tmp_path)
    assert not trained and len(trainings) == 1


def test_salesbot_train_twice_trains_once(tmp_path, monkeypatch):
    project = tmp_path / "assistant"
    shutil.copytree(ASSISTANT, project, ignore=shutil.ignore_patterns(".salesbot", "e2e"))
    monkeypatch.delenv("SALESBOT_DATABASE_URL", raising=False)
    monkeypatch.delenv("SALESBOT_CONFIG", raising=False)
    command = ["train", "--config", str(project / "config.yml")]
    first = CliRunner().invoke(app, command)
    assert first.exit_code == 0 and "NLU trained." in first.output, first.output
    second = CliRunner().invoke(app, command)
    assert second.exit_code == 0
    assert "NLU unchanged, using the cached model." in second.output
    demo = project / "flows" / "demo.yml"
    demo.write_text(demo.read_text(encoding="utf-8").replace(
        "- demo please", "- a demo please"), encoding="utf-8")
    third = CliRunner().invoke(app, command)
    assert "NLU trained." in third.output
