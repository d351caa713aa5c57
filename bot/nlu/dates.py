"""Dates, times and ranges in the user's time zone: the ``time`` entity.

English is read by our own grammar (bot.nlu.time_grammar, time_clock, time_periods,
time_phrases): fast (a cheap regex skips texts with no date word at all), no false positives on
ordinary sales talk ("may I ask", "second call", "Q4 Outbound", "top 10 accounts", "5 cadences",
"the APR"), and it resolves phrases the way a US sales rep means them. A language other than
"en" in ``languages`` (config ``nlu.languages``) is also read by dateparser (points only).

Entity ``time`` (Rasa's shape; values as Duckling gives them):

- a point: ``value`` is ISO 8601 with the UTC offset the user's zone has *on that date*
  ("tomorrow at 3pm" on the day the clocks change carries the new offset); ``additional_info``
  is ``{"type": "value", "grain": "day" | "hour" | "minute", "timezone": <the user's zone>}``.
  A day is its local midnight at grain "day"; "3pm" has grain "hour"; "3:30pm", "15:00" and
  times counted from now ("in 3 hours") grain "minute".
- a range: ``value`` is ``{"from": iso, "to": iso}``, ``to`` exclusive, ``type`` "interval",
  ``grain`` the range's unit ("hour", "day", "week", "month", "quarter", "year", "minute"):
  "tomorrow morning" 09:00-12:00 (afternoon 12-17, evening 17-21, night and tonight 18-24,
  lunch 12-14), "this month" = the 1st 00:00 .. the 1st of next month, "next week" = Monday ..
  Monday, "this weekend" = Saturday .. Monday, "in March" / "from april to may" = whole months,
  "Q4" = Oct 1 .. Jan 1 (calendar quarters, and only after a cue such as "in", "by", "for"
  and not before a capitalised word, so "Q4 Outbound" stays a name), "from Monday to
  Wednesday" = Monday .. Thursday 00:00 (the whole of Wednesday), "between 2 and 4pm" =
  14:00 .. 16:00 (a clock range ends at the time said; "10pm to 2am" ends the next day).
- a time named in another zone ("3pm ET", "10am pacific time") is converted to the user's zone
  and ``additional_info["stated_timezone"]`` names it; "ET" is New York's wall clock that day,
  whether or not daylight time is on.

Conventions:

- Weeks start on Monday. "friday" / "this friday" is the coming Friday, today included; with a
  time that has already passed today it is next week's ("friday at 9am" said Friday at 10).
  "next friday" is the Friday of next week: said on a Friday, 7 days later; "next tuesday" said
  on a Monday is 8 days later, not tomorrow (Duckling says tomorrow; reps mean next week's); on
  a Sunday next week starts tomorrow. "last friday" is the most recent Friday before today.
  "friday next week" = "next week friday" = "next friday"; "friday after next" a week later.
- A clock time without a day is today if still ahead, else tomorrow. Without am/pm an hour
  follows business hours, 8-11 am and 12-7 pm ("at 3" = 15:00, "at 9" = 09:00), unless a part
  of the day says otherwise: the reading nearest that part wins ("10 in the evening" = 22:00,
  "1 at lunch" = 13:00, "tonight at 2" = 02:00 the next morning, "12 at night" = midnight).
  A bare number is a time only after "at"/"around" ("at 3"), before a part of the day ("8
  tonight"), or after "for"/"by"/"until" when a day follows ("for six tomorrow"): "top 10",
  "a table for 3", "5 cadences" hold no time. "midnight" ends the day it is said with.
- "in 2 weeks" / "2 weeks from now" / "a week from friday" / "3 days ago" move the date by
  calendar days, weeks, months or years (day grain); months are clamped ("in a month" on Jan 31
  is Feb 29 in a leap year, Feb 28 otherwise). "in 3 hours" / "30 minutes from now" / "an hour
  ago" count elapsed time, so they cross a daylight-saving change by the clock's jump. "for 2
  weeks" and a bare "2 weeks" are durations (bot.nlu.durations), never times.
- "the next 3 days" / "within 2 weeks" run from now to the end of the last day; "the past 30
  days" from the start of that day until now; with hours or minutes, exactly that long.
- "end of month" is its last day, "end of the week" its Friday (a sales week), "end of
  quarter/year/Q1" its last day, "start of next month" its first (day grain). "EOD", "COB"
  and "end of day" are 17:00 (today if still ahead, else tomorrow).
- A month and day without a year is the next one ("march 5" said on March 10 is next year's;
  "feb 29" the next leap year's); "the 5th" is the next 5th of a month that has one. Numeric
  dates: ISO "2024-03-20"; "3/20" is month/day in US and Canadian zones, day/month elsewhere,
  and whichever reading is valid when only one is ("20/3"); "20.03.2024" is day.month.year;
  "24/7" is not a date. A lone 4-digit year is a year only after a cue ("in 2025").
- Daylight saving: a wall-clock time that does not exist (02:30 on the spring-forward day)
  moves forward by the gap (03:30); an ambiguous one (01:30 on the fall-back day) is the first
  occurrence (still daylight time), as calendar apps do.
- ``now`` may be naive (taken as UTC) or aware; "today" is the user's calendar day ("tomorrow"
  said at 23:30 in New York is the next New York day, though UTC is already there).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.nlu.time_periods import Moment, localise
from bot.nlu.time_phrases import TimePhrases
from bot.nlu.time_words import might_mention_time
from bot.nlu.tokens import tokenize

EXTRACTOR = "TimeEntityExtractor"
# Zones whose people write 3/4 for March 4th; everyone else means April 3rd.
_MONTH_FIRST_PREFIXES = ("US/", "Canada/", "America/Indiana/", "America/Kentucky/",
                         "America/North_Dakota/")
_MONTH_FIRST_ZONES = frozenset({
    "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
    "America/Phoenix", "America/Anchorage", "America/Detroit", "America/Boise",
    "America/Juneau", "America/Adak", "America/Toronto", "America/Vancouver",
    "America/Edmonton", "America/Winnipeg", "America/Halifax", "America/St_Johns",
    "America/Regina", "Pacific/Honolulu", "Asia/Manila", "EST5EDT", "CST6CDT", "MST7MDT",
    "PST8PDT",
})


class TimezoneError(ValueError):
    """A time zone name that the zone database does not know."""


def mentions_time(text: str) -> bool:
    """Cheap check: could ``text`` hold a date or time? False means nothing needs parsing."""
    return might_mention_time(text)


def extract_time(
    text: str,
    timezone: str,
    now: datetime,
    *,
    languages: Sequence[str] = ("en",),
) -> list[dict[str, Any]]:
    """``time`` entities in ``text``, relative to ``now``, in ``timezone`` (see module docs)."""
    zone = user_zone(timezone)  # checked even when there is no date, so a bad zone shows at once
    local_now = (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(zone)
    entities = []
    if mentions_time(text):
        tokens = tokenize(text)
        phrases = TimePhrases(tokens, local_now, month_first=month_first(timezone))
        for first, after, moment in phrases.find_times():
            entity = _entity(moment, tokens[first].start, tokens[after - 1].end, timezone, zone)
            entities.append(entity)
    others = [language for language in languages if language != "en"]
    if others:
        from bot.nlu.dateparser_times import search_other_languages

        extra = search_other_languages(text, others, timezone, local_now, entities)
        entities = [entity for entity in entities if not any(
            other["start"] <= entity["start"] and entity["end"] <= other["end"] for other in extra
        )]
        entities = sorted(entities + extra, key=lambda entity: entity["start"])
    return entities


def month_first(timezone: str) -> bool:
    """Whether people in ``timezone`` write month/day ("3/4" = March 4th)."""
    return timezone in _MONTH_FIRST_ZONES or timezone.startswith(_MONTH_FIRST_PREFIXES)


def _entity(moment: Moment, start: int, end: int, timezone: str, zone: ZoneInfo) -> dict[str, Any]:
    stated = ZoneInfo(moment.zone) if moment.zone else zone

    def iso(value: datetime) -> str:
        return localise(value, stated).astimezone(zone).replace(microsecond=0).isoformat()

    info: dict[str, Any] = {"type": "value", "grain": moment.grain, "timezone": timezone}
    value: Any = iso(moment.start)
    if moment.end is not None:
        info["type"] = "interval"
        value = {"from": value, "to": iso(moment.end)}
    if moment.zone:
        info["stated_timezone"] = moment.zone
    return {"entity": "time", "value": value, "start": start, "end": end,
            "extractor": EXTRACTOR, "additional_info": info}


def user_zone(timezone: str) -> ZoneInfo:
    """The zone named ``timezone``, or TimezoneError naming it."""
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise TimezoneError(f"unknown time zone {timezone!r} (expected a name like "
                            "'America/New_York')") from None
