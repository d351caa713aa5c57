"""The period a question about calls names: "this week", "last month", "since Monday", "on Nov 18".

Read in the asker's time zone and returned as a UTC range [start, end). Calls are in the past,
so dates without a year are the last such date on or before today, and weekdays are the last
such day ("on Tuesday" said on a Thursday is two days ago). The rules:

- "today", "yesterday"; "this week" (Monday 00:00 until now), "last week" (the previous Monday
  to Sunday), "this month", "last month", "this quarter", "last quarter", "this year";
- "past week", "last 7 days", "in the last N days|weeks|months" (rolling, ending now);
- "since <date|weekday>" (until now), "on <date|weekday>" (that day), "in <Month>" (that month),
  "between <date> and <date>" / "from <date> to <date>" (both days included);
- dates: "Nov 18", "November 18th", "18 November", "11/18", "2024-11-18".
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from knowledge.due_dates import MONTHS, NUMBERS, WEEKDAYS


@dataclass(frozen=True)
class Period:
    start: datetime  # UTC, inclusive
    end: datetime  # UTC, exclusive
    phrase: str  # the words it was read from ("this week")


_MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DATE = (
    r"(?:\d{4}-\d{2}-\d{2}|" + _MONTH + r" \d{1,2}(?:st|nd|rd|th)?(?:,? \d{4})?"
    r"|\d{1,2}(?:st|nd|rd|th)? (?:of )?" + _MONTH + r"(?:,? \d{4})?"
    r"|(?:1[0-2]|0?[1-9])/(?:3[01]|[12]\d|0?[1-9])(?:/\d{2,4})?"
    r"|" + "|".join(WEEKDAYS) + r"|today|yesterday)"
)
_COUNT = r"(\d+|" + "|".join(sorted(NUMBERS, key=len, reverse=True)) + r")"


def read_period(question: str, now: datetime, timezone: str) -> Period | None:
    """The period ``question`` names, or None when it names none."""
    zone = ZoneInfo(timezone)
    local_now = now.astimezone(zone)
    today = local_now.date()
    text = " ".join(question.lower().replace("\u2019", "'").split())
    for reader in (_between, _rolling, _since, _named, _on_day, _in_month):
        found = reader(text, today)
        if found is not None:
            first, last, phrase = found
            start = datetime.combine(first, time(), zone)
            end = min(datetime.combine(last + timedelta(days=1), time(), zone), _after(local_now))
            return Period(start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC")),
                          phrase)  # fmt: skip
    return None


def _after(local_now: datetime) -> datetime:
    # "this week" ends now; a minute's slack keeps a call ingested this very second inside.
    return local_now + timedelta(minutes=1)


Found = tuple[date, date, str] | None


def _named(text: str, today: date) -> Found:
    monday = today - timedelta(days=today.weekday())
    month_start = today.replace(day=1)
    last_month_end = month_start - timedelta(days=1)
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last_quarter_start = _add_months(quarter_start, -3)
    spans = {
        r"\btoday\b": (today, today),
        r"\byesterday\b": (today - timedelta(days=1), today - timedelta(days=1)),
        r"\bthis week\b": (monday, today),
        r"\blast week\b": (monday - timedelta(days=7), monday - timedelta(days=1)),
        r"\b(past|last) (7 days|seven days)\b|\bpast week\b": (today - timedelta(days=6), today),
        r"\bthis month\b": (month_start, today),
        r"\blast month\b": (last_month_end.replace(day=1), last_month_end),
        r"\bthis quarter\b": (quarter_start, today),
        r"\blast quarter\b": (last_quarter_start, quarter_start - timedelta(days=1)),
        r"\bthis year\b": (date(today.year, 1, 1), today),
        r"\blast year\b": (date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)),
    }
    for pattern, (first, last) in spans.items():
        match = re.search(pattern, text)
        if match:
            return first, last, match.group(0)
    return None


def _rolling(text: str, today: date) -> Found:
    match = re.search(r"\b(?:in |over |during )?the (?:last|past) " + _COUNT
                      + r" (day|week|month)s?\b", text)  # fmt: skip
    if not match:
        return None
    count = int(match.group(1)) if match.group(1).isdigit() else NUMBERS.get(match.group(1), 0)
    unit = match.group(2)
    if unit == "month":
        first = _add_months(today, -count)
    else:
        first = today - timedelta(days=count * (7 if unit == "week" else 1) - 1)
    return first, today, match.group(0)


def _since(text: str, today: date) -> Found:
    match = re.search(r"\bsince (" + _DATE + r")\b", text)
    day = _past_date(match.group(1), today) if match else None
    return (day, today, match.group(0)) if match and day else None


def _on_day(text: str, today: date) -> Found:
    match = re.search(r"\b(?:on|from) (" + _DATE + r")\b(?! (?:to|and|until|through))", text)
    day = _past_date(match.group(1), today) if match else None
    return (day, day, match.group(0)) if match and day else None


def _between(text: str, today: date) -> Found:
    match = re.search(
        r"\b(?:between|from) (" + _DATE + r") (?:and|to|until|through|-) (" + _DATE + r")\b", text
    )
    if not match:
        return None
    first, last = _past_date(match.group(1), today), _past_date(match.group(2), today)
    if first is None or last is None:
        return None
    return (min(first, last), max(first, last), match.group(0))


def _in_month(text: str, today: date) -> Found:
    match = re.search(r"\b(?:in|during) (" + _MONTH + r")(?: (\d{4}))?\b", text)
    if not match:
        return None
    month = MONTHS[match.group(1).rstrip(".")]
    year = (
        int(match.group(2))
        if match.group(2)
        else (today.year if month <= today.month else today.year - 1)
    )
    last = date(year, month, calendar.monthrange(year, month)[1])
    return date(year, month, 1), min(last, today), match.group(0)


def _past_date(phrase: str, today: date) -> date | None:
    """The last date named by ``phrase`` on or before ``today``."""
    phrase = phrase.strip().rstrip(".")
    if phrase == "today":
        return today
    if phrase == "yesterday":
        return today - timedelta(days=1)
    if phrase in WEEKDAYS:
        return today - timedelta(days=(today.weekday() - WEEKDAYS.index(phrase)) % 7)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", phrase):
        try:
            return date.fromisoformat(phrase)
        except ValueError:
            return None
    month, day, year = _parts(phrase)
    if month is None or day is None:
        return None
    for candidate_year in [year] if year else [today.year, today.year - 1]:
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            return None
        if year or candidate <= today:
            return candidate
    return None


def _parts(phrase: str) -> tuple[int | None, int | None, int | None]:
    numeric = re.fullmatch(r"(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?", phrase)
    if numeric:
        year = int(numeric.group(3)) if numeric.group(3) else None
        return (
            int(numeric.group(1)),
            int(numeric.group(2)),
            (year + 2000 if year is not None and year < 100 else year),
        )
    month = next((MONTHS[w.rstrip(".,")] for w in phrase.split() if w.rstrip(".,") in MONTHS),
                 None)  # fmt: skip
    numbers = [int(n) for n in re.findall(r"\d+", phrase)]
    day = next((n for n in numbers if n <= 31), None)
    year = next((n for n in numbers if n > 31), None)
    return month, day, year


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
