"""Time phrases: the grammar's atoms combined ("tomorrow at 3pm", "from monday to wednesday").

``find_times`` scans the tokens left to right and takes the longest phrase at each position.
A phrase resolves to a ``Moment``: a point (``end`` is None) or a range [start, end). Naive
datetimes are wall-clock times (in ``zone`` when the text named one, else the user's); aware ones
are instants ("in 3 hours" counts elapsed time, which differs from wall-clock time across a
daylight-saving change). The conventions are documented in bot.nlu.dates.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.nlu.time_clock import Clock, at_clock
from bot.nlu.time_grammar import Day, TimeGrammar, add_months
from bot.nlu.time_periods import RANGE_TO, Moment, PeriodReader, localise, midnight
from bot.nlu.time_words import MONTHS, PARTS, WEEKDAYS
from bot.nlu.tokens import Token

_DAY_GLUE = frozenset({",", "at", "@", "on", "around", "about", "by"})
_CUED_GLUE = frozenset({"at", "@", "around", "about", "by"})


class TimePhrases:
    def __init__(self, tokens: list[Token], now: datetime, *, month_first: bool) -> None:
        """``now`` is aware, in the user's zone."""
        if now.tzinfo is None:
            raise ValueError("now must be aware, in the user's time zone")
        self.tokens = tokens
        self.zone = now.tzinfo
        self.now = now
        self.wall_now = now.replace(tzinfo=None, microsecond=0)
        self.grammar = TimeGrammar(tokens, self.wall_now, month_first=month_first)
        self.periods = PeriodReader(self.grammar, now)
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
        readers = (self._clock_range_phrase, self._day_range, self.periods.month_range,
                   self._day_phrase, self._clock_phrase, self._part_phrase, self.periods.period,
                   self.periods.relative_range, self.periods.elapsed)
        best: tuple[Moment, int] | None = None
        for reader in readers:
            read = reader(i)
            if read is not None and (best is None or read[1] > best[1]):
                best = read
        return best

    # Days and what follows them ----------------------------------------------------------

    def day(self, i: int) -> tuple[Day, int] | None:
        return self.grammar.day(i) or self.periods.boundary(i)

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
        return Moment(midnight(day.date), "day")

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
        start = midnight(day)
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
        return localise(moment, ZoneInfo(zone) if zone else self.zone)

    def _clock_range(self, i: int) -> tuple[Clock, Clock, int] | None:
        """ "between 2 and 4pm", "from 9 to 11:30", "2-4pm", "9am to 5pm"."""
        opener = self.word(i)
        j = i + 1 if opener in ("between", "from") else i
        first = self.grammar.clock(j, cued=True)  # two bare hours without an opener fail below
        if first is None:
            return None
        joiner = self.word(first[1])
        if not (joiner in RANGE_TO or (joiner == "and" and opener == "between")):
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
            ends = midnight(self.today) + timedelta(hours=PARTS[part][1])
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
        if not (joiner in RANGE_TO or (joiner == "and" and opener == "between")):
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
        return Moment(midnight(start), "day", midnight(last + timedelta(days=1))), second[1]

    def _same_month_day(self, start: date, j: int) -> tuple[Day, int] | None:
        """The "7" of "march 5-7"."""
        word = self.word(j)
        if not (word.isdecimal() and len(word) <= 2 and self.word(j + 1) not in (":", "am", "pm")):
            return None
        try:
            return Day(start.replace(day=int(word))), j + 1
        except ValueError:
            return None


def _share_meridiem(start: Clock, end: Clock) -> Clock:
    """ "2-4pm": the start takes the end's am/pm unless that puts it after the end ("11-1pm")."""
    if start.meridiem is not None or end.meridiem is None or start.hour > 12:
        return start
    same = Clock(start.hour, start.minute, end.meridiem, start.exact, start.zone)
    flipped = Clock(start.hour, start.minute, "am" if end.meridiem == "pm" else "pm",
                    start.exact, start.zone)
    return same if same.hour24() <= end.hour24() else flipped

