"""Periods and moments relative to now: "this week", "Q4", "end of month", "from april to may",
"the next 3 days", "in 3 hours". Part of the time grammar (bot.nlu.time_phrases combines it with
days and clock times); ``Moment`` is what every time phrase resolves to.

The conventions are documented in bot.nlu.dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from bot.nlu.durations import read_duration
from bot.nlu.time_grammar import CALENDAR_UNITS, Day, TimeGrammar, add_months, shift
from bot.nlu.time_words import DASHES, DATE_CUES, MONTHS, PERIOD_UNITS
from bot.nlu.tokens import read_number, touching

RANGE_TO = frozenset({"to", "until", "till", "through", "thru", *DASHES})
_MODIFIERS = {"this": 0, "current": 0, "next": 1, "coming": 1, "following": 1, "last": -1,
              "previous": -1}


@dataclass(frozen=True)
class Moment:
    start: datetime
    grain: str  # "minute", "hour", "day", "week", "month", "quarter", "year"
    end: datetime | None = None  # exclusive; None for a point
    zone: str | None = None  # the zone a naive time is a wall clock of, when the text named one


def localise(moment: datetime, zone: tzinfo) -> datetime:
    """A wall-clock time in ``zone`` as an instant there. A time that does not exist (02:30 on
    the spring-forward day) moves forward by the gap; an ambiguous one (01:30 on the fall-back
    day) is the first of the two (zoneinfo's fold=0), as calendars do."""
    if moment.tzinfo is not None:
        return moment.astimezone(zone)
    return moment.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)


def midnight(day: date) -> datetime:
    return datetime.combine(day, time())


class PeriodReader:
    """Reads periods at a token index; ``now`` is aware, in the user's zone."""

    def __init__(self, grammar: TimeGrammar, now: datetime) -> None:
        self.grammar = grammar
        self.tokens = grammar.tokens
        self.word = grammar.word
        self.today = grammar.today
        self.now = now
        self.wall_now = grammar.now

    def month_range(self, i: int) -> tuple[Moment, int] | None:
        """ "from april to may", "january through march": whole months."""
        opener = self.word(i)
        first = self._month(i + 1 if opener in ("between", "from") else i)
        if first is None:
            return None
        joiner = self.word(first[1])
        if not (joiner in RANGE_TO or (joiner == "and" and opener == "between")):
            return None
        second = self._month(first[1] + 1)
        if second is None or second[0].end is None:
            return None
        start, end = first[0].start, second[0].end
        if end <= start:  # "from november to february"
            end = midnight(add_months(end.date(), 12))
        return Moment(start, "month", end), second[1]

    # Weeks, months, quarters, years ------------------------------------------------------

    def period(self, i: int) -> tuple[Moment, int] | None:
        """ "this week", "next month", "the weekend", "Q4", "in March", "in 2025"."""
        return (self._named_period(i) or self._quarter(i) or self._month(i)
                or self._year_period(i))

    def _named_period(self, i: int) -> tuple[Moment, int] | None:
        word = self.word(i)
        if word == "the" and self.word(i + 1) == "week" and self.word(i + 2) == "after" \
                and self.word(i + 3) == "next":
            return self._unit_range("week", 2), i + 4
        if word == "the" and self.word(i + 1) == "weekend":
            return self._unit_range("weekend", 0), i + 2
        j = i + 1 if word == "the" and self.word(i + 1) in ("following", "previous") else i
        offset = _MODIFIERS.get(self.word(j))
        unit = self.word(j + 1)
        if offset is None or unit not in PERIOD_UNITS:
            return None
        return self._unit_range(unit, offset), j + 2

    def _unit_range(self, unit: str, offset: int) -> Moment:
        if unit in ("week", "weekend"):
            monday = self.today - timedelta(days=self.today.weekday()) + timedelta(weeks=offset)
            start = monday + timedelta(days=5) if unit == "weekend" else monday
            return Moment(midnight(start), "week" if unit == "week" else "day",
                          midnight(monday + timedelta(days=7)))
        months = {"month": 1, "quarter": 3, "year": 12}[unit]
        first = date(self.today.year, 1 if months == 12 else self.today.month, 1)
        if months == 3:
            first = first.replace(month=(self.today.month - 1) // 3 * 3 + 1)
        first = add_months(first, offset * months)
        return Moment(midnight(first), unit, midnight(add_months(first, months)))

    def _quarter(self, i: int) -> tuple[Moment, int] | None:
        """ "Q4", "Q1 2025": calendar quarters; a name like "Q4 Outbound" is not a quarter."""
        if self.word(i) != "q" or not touching(self.tokens, i + 1):
            return None
        number = self.word(i + 1)
        if number not in ("1", "2", "3", "4"):
            return None
        year = self.grammar.year_at(i + 2)
        j = i + 3 if year is not None else i + 2
        if year is None:
            if self.word(i - 1) not in DATE_CUES or not self.grammar.ends_phrase(j) \
                    or self._capitalised(j):
                return None
            year = self.today.year + (int(number) < (self.today.month + 2) // 3)
        first = date(year, int(number) * 3 - 2, 1)
        return Moment(midnight(first), "quarter", midnight(add_months(first, 3))), j

    def _capitalised(self, j: int) -> bool:
        return j < len(self.tokens) and self.tokens[j].raw[:1].isupper() and self.tokens[j].is_word

    def _month(self, i: int) -> tuple[Moment, int] | None:
        month = MONTHS.get(self.word(i))
        if month is None:
            return None
        year = self.grammar.year_at(i + 1)
        if year is None and not self.grammar.month_is_date(i):
            return None
        if year is None:
            year = self.today.year + (month < self.today.month)
        first = date(year, month, 1)
        end = i + 2 if self.grammar.year_at(i + 1) is not None else i + 1
        return Moment(midnight(first), "month", midnight(add_months(first, 1))), end

    def _year_period(self, i: int) -> tuple[Moment, int] | None:
        year = self.grammar.year_at(i)
        if year is None or self.word(i - 1) not in DATE_CUES - {"and", "to"}:
            return None
        if not self.grammar.ends_phrase(i + 1):
            return None
        return Moment(datetime(year, 1, 1), "year", datetime(year + 1, 1, 1)), i + 1

    def boundary(self, i: int) -> tuple[Day, int] | None:
        """ "end of month" (its last day), "end of the week" (Friday), "start of next month"."""
        abbreviation = {"eow": "week", "eom": "month", "eoq": "quarter", "eoy": "year"}
        word = self.word(i)
        if word in abbreviation:
            return self._edge(self._unit_range(abbreviation[word], 0), "end"), i + 1
        if word not in ("end", "start", "beginning") or self.word(i + 1) != "of":
            return None
        j = i + 2
        if self.word(j) == "the" and self.word(j + 1) in PERIOD_UNITS:
            j += 1
        period = None
        if self.word(j) in PERIOD_UNITS - {"weekend"}:
            period = (self._unit_range(self.word(j), 0), j + 1)
        period = period or self.period(j)
        if period is None:
            return None
        return self._edge(period[0], word), period[1]

    @staticmethod
    def _edge(period: Moment, which: str) -> Day:
        start = period.start.date()
        if which != "end":
            return Day(start)
        if period.grain == "week":
            return Day(start + timedelta(days=4))  # a sales week ends on Friday
        return Day((period.end or period.start).date() - timedelta(days=1))

    # Relative to now ---------------------------------------------------------------------

    def relative_range(self, i: int) -> tuple[Moment, int] | None:
        """ "the next 2 weeks", "within 3 days", "the past 30 days" (see bot.nlu.dates)."""
        j = i + 1 if self.word(i) == "the" else i
        direction = {"next": 1, "coming": 1, "within": 1, "past": -1, "last": -1}.get(self.word(j))
        if direction is None or (j > i and self.word(j) == "within"):
            return None
        count = read_number(self.tokens, j + 1)
        if count is None and self.word(j) != "within":
            return None  # "next week" is a period, not a count of weeks
        read = read_duration(self.tokens, j + 1)
        if read is None:
            return None
        duration, end = read
        if duration.unit in CALENDAR_UNITS:
            moved = shift(self.today, direction * duration.amount, duration.unit)
            if moved is None:
                return None
            if direction > 0:
                span = (self.wall_now, midnight(moved + timedelta(days=1)))
            else:
                span = (midnight(moved), self.wall_now)
            return Moment(span[0], duration.unit, span[1]), end
        delta = timedelta(seconds=duration.seconds)
        edges = sorted((self.now, self.elapsed_from_now(direction * delta)))
        return Moment(edges[0], "minute", edges[1]), end

    def elapsed(self, i: int) -> tuple[Moment, int] | None:
        """ "in 3 hours", "30 minutes from now", "an hour ago": elapsed time from now."""
        start = i + 1 if self.word(i) == "in" else i
        read = read_duration(self.tokens, start)
        if read is None or read[0].unit in CALENDAR_UNITS:
            return None
        duration, j = read
        if start > i:
            sign = 1
        elif self.word(j) == "ago":
            sign, j = -1, j + 1
        elif self.word(j) in ("from", "later") and (self.word(j) == "later"
                                                    or self.word(j + 1) == "now"):
            sign, j = 1, j + (1 if self.word(j) == "later" else 2)
        else:
            return None
        moment = self.elapsed_from_now(sign * timedelta(seconds=duration.seconds))
        return Moment(moment.replace(microsecond=0), "minute"), j

    def elapsed_from_now(self, delta: timedelta) -> datetime:
        """Aware arithmetic in one zone moves the wall clock; elapsed time is counted in UTC."""
        return (self.now.astimezone(UTC) + delta).astimezone(self.now.tzinfo)
