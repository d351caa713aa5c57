"""When a cadence step comes due: the assignee's time zone, working hours and weekends.

Times are stored in UTC and converted only here. The incumbent's rules (spec/se.md §1.4):

- a step comes due a delay after the previous one ("Start This Step": hours or days);
- with *Skip Weekends*, nothing comes due on Saturday or Sunday: a wait that would end on a
  weekend ends when the next working day starts (WQ-3);
- with *availability*, a step comes due inside the user's working hours (default 09:00-17:00):
  before they start it waits for the start of that day, after they end for the start of the
  next working day (WQ-4).

A delay of whole days counts calendar days on the user's wall clock, so "2 days" after Thursday
10:00 is Saturday 10:00 local even when a DST change lies between (47 or 49 hours). A local time
that does not exist (the hour skipped in spring) moves forward to the end of the gap; one that
happens twice (the hour repeated in autumn) is its first occurrence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTES_PER_DAY = 24 * 60
SATURDAY = 5
# Enough to cross any weekend plus a day whose working hours fall in a DST gap.
_MAX_DAYS_SEARCHED = 14

_HOURS_PATTERN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class ScheduleError(ValueError):
    """A user's time zone or working hours cannot be used to compute a due date."""


class WorkingHoursError(ScheduleError):
    pass


class TimezoneError(ScheduleError):
    pass


@dataclass(frozen=True)
class WorkingHours:
    """A daily window, in minutes after local midnight: ``start`` included, ``end`` excluded."""

    start: int
    end: int

    def contains(self, moment: time) -> bool:
        seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
        return self.start * 60 <= seconds < self.end * 60

    def __str__(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_working_hours(value: str) -> WorkingHours:
    """``"09:00-17:00"`` -> ``WorkingHours(540, 1020)``; ``24:00`` may end a day.

    Shifts that cross midnight are refused: a due date needs one window per calendar day.
    """
    match = _HOURS_PATTERN.match(value or "")
    if not match:
        raise WorkingHoursError(
            f"working hours {value!r}: expected HH:MM-HH:MM, for example 09:00-17:00"
        )
    start_h, start_m, end_h, end_m = (int(part) for part in match.groups())
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    if start_h > 23 or start_m > 59 or end_m > 59 or end > MINUTES_PER_DAY:
        raise WorkingHoursError(f"working hours {value!r}: not a time of day (00:00 to 24:00)")
    if start >= end:
        raise WorkingHoursError(
            f"working hours {value!r}: the start must come before the end "
            "(shifts across midnight are not supported)"
        )
    return WorkingHours(start, end)


@lru_cache(maxsize=256)
def zone(timezone: str) -> ZoneInfo:
    """The zone named ``timezone`` ("America/New_York"), or a :class:`TimezoneError`."""
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise TimezoneError(
            f"unknown time zone {timezone!r} (expected a name like Europe/Berlin)"
        ) from error


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ScheduleError(f"{name} {moment.isoformat()} has no time zone: give it in UTC")


def resolve_local(wall: datetime, tz: ZoneInfo, *, fold: int = 0) -> datetime:
    """The UTC instant at which ``tz``'s clocks show the naive ``wall`` time.

    A time the clocks skip (02:30 on a spring-forward night) moves forward to the first minute
    that exists, the end of the gap (03:00); a time shown twice (01:30 on a fall-back night) is
    its first occurrence, or its second with ``fold=1``.
    """
    probe = wall
    for _ in range(MINUTES_PER_DAY + 1):  # a gap is an hour; Samoa once skipped a whole day
        moment = probe.replace(tzinfo=tz, fold=fold).astimezone(UTC)
        if moment.astimezone(tz).replace(tzinfo=None) == probe:
            return moment
        probe = probe.replace(second=0, microsecond=0) + timedelta(minutes=1)
    raise ScheduleError(f"{wall.isoformat()} does not exist in {tz.key} for a whole day")


def local_instant(day: date, minutes: int, tz: ZoneInfo, *, fold: int = 0) -> datetime:
    """The UTC instant of ``minutes`` after midnight of ``day`` on ``tz``'s wall clock."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minutes)
    return resolve_local(wall, tz, fold=fold)


def add_delay(after: datetime, delay_minutes: int, tz: ZoneInfo) -> datetime:
    """``after`` plus the delay: whole days on the local wall clock, the rest as elapsed time."""
    days, minutes = divmod(delay_minutes, MINUTES_PER_DAY)
    moment = after.astimezone(UTC)
    if days:
        wall = after.astimezone(tz).replace(tzinfo=None) + timedelta(days=days)
        moment = resolve_local(wall, tz)
    return moment + timedelta(minutes=minutes)


def into_working_hours(
    moment: datetime, *, tz: ZoneInfo, hours: WorkingHours, skip_weekends: bool
) -> datetime:
    """The first instant at or after ``moment`` inside working hours on a working day (UTC).

    Working hours are read on the local wall clock; a window is entered at ``moment`` itself or
    where the clock shows its start (either time, when the autumn change repeats it).
    """
    # Compare UTC instants only: Python compares two times of one zone by wall clock, which
    # gets the repeated autumn hour wrong.
    moment = moment.astimezone(UTC)
    day = moment.astimezone(tz).date()
    for _ in range(_MAX_DAYS_SEARCHED):
        if not (skip_weekends and day.weekday() >= SATURDAY):
            starts = (local_instant(day, hours.start, tz, fold=fold) for fold in (0, 1))
            for candidate in sorted({moment, *starts}):
                local = candidate.astimezone(tz)
                if candidate >= moment and local.date() == day and hours.contains(local.time()):
                    return candidate
        day += timedelta(days=1)
    raise ScheduleError(f"no working time within {_MAX_DAYS_SEARCHED} days for hours {hours}")


def next_due(
    after: datetime,
    delay_minutes: int,
    *,
    timezone: str,
    working_hours: str,
    skip_weekends: bool,
) -> datetime:
    """When a step that waits ``delay_minutes`` after ``after`` comes due (aware UTC).

    ``after`` is an aware datetime (any zone); ``timezone`` and ``working_hours`` are the
    assignee's. Raises :class:`ScheduleError` (naming the value) for a naive ``after``, a
    negative delay, an unknown zone or malformed hours.
    """
    _require_aware(after, "after")
    if delay_minutes < 0:
        raise ScheduleError(f"delay of {delay_minutes} minutes: a step cannot wait a negative time")
    tz = zone(timezone)
    hours = parse_working_hours(working_hours)
    moment = add_delay(after, delay_minutes, tz)
    return into_working_hours(moment, tz=tz, hours=hours, skip_weekends=skip_weekends)


def local_day_bounds(now: datetime, timezone: str) -> tuple[datetime, datetime]:
    """The user's local day containing ``now``, as UTC instants [start, end).

    A DST day is 23 or 25 hours long; "what's due today" and the daily email limit use it.
    """
    _require_aware(now, "now")
    tz = zone(timezone)
    today = now.astimezone(tz).date()
    return local_instant(today, 0, tz), local_instant(today + timedelta(days=1), 0, tz)
