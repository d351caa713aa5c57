"""The MiniLM classifier as a user of `salesbot train` meets it: understood paraphrases,
unrelated questions rejected (with and without an out-of-scope intent), reproducible training,
and an artefact that loads without the encoder or the training texts."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu.embeddings import load_encoder
from bot.nlu.model import FALLBACK_INTENT, NluModel, fit_nlu
from bot.nlu.training_data import TrainingExample, parse_examples

from .conftest import toy_examples

MINILM = {"classifier": "minilm"}

OUT_OF_SCOPE = """
    - what is the weather like today
    - tell me a joke
    - who is the president of france
    - how many calories are in an apple
    - play my workout playlist
    - what's the capital of spain
    - translate thank you into german
    - how do i change a flat tire
    - when does the supermarket close
    - what's a good movie to watch tonight
"""

UNRELATED = [
    "what is the capital of peru",
    "how tall is mount everest",
    "recipe for banana bread",
    "who won the world cup in 2010",
]


@pytest.fixture(scope="module")
def model() -> NluModel:
    return fit_nlu(toy_examples(), MINILM)


@pytest.fixture(scope="module")
def model_with_oos() -> NluModel:
    return fit_nlu([*toy_examples(), *parse_examples(OUT_OF_SCOPE, "oos")], MINILM)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("hi there, nice to meet you", "greet"),
        ("catch you tomorrow", "goodbye"),
        ("what are you able to do for me", "help"),
        ("could we get a call on the calendar with the acme folks", "book_meeting"),
        ("drop it, i changed my mind", "cancel"),
    ],
)
def test_paraphrases_get_their_intent(model, text, intent):
    assert model.parse(text)["intent"]["name"] == intent


@pytest.mark.parametrize("text", UNRELATED)
def test_an_unrelated_question_falls_back_without_an_oos_intent(model, text):
    assert model.parse(text)["intent"]["name"] == FALLBACK_INTENT


@pytest.mark.parametrize("text", UNRELATED)
def test_an_unrelated_question_falls_back_with_an_oos_intent(model_with_oos, text):
    parsed = model_with_oos.parse(text)
    assert parsed["intent"]["name"] == FALLBACK_INTENT
    assert "oos" not in {entry["name"] for entry in parsed["intent_ranking"]}


def test_the_oos_intent_is_learnt_but_never_an_answer(model_with_oos):
    assert "oos" not in model_with_oos.intents
    parsed = model_with_oos.parse("tell me a joke please")  # almost an oos example
    assert parsed["intent"]["name"] == FALLBACK_INTENT
    assert model_with_oos.parse("could you schedule a meeting with bob")["intent"]["name"] == (
        "book_meeting"
    )


def test_out_of_scope_intents_are_configurable():
    examples = [*toy_examples(), *parse_examples(OUT_OF_SCOPE, "chitchat")]
    model = fit_nlu(examples, {**MINILM, "out_of_scope_intents": ["chitchat"]})
    assert "chitchat" not in model.intents
    assert model.parse("tell me a joke please")["intent"]["name"] == FALLBACK_INTENT


def test_same_seed_same_scores_different_seed_different_scores(model):
    again = fit_nlu(toy_examples(), MINILM)
    other = fit_nlu(toy_examples(), {**MINILM, "seed": 7})
    text = "i'd like to set up a demo"
    assert again.threshold == model.threshold
    assert again.parse(text)["intent_ranking"] == model.parse(text)["intent_ranking"]
    assert other.parse(text)["intent_ranking"] != model.parse(text)["intent_ranking"]


def test_the_artefact_is_small_and_loads_without_encoding_the_examples(model, tmp_path: Path):
    path = tmp_path / "model.joblib"
    model.save(path)
    assert path.stat().st_size < 2_000_000  # head and vectors, not the 90 MB encoder
    encoder = load_encoder()
    before = encoder.texts_encoded
    loaded = NluModel.load(path)
    text = "please book a meeting with the zeta team next week"  # seen nowhere before
    ranking = loaded.parse(text)["intent_ranking"]
    assert encoder.texts_encoded - before == 1  # that message, once; no training example
    assert ranking == model.parse(text)["intent_ranking"]


def test_one_intent_still_rejects_what_it_was_not_taught():
    examples = parse_examples("- book a meeting\n- schedule a call\n- set up a demo", "book")
    model = fit_nlu(examples, MINILM)
    assert model.parse("schedule a meeting")["intent"]["name"] == "book"
    assert model.parse("how tall is mount everest")["intent"]["name"] == FALLBACK_INTENT


def test_a_text_identical_to_an_example_is_confident(model):
    example = TrainingExample("show me what you can do", "help")
    parsed = model.parse(example.text)
    assert parsed["intent"]["name"] == "help"
    assert parsed["intent"]["confidence"] > model.threshold
