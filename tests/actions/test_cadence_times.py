"""Dates and times in cadence requests, read from the NLU's entities in the rep's zone: the
window "what's due ..." names, and when "pause ... for two weeks" ends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from actions.cadence_times import due_window, pause_end
from bot.nlu.dates import extract_time
from bot.nlu.durations import extract_durations

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


def pause_ends(text: str) -> str | None:
    entities = extract_time(text, ZONE, NOW) + extract_durations(text)
    end = pause_end({"text": text, "entities": entities}, NOW, ZONE)
    return end.isoformat() if end is not None else None


def test_a_pause_of_days_or_weeks_ends_at_the_start_of_that_local_day() -> None:
    # Two weeks from Friday noon is Friday 13 Nov, after the clocks went back.
    assert pause_ends("pause Priya for two weeks") == "2026-11-13T00:00:00-08:00"
    assert pause_ends("pause Priya for 3 days") == "2026-11-02T00:00:00-08:00"


def test_a_pause_of_hours_ends_that_many_hours_on() -> None:
    assert pause_ends("pause Priya for 3 hours") == "2026-10-30T22:00:00+00:00"


@pytest.mark.parametrize(("text", "end"), [
    ("pause Priya until Monday", "2026-11-02T00:00:00-08:00"),
    ("pause Priya until next month", "2026-11-01T00:00:00-07:00"),
])
def test_a_pause_until_a_day_ends_when_it_begins(text: str, end: str) -> None:
    assert pause_ends(text) == end


def test_a_pause_without_an_end_is_open() -> None:
    assert pause_ends("pause Priya in Q4 Outbound") is None
