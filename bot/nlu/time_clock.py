"""Clock times and parts of the day: "3pm", "15:00", "half past six", "at 3", "in the morning".

Part of the time grammar (bot.nlu.time_grammar extends ``ClockReader`` with days); the
conventions are documented in bot.nlu.dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from bot.nlu.time_words import (
    AT_CUES,
    DAY_WORDS,
    FOLLOWERS,
    HOUR_WORDS,
    MERIDIEM,
    MONTHS,
    PARTS,
    WEAK_CUES,
    WEEKDAYS,
    ZONE_WORDS,
    ZONES,
)
from bot.nlu.tokens import Token, text_at, touching


@dataclass(frozen=True)
class Clock:
    hour: int  # as said: 3 for "3pm" and "3"; 15 for "15:00"; 24 for midnight
    minute: int = 0
    meridiem: str | None = None  # "am" / "pm" when said or implied ("noon", "15:00")
    exact: bool = False  # said with minutes ("3:30", "15:00"): minute grain
    zone: str | None = None  # named in the text ("3pm ET")
    named: bool = False  # "3 o'clock": a clock time, though am/pm is not said

    def hour24(self, part: str | None = None) -> int:
        """Hours after the day's midnight. Without am/pm a part of the day decides, else
        business hours: 8-11 am, 12-7 pm."""
        if self.meridiem == "am":
            return 0 if self.hour == 12 else self.hour
        if self.meridiem == "pm":
            return self.hour if self.hour >= 12 else self.hour + 12
        if self.hour == 0 or self.hour > 12:
            return self.hour
        if part is None:
            return self.hour + 12 if self.hour <= 7 else self.hour
        # The reading nearest the part of day: "10 in the evening" 22, "1 at lunch" 13, "12 at
        # night" 24, "tonight at 2" 26 (2am the next morning).
        start, end = PARTS[part]
        readings = (self.hour % 12 + add for add in (0, 12, 24))
        return min(readings, key=lambda hour: max(start - hour, hour - end, 0))

    @property
    def said_plainly(self) -> bool:
        """A bare number ("3"), which needs a cue to be a time at all."""
        return self.meridiem is None and not self.exact and not self.named


def at_clock(day: date, clock: Clock, part: str | None = None) -> datetime:
    hour = clock.hour24(part)
    return datetime(day.year, day.month, day.day) + timedelta(hours=hour, minutes=clock.minute)


_COLON_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::\d{2})?")
_DOTTED_TIME = re.compile(r"(\d{1,2})\.(\d{2})")


class ClockReader:
    """Reads clock times and parts of the day at a token index."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens

    def word(self, i: int) -> str:
        return text_at(self.tokens, i)

    def ends_phrase(self, i: int) -> bool:
        """Whether a phrase may end before token ``i``: end, punctuation or a function word."""
        word = self.word(i)
        if not word:
            return True
        if word in FOLLOWERS or word in WEEKDAYS or word in MONTHS or word in PARTS:
            return True
        return not word[0].isalnum() and word not in ("%", "/", "$", "€", "£")

    # Clock times --------------------------------------------------------------------------

    def clock(self, i: int, *, cued: bool = False) -> tuple[Clock, int] | None:
        """A time of day at token ``i``. A bare number ("3") needs ``cued`` or a cue before it."""
        found = self._named_clock(i) or self._past_to(i) or self._numeric_clock(i)
        if found is None:
            return None
        clock, j = found
        if clock.said_plainly and not (cued or self._cued_bare_hour(i, j)):
            return None
        return self._with_zone(clock, j)

    def _named_clock(self, i: int) -> tuple[Clock, int] | None:
        word = self.word(i)
        if word in ("noon", "midday"):
            return Clock(12, meridiem="pm"), i + 1
        if word == "12" and self.word(i + 1) == "noon":
            return Clock(12, meridiem="pm"), i + 2
        if word == "midnight":
            return Clock(24, meridiem="pm"), i + 1
        if word in ("eod", "cob"):
            return Clock(17, meridiem="pm"), i + 1
        words = [self.word(i + k) for k in range(4)]
        if words[:3] == ["end", "of", "day"] or words == ["end", "of", "the", "day"]:
            return Clock(17, meridiem="pm"), i + (3 if words[2] == "day" else 4)
        return None

    def _past_to(self, i: int) -> tuple[Clock, int] | None:
        """ "half past six", "quarter after 3", "quarter to four"."""
        minutes = {"half": 30, "quarter": 15}.get(self.word(i))
        relation = self.word(i + 1)
        if minutes is None or relation not in ("past", "after", "to", "till", "of"):
            return None
        if minutes == 30 and relation != "past":
            return None
        hour = self._hour(i + 2)
        if hour is None:
            return None
        value, j = hour
        meridiem, j = self._meridiem(j)
        if relation in ("past", "after"):
            return Clock(value, minutes, meridiem, exact=True), j
        earlier = value - 1 or 12
        return Clock(earlier, 60 - minutes, meridiem, exact=True), j

    def _numeric_clock(self, i: int) -> tuple[Clock, int] | None:
        """ "3pm", "3 p.m.", "15:00", "10:30am", "3.30pm", "3 o'clock", "at 3", "at six"."""
        token = self.word(i)
        if ":" in token:
            return self._colon_clock(token, i)
        dotted = _DOTTED_TIME.fullmatch(token)
        if dotted is not None and self.word(i + 1) in MERIDIEM:  # "3.30pm"
            hour, minute = int(dotted.group(1)), int(dotted.group(2))
            if 1 <= hour <= 12 and minute <= 59:
                said = MERIDIEM[self.word(i + 1)]
                return Clock(hour, minute, said, exact=True), i + 2
            return None
        read = self._hour(i)
        if read is None:
            return None
        value, j = read
        meridiem, j = self._meridiem(j)
        if meridiem is None and self.word(j) == "o'clock":
            return Clock(value, named=True), j + 1
        return Clock(value, 0, meridiem), j

    def _colon_clock(self, token: str, i: int) -> tuple[Clock, int] | None:
        found = _COLON_TIME.fullmatch(token)
        if found is None:
            return None
        hour, minute = int(found.group(1)), int(found.group(2))
        if hour > 24 or minute > 59:
            return None
        meridiem, j = self._meridiem(i + 1)
        if meridiem is not None and not 1 <= hour <= 12:
            return None
        if meridiem is None and (hour == 0 or hour > 12):
            meridiem = "am" if hour < 12 else "pm"
        return Clock(hour, minute, meridiem, exact=True), j

    def _hour(self, i: int) -> tuple[int, int] | None:
        token = self.tokens[i] if i < len(self.tokens) else None
        if token is None:
            return None
        if token.is_digits and len(token.text) <= 2 and int(token.text) <= 23:
            if touching(self.tokens, i) and self.tokens[i - 1].text.isalnum():
                return None  # "q4", "v2"
            return int(token.text), i + 1
        if token.text in HOUR_WORDS:
            return HOUR_WORDS[token.text], i + 1
        return None

    def _meridiem(self, j: int) -> tuple[str | None, int]:
        word = self.word(j)
        if word in MERIDIEM:
            return MERIDIEM[word], j + 1
        if word in ("a", "p") and self.word(j + 1) == "m":  # "3 a m"
            return ("am" if word == "a" else "pm"), j + 2
        return None, j

    def _cued_bare_hour(self, i: int, j: int) -> bool:
        before = self.word(i - 1)
        if self.word(j) == "tonight" or (self.word(j) in ("in", "at") and self.part(j)):
            return True  # "8 tonight", "one in the afternoon", "ten at night"
        if before in AT_CUES:
            return self.ends_phrase(j) and self.word(j) not in ("%", "/")
        if before in WEAK_CUES:  # "for eight tomorrow", not "a table for 3"
            return self.word(j) in DAY_WORDS or self.word(j) in PARTS
        return False

    def _with_zone(self, clock: Clock, j: int) -> tuple[Clock, int]:
        word = self.word(j)
        if word in ZONES:
            return replace(clock, zone=ZONES[word]), j + 1
        if word in ZONE_WORDS and self.word(j + 1) == "time":
            return replace(clock, zone=ZONE_WORDS[word]), j + 2
        return clock, j

    # Parts of the day --------------------------------------------------------------------

    def part(self, i: int) -> tuple[str, int] | None:
        """ "morning", "in the afternoon", "at night", "at lunch" (after a day or a clock)."""
        word = self.word(i)
        if word in ("in", "at") and self.word(i + 1) == "the" and self.word(i + 2) in PARTS:
            return self.word(i + 2), i + 3
        if word == "at" and self.word(i + 1) in ("night", "lunch", "lunchtime"):
            return self.word(i + 1), i + 2
        if word in PARTS and word != "tonight":
            return word, i + 1
        return None

