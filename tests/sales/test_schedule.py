"""Due dates: the assignee's zone, working hours, weekends and DST (spec/se.md §1.4, WQ-3/WQ-4)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sales.schedule import (
    ScheduleError,
    TimezoneError,
    WorkingHoursError,
    local_day_bounds,
    next_due,
    parse_working_hours,
)

NY = "America/New_York"
NY_ZONE = ZoneInfo(NY)
DAY = 24 * 60


def ny(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NY_ZONE)


def elapsed(start: datetime, end: datetime) -> timedelta:
    # In UTC: Python subtracts two times of one zone by their wall clocks.
    return end.astimezone(UTC) - start.astimezone(UTC)


def due_local(after: datetime, minutes: int, *, hours: str = "09:00-17:00",
              skip_weekends: bool = True, timezone: str = NY) -> datetime:
    result = next_due(after, minutes, timezone=timezone, working_hours=hours,
                      skip_weekends=skip_weekends)
    assert result.utcoffset() == timedelta(0), "next_due answers in UTC"
    return result.astimezone(ZoneInfo(timezone))


# --- the spec's examples ----------------------------------------------------------------------


def test_wq3_two_day_wait_ending_on_saturday_comes_due_monday_morning() -> None:
    thursday = ny(2025, 10, 16, 10, 0)
    assert due_local(thursday, 2 * DAY) == ny(2025, 10, 20, 9, 0)


def test_without_skip_weekends_the_wait_ends_on_saturday_at_the_same_time() -> None:
    thursday = ny(2025, 10, 16, 10, 0)
    assert due_local(thursday, 2 * DAY, skip_weekends=False) == ny(2025, 10, 18, 10, 0)


def test_wq4_due_after_hours_moves_to_nine_the_next_working_day() -> None:
    assert due_local(ny(2025, 10, 15, 18, 30), 0) == ny(2025, 10, 16, 9, 0)
    # A Friday evening moves past the weekend.
    assert due_local(ny(2025, 10, 17, 18, 30), 0) == ny(2025, 10, 20, 9, 0)


def test_before_hours_waits_for_the_start_of_that_day_and_inside_hours_stays() -> None:
    assert due_local(ny(2025, 10, 15, 7, 15), 0) == ny(2025, 10, 15, 9, 0)
    assert due_local(ny(2025, 10, 15, 11, 20), 90) == ny(2025, 10, 15, 12, 50)


def test_the_end_of_working_hours_is_already_after_hours() -> None:
    assert due_local(ny(2025, 10, 15, 16, 0), 60) == ny(2025, 10, 16, 9, 0)


def test_an_hours_delay_that_runs_past_the_end_of_the_day_continues_next_morning() -> None:
    assert due_local(ny(2025, 10, 15, 15, 0), 3 * 60) == ny(2025, 10, 16, 9, 0)


# --- DST in America/New_York ------------------------------------------------------------------


def test_day_delays_keep_the_wall_clock_across_spring_forward() -> None:
    friday = ny(2025, 3, 7, 10, 0)  # EST; clocks go forward on Sunday 9 March
    due = due_local(friday, 2 * DAY, skip_weekends=False)
    assert due == ny(2025, 3, 9, 10, 0)
    assert due.utcoffset() == timedelta(hours=-4)
    assert elapsed(friday, due) == timedelta(hours=47)


def test_day_delays_keep_the_wall_clock_across_fall_back() -> None:
    friday = ny(2025, 10, 31, 10, 0)  # EDT; clocks go back on Sunday 2 November
    due = due_local(friday, 2 * DAY, skip_weekends=False)
    assert due == ny(2025, 11, 2, 10, 0)
    assert due.utcoffset() == timedelta(hours=-5)
    assert elapsed(friday, due) == timedelta(hours=49)


def test_wq3_across_fall_back_still_lands_at_nine_local_on_monday() -> None:
    thursday = ny(2025, 10, 30, 10, 0)
    due = due_local(thursday, 2 * DAY)
    assert (due.date().isoformat(), due.hour, due.minute) == ("2025-11-03", 9, 0)
    assert due.astimezone(UTC) == datetime(2025, 11, 3, 14, 0, tzinfo=UTC)


def test_a_skipped_local_time_moves_forward_to_the_end_of_the_gap() -> None:
    saturday_night = ny(2025, 3, 8, 2, 30)
    due = due_local(saturday_night, DAY, hours="00:00-24:00", skip_weekends=False)
    assert due == ny(2025, 3, 9, 3, 0)
    assert due.astimezone(UTC) == datetime(2025, 3, 9, 7, 0, tzinfo=UTC)


def test_a_repeated_local_time_is_its_first_occurrence() -> None:
    saturday_night = ny(2025, 11, 1, 1, 30)
    due = next_due(saturday_night, DAY, timezone=NY, working_hours="00:00-24:00",
                   skip_weekends=False)
    assert due == datetime(2025, 11, 2, 5, 30, tzinfo=UTC)  # 01:30 EDT, not 01:30 EST


def test_hour_delays_are_elapsed_time_across_a_change() -> None:
    saturday_night = ny(2025, 3, 8, 23, 0)
    due = due_local(saturday_night, 4 * 60, hours="00:00-24:00", skip_weekends=False)
    assert elapsed(saturday_night, due) == timedelta(hours=4)
    assert due == ny(2025, 3, 9, 4, 0)


def test_working_hours_that_start_in_the_gap_start_when_the_clock_reaches_them() -> None:
    # 02:15-06:00 on the spring-forward day: 02:15 does not exist, 03:00 is the first minute.
    due = due_local(ny(2025, 3, 9, 0, 30), 0, hours="02:15-06:00", skip_weekends=False)
    assert due == ny(2025, 3, 9, 3, 0)


def test_a_window_inside_the_repeated_hour_opens_again_when_the_clock_goes_back() -> None:
    # 01:30-01:45 happens twice on the fall-back night; 01:50 EDT is followed by 01:30 EST.
    after = ny(2025, 11, 2, 1, 50)
    due = next_due(after, 0, timezone=NY, working_hours="01:30-01:45", skip_weekends=False)
    assert due == datetime(2025, 11, 2, 6, 30, tzinfo=UTC)


def test_the_users_zone_decides_the_weekend() -> None:
    # Friday 23:00 in New York is already Saturday in Berlin.
    after = ny(2025, 10, 17, 17, 0)
    due = next_due(after, 0, timezone="Europe/Berlin", working_hours="00:00-24:00",
                   skip_weekends=True)
    assert due.astimezone(ZoneInfo("Europe/Berlin")) == datetime(
        2025, 10, 17, 23, 0, tzinfo=ZoneInfo("Europe/Berlin")
    )
    due = next_due(after + timedelta(hours=2), 0, timezone="Europe/Berlin",
                   working_hours="00:00-24:00", skip_weekends=True)
    assert due.astimezone(ZoneInfo("Europe/Berlin")).weekday() == 0


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("9-5", "HH:MM-HH:MM"),
        ("", "HH:MM-HH:MM"),
        ("09:00 to 17:00", "HH:MM-HH:MM"),
        ("17:00-09:00", "start must come before the end"),
        ("09:00-09:00", "start must come before the end"),
        ("25:00-26:00", "not a time of day"),
        ("09:75-17:00", "not a time of day"),
        ("09:00-24:30", "not a time of day"),
    ],
)
def test_malformed_working_hours_name_the_value(value: str, reason: str) -> None:
    with pytest.raises(WorkingHoursError) as error:
        parse_working_hours(value)
    assert repr(value) in str(error.value)
    assert reason in str(error.value)


def test_working_hours_parse_and_print_back() -> None:
    hours = parse_working_hours(" 8:30 - 24:00 ")
    assert (hours.start, hours.end, str(hours)) == (510, 1440, "08:30-24:00")


def test_unknown_zone_naive_time_and_negative_delay_are_refused_clearly() -> None:
    after = datetime(2025, 1, 6, 12, tzinfo=UTC)
    with pytest.raises(TimezoneError, match="'Mars/Olympus'"):
        next_due(after, 0, timezone="Mars/Olympus", working_hours="09:00-17:00",
                 skip_weekends=True)
    with pytest.raises(ScheduleError, match="no time zone"):
        next_due(datetime(2025, 1, 6, 12), 0, timezone=NY, working_hours="09:00-17:00",
                 skip_weekends=True)
    with pytest.raises(ScheduleError, match="negative"):
        next_due(after, -5, timezone=NY, working_hours="09:00-17:00", skip_weekends=True)


# --- the local day ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "hours"), [((2025, 3, 9), 23), ((2025, 11, 2), 25), ((2025, 11, 3), 24)]
)
def test_local_day_bounds_follow_the_users_midnights(day: tuple[int, int, int],
                                                     hours: int) -> None:
    late_evening = ny(*day, 23, 30)
    start, end = local_day_bounds(late_evening, NY)
    assert start == ny(*day, 0, 0).astimezone(UTC)
    assert end - start == timedelta(hours=hours)
    assert start <= late_evening < end
    assert start.utcoffset() == timedelta(0)


# --- properties -------------------------------------------------------------------------------

ZONES = ["UTC", NY, "Europe/Berlin", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham"]


@st.composite
def working_hours(draw: st.DrawFn) -> str:
    start = draw(st.integers(0, 95)) * 15
    end = draw(st.integers(start // 15 + 1, 96)) * 15
    return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


delays = st.one_of(
    st.integers(0, 14).map(lambda days: days * DAY),  # "after_days"
    st.integers(0, 72 * 60),  # "after_hours", down to the minute
    st.integers(0, 30 * DAY),
)
moments = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
).map(lambda moment: moment.replace(second=0, microsecond=0))


def wait_end(after: datetime, minutes: int, zone: ZoneInfo) -> datetime:
    """Whole days on the local wall clock, then the rest as elapsed minutes.

    A wall time in a DST gap starts when the clock shows a later time: the end of the gap.
    """
    days, rest = divmod(minutes, DAY)
    wall = after.astimezone(zone).replace(tzinfo=None) + timedelta(days=days)
    moment = wall.replace(tzinfo=zone).astimezone(UTC)  # in a gap: an hour or so too late
    while (moment - timedelta(minutes=1)).astimezone(zone).replace(tzinfo=None) >= wall:
        moment -= timedelta(minutes=1)
    return moment + timedelta(minutes=rest)


def minute_of_day(moment: datetime, zone: ZoneInfo) -> int:
    local = moment.astimezone(zone)
    return local.hour * 60 + local.minute


@settings(max_examples=200, deadline=None)
@given(after=moments, minutes=delays, timezone=st.sampled_from(ZONES), hours=working_hours(),
       skip_weekends=st.booleans())
def test_due_is_inside_working_hours_on_a_working_day_once_the_wait_is_over(
    after: datetime, minutes: int, timezone: str, hours: str, skip_weekends: bool
) -> None:
    zone, window = ZoneInfo(timezone), parse_working_hours(hours)
    due = next_due(after, minutes, timezone=timezone, working_hours=hours,
                   skip_weekends=skip_weekends)
    earliest = wait_end(after, minutes, zone)

    assert due.tzinfo is UTC
    assert window.start <= minute_of_day(due, zone) < window.end
    if skip_weekends:
        assert due.astimezone(zone).weekday() < 5
    assert due >= earliest
    # A DST day is 23 hours long (23.5 on Lord Howe), never shorter.
    assert due - after >= timedelta(minutes=minutes) - timedelta(hours=1)
    # Never later than it must be: the wait's end itself, or the moment a window opens (its
    # start on the wall clock, or the end of a DST gap that swallowed the start).
    clock_jumped = (due - timedelta(minutes=1)).utcoffset() != due.astimezone(zone).utcoffset()
    assert due == earliest or minute_of_day(due, zone) == window.start or clock_jumped
    if earliest_is_workable(earliest, zone, window.start, window.end, skip_weekends):
        assert due == earliest


def earliest_is_workable(moment: datetime, zone: ZoneInfo, start: int, end: int,
                         skip_weekends: bool) -> bool:
    local = moment.astimezone(zone)
    return (not skip_weekends or local.weekday() < 5) and start <= minute_of_day(
        moment, zone) < end
