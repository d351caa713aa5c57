"""Answers to a question become typed slot values, or are refused when they do not fit."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.dialogue.flows import SlotDefinition
from bot.dialogue.slot_values import coerce_slot_value, parse_slot_value


def slot(kind: str, values: list[str] | None = None) -> SlotDefinition:
    return SlotDefinition("s", kind, values or [])


@pytest.mark.parametrize(("answer", "value"), [
    ("yes", True), ("Yes please!", True), ("sure", True), ("no", False), ("nope, not now", False),
    ("maybe", None),
])
def test_bool(answer: str, value: bool | None) -> None:
    assert parse_slot_value(slot("bool"), answer) is value


@pytest.mark.parametrize(("answer", "value"), [
    ("12", 12), ("12 seats", 12), ("1,200", 1200), ("about twenty", 20), ("lots", None),
])
def test_int(answer: str, value: int | None) -> None:
    assert parse_slot_value(slot("int"), answer) == value


def test_float() -> None:
    assert parse_slot_value(slot("float"), "2.5 hours") == 2.5


@pytest.mark.parametrize(("answer", "value"), [
    ("Large", "large"), ("a large one please", "large"), ("lrage", "large"), ("huge", None),
    ("small or large", None),  # two values named: not an answer, ask again
])
def test_categorical(answer: str, value: str | None) -> None:
    assert parse_slot_value(slot("categorical", ["small", "medium", "large"]), answer) == value


def test_list() -> None:
    assert parse_slot_value(slot("list"), "Globex, Initech and Acme") == [
        "Globex", "Initech", "Acme"]


def test_datetime_in_the_users_zone() -> None:
    now = datetime(2026, 11, 20, 9, 0, tzinfo=ZoneInfo("America/New_York"))  # a Friday
    value = parse_slot_value(slot("datetime"), "tomorrow at 3pm",
                             timezone="America/New_York", now=now)
    assert value == "2026-11-21T15:00:00-05:00"
    assert parse_slot_value(slot("datetime"), "no idea", timezone="UTC", now=now) is None


def test_text_takes_the_answer_and_blank_is_no_answer() -> None:
    assert parse_slot_value(slot("text"), "  Jane Doe ") == "Jane Doe"
    assert parse_slot_value(slot("text"), "   ") is None


def test_payload_values_are_coerced_to_the_slot_type() -> None:
    assert coerce_slot_value(slot("bool"), "true") is True
    assert coerce_slot_value(slot("int"), "7") == 7
    assert coerce_slot_value(slot("text"), "7") == "7"
    assert coerce_slot_value(None, "7") == "7"


def test_a_money_entity_fills_a_number_slot_with_its_amount() -> None:
    money = {"amount": 40000.0, "currency": "USD"}
    assert coerce_slot_value(slot("float"), money) == 40000.0
    assert coerce_slot_value(slot("int"), money) == 40000
    assert coerce_slot_value(slot("float"), {"currency": "USD"}) is None
    assert coerce_slot_value(slot("any"), money) == money
