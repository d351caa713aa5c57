"""Time phrases: the grammar's atoms combined ("tomorrow at 3pm", "from monday to wednesday").

``find_times`` scans the tokens left to right and takes the longest phrase at each position.
A phrase resolves to a ``Moment``: a point (``end`` is None) or a range [start, end). Naive
datetimes are wall-clock times (in ``zone`` when the text named one, else the user's); aware ones
are instants ("in 3 hours" counts elapsed time, which differs from wall-clock time across a
daylight-saving change). The conventions are documented in bot.nlu.dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.nlu.durations import read_duration
from bot.nlu.time_clock import Clock, at_clock
from bot.nlu.time_grammar import CALENDAR_UNITS, Day, TimeGrammar, add_months, shift
from bot.nlu.time_words import DASHES, DATE_CUES, MONTHS, PARTS, PERIOD_UNITS, WEEKDAYS
from bot.nlu.tokens import Token, read_number, touching

_DAY_GLUE = frozenset({",", "at", "@", "on", "around", "about", "by"})
_CUED_GLUE = frozenset({"at", "@", "around", "about", "by"})
_RANGE_TO = frozenset({"to", "until", "till", "through", "thru", *DASHES})
_MODIFIERS = {"this": 0, "current": 0, "next": 1, "coming": 1, "following": 1, "last": -1,
              "previous": -1}


@dataclass(frozen=True)
class Moment:
    start: datetime
    grain: str  # "minute", "hour", "day", "week", "month", "quarter", "year"
    end: datetime | None = None  # exclusive; None for a point
    zone: str | None = None  # the zone a naive time is a wall clock of, when the text named one


def localise(moment: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in ``zone`` as an instant there. A time that does not exist (02:30 on
    the spring-forward day) moves forward by the gap; an ambiguous one (01:30 on the fall-back
    day) is the first of the two (zoneinfo's fold=0), as calendars do."""
    if moment.tzinfo is not None:
        return moment.astimezone(zone)
    return moment.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


class TimePhrases:
    def __init__(self, tokens: list[Token], now: datetime, *, month_first: bool) -> None:
        """``now`` is aware, in the user's zone."""
        self.tokens = tokens
        self.now = now
        self.wall_now = now.replace(tzinfo=None, microsecond=0)
        self.grammar = TimeGrammar(tokens, self.wall_now, month_first=month_first)
        self.word = self.grammar.word
        self.today = self.grammar.today

    def find_times(self) -> list[tuple[int, int, Moment]]:
        """(first token, token after the last, moment) of each phrase, left to right."""
        found = []
        i = 0
        while i < len(self.tokens):
            phrase = self.phrase(i)
            if phrase is None:
                i += 1
                continue
            found.append((i, phrase[1], phrase[0]))
            i = phrase[1]
        return found

    def phrase(self, i: int) -> tuple[Moment, int] | None:
        """The longest phrase starting at token ``i``; on a tie the earlier reader wins."""
        readers = (self._clock_range_phrase, self._day_range, self._month_range, self._day_phrase,
                   self._clock_phrase, self._part_phrase, self._period, self._relative_range,
                   self._elapsed)
        best: tuple[Moment, int] | None = None
        for reader in readers:
            read = reader(i)
            if read is not None and (best is None or read[1] > best[1]):
                best = read
        return best

    # Days and what follows them ----------------------------------------------------------

    def day(self, i: int) -> tuple[Day, int] | None:
        return self.grammar.day(i) or self._boundary(i)

    def _glue(self, j: int) -> tuple[int, bool]:
        """Skip ", at" between a day and a clock; whether a word there announced a clock."""
        cued = False
        for _ in range(2):
            if self.word(j) not in _DAY_GLUE:
                break
            cued = cued or self.word(j) in _CUED_GLUE
            j += 1
        return j, cued

    def _day_phrase(self, i: int) -> tuple[Moment, int] | None:
        """A day, then maybe a clock range, a clock, or a part of the day."""
        read = self.day(i)
        if read is None:
            return None
        day, j = read
        best: tuple[Moment, int] = (self._day_moment(day), j)
        k, cued = self._glue(j)
        if self.word(k) in ("between", "from"):
            span = self._clock_range(k)
            if span is not None:
                best = self._range_on(day.date, *span)
        clock = self.grammar.clock(k, cued=cued)
        if clock is not None and clock[1] > best[1]:
            part = self.grammar.part(clock[1])
            end = part[1] if part else clock[1]
            best = (self._point(day, clock[0], part[0] if part else day.part), end)
        part = self.grammar.part(j)
        if part is not None and part[1] > best[1]:
            best = self._part_then_clock(day, part[0], part[1])
        return best

    def _day_moment(self, day: Day) -> Moment:
        if day.part is not None:
            return self._part_range(day.date, day.part)
        return Moment(_midnight(day.date), "day")

    def _part_then_clock(self, day: Day, part: str, j: int) -> tuple[Moment, int]:
        """ "tomorrow morning", "tomorrow morning at 8" (the part says am or pm)."""
        k, cued = self._glue(j)
        clock = self.grammar.clock(k, cued=cued)
        if clock is not None:
            return self._point(day, clock[0], part), clock[1]
        return self._part_range(day.date, part), j

    def _point(self, day: Day, clock: Clock, part: str | None) -> Moment:
        moment = at_clock(day.date, clock, part)
        if day.roll and day.date == self.today and moment < self.wall_now:
            moment += timedelta(days=7)  # "friday at 3pm" said on Friday at 4pm
        return Moment(moment, "minute" if clock.exact else "hour", zone=clock.zone)

    def _part_range(self, day: date, part: str) -> Moment:
        start_hour, end_hour = PARTS[part]
        start = _midnight(day)
        return Moment(start + timedelta(hours=start_hour), "hour",
                      start + timedelta(hours=end_hour))

    # Clock times and what follows them ---------------------------------------------------

    def _clock_phrase(self, i: int) -> tuple[Moment, int] | None:
        """A clock, maybe a part of the day, maybe a day: "3pm", "6 tomorrow morning"."""
        read = self.grammar.clock(i)
        if read is None:
            return None
        clock, j = read
        part = self.grammar.part(j)
        if part is not None:
            j = part[1]
        k = j + 1 if self.word(j) in (",", "on") else j
        day = self.day(k)
        if day is not None:
            after = self.grammar.part(day[1]) if part is None else None
            which = part[0] if part else (after[0] if after else day[0].part)
            return self._point(day[0], clock, which), after[1] if after else day[1]
        return self._next_at(clock, part[0] if part else None), j

    def _next_at(self, clock: Clock, part: str | None) -> Moment:
        """A time of day with no day said: today if it is still ahead, else tomorrow."""
        moment = at_clock(self.today, clock, part)
        if self._instant(moment, clock.zone) < self.now:
            moment += timedelta(days=1)
        return Moment(moment, "minute" if clock.exact else "hour", zone=clock.zone)

    def _instant(self, moment: datetime, zone: str | None) -> datetime:
        return localise(moment, ZoneInfo(zone)) if zone else localise(moment, self.now.tzinfo)  # type: ignore[arg-type]

    def _clock_range(self, i: int) -> tuple[Clock, Clock, int] | None:
        """ "between 2 and 4pm", "from 9 to 11:30", "2-4pm", "9am to 5pm"."""
        opener = self.word(i)
        j = i + 1 if opener in ("between", "from") else i
        first = self.grammar.clock(j, cued=True)  # two bare hours without an opener fail below
        if first is None:
            return None
        joiner = self.word(first[1])
        if not (joiner in _RANGE_TO or (joiner == "and" and opener == "between")):
            return None
        second = self.grammar.clock(first[1] + 1, cued=True)
        if second is None:
            return None
        start, end = first[0], second[0]
        if j == i and start.said_plainly and end.said_plainly:
            return None  # "9 to 5" alone could be a score; "from 9 to 5" is a time
        if start.said_plainly and end.said_plainly and not self.grammar.ends_phrase(second[1]):
            return None  # "between 2 and 4 people"
        return _share_meridiem(start, end), end, second[1]

    def _range_on(self, day: date, start: Clock, end: Clock, j: int) -> tuple[Moment, int]:
        first = at_clock(day, start)
        last = at_clock(day, end)
        if last <= first:
            last += timedelta(days=1)  # "10pm to 2am"
        grain = "minute" if start.exact or end.exact else "hour"
        return Moment(first, grain, last, zone=end.zone or start.zone), j

    def _clock_range_phrase(self, i: int) -> tuple[Moment, int] | None:
        """A clock range and maybe its day: "between 2 and 4pm tomorrow"; else the next one."""
        span = self._clock_range(i)
        if span is None:
            return None
        start, end, j = span
        k = j + 1 if self.word(j) in (",", "on") else j
        day = self.day(k)
        if day is not None:
            return self._range_on(day[0].date, start, end, day[1])
        moment, _ = self._range_on(self.today, start, end, j)
        if self._instant(moment.end or moment.start, moment.zone) <= self.now:
            moment, _ = self._range_on(self.today + timedelta(days=1), start, end, j)
        return moment, j

    # Parts of the day alone --------------------------------------------------------------

    def _part_phrase(self, i: int) -> tuple[Moment, int] | None:
        """ "this morning", "this afternoon at 3", "in the evening" (the next one)."""
        if self.word(i) == "this" and self.word(i + 1) in PARTS:
            day, j, part = self.today, i + 2, self.word(i + 1)
        elif self.word(i) == "in" and self.word(i + 1) == "the" and self.word(i + 2) in PARTS:
            part, j = self.word(i + 2), i + 3
            ends = _midnight(self.today) + timedelta(hours=PARTS[part][1])
            day = self.today if self.wall_now < ends else self.today + timedelta(days=1)
        else:
            return None
        return self._part_then_clock(Day(day), part, j)

    # Day ranges --------------------------------------------------------------------------

    def _day_range(self, i: int) -> tuple[Moment, int] | None:
        """ "from monday to wednesday", "mon-wed", "march 5-7", "between the 3rd and the 5th"."""
        opener = self.word(i)
        j = i + 1 if opener in ("between", "from") else i
        first = self.grammar.day(j)
        if first is None:
            return None
        joiner = self.word(first[1])
        if not (joiner in _RANGE_TO or (joiner == "and" and opener == "between")):
            return None
        start = first[0].date
        second = self.grammar.day(first[1] + 1) or self._same_month_day(start, first[1] + 1)
        if second is None:
            return None
        if j == i and not (self.word(j) in WEEKDAYS or self.word(j) in MONTHS
                           or self.word(j).isdecimal()):
            return None  # "today to tomorrow" needs "from"; "monday to friday" does not
        last = second[0].date
        while last < start:  # "from friday to monday", "dec 28 - jan 3"
            last = last + timedelta(days=7) if self.word(first[1] + 1) in WEEKDAYS \
                else add_months(last, 12)
        return Moment(_midnight(start), "day", _midnight(last + timedelta(days=1))), second[1]

    def _month_range(self, i: int) -> tuple[Moment, int] | None:
        """ "from april to may", "january through march": whole months."""
        opener = self.word(i)
        first = self._month(i + 1 if opener in ("between", "from") else i)
        if first is None:
            return None
        joiner = self.word(first[1])
        if not (joiner in _RANGE_TO or (joiner == "and" and opener == "between")):
            return None
        second = self._month(first[1] + 1)
        if second is None or second[0].end is None:
            return None
        start, end = first[0].start, second[0].end
        if end <= start:  # "from november to february"
            end = _midnight(add_months(end.date(), 12))
        return Moment(start, "month", end), second[1]

    def _same_month_day(self, start: date, j: int) -> tuple[Day, int] | None:
        """The "7" of "march 5-7"."""
        word = self.word(j)
        if not (word.isdecimal() and len(word) <= 2 and self.word(j + 1) not in (":", "am", "pm")):
            return None
        try:
            return Day(start.replace(day=int(word))), j + 1
        except ValueError:
            return None

    # Weeks, months, quarters, years ------------------------------------------------------

    def _period(self, i: int) -> tuple[Moment, int] | None:
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
            return Moment(_midnight(start), "week" if unit == "week" else "day",
                          _midnight(monday + timedelta(days=7)))
        months = {"month": 1, "quarter": 3, "year": 12}[unit]
        first = date(self.today.year, 1 if months == 12 else self.today.month, 1)
        if months == 3:
            first = first.replace(month=(self.today.month - 1) // 3 * 3 + 1)
        first = add_months(first, offset * months)
        return Moment(_midnight(first), unit, _midnight(add_months(first, months)))

    def _quarter(self, i: int) -> tuple[Moment, int] | None:
        """ "Q4", "Q1 2025": calendar quarters; a name like "Q4 Outbound" is not a quarter."""
        if self.word(i) != "q" or not touching(self.tokens, i + 1):
            return None
        number = self.word(i + 1)
        if number not in ("1", "2", "3", "4"):
            return None
        year = self.grammar._year(i + 2)
        j = i + 3 if year is not None else i + 2
        if year is None:
            if self.word(i - 1) not in DATE_CUES or not self.grammar.ends_phrase(j) \
                    or self._capitalised(j):
                return None
            year = self.today.year + (int(number) < (self.today.month + 2) // 3)
        first = date(year, int(number) * 3 - 2, 1)
        return Moment(_midnight(first), "quarter", _midnight(add_months(first, 3))), j

    def _capitalised(self, j: int) -> bool:
        return j < len(self.tokens) and self.tokens[j].raw[:1].isupper() and self.tokens[j].is_word

    def _month(self, i: int) -> tuple[Moment, int] | None:
        month = MONTHS.get(self.word(i))
        if month is None:
            return None
        year = self.grammar._year(i + 1)
        if year is None and not self.grammar.month_is_date(i):
            return None
        if year is None:
            year = self.today.year + (month < self.today.month)
        first = date(year, month, 1)
        end = i + 2 if self.grammar._year(i + 1) is not None else i + 1
        return Moment(_midnight(first), "month", _midnight(add_months(first, 1))), end

    def _year_period(self, i: int) -> tuple[Moment, int] | None:
        year = self.grammar._year(i)
        if year is None or self.word(i - 1) not in DATE_CUES - {"and", "to"}:
            return None
        if not self.grammar.ends_phrase(i + 1):
            return None
        return Moment(datetime(year, 1, 1), "year", datetime(year + 1, 1, 1)), i + 1

    def _boundary(self, i: int) -> tuple[Day, int] | None:
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
        period = period or self._period(j)
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

    def _relative_range(self, i: int) -> tuple[Moment, int] | None:
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
                span = (self.wall_now, _midnight(moved + timedelta(days=1)))
            else:
                span = (_midnight(moved), self.wall_now)
            return Moment(span[0], duration.unit, span[1]), end
        delta = timedelta(seconds=duration.seconds)
        edges = sorted((self.now, self._elapsed_from_now(direction * delta)))
        return Moment(edges[0], "minute", edges[1]), end

    def _elapsed(self, i: int) -> tuple[Moment, int] | None:
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
        moment = self._elapsed_from_now(sign * timedelta(seconds=duration.seconds))
        return Moment(moment.replace(microsecond=0), "minute"), j

    def _elapsed_from_now(self, delta: timedelta) -> datetime:
        """Aware arithmetic in one zone moves the wall clock; elapsed time is counted in UTC."""
        return (self.now.astimezone(UTC) + delta).astimezone(self.now.tzinfo)


def _share_meridiem(start: Clock, end: Clock) -> Clock:
    """ "2-4pm": the start takes the end's am/pm unless that puts it after the end ("11-1pm")."""
    if start.meridiem is not None or end.meridiem is None or start.hour > 12:
        return start
    same = Clock(start.hour, start.minute, end.meridiem, start.exact, start.zone)
    flipped = Clock(start.hour, start.minute, "am" if end.meridiem == "pm" else "pm",
                    start.exact, start.zone)
    return same if same.hour24() <= end.hour24() else flipped

