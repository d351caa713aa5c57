"""Dates and times ("tomorrow at 3pm", "friday 10:30", "in 2 days") in the user's time zone.

dateparser does the reading but costs a millisecond or more per call (and far more on its first),
so a cheap regex decides first whether the text mentions a date or time at all. Its results are
re-localised with zoneinfo: dateparser applies the offset of *now*, which is wrong across a
daylight-saving change ("tomorrow at 3pm" on the day before the clocks move).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

EXTRACTOR = "DateparserEntityExtractor"

_DAYS = (
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
    "|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun"
)
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec"
)
_WORDS = (
    "today|tomorrow|tonight|yesterday|noon|midnight|morning|afternoon|evening|weekend"
    "|minutes?|hours?|days?|weeks?|months?|years?|fortnight|o'?clock"
)
_DATE_HINT = re.compile(
    rf"\b(?:{_DAYS}|{_MONTHS}|{_WORDS})\b"
    r"|\d\s?(?:am|pm|a\.m\.|p\.m\.)(?!\w)"  # 3pm, 10 a.m.
    r"|\b\d{1,2}:\d{2}\b"  # 10:30
    r"|\b\d{1,4}[/.-]\d{1,2}(?:[/.-]\d{1,4})?\b"  # 5/3, 2024-03-20
    r"|\b\d{1,2}(?:st|nd|rd|th)\b",  # the 15th
    re.IGNORECASE,
)
_ORDINAL_DAY = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)\b", re.IGNORECASE)
_MONTH_NAMED = re.compile(rf"\b(?:{_MONTHS})\b|\d[/.-]\d", re.IGNORECASE)
# Words that are dates only sometimes ("may I ask", "sun", "wed"); alone they are not a date.
_AMBIGUOUS = {"may", "mon", "wed", "sat", "sun", "mar", "march", "second", "sept"}


class TimezoneError(ValueError):
    """A time zone name that the zone database does not know."""


def mentions_time(text: str) -> bool:
    """Cheap check: could ``text`` hold a date or time? False means dateparser is not needed."""
    return _DATE_HINT.search(text) is not None


def extract_time(
    text: str,
    timezone: str,
    now: datetime,
    *,
    languages: Sequence[str] = ("en",),
) -> list[dict[str, Any]]:
    """Entities ``time`` with an ISO-8601 value in ``timezone``, relative to ``now``.

    ``now`` may be naive (taken as UTC) or aware. Future dates are preferred ("friday" is the
    coming one).
    """
    zone = _zone(timezone)  # checked even when there is no date, so a bad zone shows at once
    if not mentions_time(text):
        return []
    local_now = (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(zone)
    from dateparser.search import search_dates  # slow to import; only texts with dates pay

    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": local_now.replace(tzinfo=None),
        "TIMEZONE": timezone,
        "RETURN_AS_TIMEZONE_AWARE": True,
    }
    found = search_dates(text, languages=list(languages), settings=settings) or []
    entities: list[dict[str, Any]] = []
    cursor = 0
    for matched, moment in found:
        span = _locate(text, matched, cursor)
        if span is None:
            continue
        cursor = span[1]
        phrase = text[span[0] : span[1]]
        if not mentions_time(phrase) or phrase.lower() in _AMBIGUOUS:
            continue
        resolved = _bare_ordinal_day(phrase, _localise(moment, timezone, zone), local_now)
        entities.append({
            "entity": "time",
            "value": resolved.replace(microsecond=0).isoformat(),
            "start": span[0],
            "end": span[1],
            "extractor": EXTRACTOR,
        })
    return entities


def _locate(text: str, matched: str, cursor: int) -> tuple[int, int] | None:
    """Where dateparser's match is in ``text``: it collapses runs of spaces in what it returns."""
    words = matched.split()
    if not words:
        return None
    found = re.compile(r"\s+".join(re.escape(word) for word in words)).search(text, cursor)
    return (found.start(), found.end()) if found else None


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise TimezoneError(f"unknown time zone {timezone!r} (expected a name like "
                            "'America/New_York')") from None


def _localise(moment: datetime, timezone: str, zone: ZoneInfo) -> datetime:
    """The moment in ``zone``, with the offset that zone has on that date."""
    if moment.tzinfo is None or getattr(moment.tzinfo, "zone", None) == timezone:
        # No zone was named in the text: the wall-clock time is the user's.
        return moment.replace(tzinfo=None).replace(tzinfo=zone)
    return moment.astimezone(zone)


def _bare_ordinal_day(phrase: str, moment: datetime, local_now: datetime) -> datetime:
    """"On the 5th" is the next 5th of a month; dateparser reads an ordinal up to 12 as a month."""
    ordinal = _ORDINAL_DAY.search(phrase)
    if ordinal is None or _MONTH_NAMED.search(phrase) or not 1 <= int(ordinal.group(1)) <= 31:
        return moment
    day = int(ordinal.group(1))
    year, month = local_now.year, local_now.month
    if day < local_now.day:
        month += 1
    while True:  # the next month that has that day (no 31st in April)
        if month > 12:
            year, month = year + 1, 1
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            month += 1
