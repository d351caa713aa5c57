"""A small reader of the due dates people say in calls ("by Friday", "next Tuesday", "the 20th").

Relative to the local date on which the words were said (the call's start plus the turn's offset,
in the call owner's time zone). The rules, so a user can predict them:

- "today", "tonight", "EOD" -> that day; "tomorrow" -> the next day.
- "Friday", "on Friday", "by Friday", "this Friday" -> the next Friday after today (a week on when
  said on a Friday); "next Friday" -> the Friday of the following calendar week (weeks start on
  Monday), the reading most people mean when they say "next" rather than "this".
- "next week" -> Monday of the following week; "end of (the) week", "EOW" -> Friday of this week
  (next week's when said at the weekend); "end of (the) month" -> the month's last day;
  "next month" -> the 1st of the following month.
- "in 3 days", "in two weeks", "within a couple of weeks" -> that many days or weeks on.
- "November 20", "Nov 20th", "20 November", "11/20" (month/day) -> that date, next year's when it
  is already past; "the 20th" -> that day of this month, or of the next once it has passed.

Only the first date of a sentence is read; anything else gives no due date (never a guess).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = {
    name: number
    for number in range(1, 13)
    for name in (calendar.month_name[number].lower(), calendar.month_abbr[number].lower())
}
MONTHS["sept"] = 9
NUMBERS = {
    "a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "a couple of": 2, "a couple": 2, "couple of": 2,
    "a few": 3,
}  # fmt: skip

_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_WEEKDAY = r"(?P<weekday>" + "|".join(WEEKDAYS) + r")"
_COUNT = r"(?P<count>\d+|" + "|".join(sorted(NUMBERS, key=len, reverse=True)) + r")"
_RULES: list[tuple[str, re.Pattern[str]]] = [
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        ("today", r"\b(today|tonight|end of (the )?day|eod|this (afternoon|evening))\b"),
        ("tomorrow", r"\btomorrow\b"),
        ("end_of_week", r"\b(end of (the |this )?week|eow)\b"),
        ("end_of_month", r"\b(end of (the |this )?month|eom)\b"),
        ("next_weekday", r"\bnext " + _WEEKDAY + r"\b"),
        ("weekday", r"\b(?:this |on |by |before |until )?" + _WEEKDAY + r"\b"),
        ("next_week", r"\bnext week\b"),
        ("next_month", r"\bnext month\b"),
        ("in_days", r"\b(?:in|within) (?:the next )?" + _COUNT + r" (?P<unit>days?|weeks?)\b"),
        ("month_day", r"\b" + _MONTH + r" " + _DAY + r"\b"),
        ("day_month", r"\b" + _DAY + r" (?:of )?" + _MONTH + r"\b"),
        ("numeric", r"\b(?P<month>1[0-2]|0?[1-9])/(?P<day>3[01]|[12]\d|0?[1-9])\b"),
        ("ordinal", r"\bthe (?P<day>\d{1,2})(?:st|nd|rd|th)\b"),
    )
]


@dataclass(frozen=True)
class DueDate:
    day: date
    phrase: str  # the words it was read from, as said


def read_due_date(sentence: str, today: date) -> DueDate | None:
    """The first due date ``sentence`` names, relative to ``today``; None when it names none."""
    found: list[tuple[int, DueDate]] = []
    for kind, pattern in _RULES:
        for match in pattern.finditer(sentence):
            day = _resolve(kind, match, today)
            if day is not None:
                found.append((match.start(), DueDate(day, match.group(0).strip())))
                break
    return min(found, key=lambda item: item[0])[1] if found else None


def _resolve(kind: str, match: re.Match[str], today: date) -> date | None:
    groups = match.groupdict()
    if kind in _SIMPLE:
        return _SIMPLE[kind](today)
    if kind == "weekday":
        ahead = (WEEKDAYS.index(groups["weekday"].lower()) - today.weekday()) % 7
        return today + timedelta(days=ahead or 7)
    if kind == "next_weekday":
        monday = today - timedelta(days=today.weekday()) + timedelta(days=7)
        return monday + timedelta(days=WEEKDAYS.index(groups["weekday"].lower()))
    if kind == "in_days":
        count = _count(groups["count"])
        unit = 7 if groups["unit"].lower().startswith("week") else 1
        return today + timedelta(days=count * unit) if 0 < count <= 365 else None
    if kind in ("month_day", "day_month", "numeric"):
        month = MONTHS.get(groups["month"].lower().rstrip(".")) or int(groups["month"])
        return _upcoming(today, month, int(groups["day"]))
    if kind == "ordinal":
        return _ordinal(today, int(groups["day"]))
    return None


def _end_of_week(today: date) -> date:
    friday = today + timedelta(days=4 - today.weekday())
    return friday if friday >= today else friday + timedelta(days=7)


def _end_of_month(today: date) -> date:
    return today.replace(day=calendar.monthrange(today.year, today.month)[1])


def _next_month(today: date) -> date:
    return (_end_of_month(today) + timedelta(days=1)).replace(day=1)


_SIMPLE: dict[str, Callable[[date], date]] = {
    "today": lambda today: today,
    "tomorrow": lambda today: today + timedelta(days=1),
    "end_of_week": _end_of_week,
    "end_of_month": _end_of_month,
    "next_week": lambda today: today - timedelta(days=today.weekday()) + timedelta(days=7),
    "next_month": _next_month,
}


def _count(text: str) -> int:
    text = " ".join(text.lower().split())
    return int(text) if text.isdigit() else NUMBERS.get(text, 0)


def _upcoming(today: date, month: int, day: int) -> date | None:
    for year in (today.year, today.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            return None
        if candidate >= today:
            return candidate
    return None


def _ordinal(today: date, day: int) -> date | None:
    if not 1 <= day <= 31:
        return None
    month_start = today.replace(day=1)
    for _ in range(3):  # this month, or the next months that have that day
        last = calendar.monthrange(month_start.year, month_start.month)[1]
        if day <= last and month_start.replace(day=day) >= today:
            return month_start.replace(day=day)
        month_start = month_start.replace(day=last) + timedelta(days=1)
    return None
