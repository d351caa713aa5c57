import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.nlu.dates import TimezoneError, extract_time, mentions_time

NEW_YORK = "America/New_York"


def only_time(text, timezone, now):
    [entity] = extract_time(text, timezone, now)
    assert entity["entity"] == "time"
    return entity


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2024, 1, 15, 17, 0, tzinfo=UTC), "2024-01-16T15:00:00-05:00"),
        (datetime(2024, 7, 1, 16, 0, tzinfo=UTC), "2024-07-02T15:00:00-04:00"),
        # 10:00 in New York on the day before clocks go forward: tomorrow is already -04:00.
        (datetime(2024, 3, 9, 15, 0, tzinfo=UTC), "2024-03-10T15:00:00-04:00"),
        # 22:00 on the 15th in New York is the 16th in UTC: "tomorrow" is the user's tomorrow.
        (datetime(2024, 1, 16, 3, 0, tzinfo=UTC), "2024-01-16T15:00:00-05:00"),
    ],
)
def test_tomorrow_at_3pm_in_the_users_zone(now, expected):
    text = "can we meet tomorrow at 3pm?"
    entity = only_time(text, NEW_YORK, now)
    assert entity["value"] == expected
    assert text[entity["start"] : entity["end"]] == "tomorrow at 3pm"


def test_same_words_in_another_zone_resolve_to_another_instant():
    now = datetime(2024, 1, 15, 17, 0, tzinfo=UTC)
    assert only_time("tomorrow at 3pm", "Europe/Berlin", now)["value"] == (
        "2024-01-16T15:00:00+01:00"
    )


def test_weekday_prefers_the_coming_one():
    now = datetime(2024, 1, 17, 12, 0, tzinfo=UTC)  # a Wednesday
    assert only_time("monday at 10:30", NEW_YORK, now)["value"] == "2024-01-22T10:30:00-05:00"


def test_an_explicit_zone_is_converted_to_the_users():
    now = datetime(2024, 1, 15, 12, 0, tzinfo=UTC)
    assert only_time("tomorrow at 3pm UTC", NEW_YORK, now)["value"] == (
        "2024-01-16T10:00:00-05:00"
    )


def test_naive_now_is_taken_as_utc():
    naive = datetime(2024, 1, 16, 3, 0)
    assert only_time("tomorrow at 3pm", NEW_YORK, naive)["value"] == "2024-01-16T15:00:00-05:00"


@pytest.mark.parametrize("text", ["hello there", "may I ask a question", "book a meeting"])
def test_text_without_dates_gives_nothing(text):
    assert extract_time(text, NEW_YORK, datetime(2024, 1, 15, tzinfo=UTC)) == []


def test_precheck_tells_date_words_from_the_rest():
    for text in ["tomorrow", "on Friday", "at 3pm", "10:30", "5/3", "the 15th", "in 2 days"]:
        assert mentions_time(text), text
    for text in ["hello there", "book a meeting with jane", "what does it cost", "3 seats"]:
        assert not mentions_time(text), text


def test_dateparser_is_not_even_imported_for_text_without_dates():
    code = (
        "import sys; from datetime import datetime, UTC; from bot.nlu.dates import extract_time;"
        "extract_time('hello there', 'UTC', datetime.now(UTC));"
        "print('dateparser' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("text", ["tomorrow", "hello"])
def test_unknown_zone_is_named(text):
    with pytest.raises(TimezoneError, match="Mars/Olympus"):
        extract_time(text, "Mars/Olympus", datetime(2024, 1, 15, tzinfo=UTC))


@pytest.mark.parametrize(
    ("text", "now", "expected"),
    [
        ("can we talk on the 5th", datetime(2024, 1, 15, 17, tzinfo=UTC), "2024-02-05"),
        ("the 22nd at 3pm", datetime(2024, 1, 15, 17, tzinfo=UTC), "2024-01-22T15:00"),
        ("the 31st", datetime(2024, 1, 10, 17, tzinfo=UTC), "2024-01-31"),
        ("the 5th of february", datetime(2024, 1, 15, 17, tzinfo=UTC), "2024-02-05"),
    ],
)
def test_a_bare_day_of_month_is_the_next_such_day(text, now, expected):
    assert only_time(text, NEW_YORK, now)["value"].startswith(expected)
