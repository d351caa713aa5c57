"""Dates in languages other than English ("mañana a las 3"), read by dateparser.

Only used when the config's ``nlu.languages`` names another language: dateparser costs a
millisecond or more per call (far more on the first) and reads many English words and numbers
as dates, which is why English has its own grammar. Results are points only (grain "day" or
"minute"), re-localised with zoneinfo because dateparser applies the offset of *now*, which is
wrong across a daylight-saving change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

EXTRACTOR = "DateparserEntityExtractor"


def search_other_languages(
    text: str,
    languages: Sequence[str],
    timezone: str,
    local_now: datetime,
    taken: Sequence[dict[str, Any]],
) -> list[dict[str, Any]]:
    """``time`` entities dateparser finds in ``text``. One that overlaps an entity of ``taken``
    without containing it is dropped; one that contains ``taken`` ones replaces them (the
    caller drops them): "mañana a las 3pm" beats the English grammar's "3pm"."""
    from dateparser.search import search_dates  # slow to import: only such configs pay

    zone = ZoneInfo(timezone)
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
        overlapping = [other for other in taken
                       if span[0] < other["end"] and other["start"] < span[1]]
        if any(other["start"] < span[0] or other["end"] > span[1] for other in overlapping):
            continue
        value = _localise(moment, timezone, zone).replace(microsecond=0)
        grain = "minute"
        if value.time() == local_now.time().replace(microsecond=0):
            # dateparser gives a day ("mañana") the time of day of now.
            value, grain = value.replace(hour=0, minute=0, second=0), "day"
        entities.append({
            "entity": "time", "value": value.isoformat(), "start": span[0], "end": span[1],
            "extractor": EXTRACTOR,
            "additional_info": {"type": "value", "grain": grain, "timezone": timezone},
        })
    return entities


def _locate(text: str, matched: str, cursor: int) -> tuple[int, int] | None:
    """Where dateparser's match is in ``text``: it collapses runs of spaces in what it returns."""
    words = matched.split()
    if not words:
        return None
    found = re.compile(r"\s+".join(re.escape(word) for word in words)).search(text, cursor)
    return (found.start(), found.end()) if found else None


def _localise(moment: datetime, timezone: str, zone: ZoneInfo) -> datetime:
    """The moment in ``zone``, with the offset that zone has on that date."""
    if moment.tzinfo is None or getattr(moment.tzinfo, "zone", None) == timezone:
        return moment.replace(tzinfo=None).replace(tzinfo=zone)
    return moment.astimezone(zone)
