"""The entities a whole message yields: rules, durations and times together, no fragments."""

from datetime import UTC, datetime

import pytest

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
