"""Entity variants: annotated examples taught again with other values, so that the names a
flow author happened to write do not decide the intent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from bot.nlu.classifier import IntentClassifier, train_tfidf
from bot.nlu.model import NluConfigError, NluModel, fit_nlu
from bot.nlu.training_data import TrainingExample, parse_examples
from bot.nlu.variants import MAX_TOTAL, entity_variants, with_entity_variants

# Each person is written in one intent only, as a flow author easily does.
PAUSE = """
    - pause [Tom Baker](lead) in [Cold Calls](cadence)
    - put [Tom Baker](lead) on hold
    - hold off on [Tom Baker](lead) for now
    - pause [Ana Ruiz](lead)'s cadence
    - freeze [Ana Ruiz](lead) in [Q4 Outbound](cadence)
    - pause outreach to [Ana Ruiz](lead)
"""
RESUME = """
    - resume [Priya Shah](lead) in [Cold Calls](cadence)
    - take [Priya Shah](lead) off hold
    - [Priya Shah](lead) is back, resume her
    - resume [Marco Rossi](lead)'s cadence
    - unpause [Marco Rossi](lead) in [Q4 Outbound](cadence)
    - resume outreach to [Marco Rossi](lead)
"""


def examples() -> list[TrainingExample]:
    return parse_examples(PAUSE, "pause") + parse_examples(RESUME, "resume")


def test_variants_swap_in_other_values_of_the_same_entity() -> None:
    variants = entity_variants(examples(), copies=2)
    assert len(variants) > len(examples())
    originals = {(example.text, example.intent) for example in examples()}
    assert not originals & set(variants)  # nothing taught twice
    for text, intent in variants:
        assert intent in ("pause", "resume")
        assert not {"[", "]", "(lead)", "(cadence)"} & set(text.split())
    people = {"Tom Baker", "Ana Ruiz", "Priya Shah", "Marco Rossi"}
    paused_people = {person for text, intent in variants if intent == "pause"
                     for person in people if person in text}
    assert paused_people - {"Tom Baker", "Ana Ruiz"}  # pause now also names Priya or Marco
    assert entity_variants(examples(), copies=2) == variants  # seeded


def test_examples_without_annotations_get_no_variants() -> None:
    plain = parse_examples("- hello there\n- good morning", "greet")
    assert entity_variants(plain, copies=3) == []


def test_a_classifier_is_taught_the_variants_of_its_own_examples_only() -> None:
    taught: list[tuple[list[str], list[str]]] = []

    def recording(
        texts: Sequence[str], labels: Sequence[str], options: Mapping[str, Any]
    ) -> IntentClassifier:
        taught.append((list(texts), list(labels)))
        return train_tfidf(texts, labels, options)

    everything = examples()
    fold = [example for example in everything if "Marco" not in example.text]
    trainer = with_entity_variants(recording, everything, copies=2)
    trainer([e.text for e in fold], [e.intent for e in fold], {})
    texts, labels = taught[0]
    assert texts[: len(fold)] == [e.text for e in fold]
    assert len(texts) > len(fold) and len(labels) == len(texts)
    assert not any("Marco" in text for text in texts)  # a held-out example's value stays out


def test_large_projects_and_zero_copies_are_left_as_written() -> None:
    def untouched(texts: Sequence[str], labels: Sequence[str], options: Mapping[str, Any]) -> Any:
        return None

    assert with_entity_variants(untouched, examples(), copies=0) is untouched
    many = examples() * (MAX_TOTAL // len(examples()) + 1)
    assert with_entity_variants(untouched, many, copies=2) is untouched


@pytest.fixture(scope="module")
def taught_with_variants() -> NluModel:
    return fit_nlu(examples(), {"classifier": "minilm"})


@pytest.mark.parametrize(("message", "intent"), [
    ("resume Tom Baker in Q4 Outbound", "resume"),  # Tom was only ever paused
    ("take Ana Ruiz off hold", "resume"),
    ("pause Marco Rossi", "pause"),  # Marco was only ever resumed
])
def test_a_name_written_in_one_intent_does_not_decide_the_intent(
    taught_with_variants: NluModel, message: str, intent: str
) -> None:
    # Without variants (entity_variants: 0) all three went to the other intent.
    assert taught_with_variants.parse(message)["intent"]["name"] == intent


@pytest.mark.parametrize("value", ["two", -1, 11, True, 1.5])
def test_a_bad_entity_variants_setting_is_named(value: object) -> None:
    with pytest.raises(NluConfigError, match=r"nlu\.entity_variants: expected a whole number"):
        fit_nlu(examples(), {"classifier": "tfidf", "entity_variants": value})
