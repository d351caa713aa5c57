"""An English grammar of dates and times: the atoms (days here; clock times in time_clock).

``TimeGrammar.day`` and ``clock`` read one atom at a token index; bot.nlu.time_phrases combines
atoms into phrases ("tomorrow at 3pm", "between 2 and 4pm friday"). Everything here works on the
user's wall clock (naive datetimes); bot.nlu.dates attaches the zone. The conventions are
documented in bot.nlu.dates.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.nlu.durations import read_duration
from bot.nlu.time_clock import ClockReader
from bot.nlu.time_words import (
    AMBIGUOUS_MONTHS,
    DASHES,
    DATE_CUES,
    FULL_WEEKDAYS,
    MERIDIEM,
    MONTHS,
    ORDINAL_SUFFIXES,
    ORDINAL_WORDS,
    TODAY_WORDS,
    WEEKDAYS,
)
from bot.nlu.tokens import TENS, Token, text_at, touching

_DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})")
CALENDAR_UNITS = frozenset({"day", "week", "month", "year"})
_ORDINAL_CUES = frozenset({"on", "the", "by", "until", "till", "from", "before", "after", "to",
                           "through"})


@dataclass(frozen=True)
class Day:
    date: date
    roll: bool = False  # "friday" said on a Friday: next week's once its time has passed today
    part: str | None = None  # "tonight" is a day and a part of it


def add_months(day: date, months: int) -> date:
    """Calendar months later, clamped to the month's last day ("in a month" on Jan 31 -> Feb 29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def shift(day: date, amount: float, unit: str) -> date | None:
    """``day`` moved by a calendar amount; None for a fraction of a month or year."""
    if unit in ("day", "week"):
        return day + timedelta(days=round(amount * (7 if unit == "week" else 1)))
    if not float(amount).is_integer():
        return None
    return add_months(day, int(amount) * (12 if unit == "year" else 1))


class TimeGrammar(ClockReader):
    """Days, clock times and parts of the day in ``tokens``, relative to ``now`` (wall clock)."""

    def __init__(self, tokens: list[Token], now: datetime, *, month_first: bool) -> None:
        super().__init__(tokens)
        self.now = now
        self.today = now.date()
        self.month_first = month_first
        self._days: dict[int, tuple[Day, int] | None] = {}

    # Days ---------------------------------------------------------------------------------

    def day(self, i: int) -> tuple[Day, int] | None:
        """A day at token ``i``: the longest of the forms below (memoised: phrases ask often)."""
        if i not in self._days:
            readers = (self._named_day, self._weekday, self._month_day, self._ordinal_day,
                       self._numeric_date, self._relative_day, self._day_after_tomorrow)
            found = [read for reader in readers if (read := reader(i)) is not None]
            self._days[i] = max(found, key=lambda read: read[1], default=None)
        return self._days[i]

    def _named_day(self, i: int) -> tuple[Day, int] | None:
        offset = TODAY_WORDS.get(self.word(i))
        if offset is None:
            return None
        part = "tonight" if self.word(i) == "tonight" else None
        return Day(self.today + timedelta(days=offset), part=part), i + 1

    def _day_after_tomorrow(self, i: int) -> tuple[Day, int] | None:
        j = i + 1 if self.word(i) == "the" else i
        words = [self.word(j + k) for k in range(3)]
        if words == ["day", "after", "tomorrow"]:
            return Day(self.today + timedelta(days=2)), j + 3
        return None

    def _weekday(self, i: int) -> tuple[Day, int] | None:
        """ "friday", "this friday", "next friday", "friday next week", "next week on friday"."""
        modifier, j = self._week_modifier(i)
        name = self.word(j)
        if name not in WEEKDAYS or not self._is_weekday_word(j, modifier):
            return None
        j += 1
        if modifier is None:
            modifier, j = self._trailing_week(j)
        target = WEEKDAYS[name]
        monday = self.today - timedelta(days=self.today.weekday())
        if modifier in ("next", "after next"):
            weeks = 1 if modifier == "next" else 2
            found = Day(monday + timedelta(days=7 * weeks + target))
        elif modifier == "last":
            back = (self.today.weekday() - target) % 7 or 7
            found = Day(self.today - timedelta(days=back))
        elif modifier == "this week":
            found = Day(monday + timedelta(days=target))
        elif modifier == "last week":
            found = Day(monday + timedelta(days=target - 7))
        else:  # bare or "this": the coming one, today included
            found = Day(self.today + timedelta(days=(target - self.today.weekday()) % 7), roll=True)
        ordinal = self._ordinal_after_weekday(j)
        return ordinal if ordinal is not None else (found, j)

    def _week_modifier(self, i: int) -> tuple[str | None, int]:
        word = self.word(i)
        if word == "this" and self.word(i + 1) == "coming":
            return "this", i + 2
        if word in ("this", "coming"):
            return "this", i + 1
        if word in ("next", "last"):
            if self.word(i + 1) == "week":  # "next week friday", "next week on friday"
                j = i + 3 if self.word(i + 2) == "on" else i + 2
                return ("next" if word == "next" else "last week"), j
            return word, i + 1
        return None, i

    def _trailing_week(self, j: int) -> tuple[str | None, int]:
        """ "friday next week", "friday of next week", "friday after next"."""
        k = j + 1 if self.word(j) == "of" else j
        if self.word(k) in ("next", "this", "last") and self.word(k + 1) == "week":
            return {"next": "next", "this": "this week", "last": "last week"}[self.word(k)], k + 2
        if self.word(j) == "after" and self.word(j + 1) == "next":
            return "after next", j + 2
        return None, j

    def _is_weekday_word(self, j: int, modifier: str | None) -> bool:
        """ "sat", "sun", "wed" are a day only when written as one ("Sat") or after a cue."""
        token = self.tokens[j]
        if token.text in FULL_WEEKDAYS or modifier is not None or token.raw[0].isupper():
            return True
        return self.word(j - 1) in DATE_CUES | DASHES or self.word(j + 1) in DASHES

    def _ordinal_after_weekday(self, j: int) -> tuple[Day, int] | None:
        """ "thursday the 14th": the date decides, the weekday only confirms it."""
        k = j + 1 if self.word(j) == "," else j
        return self._month_day(k) or self._ordinal_day(k)

    def _month_day(self, i: int) -> tuple[Day, int] | None:
        """ "march 5", "march 5th, 2025", "5 march", "the 5th of march", "march fifth"."""
        month = MONTHS.get(self.word(i))
        if month is not None:
            j = i + 2 if self.word(i + 1) == "the" else i + 1
            number = self._day_number(j)
            if number is None:
                return None
            day, j = number
        else:
            j = i + 1 if self.word(i) == "the" else i
            number = self._day_number(j)
            if number is None:
                return None
            day, j = number
            if self.word(j) == "of":
                j += 1
            month = MONTHS.get(self.word(j))
            if month is None:
                return None
            j += 1
        return self._dated(day, month, j)

    def _dated(self, day: int, month: int, j: int) -> tuple[Day, int] | None:
        """The date with an optional year after it; without one, the next such date."""
        k = j + 1 if self.word(j) == "," else j
        year = self.year_at(k)
        if year is not None:
            try:
                return Day(date(year, month, day)), k + 1
            except ValueError:
                return None
        for candidate in range(self.today.year, self.today.year + 5):  # Feb 29: a leap year
            try:
                found = date(candidate, month, day)
            except ValueError:
                continue
            if found >= self.today:
                return Day(found), j
        return None

    def year_at(self, i: int) -> int | None:
        word = self.word(i)
        if len(word) == 4 and word.isdecimal() and 1900 <= int(word) <= 2100:
            return int(word)
        return None

    def _day_number(self, j: int) -> tuple[int, int] | None:
        """A day of the month: "5", "5th", "fifth", "twenty-first"."""
        token = text_at(self.tokens, j)
        if token.isdecimal() and len(token) <= 2 and 1 <= int(token) <= 31:
            if self.word(j + 1) in ORDINAL_SUFFIXES and touching(self.tokens, j + 1):
                return int(token), j + 2
            if self.word(j + 1) in (":", ".") or self.word(j + 1) in MERIDIEM:
                return None  # "may 5pm" is not May 5th
            return int(token), j + 1
        if token in ORDINAL_WORDS:
            return ORDINAL_WORDS[token], j + 1
        if token in ("twenty", "thirty"):
            k = j + 2 if self.word(j + 1) == "-" else j + 1
            unit = ORDINAL_WORDS.get(self.word(k), 0)
            if 1 <= unit <= 9 and TENS[token] + unit <= 31:
                return TENS[token] + unit, k + 1
        return None

    def _ordinal_day(self, i: int) -> tuple[Day, int] | None:
        """ "the 15th", "on the 3rd", "until the twenty ninth": the next day with that number."""
        j = i + 1 if self.word(i) == "the" else i
        cue = self.word(i - 1)
        if j == i and cue not in _ORDINAL_CUES:
            return None
        token = self.word(j)
        if token.isdecimal():
            if not (self.word(j + 1) in ORDINAL_SUFFIXES and touching(self.tokens, j + 1)):
                return None
            day, end = int(token), j + 2
        else:  # a spelled ordinal is a day only after a cue: "the second call" is not
            number = self._day_number(j) if j > i and cue in _ORDINAL_CUES else None
            if number is None:
                return None
            day, end = number
        if not 1 <= day <= 31 or not self.ends_phrase(end):
            return None
        year, month = self.today.year, self.today.month + (day < self.today.day)
        while True:  # the next month that has that day (April has no 31st)
            if month > 12:
                year, month = year + 1, 1
            if day <= calendar.monthrange(year, month)[1]:
                return Day(date(year, month, day)), end
            month += 1

    def _numeric_date(self, i: int) -> tuple[Day, int] | None:
        """ "2024-03-20", "3/20", "3/20/2025", "20.03.2024" (see bot.nlu.dates on M/D order)."""
        token = self.word(i)
        dotted = _DOTTED_DATE.fullmatch(token)
        if dotted is not None:  # day.month.year
            numbers = [int(part) for part in dotted.groups()]
            century = 2000 if numbers[2] < 100 else 0
            return self._numeric_day(numbers[2] + century, numbers[1], numbers[0], i + 1)
        if not (token.isdecimal() and len(token) <= 4) \
                or (touching(self.tokens, i) and self.tokens[i - 1].is_word):
            return None
        pieces, separators, j = self._separated_numbers(i)
        if len(pieces) < 2 or len(separators) != 1 or self.word(j) in ("/", "-", "%"):
            return None
        if separators == {"-"}:  # only ISO dates use dashes: "2-3" is a range of numbers
            return self._numeric_day(pieces[0], pieces[1], pieces[2], j) if len(token) == 4 \
                and len(pieces) == 3 else None
        if self.word(i) == "24" and pieces[1:] == [7]:
            return None  # "24/7 support"
        first, second = pieces[0], pieces[1]
        month, day = (first, second) if self.month_first else (second, first)
        if month > 12 and day <= 12:
            month, day = day, month
        year = pieces[2] if len(pieces) == 3 else None
        if year is not None and year < 100:
            year += 2000
        return self._numeric_day(year, month, day, j)

    def _separated_numbers(self, i: int) -> tuple[list[int], set[str], int]:
        """ "3/20/2025" -> ([3, 20, 2025], {"/"}, the index after it)."""
        pieces, separators, j = [int(self.word(i))], set(), i + 1
        while len(pieces) < 3 and self.word(j) in ("-", "/") and touching(self.tokens, j) \
                and self.word(j + 1).isdecimal() and len(self.word(j + 1)) <= 4 \
                and touching(self.tokens, j + 1):
            separators.add(self.word(j))
            pieces.append(int(self.word(j + 1)))
            j += 2
        return pieces, separators, j

    def _numeric_day(
        self, year: int | None, month: int, day: int, j: int
    ) -> tuple[Day, int] | None:
        if year is None:
            if not 1 <= month <= 12:
                return None
            return self._dated(day, month, j)
        try:
            return Day(date(year, month, day)), j
        except ValueError:
            return None

    def _relative_day(self, i: int) -> tuple[Day, int] | None:
        """ "in 2 weeks", "3 days ago", "a week from friday", "two weeks from now" (day grain)."""
        if self.word(i) == "in":
            read = read_duration(self.tokens, i + 1)
            if read is None or read[0].unit not in CALENDAR_UNITS:
                return None
            moved = shift(self.today, read[0].amount, read[0].unit)
            return (Day(moved), read[1]) if moved is not None else None
        read = read_duration(self.tokens, i)
        if read is None or read[0].unit not in CALENDAR_UNITS:
            return None
        duration, j = read
        if self.word(j) == "ago":
            moved = shift(self.today, -duration.amount, duration.unit)
            return (Day(moved), j + 1) if moved is not None else None
        if self.word(j) != "from":
            return None
        if self.word(j + 1) in ("now", "today"):
            base, end = self.today, j + 2
        else:
            anchor = self.day(j + 1)
            if anchor is None:
                return None
            base, end = anchor[0].date, anchor[1]
        moved = shift(base, duration.amount, duration.unit)
        return (Day(moved), end) if moved is not None else None

    def month_is_date(self, i: int) -> bool:
        """Whether a month name standing alone at ``i`` means the month ("in May", "June")."""
        word = self.word(i)
        return word not in AMBIGUOUS_MONTHS or self.word(i - 1) in DATE_CUES
