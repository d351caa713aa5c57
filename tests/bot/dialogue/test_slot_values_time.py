"""Datetime slots take what the ``time`` entity gives: a point, a range, or a resolved value."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.dialogue.flows import SlotDefinition
from bot.dialogue.slot_values import coerce_slot_value, parse_slot_value
from bot.nlu.dates import TimezoneError

NOW = datetime(2024, 1, 15, 17, 0, tzinfo=UTC)  # Monday noon in New York
SLOT = SlotDefinition("when", "datetime")


def test_a_range_answer_fills_the_slot_with_the_range() -> None:
    assert parse_slot_value(SLOT, "sometime next week", timezone="America/New_York", now=NOW) == {
        "from": "2024-01-22T00:00:00-05:00", "to": "2024-01-29T00:00:00-05:00"}


def test_an_iso_value_from_a_button_or_entity_is_kept() -> None:
    value = "2024-01-16T15:00:00-05:00"
    assert coerce_slot_value(SLOT, value, "America/New_York") == value
    assert coerce_slot_value(SLOT, value, "Europe/Berlin") == "2024-01-16T21:00:00+01:00"


def test_an_iso_value_without_offset_is_the_users_wall_clock() -> None:
    assert coerce_slot_value(SLOT, "2024-03-10T02:30", "America/New_York") == (
        "2024-03-10T03:30:00-04:00")  # the spring-forward gap moves it forward


def test_an_unknown_zone_is_named() -> None:
    with pytest.raises(TimezoneError, match="Nowhere/Land"):
        parse_slot_value(SLOT, "tomorrow", timezone="Nowhere/Land", now=NOW)


def test_a_range_entity_value_fills_a_datetime_slot_unchanged() -> None:
    week = {"from": "2024-01-22T00:00:00-05:00", "to": "2024-01-29T00:00:00-05:00"}
    assert coerce_slot_value(SLOT, week, "America/New_York") == week
