import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.nlu.dates import TimezoneError, extract_time, mentions_time

NEW_YORK = "America/New_York"
# Monday 15 January 2024, 12:00 in New York.
MONDAY_NOON = datetime(2024, 1, 15, 17, 0, tzinfo=UTC)


def only_time(text, timezone=NEW_YORK, now=MONDAY_NOON):
    [entity] = extract_time(text, timezone, now)
    assert entity["entity"] == "time"
    return entity


def span(text, entity):
    return text[entity["start"] : entity["end"]]


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
    assert span(text, entity) == "tomorrow at 3pm"
    assert entity["additional_info"] == {"type": "value", "grain": "hour", "timezone": NEW_YORK}


def test_same_words_in_another_zone_resolve_to_another_instant():
    assert only_time("tomorrow at 3pm", "Europe/Berlin")["value"] == "2024-01-16T15:00:00+01:00"


def test_weekday_prefers_the_coming_one():
    now = datetime(2024, 1, 17, 12, 0, tzinfo=UTC)  # a Wednesday
    assert only_time("monday at 10:30", NEW_YORK, now)["value"] == "2024-01-22T10:30:00-05:00"


@pytest.mark.parametrize(
    ("text", "value", "stated"),
    [
        ("tomorrow at 3pm UTC", "2024-01-16T10:00:00-05:00", "UTC"),
        ("3pm PT tomorrow", "2024-01-16T18:00:00-05:00", "America/Los_Angeles"),
        ("10am pacific time on friday", "2024-01-19T13:00:00-05:00", "America/Los_Angeles"),
        ("friday at 9:30 CET", "2024-01-19T03:30:00-05:00", "Europe/Berlin"),
    ],
)
def test_an_explicit_zone_is_converted_to_the_users(text, value, stated):
    entity = only_time(text)
    assert entity["value"] == value
    assert entity["additional_info"]["stated_timezone"] == stated


def test_naive_now_is_taken_as_utc():
    naive = datetime(2024, 1, 16, 3, 0)
    assert only_time("tomorrow at 3pm", NEW_YORK, naive)["value"] == "2024-01-16T15:00:00-05:00"


@pytest.mark.parametrize(
    ("text", "value", "grain", "said"),
    [
        ("today", "2024-01-15T00:00:00-05:00", "day", "today"),
        ("how about tomorrow?", "2024-01-16T00:00:00-05:00", "day", "tomorrow"),
        ("yesterday", "2024-01-14T00:00:00-05:00", "day", "yesterday"),
        ("the day after tomorrow", "2024-01-17T00:00:00-05:00", "day", "the day after tomorrow"),
        ("on friday", "2024-01-19T00:00:00-05:00", "day", "friday"),
        ("Sat works", "2024-01-20T00:00:00-05:00", "day", "Sat"),
        ("last friday", "2024-01-12T00:00:00-05:00", "day", "last friday"),
        ("friday next week", "2024-01-26T00:00:00-05:00", "day", "friday next week"),
        ("next week on friday", "2024-01-26T00:00:00-05:00", "day", "next week on friday"),
        ("friday after next", "2024-02-02T00:00:00-05:00", "day", "friday after next"),
        ("thursday the 18th", "2024-01-18T00:00:00-05:00", "day", "thursday the 18th"),
        ("march 5th", "2024-03-05T00:00:00-05:00", "day", "march 5th"),
        ("5 march", "2024-03-05T00:00:00-05:00", "day", "5 march"),
        ("the 5th of february", "2024-02-05T00:00:00-05:00", "day", "the 5th of february"),
        ("march fifth", "2024-03-05T00:00:00-05:00", "day", "march fifth"),
        ("january 10", "2025-01-10T00:00:00-05:00", "day", "january 10"),  # past: next year
        ("march 4th 2019", "2019-03-04T00:00:00-05:00", "day", "march 4th 2019"),
        ("jan 21, 2025", "2025-01-21T00:00:00-05:00", "day", "jan 21, 2025"),
        ("2024-03-20", "2024-03-20T00:00:00-04:00", "day", "2024-03-20"),
        ("3/20", "2024-03-20T00:00:00-04:00", "day", "3/20"),
        ("3/20/25", "2025-03-20T00:00:00-04:00", "day", "3/20/25"),
        ("in 2 days", "2024-01-17T00:00:00-05:00", "day", "in 2 days"),
        ("in two weeks", "2024-01-29T00:00:00-05:00", "day", "in two weeks"),
        ("two weeks from now", "2024-01-29T00:00:00-05:00", "day", "two weeks from now"),
        ("a week from friday", "2024-01-26T00:00:00-05:00", "day", "a week from friday"),
        ("3 days ago", "2024-01-12T00:00:00-05:00", "day", "3 days ago"),
        ("by end of month", "2024-01-31T00:00:00-05:00", "day", "end of month"),
        ("end of the week", "2024-01-19T00:00:00-05:00", "day", "end of the week"),
        ("EOM", "2024-01-31T00:00:00-05:00", "day", "EOM"),
        ("end of next month", "2024-02-29T00:00:00-05:00", "day", "end of next month"),
        ("start of next month", "2024-02-01T00:00:00-05:00", "day", "start of next month"),
        ("end of Q1", "2024-03-31T00:00:00-04:00", "day", "end of Q1"),
        ("at 3", "2024-01-15T15:00:00-05:00", "hour", "3"),
        ("at 9", "2024-01-16T09:00:00-05:00", "hour", "9"),  # 9am has passed: tomorrow
        ("3pm", "2024-01-15T15:00:00-05:00", "hour", "3pm"),
        ("at 3:30 p.m.", "2024-01-15T15:30:00-05:00", "minute", "3:30 p.m."),
        ("16:00", "2024-01-15T16:00:00-05:00", "minute", "16:00"),
        ("7:30", "2024-01-15T19:30:00-05:00", "minute", "7:30"),
        ("half past six", "2024-01-15T18:30:00-05:00", "minute", "half past six"),
        ("quarter to four", "2024-01-15T15:45:00-05:00", "minute", "quarter to four"),
        ("3 o'clock", "2024-01-15T15:00:00-05:00", "hour", "3 o'clock"),
        ("noon tomorrow", "2024-01-16T12:00:00-05:00", "hour", "noon tomorrow"),
        ("tomorrow at midnight", "2024-01-17T00:00:00-05:00", "hour", "tomorrow at midnight"),
        ("by EOD", "2024-01-15T17:00:00-05:00", "hour", "EOD"),
        ("at 3pm on friday", "2024-01-19T15:00:00-05:00", "hour", "3pm on friday"),
        ("10am march 5", "2024-03-05T10:00:00-05:00", "hour", "10am march 5"),
        ("tomorrow at 10", "2024-01-16T10:00:00-05:00", "hour", "tomorrow at 10"),
        ("tomorrow morning at 8", "2024-01-16T08:00:00-05:00", "hour", "tomorrow morning at 8"),
        ("tonight at 8", "2024-01-15T20:00:00-05:00", "hour", "tonight at 8"),
        ("for six tomorrow morning", "2024-01-16T06:00:00-05:00", "hour", "six tomorrow morning"),
        ("one in the afternoon", "2024-01-15T13:00:00-05:00", "hour", "one in the afternoon"),
        ("ten at night", "2024-01-15T22:00:00-05:00", "hour", "ten at night"),
        ("in 3 hours", "2024-01-15T15:00:00-05:00", "minute", "in 3 hours"),
        ("in half an hour", "2024-01-15T12:30:00-05:00", "minute", "in half an hour"),
        ("30 minutes from now", "2024-01-15T12:30:00-05:00", "minute", "30 minutes from now"),
        ("an hour ago", "2024-01-15T11:00:00-05:00", "minute", "an hour ago"),
        ("until the twenty ninth", "2024-01-29T00:00:00-05:00", "day", "the twenty ninth"),
        ("call at 8 tonight", "2024-01-15T20:00:00-05:00", "hour", "8 tonight"),
        ("tonight at 2", "2024-01-16T02:00:00-05:00", "hour", "tonight at 2"),  # after midnight
        ("12 at night", "2024-01-16T00:00:00-05:00", "hour", "12 at night"),
        ("1 at lunch", "2024-01-15T13:00:00-05:00", "hour", "1 at lunch"),
        ("6 in the morning", "2024-01-16T06:00:00-05:00", "hour", "6 in the morning"),
        ("feb 29", "2024-02-29T00:00:00-05:00", "day", "feb 29"),
    ],
)
def test_points(text, value, grain, said):
    entity = only_time(text)
    assert entity["value"] == value
    assert entity["additional_info"]["grain"] == grain
    assert entity["additional_info"]["type"] == "value"
    assert span(text, entity) == said


@pytest.mark.parametrize(
    ("text", "start", "end", "grain", "said"),
    [
        ("tomorrow morning", "2024-01-16T09:00", "2024-01-16T12:00", "hour", "tomorrow morning"),
        ("friday afternoon", "2024-01-19T12:00", "2024-01-19T17:00", "hour", "friday afternoon"),
        ("this evening", "2024-01-15T17:00", "2024-01-15T21:00", "hour", "this evening"),
        ("tonight", "2024-01-15T18:00", "2024-01-16T00:00", "hour", "tonight"),
        ("in the morning", "2024-01-16T09:00", "2024-01-16T12:00", "hour", "in the morning"),
        ("this month", "2024-01-01T00:00", "2024-02-01T00:00", "month", "this month"),
        ("next month", "2024-02-01T00:00", "2024-03-01T00:00", "month", "next month"),
        ("this week", "2024-01-15T00:00", "2024-01-22T00:00", "week", "this week"),
        ("next week", "2024-01-22T00:00", "2024-01-29T00:00", "week", "next week"),
        ("last week", "2024-01-08T00:00", "2024-01-15T00:00", "week", "last week"),
        ("the week after next", "2024-01-29T00:00", "2024-02-05T00:00", "week",
         "the week after next"),
        ("this weekend", "2024-01-20T00:00", "2024-01-22T00:00", "day", "this weekend"),
        ("this quarter", "2024-01-01T00:00", "2024-04-01T00:00", "quarter", "this quarter"),
        ("in Q3", "2024-07-01T00:00", "2024-10-01T00:00", "quarter", "Q3"),
        ("Q1 2025", "2025-01-01T00:00", "2025-04-01T00:00", "quarter", "Q1 2025"),
        ("this year", "2024-01-01T00:00", "2025-01-01T00:00", "year", "this year"),
        ("in 2025", "2025-01-01T00:00", "2026-01-01T00:00", "year", "2025"),
        ("in May", "2024-05-01T00:00", "2024-06-01T00:00", "month", "May"),
        ("june", "2024-06-01T00:00", "2024-07-01T00:00", "month", "june"),
        ("from april to may", "2024-04-01T00:00", "2024-06-01T00:00", "month",
         "from april to may"),
        ("between 2 and 4pm tomorrow", "2024-01-16T14:00", "2024-01-16T16:00", "hour",
         "between 2 and 4pm tomorrow"),
        ("tomorrow between 2 and 4", "2024-01-16T14:00", "2024-01-16T16:00", "hour",
         "tomorrow between 2 and 4"),
        ("friday from 9 to 11:30am", "2024-01-19T09:00", "2024-01-19T11:30", "minute",
         "friday from 9 to 11:30am"),
        ("2-4pm", "2024-01-15T14:00", "2024-01-15T16:00", "hour", "2-4pm"),
        ("tomorrow 2-4pm", "2024-01-16T14:00", "2024-01-16T16:00", "hour", "tomorrow 2-4pm"),
        ("9am to 5pm on friday", "2024-01-19T09:00", "2024-01-19T17:00", "hour",
         "9am to 5pm on friday"),
        ("11-1pm", "2024-01-15T11:00", "2024-01-15T13:00", "hour", "11-1pm"),  # not over yet
        ("10pm to 2am", "2024-01-15T22:00", "2024-01-16T02:00", "hour", "10pm to 2am"),
        ("from monday to wednesday", "2024-01-15T00:00", "2024-01-18T00:00", "day",
         "from monday to wednesday"),
        ("mon-wed", "2024-01-15T00:00", "2024-01-18T00:00", "day", "mon-wed"),
        ("friday through monday", "2024-01-19T00:00", "2024-01-23T00:00", "day",
         "friday through monday"),
        ("march 5-7", "2024-03-05T00:00", "2024-03-08T00:00", "day", "march 5-7"),
        ("from the 3rd to the 5th", "2024-02-03T00:00", "2024-02-06T00:00", "day",
         "from the 3rd to the 5th"),
        ("the next 3 days", "2024-01-15T12:00", "2024-01-19T00:00", "day", "the next 3 days"),
        ("within 2 weeks", "2024-01-15T12:00", "2024-01-30T00:00", "week", "within 2 weeks"),
        ("in the past 30 days", "2023-12-16T00:00", "2024-01-15T12:00", "day",
         "the past 30 days"),
        ("the next 2 hours", "2024-01-15T12:00", "2024-01-15T14:00", "minute",
         "the next 2 hours"),
    ],
)
def test_ranges_have_an_exclusive_end(text, start, end, grain, said):
    entity = only_time(text)
    assert entity["additional_info"]["type"] == "interval"
    assert entity["additional_info"]["grain"] == grain
    assert entity["value"]["from"][:16] == start
    assert entity["value"]["to"][:16] == end
    assert span(text, entity) == said


def test_a_clock_range_already_over_today_is_tomorrows():
    now = datetime(2024, 1, 15, 22, 0, tzinfo=UTC)  # 17:00 in New York
    entity = only_time("between 2 and 4pm", NEW_YORK, now)
    assert entity["value"] == {"from": "2024-01-16T14:00:00-05:00",
                               "to": "2024-01-16T16:00:00-05:00"}


@pytest.mark.parametrize(
    "text",
    [
        "hello there",
        "may I ask a question",
        "book a meeting",
        "this is our second call",
        "enroll them into Q4 Outbound",
        "show me the top 10 accounts",
        "they are in 5 cadences",
        "what's the apr on my card",
        "it melted in the sun",
        "I sat down with Jan from finance",
        "24/7 support",
        "a table for 3",
        "a timer at 1 hour",
        "the 5th call went well",
        "between 2 and 4 people",
        "for two weeks",
        "good morning",
        "he will march on",
        "the score was 9 to 5",
        "version 2.5 is out",
    ],
)
def test_ordinary_sentences_hold_no_time(text):
    assert extract_time(text, NEW_YORK, MONDAY_NOON) == []


def test_two_times_in_one_message_come_in_order():
    text = "not tomorrow at 3pm, rather friday morning"
    found = extract_time(text, NEW_YORK, MONDAY_NOON)
    assert [span(text, entity) for entity in found] == ["tomorrow at 3pm", "friday morning"]


@pytest.mark.parametrize(
    ("timezone", "text", "expected"),
    [
        (NEW_YORK, "5/3", "2024-05-03"),  # month first in the US
        ("Europe/Berlin", "5/3", "2024-03-05"),  # day first elsewhere
        ("Europe/Berlin", "20.03.2024", "2024-03-20"),
        (NEW_YORK, "20/3", "2024-03-20"),  # only one reading is a date
    ],
)
def test_numeric_dates_follow_the_users_convention(timezone, text, expected):
    assert only_time(text, timezone)["value"].startswith(expected)


def test_precheck_tells_date_words_from_the_rest():
    for text in ["tomorrow", "on Friday", "at 3pm", "10:30", "5/3", "the 15th", "in 2 days"]:
        assert mentions_time(text), text
    for text in ["hello there", "book a meeting with jane", "what does it cost", "3 seats"]:
        assert not mentions_time(text), text


def test_dateparser_is_not_even_imported_for_english():
    code = (
        "import sys; from datetime import datetime, UTC; from bot.nlu.dates import extract_time;"
        "extract_time('hello there', 'UTC', datetime.now(UTC));"
        "extract_time('tomorrow at 3pm', 'UTC', datetime.now(UTC));"
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


def test_another_language_is_read_by_dateparser_and_its_longer_phrase_wins():
    text = "mañana a las 3pm, or friday"
    found = extract_time(text, NEW_YORK, MONDAY_NOON, languages=("en", "es"))
    assert [(span(text, entity), entity["value"]) for entity in found] == [
        ("mañana a las 3pm", "2024-01-16T15:00:00-05:00"),
        ("friday", "2024-01-19T00:00:00-05:00"),
    ]


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
        ("the 31st", datetime(2024, 4, 10, 17, tzinfo=UTC), "2024-05-31"),  # April has no 31st
        ("the 5th of february", datetime(2024, 1, 15, 17, tzinfo=UTC), "2024-02-05"),
    ],
)
def test_a_bare_day_of_month_is_the_next_such_day(text, now, expected):
    assert only_time(text, NEW_YORK, now)["value"].startswith(expected)
