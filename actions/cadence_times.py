"""Dates and times in cadence requests, read from the NLU's ``time`` and ``duration`` entities
(bot/nlu/dates.py, durations.py) in the user's zone: which steps "what's due next week?" asks
about, and when "pause Priya for two weeks" ends."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sales.cadences import DueWindow

RELATIVE_DAYS = frozenset({"today", "tonight", "tomorrow", "yesterday"})


def due_window(message: dict[str, Any], now: datetime) -> DueWindow | None:
    """The window a "what's due ..." message names through its first date or time entity:
    a range as given ("next week"), a day as that whole day ("tomorrow", "on Friday"), a time
    as "by then" ("by 3pm"); None when it names none (today, in the user's zone)."""
    text = str(message.get("text") or "")
    for entity in message.get("entities") or []:
        if entity.get("entity") != "time":
            continue
        phrase = text[int(entity["start"]):int(entity["end"])].strip() or str(entity["value"])
        value = entity["value"]
        if isinstance(value, dict):
            return DueWindow(datetime.fromisoformat(value["from"]),
                             datetime.fromisoformat(value["to"]), phrase)  # fmt: skip
        moment = datetime.fromisoformat(str(value))
        info = entity.get("additional_info") or {}
        if info.get("grain") != "day":
            return DueWindow(now, moment, phrase if phrase.startswith("by ") else f"by {phrase}")
        zone = ZoneInfo(str(info.get("timezone") or "UTC"))
        day = moment.astimezone(zone).date()
        if phrase.lower() not in RELATIVE_DAYS:  # "friday" -> "on Friday, Nov 27"
            phrase = f"on {day:%A}, {day:%b} {day.day}"
        next_day = day + timedelta(days=1)
        return DueWindow(datetime.combine(day, time(), zone),
                         datetime.combine(next_day, time(), zone), phrase)  # fmt: skip
    return None


DAY_UNITS = frozenset({"day", "week", "month", "year"})


def pause_end(message: dict[str, Any], now: datetime, timezone: str) -> datetime | None:
    """When a pause the message asks for ends: "for two weeks" (the start of the day two weeks
    on, in ``timezone``; "for 3 hours" three hours on), "until Monday" (that day's start),
    "until next month" (its start); None for an open-ended pause."""
    for entity in message.get("entities") or []:
        value = entity.get("value")
        if entity.get("entity") == "duration" and isinstance(value, int | float) and value > 0:
            end = now + timedelta(seconds=float(value))
            if (entity.get("additional_info") or {}).get("unit") not in DAY_UNITS:
                return end
            zone = ZoneInfo(timezone)
            return datetime.combine(end.astimezone(zone).date(), time(), zone)
        if entity.get("entity") == "time":
            start = value["from"] if isinstance(value, dict) else value
            moment = datetime.fromisoformat(str(start))
            if moment > now:
                return moment
    return None
