"""The entities a whole message yields: rules, durations and times together, no fragments."""

import itertools
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

NOW = datetime(2024, 1, 15, 17, 0, tzinfo=UTC)  # Monday noon in New York
NEW_YORK = "America/New_York"


def kinds(toy_model, text):
    entities = toy_model.extract_entities(text, timezone=NEW_YORK, now=NOW)
    return [(e["entity"], text[e["start"] : e["end"]]) for e in entities]


def test_a_duration_and_a_range_in_one_request(toy_model):
    text = "book 30 minutes with Jane next week"
    entities = toy_model.extract_entities(text, timezone=NEW_YORK, now=NOW)
    by_kind = {e["entity"]: e for e in entities}
    assert by_kind["duration"]["value"] == 1800
    assert by_kind["time"]["value"] == {"from": "2024-01-22T00:00:00-05:00",
                                        "to": "2024-01-29T00:00:00-05:00"}
    assert ("person", "Jane") in kinds(toy_model, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("follow up in two weeks", [("time", "in two weeks")]),
        ("pause the cadence for two weeks", [("duration", "two weeks")]),
        ("call me in 30 minutes", [("time", "in 30 minutes")]),
        ("a 45-minute demo tomorrow at 3pm",
         [("duration", "45-minute"), ("time", "tomorrow at 3pm")]),
        ("budget $5k, call 555-123-4567 tomorrow",
         [("amount_of_money", "$5k"), ("phone", "555-123-4567"), ("time", "tomorrow")]),
        ("mail jane@acme.example by friday", [("email", "jane@acme.example"), ("time", "friday")]),
        ("the top 10 accounts in Q4 Outbound", [("number", "10")]),
        ("between 2 and 4pm works", [("time", "between 2 and 4pm")]),
        ("a 2.5m deal with twenty five seats",
         [("amount_of_money", "2.5m"), ("number", "twenty five")]),
    ],
)
def test_each_piece_is_claimed_once_by_the_right_kind(toy_model, text, expected):
    assert kinds(toy_model, text) == expected


WORDS = ["tomorrow", "at", "3pm", "next", "friday", "between", "and", "from", "to", "-", "the",
         "5th", "of", "march", "in", "2", "weeks", "a", "half", "hour", "q4", "$5k", "one",
         "hundred", "10:30", "/", "2024-03-20", "ago", "end", "month", "morning", "+1", "555",
         "twenty", "five", "dollars", "3/4", ",", ".", "may", "sat", "noon", "o'clock", "x",
         "zero", "PM", "99999999999999999999", "3.30", "2/30", "1.2.3", "years", "²", "٣"]


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=6)), max_size=14),
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 1),
                 timezones=st.just(UTC)),
)
def test_any_text_yields_well_formed_entities_and_never_raises(toy_model, words, now):
    text = " ".join(words)
    entities = toy_model.extract_entities(text, timezone="Australia/Sydney", now=now)
    for entity in entities:
        assert 0 <= entity["start"] < entity["end"] <= len(text)
    for before, after in itertools.pairwise(entities):
        assert before["end"] <= after["start"]
