from __future__ import annotations

import pytest

from bot.dialogue.conditions import ConditionError, parse_condition


@pytest.mark.parametrize(
    ("source", "slots", "expected"),
    [
        ('slots.size = "large"', {"size": "large"}, True),
        ('slots.size == "Large"', {"size": "large"}, True),  # categorical values ignore case
        ('slots.size != "large"', {"size": "small"}, True),
        ("slots.seats > 3", {"seats": 4}, True),
        ("slots.seats > 3", {"seats": "4"}, True),
        ("slots.seats >= 4 and slots.seats <= 10", {"seats": 11}, False),
        ("slots.seats < 1 or slots.seats > 500", {"seats": 0}, True),
        ("slots.seats > 3", {}, False),  # an unset slot is not bigger than anything
        ("slots.confirmed", {"confirmed": True}, True),
        ("slots.confirmed is not true", {"confirmed": False}, True),
        ("not slots.confirmed", {}, True),
        ("slots.email is null", {}, True),
        ("slots.email is not null", {"email": "a@b.c"}, True),
        ("slots.note is empty", {"note": ""}, True),
        ('slots.email matches "^[^@]+@[^@]+$"', {"email": "jo@acme.example"}, True),
        ('not (slots.email matches "^[^@]+@[^@]+$")', {"email": "jo at acme"}, True),
        ('slots.tags contains "vip"', {"tags": ["vip", "new"]}, True),
        ('(slots.a = 1 or slots.b = 2) and slots.c = 3', {"a": 1, "c": 3}, True),
    ],
)
def test_conditions_evaluate_like_flow_authors_expect(source, slots, expected) -> None:
    assert parse_condition(source).evaluate(slots) is expected


def test_slot_names_are_collected_for_validation() -> None:
    assert parse_condition("slots.a > 1 and not slots.b").slot_names == {"a", "b"}


@pytest.mark.parametrize("source", ["slots.a = = 1", "slots.a >", "(slots.a = 1", "size = 1",
                                    "slots.a = 1 slots.b", "", "slots.a = 'x"])
def test_invalid_conditions_are_refused(source) -> None:
    with pytest.raises(ConditionError):
        parse_condition(source)


def test_yaml_booleans_are_constant_conditions() -> None:
    assert parse_condition(True).evaluate({}) is True
