"""Learned entities: names the examples never annotated, found from the words around them."""

from __future__ import annotations

import statistics
import time

import pytest

from bot.nlu.model import fit_nlu
from bot.nlu.tagger import EntityTagger, shape
from bot.nlu.training_data import TrainingExample, parse_examples

BOOKING = parse_examples(
    """
    - schedule a call with [Jane](person)
    - book a meeting with [Omar](person) tomorrow
    - set up 30 minutes with [Sam Lee](person) next week
    - can you book time with [Maria](person)
    - meet [Chen](person) on friday
    - find a slot with [Alex](person) and [Priyanka](person)
    - book a demo for [Acme Corp](account)
    - what did [Globex](account) say about pricing
    - summarize the [Initech](account) call
    - book a meeting
    - schedule a demo next week
    - set up a call for friday
    """,
    "book_meeting",
) + parse_examples(
    """
    - what's due today
    - show my calls with the team
    - hello there
    - fly from [Berlin]{"entity": "city", "role": "from"} to [Paris]{"entity": "city", "role": "to"}
    - travel from [Rome]{"entity": "city", "role": "from"} to [Oslo]{"entity": "city", "role": "to"}
    - go from [Lisbon]{"entity": "city", "role": "from"} to [Madrid]{"entity": "city", "role": "to"}
    """,
    "other",
)


@pytest.fixture(scope="module")
def tagger() -> EntityTagger:
    trained = EntityTagger.fit(BOOKING)
    assert trained is not None
    return trained


def learned(tagger: EntityTagger, text: str) -> list[tuple[str, str]]:
    return [(entity["entity"], entity["value"]) for entity in tagger.extract(text)]


def test_a_name_never_annotated_is_found_by_its_context(tagger):
    assert learned(tagger, "book 30 minutes with Priya next week") == [("person", "Priya")]
    assert learned(tagger, "schedule a call with Dmitri") == [("person", "Dmitri")]


def test_ordinary_messages_have_no_learned_entities(tagger):
    for text in ("schedule a call with the team", "book a meeting tomorrow", "what's due today",
                 "hello there", ""):
        assert learned(tagger, text) == [], text


def test_roles_are_learned_with_the_entity(tagger):
    found = tagger.extract("fly from Vienna to Prague")
    assert [(e["entity"], e.get("role"), e["value"]) for e in found] == [
        ("city", "from", "Vienna"), ("city", "to", "Prague"),
    ]


def test_entities_carry_offsets_confidence_and_extractor(tagger):
    text = "book 30 minutes with Priya next week"
    [entity] = tagger.extract(text)
    assert text[entity["start"] : entity["end"]] == "Priya"
    assert 0.5 <= entity["confidence_entity"] <= 1.0
    assert entity["extractor"] == "LearnedEntityExtractor"


def test_nothing_to_learn_without_annotations():
    plain = [TrainingExample("hello", "greet"), TrainingExample("bye", "goodbye")]
    assert EntityTagger.fit(plain) is None


def test_shapes():
    assert [shape(w) for w in ("Jane", "Q4", "2024", "jane@acme.com")] == ["Xx", "Xd", "d", "x@x.x"]


def test_the_model_merges_lookup_learned_and_rules():
    model = fit_nlu(BOOKING, {})
    entities = model.parse("set up 30 minutes with Priya and Jane, priya@northwind.example")[
        "entities"
    ]
    by_kind = {(e["entity"], e["value"], e["extractor"]) for e in entities}
    # Jane was annotated: the lookup has her; Priya is learned; the email is a rule's.
    assert ("person", "Jane", "LookupEntityExtractor") in by_kind
    assert ("person", "Priya", "LearnedEntityExtractor") in by_kind
    assert ("email", "priya@northwind.example", "RuleEntityExtractor") in by_kind
    assert not any(e["extractor"] == "LearnedEntityExtractor" and e["value"] == "Jane"
                   for e in entities)


def test_the_tagger_is_saved_with_the_model(tmp_path):
    model = fit_nlu(BOOKING, {})
    path = tmp_path / "model.joblib"
    model.save(path)
    loaded = type(model).load(path)
    text = "book 30 minutes with Priya next week"
    assert loaded.tagger is not None
    assert loaded.tagger.extract(text) == model.tagger.extract(text)  # type: ignore[union-attr]


def test_tagging_is_fast(tagger):
    durations = []
    for _ in range(200):
        started = time.perf_counter()
        tagger.extract("could you book 30 minutes with Priya Shah next week please")
        durations.append(time.perf_counter() - started)
    assert statistics.median(durations) < 0.001
