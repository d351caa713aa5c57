import re
import statistics
import time
from datetime import UTC, datetime

import pytest

from bot.nlu.model import FALLBACK_INTENT, NluConfigError, NluModel, NluModelError, fit_nlu
from bot.nlu.training_data import TrainingExample, parse_examples

from .conftest import toy_examples

NOW = datetime(2024, 1, 15, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("hello bot, good morning", "greet"),
        ("hey, good evening", "greet"),
        ("ok bye for now", "goodbye"),
        ("see you tomorrow", "goodbye"),
        ("i need some help please", "help"),
        ("how do you work?", "help"),
        ("could you schedule a meeting with bob", "book_meeting"),
        ("i'd like to book a call", "book_meeting"),
        ("book a demo for tuesday", "book_meeting"),
        ("please cancel it", "cancel"),
        ("forget it, stop", "cancel"),
    ],
)
def test_unseen_paraphrases_get_their_intent(toy_model, text, intent):
    parsed = toy_model.parse(text)
    assert parsed["intent"]["name"] == intent
    assert parsed["intent"] == parsed["intent_ranking"][0]


@pytest.mark.parametrize(
    "text",
    [
        "what is the capital of peru",
        "asdkjh qwe",
        "how tall is mount everest",
        "play some music",
        "who won the world cup",
        "recipe for banana bread",
    ],
)
def test_out_of_scope_falls_back_like_rasa(toy_model, text):
    parsed = toy_model.parse(text)
    assert parsed["intent"] == {"name": FALLBACK_INTENT, "confidence": toy_model.threshold}
    # As Rasa's FallbackClassifier: the fallback leads the ranking, the real one follows.
    ranking = parsed["intent_ranking"]
    assert ranking[0]["name"] == FALLBACK_INTENT
    assert {entry["name"] for entry in ranking[1:]} == set(toy_model.intents)
    assert ranking[1]["confidence"] < toy_model.threshold


def test_parse_data_shape(toy_model):
    parsed = toy_model.parse("can you help me")
    assert set(parsed) == {"text", "intent", "intent_ranking", "entities"}
    assert parsed["text"] == "can you help me"
    confidences = [entry["confidence"] for entry in parsed["intent_ranking"]]
    assert confidences == sorted(confidences, reverse=True)
    assert all(0.0 <= c <= 1.0 and isinstance(c, float) for c in confidences)
    assert toy_model.intents == sorted(["greet", "goodbye", "help", "book_meeting", "cancel"])


def test_ranking_is_cut_at_ten():
    examples = [
        TrainingExample(f"please do task {word} now", f"task_{word}")
        for word in ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota",
                     "kappa", "lambda", "mu"]
        for _ in range(3)
    ]
    model = fit_nlu(examples, {"threshold": 0.0})
    assert len(model.parse("please do task beta")["intent_ranking"]) == 10


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_empty_text_is_certain_fallback(toy_model, text):
    parsed = toy_model.parse(text)
    assert parsed["intent"] == {"name": FALLBACK_INTENT, "confidence": 1.0}
    assert parsed["intent_ranking"] == []


def test_calibrated_threshold_stays_in_its_bounds(toy_model):
    assert 0.0 < toy_model.threshold <= 0.5


def test_configured_threshold_wins():
    model = fit_nlu(toy_examples(), {"threshold": 0.99})
    assert model.threshold == 0.99
    assert model.parse("i'd like to book a call")["intent"]["name"] == FALLBACK_INTENT


@pytest.mark.parametrize("bad", [1.5, -0.1, "high", True])
def test_bad_threshold_is_named(bad):
    with pytest.raises(NluConfigError, match=r"nlu\.threshold"):
        fit_nlu(toy_examples(), {"threshold": bad})


def test_unknown_classifier_is_named():
    with pytest.raises(NluConfigError, match=r"nlu\.classifier.*'bert'"):
        fit_nlu(toy_examples(), {"classifier": "bert"})


def test_training_is_deterministic_and_ignores_example_order():
    examples = toy_examples()
    first = fit_nlu(examples, {})
    second = fit_nlu(list(reversed(examples)), {})
    assert first.threshold == second.threshold
    for text in ["book me a demo", "what is the capital of peru", "see you"]:
        assert first.parse(text)["intent_ranking"] == second.parse(text)["intent_ranking"]


def test_one_intent_understands_its_words_and_still_falls_back():
    examples = parse_examples("- book a meeting\n- schedule a call\n- set up a demo", "book")
    model = fit_nlu(examples, {"classifier": "tfidf"})  # its confidence is word coverage
    assert model.intents == ["book"]
    assert model.parse("schedule a meeting")["intent"] == {"name": "book", "confidence": 1.0}
    assert model.parse("asdkjh qwe")["intent"]["name"] == FALLBACK_INTENT


def test_no_intents_means_everything_falls_back():
    model = fit_nlu([], {})
    assert model.intents == []
    parsed = model.parse("hello")
    assert parsed["intent"] == {"name": FALLBACK_INTENT, "confidence": 1.0}
    assert parsed["intent_ranking"] == []


def test_examples_with_nothing_but_punctuation_are_harmless():
    model = fit_nlu([TrainingExample("?!", "huh"), TrainingExample("...", "huh")], {})
    assert model.parse("hello")["intent"]["name"] == FALLBACK_INTENT


def test_parse_returns_entities_from_every_extractor(toy_model):
    text = "book Acme Corp tomorrow at 3pm, call 555-123-4567 or mail jane@acme.example"
    parsed = toy_model.parse(text, timezone="America/New_York", now=NOW)
    assert [(e["entity"], e["value"]) for e in parsed["entities"]] == [
        ("account", "Acme Corporation"),
        ("time", "2024-01-16T15:00:00-05:00"),
        ("phone", "+15551234567"),
        ("email", "jane@acme.example"),
    ]


def test_a_phone_number_is_never_part_of_a_date(toy_model):
    text = "call me at 555-123-4567 tomorrow"
    entities = toy_model.parse(text, timezone="UTC", now=NOW)["entities"]
    assert [text[e["start"] : e["end"]] for e in entities] == ["555-123-4567", "tomorrow"]


def test_save_and_load_round_trip(toy_model, tmp_path):
    path = tmp_path / "model.joblib"
    toy_model.save(path)
    loaded = NluModel.load(path)
    assert loaded.threshold == toy_model.threshold
    text = "set up a call with acme corp"
    assert loaded.parse(text, now=NOW) == toy_model.parse(text, now=NOW)


def test_loading_something_else_is_a_clear_error(tmp_path):
    path = tmp_path / "model.joblib"
    path.write_bytes(b"not a model")
    with pytest.raises(NluModelError, match=re.escape(str(path))):
        NluModel.load(path)


def test_parse_is_fast(toy_model):
    texts = [
        "could you set up a meeting with the acme team",
        "hello there",
        "i need some help with my account",
        "cancel that please",
        "what is the capital of peru",
    ]
    durations = []
    for index in range(200):
        started = time.perf_counter()
        toy_model.parse(texts[index % len(texts)])
        durations.append(time.perf_counter() - started)
    assert statistics.median(durations) < 0.005
