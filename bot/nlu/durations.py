"""Durations: "30 minutes", "half an hour", "an hour and a half", "2 weeks", "90-min" -> seconds.

Entity ``duration``: value is the length in seconds (int); ``additional_info`` has ``unit`` (the
smallest unit said: "second", "minute", "hour", "day", "week", "month" or "year") and ``amount``
(the length in that unit: "an hour and a half" -> 1.5 hour, "1 hour 30 minutes" -> 90 minute).
A month counts 30 days and a year 365 days: a duration has no calendar to count in.

A duration that places a moment in time is a time, not a duration: "in two weeks", "within 3 days",
"the next 2 weeks", "3 days ago", "two weeks from now" are left to the time grammar (bot.nlu.dates).
"for two weeks" and a bare "two weeks" are durations. "16 years old" is an age, not a duration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.nlu.tokens import Token, read_number, text_at, tokenize, touching

EXTRACTOR = "RuleEntityExtractor"

UNIT_SECONDS = {
    "second": 1, "minute": 60, "hour": 3_600, "day": 86_400, "week": 604_800,
    "month": 30 * 86_400, "year": 365 * 86_400,
}
UNIT_WORDS = {
    "second": "second", "seconds": "second", "sec": "second", "secs": "second",
    "minute": "minute", "minutes": "minute", "min": "minute", "mins": "minute",
    "hour": "hour", "hours": "hour", "hr": "hour", "hrs": "hour",
    "day": "day", "days": "day",
    "week": "week", "weeks": "week", "wk": "week", "wks": "week",
    "month": "month", "months": "month",
    "year": "year", "years": "year", "yr": "year", "yrs": "year",
}
_LONGEST = 100 * 365 * 86_400  # longer is not a duration anyone books, and would overflow dates
# Written straight after digits only: "2h", "90m" would be money ("$90m") or metres.
_GLUED_UNITS = {"h": "hour"}
# Words before or after a duration that make it a point in time ("in two weeks").
RELATIVE_BEFORE = frozenset({"in", "within", "next", "past", "last", "coming"})
RELATIVE_AFTER = frozenset({"ago", "later", "earlier", "from", "before", "after", "old"})
_MIGHT_HOLD_UNIT = re.compile(
    rf"\b(?:{'|'.join(UNIT_WORDS)})\b|\d\s?h\b|\b(?:half|quarter)\b", re.IGNORECASE)
# "twice a day", "once a week": a rate, not a length of time.
_RATE_WORDS = frozenset({"once", "twice", "thrice", "times", "per"})


@dataclass(frozen=True)
class Duration:
    amount: float
    unit: str

    @property
    def seconds(self) -> int:
        return round(self.amount * UNIT_SECONDS[self.unit])


def read_duration(tokens: list[Token], i: int) -> tuple[Duration, int] | None:
    """The duration starting at token ``i`` and the index after it, or None."""
    found = _half_of(tokens, i) or _amount_and_unit(tokens, i)
    if found is None:
        return None
    duration, j = found
    more = _and_a_half(tokens, j, duration) or _and_smaller(tokens, j, duration)
    return more if more is not None else found


def _half_of(tokens: list[Token], i: int) -> tuple[Duration, int] | None:
    """ "half an hour", "half a day", "half hour", "a quarter of an hour", "quarter hour"."""
    j = i + 1 if text_at(tokens, i) == "a" else i
    fraction = {"half": 0.5, "quarter": 0.25}.get(text_at(tokens, j))
    if fraction is None:
        return None
    j += 1
    if text_at(tokens, j) == "of":
        j += 1
    if text_at(tokens, j) in ("a", "an"):
        j += 1
    unit = UNIT_WORDS.get(text_at(tokens, j))
    if unit is None or unit == "second":
        return None
    return Duration(fraction, unit), j + 1


def _amount_and_unit(tokens: list[Token], i: int) -> tuple[Duration, int] | None:
    """ "30 minutes", "an hour", "twenty five mins", "90-minute", "2h", "a couple of days"."""
    number = _couple(tokens, i) or read_number(tokens, i, article=True)
    if number is None:
        return None
    amount, j = number
    if [text_at(tokens, j + k) for k in range(3)] == ["and", "a", "half"]:  # "two and a half"
        amount, j = amount + 0.5, j + 3
    if text_at(tokens, j) == "-" and touching(tokens, j):  # "90-minute call"
        j += 1
    word = text_at(tokens, j)
    unit = UNIT_WORDS.get(word)
    if unit is None and touching(tokens, j) and tokens[i].is_digits:
        unit = _GLUED_UNITS.get(word)
    if unit is None or not 0 < amount * UNIT_SECONDS[unit] <= _LONGEST:
        return None
    if unit == "second" and text_at(tokens, i) in ("a", "an"):
        return None  # "give me a second" is not a length of time anyone books
    return Duration(float(amount), unit), j + 1


def _couple(tokens: list[Token], i: int) -> tuple[int, int] | None:
    j = i + 1 if text_at(tokens, i) == "a" else i
    if text_at(tokens, j) != "couple":
        return None
    return (2, j + 2) if text_at(tokens, j + 1) == "of" else (2, j + 1)


def _and_a_half(tokens: list[Token], j: int, duration: Duration) -> tuple[Duration, int] | None:
    """ "an hour and a half"."""
    if [text_at(tokens, j + k) for k in range(3)] != ["and", "a", "half"]:
        return None
    return Duration(duration.amount + 0.5, duration.unit), j + 3


def _and_smaller(tokens: list[Token], j: int, duration: Duration) -> tuple[Duration, int] | None:
    """ "1 hour and 30 minutes", "2 hours, 15 minutes": counted in the smaller unit."""
    k = j + 1 if text_at(tokens, j) in ("and", ",") else j
    second = _amount_and_unit(tokens, k)
    if second is None:
        return None
    other, end = second
    if UNIT_SECONDS[other.unit] >= UNIT_SECONDS[duration.unit]:
        return None
    scale = UNIT_SECONDS[duration.unit] / UNIT_SECONDS[other.unit]
    return Duration(duration.amount * scale + other.amount, other.unit), end


def is_relative(tokens: list[Token], start: int, end: int) -> bool:
    """Whether the duration in tokens [start, end) places a moment ("in 2 weeks", "2 days ago")."""
    before = text_at(tokens, start - 1)
    after = text_at(tokens, end)
    if before in RELATIVE_BEFORE or after in RELATIVE_AFTER:
        return True
    return before == "the" and text_at(tokens, start - 2) in ("next", "past", "last")


def extract_durations(text: str, tokens: list[Token] | None = None) -> list[dict[str, Any]]:
    """``duration`` entities in ``text`` (see the module docstring for what counts)."""
    if not _MIGHT_HOLD_UNIT.search(text):
        return []
    tokens = tokenize(text) if tokens is None else tokens
    found: list[dict[str, Any]] = []
    i = 0
    while i < len(tokens):
        read = read_duration(tokens, i)
        if read is None or _is_rate(tokens, i) or is_relative(tokens, i, read[1]):
            i += 1
            continue
        duration, end = read
        amount: float = duration.amount
        found.append({
            "entity": "duration",
            "value": duration.seconds,
            "start": tokens[i].start,
            "end": tokens[end - 1].end,
            "extractor": EXTRACTOR,
            "additional_info": {
                "unit": duration.unit,
                "amount": int(amount) if amount.is_integer() else amount,
            },
        })
        i = end
    return found


def _is_rate(tokens: list[Token], i: int) -> bool:
    """ "twice a day", "5 emails a week", "$50 a month": "a <unit>" after a count is a rate."""
    if text_at(tokens, i) != "a":
        return False
    before = text_at(tokens, i - 1)
    if before in _RATE_WORDS or read_number(tokens, i - 1) is not None:  # "$50 a month"
        return True
    return before.endswith("s") and read_number(tokens, i - 2) is not None
