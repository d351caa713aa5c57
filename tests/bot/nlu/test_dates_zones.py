"""Time zones, daylight saving, month ends and weekday semantics of the ``time`` entity."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.nlu.dates import extract_time

NEW_YORK, BERLIN, SYDNEY, KOLKATA = (
    "America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata")


def local(timezone, *args):
    """An aware ``now``: the wall-clock time ``args`` in ``timezone``."""
    return datetime(*args, tzinfo=ZoneInfo(timezone))


def value_of(text, timezone, now):
    [entity] = extract_time(text, timezone, now)
    return entity["value"]


# Daylight saving ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("timezone", "now", "text", "expected"),
    [
        # New York springs forward on Sun 2024-03-10 at 02:00 (-05:00 -> -04:00).
        (NEW_YORK, (2024, 3, 9, 10, 0), "tomorrow at 3pm", "2024-03-10T15:00:00-04:00"),
        (NEW_YORK, (2024, 3, 9, 10, 0), "tomorrow", "2024-03-10T00:00:00-05:00"),
        (NEW_YORK, (2024, 3, 9, 10, 0), "in 2 days", "2024-03-11T00:00:00-04:00"),
        # 02:30 does not exist that night: it moves forward by the gap.
        (NEW_YORK, (2024, 3, 9, 10, 0), "tomorrow at 2:30am", "2024-03-10T03:30:00-04:00"),
        # 24 hours of elapsed time cross the missing hour: 11:00 on the wall clock.
        (NEW_YORK, (2024, 3, 9, 10, 0), "in 24 hours", "2024-03-10T11:00:00-04:00"),
        # New York falls back on Sun 2024-11-03 at 02:00 (-04:00 -> -05:00).
        (NEW_YORK, (2024, 11, 2, 10, 0), "tomorrow at 3pm", "2024-11-03T15:00:00-05:00"),
        # 01:30 happens twice: the first one (still daylight time).
        (NEW_YORK, (2024, 11, 2, 10, 0), "tomorrow at 1:30am", "2024-11-03T01:30:00-04:00"),
        (NEW_YORK, (2024, 11, 2, 10, 0), "in 24 hours", "2024-11-03T09:00:00-05:00"),
        # Berlin: forward on 2024-03-31 at 02:00, back on 2024-10-27 at 03:00.
        (BERLIN, (2024, 3, 30, 12, 0), "tomorrow at 3pm", "2024-03-31T15:00:00+02:00"),
        (BERLIN, (2024, 3, 30, 12, 0), "tomorrow at 2:30am", "2024-03-31T03:30:00+02:00"),
        (BERLIN, (2024, 10, 26, 12, 0), "tomorrow at 2:30am", "2024-10-27T02:30:00+02:00"),
        (BERLIN, (2024, 10, 26, 12, 0), "tomorrow at 10am", "2024-10-27T10:00:00+01:00"),
        # Sydney, southern hemisphere: daylight time ENDS on 2024-04-07 at 03:00 (+11 -> +10)
        # and starts on 2024-10-06 at 02:00 (+10 -> +11).
        (SYDNEY, (2024, 4, 6, 12, 0), "tomorrow at 3pm", "2024-04-07T15:00:00+10:00"),
        (SYDNEY, (2024, 4, 6, 12, 0), "tomorrow at 2:30am", "2024-04-07T02:30:00+11:00"),
        (SYDNEY, (2024, 10, 5, 12, 0), "tomorrow at 2:30am", "2024-10-06T03:30:00+11:00"),
        (SYDNEY, (2024, 10, 5, 12, 0), "tomorrow at 3pm", "2024-10-06T15:00:00+11:00"),
        (SYDNEY, (2024, 1, 15, 12, 0), "next friday at 9am", "2024-01-26T09:00:00+11:00"),
        (SYDNEY, (2024, 7, 15, 12, 0), "next friday at 9am", "2024-07-26T09:00:00+10:00"),
        # Kolkata has a half-hour offset and no daylight saving.
        (KOLKATA, (2024, 1, 15, 12, 0), "tomorrow at 3pm", "2024-01-16T15:00:00+05:30"),
        (KOLKATA, (2024, 7, 15, 12, 0), "in 3 hours", "2024-07-15T15:00:00+05:30"),
    ],
)
def test_daylight_saving_and_offsets(timezone, now, text, expected):
    assert value_of(text, timezone, local(timezone, *now)) == expected


def test_a_week_range_across_the_change_has_both_offsets():
    now = local(NEW_YORK, 2024, 3, 6, 12, 0)  # Wednesday before the change
    assert value_of("this week", NEW_YORK, now) == {
        "from": "2024-03-04T00:00:00-05:00", "to": "2024-03-11T00:00:00-04:00"}


def test_kolkata_tonight_is_a_range_at_plus_0530():
    now = datetime(2024, 1, 15, 20, 0, tzinfo=UTC)  # already 01:30 on the 16th in Kolkata
    assert value_of("tonight", KOLKATA, now) == {
        "from": "2024-01-16T18:00:00+05:30", "to": "2024-01-17T00:00:00+05:30"}


# Midnight rollover -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow", "2024-01-16T00:00:00-05:00"),
        ("today", "2024-01-15T00:00:00-05:00"),
        ("tomorrow at 9am", "2024-01-16T09:00:00-05:00"),
        ("at 9am", "2024-01-16T09:00:00-05:00"),
        ("friday", "2024-01-19T00:00:00-05:00"),
    ],
)
def test_at_2330_local_the_users_calendar_decides_not_utcs(text, expected):
    now = datetime(2024, 1, 16, 4, 30, tzinfo=UTC)  # Monday 23:30 in New York, Tuesday in UTC
    assert value_of(text, NEW_YORK, now) == expected


def test_just_after_midnight_in_kolkata_tomorrow_is_two_utc_days_ahead():
    now = datetime(2024, 1, 15, 19, 0, tzinfo=UTC)  # 00:30 on the 16th in Kolkata
    assert value_of("tomorrow", KOLKATA, now) == "2024-01-17T00:00:00+05:30"


# Month ends --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("now", "text", "expected"),
    [
        ((2024, 1, 31, 12, 0), "in a month", "2024-02-29T00:00:00-05:00"),  # leap year
        ((2023, 1, 31, 12, 0), "in a month", "2023-02-28T00:00:00-05:00"),
        ((2024, 3, 31, 12, 0), "in a month", "2024-04-30T00:00:00-04:00"),
        ((2024, 2, 29, 12, 0), "in a year", "2025-02-28T00:00:00-05:00"),
        ((2024, 2, 28, 12, 0), "end of month", "2024-02-29T00:00:00-05:00"),
        ((2023, 2, 28, 12, 0), "end of month", "2023-02-28T00:00:00-05:00"),
        ((2023, 2, 28, 12, 0), "tomorrow", "2023-03-01T00:00:00-05:00"),
        ((2024, 2, 28, 12, 0), "tomorrow", "2024-02-29T00:00:00-05:00"),
        ((2024, 1, 31, 12, 0), "the 30th", "2024-03-30T00:00:00-04:00"),  # February has none
        ((2024, 12, 31, 12, 0), "in 2 days", "2025-01-02T00:00:00-05:00"),
        ((2023, 3, 1, 12, 0), "feb 29", "2024-02-29T00:00:00-05:00"),  # the next one that exists
    ],
)
def test_month_ends(now, text, expected):
    assert value_of(text, NEW_YORK, local(NEW_YORK, *now)) == expected


@pytest.mark.parametrize(
    ("now", "this_month", "next_month"),
    [
        ((2024, 1, 31, 23, 0), ("2024-01-01", "2024-02-01"), ("2024-02-01", "2024-03-01")),
        ((2023, 2, 28, 12, 0), ("2023-02-01", "2023-03-01"), ("2023-03-01", "2023-04-01")),
        ((2024, 12, 31, 12, 0), ("2024-12-01", "2025-01-01"), ("2025-01-01", "2025-02-01")),
    ],
)
def test_this_month_on_its_last_day_is_still_this_month(now, this_month, next_month):
    at = local(NEW_YORK, *now)
    for text, (start, end) in (("this month", this_month), ("next month", next_month)):
        value = value_of(text, NEW_YORK, at)
        assert (value["from"][:10], value["to"][:10]) == (start, end), text


# Weekdays ----------------------------------------------------------------------------------

FRIDAY = (2024, 1, 19)


@pytest.mark.parametrize(
    ("now", "text", "expected"),
    [
        ((*FRIDAY, 10, 0), "next friday", "2024-01-26T00:00:00-05:00"),
        ((*FRIDAY, 10, 0), "friday", "2024-01-19T00:00:00-05:00"),
        ((*FRIDAY, 10, 0), "this friday", "2024-01-19T00:00:00-05:00"),
        ((*FRIDAY, 10, 0), "friday at 3pm", "2024-01-19T15:00:00-05:00"),  # still ahead
        ((*FRIDAY, 10, 0), "this friday at 9am", "2024-01-26T09:00:00-05:00"),  # passed
        ((*FRIDAY, 10, 0), "next friday at 9am", "2024-01-26T09:00:00-05:00"),
        ((*FRIDAY, 10, 0), "last friday", "2024-01-12T00:00:00-05:00"),
        ((*FRIDAY, 10, 0), "next monday", "2024-01-22T00:00:00-05:00"),
        ((*FRIDAY, 10, 0), "monday", "2024-01-22T00:00:00-05:00"),
        # "next tuesday" said on a Monday: the Tuesday of next week, 8 days away.
        ((2024, 1, 15, 10, 0), "next tuesday", "2024-01-23T00:00:00-05:00"),
        ((2024, 1, 15, 10, 0), "tuesday", "2024-01-16T00:00:00-05:00"),
        # On a Sunday, next week starts tomorrow.
        ((2024, 1, 21, 10, 0), "next tuesday", "2024-01-23T00:00:00-05:00"),
        ((2024, 1, 21, 10, 0), "next week", {"from": "2024-01-22T00:00:00-05:00",
                                              "to": "2024-01-29T00:00:00-05:00"}),
    ],
)
def test_weekday_semantics(now, text, expected):
    assert value_of(text, NEW_YORK, local(NEW_YORK, *now)) == expected


# Properties --------------------------------------------------------------------------------

ZONES = [NEW_YORK, BERLIN, SYDNEY, KOLKATA, "UTC", "America/Los_Angeles", "Asia/Tokyo",
         "America/Santiago", "Europe/London", "Pacific/Auckland"]
PHRASES = ["tomorrow at 3pm", "tomorrow at 2:30am", "next friday at 9:15", "in 3 hours",
           "in two weeks", "this month", "next week", "tomorrow morning", "between 1 and 3am",
           "end of month", "friday from 9 to 5pm", "the next 3 days", "tonight", "in 90 minutes",
           "at 1:30am", "in a month", "this weekend", "Q4 2026"]
NOWS = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31),
                    timezones=st.just(UTC))


def isos(value):
    return [value] if isinstance(value, str) else [value["from"], value["to"]]


@settings(max_examples=300, deadline=None)
@given(now=NOWS, timezone=st.sampled_from(ZONES), text=st.sampled_from(PHRASES))
def test_every_value_carries_the_offset_its_zone_has_at_that_instant(now, timezone, text):
    [entity] = extract_time(text, timezone, now)
    zone = ZoneInfo(timezone)
    for iso in isos(entity["value"]):
        moment = datetime.fromisoformat(iso)
        assert moment.utcoffset() == moment.astimezone(zone).utcoffset(), iso
    if isinstance(entity["value"], dict):
        start, end = (datetime.fromisoformat(iso) for iso in isos(entity["value"]))
        assert start < end


@settings(max_examples=200, deadline=None)
@given(now=NOWS, timezone=st.sampled_from(ZONES))
def test_tomorrow_is_the_users_next_calendar_day(now, timezone):
    today = now.astimezone(ZoneInfo(timezone)).date()
    moment = datetime.fromisoformat(value_of("tomorrow", timezone, now))
    assert moment.date() == today + timedelta(days=1)
    assert (moment.hour, moment.minute) in ((0, 0), (1, 0))  # 1:00 where midnight is skipped


WEEKDAY_NAMES = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


@settings(max_examples=200, deadline=None)
@given(now=NOWS, timezone=st.sampled_from(ZONES), weekday=st.integers(0, 6))
def test_next_weekday_is_in_next_week_and_bare_weekday_within_seven_days(now, timezone, weekday):
    today = now.astimezone(ZoneInfo(timezone)).date()
    name = WEEKDAY_NAMES[weekday]
    following = datetime.fromisoformat(value_of(f"next {name}", timezone, now)).date()
    coming = datetime.fromisoformat(value_of(name, timezone, now)).date()
    next_monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
    assert following.weekday() == coming.weekday() == weekday
    assert next_monday <= following < next_monday + timedelta(days=7)
    assert today <= coming < today + timedelta(days=7)
    assert isinstance(following, date)
