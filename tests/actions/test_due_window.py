"""Which window "what's due ..." names, read from the NLU's time entities in the rep's zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from actions.cadence_work import due_window
from bot.nlu.dates import extract_time

ZONE = "America/Los_Angeles"
NOW = datetime(2026, 10, 30, 19, 0, tzinfo=UTC)  # Friday 12:00 in Los Angeles; DST ends Sunday


def window(text: str) -> tuple[str, str, str] | None:
    found = due_window({"text": text, "entities": extract_time(text, ZONE, NOW)}, NOW)
    if found is None:
        return None
    return found.start.isoformat(), found.end.isoformat(), found.phrase


def test_no_date_means_today() -> None:
    assert window("what's due?") is None


def test_a_day_is_the_whole_local_day_across_the_clock_change() -> None:
    assert window("anything due sunday?") == (  # 25 hours long
        "2026-11-01T00:00:00-07:00", "2026-11-02T00:00:00-08:00", "on Sunday, Nov 1")
    assert window("what's due tomorrow") == (
        "2026-10-31T00:00:00-07:00", "2026-11-01T00:00:00-07:00", "tomorrow")


def test_a_range_is_taken_as_said() -> None:
    start, end, phrase = window("what is due next week") or ("", "", "")
    assert (start, end, phrase) == (
        "2026-11-02T00:00:00-08:00", "2026-11-09T00:00:00-08:00", "next week")


@pytest.mark.parametrize("text", ["what's due by 3pm", "what's due 3pm"])
def test_a_time_means_due_by_then(text: str) -> None:
    assert window(text) == (NOW.isoformat(), "2026-10-30T15:00:00-07:00", "by 3pm")
