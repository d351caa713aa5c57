"""The words of the time grammar (bot.nlu.time_grammar) and the cheap test for whether any occur."""

from __future__ import annotations

import re

WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "weds": 2, "thursday": 3, "thu": 3, "thur": 3, "thurs": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}
FULL_WEEKDAYS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                           "sunday"})
MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12,
    "dec": 12,
}
# Month words that are also ordinary words or abbreviations ("may I ask", "march on", "the APR",
# "Jan from finance"): alone they are a month only after a cue word such as "in" or "by".
AMBIGUOUS_MONTHS = frozenset({"may", "march", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
                              "sep", "sept", "oct", "nov", "dec"})
TODAY_WORDS = {"today": 0, "tonight": 0, "tomorrow": 1, "tmrw": 1, "tmr": 1, "tomorow": 1,
               "yesterday": -1}
# Words that start a day: after "for eight" or "by 5" they make the number a clock time.
DAY_WORDS = frozenset({*TODAY_WORDS, *WEEKDAYS, "this", "next", "on"})
# Parts of the day as [start hour, end hour) in local time.
PARTS = {
    "morning": (9, 12), "afternoon": (12, 17), "evening": (17, 21), "night": (18, 24),
    "tonight": (18, 24), "lunch": (12, 14), "lunchtime": (12, 14),
}
MERIDIEM = {"am": "am", "a.m.": "am", "a.m": "am", "pm": "pm", "p.m.": "pm", "p.m": "pm"}
# A named zone means that zone's wall clock on that date, whatever its daylight-saving state:
# "3pm ET" in July is 15:00 in New York (EDT).
ZONES = {
    "utc": "UTC", "gmt": "UTC", "z": "UTC",
    "et": "America/New_York", "est": "America/New_York", "edt": "America/New_York",
    "ct": "America/Chicago", "cst": "America/Chicago", "cdt": "America/Chicago",
    "mt": "America/Denver", "mst": "America/Denver", "mdt": "America/Denver",
    "pt": "America/Los_Angeles", "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles",
    "bst": "Europe/London", "cet": "Europe/Berlin", "cest": "Europe/Berlin",
    "ist": "Asia/Kolkata", "aest": "Australia/Sydney", "aedt": "Australia/Sydney",
    "jst": "Asia/Tokyo", "sgt": "Asia/Singapore",
}
ZONE_WORDS = {"eastern": "America/New_York", "central": "America/Chicago",
              "mountain": "America/Denver", "pacific": "America/Los_Angeles"}
DASHES = frozenset({"-", "\u2013"})  # hyphen and en dash, as in "mon-wed"
ORDINAL_SUFFIXES = frozenset({"st", "nd", "rd", "th"})
ORDINAL_WORDS = {
    word: day for day, word in enumerate((
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
        "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
        "seventeenth", "eighteenth", "nineteenth", "twentieth"), start=1)
} | {"thirtieth": 30}
HOUR_WORDS = {
    word: hour for hour, word in enumerate((
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
        "twelve"), start=1)
}
PERIOD_UNITS = frozenset({"week", "month", "quarter", "year", "weekend"})
# Words before a bare hour ("at 3") that make it a clock time.
AT_CUES = frozenset({"at", "@", "around"})
# Weaker cues ("for eight tomorrow", "by 5 today"): a clock only when a day or part follows.
WEAK_CUES = frozenset({"for", "by", "until", "till", "before", "after", "about"})
# Words before a lone month name, year or quarter that make it a date ("in May", "by Q4").
DATE_CUES = frozenset({"in", "by", "for", "during", "until", "till", "before", "after", "since",
                       "from", "to", "through", "thru", "of", "on", "early", "mid", "late",
                       "between", "and", "around", "end", "start", "beginning"})
# Words after which a phrase may end: a bare "the 5th", "at 3" or "Q4" followed by one of these
# is a date ("the 5th works", "at 3 then?"); followed by a noun it is not ("the 5th call").
FOLLOWERS = frozenset({
    "and", "or", "then", "is", "was", "works", "work", "would", "could", "should", "will", "if",
    "please", "pls", "so", "but", "with", "for", "to", "at", "on", "in", "of", "by", "from",
    "until", "till", "through", "instead", "maybe", "ok", "okay", "again", "too", "sharp", "ish",
    "this", "next", "i", "we", "you", "they", "it", "are", "be", "good", "fine", "best", "sounds",
    "today", "tomorrow", "tonight", "am", "pm", "latest", "earliest", "only", "as", "that",
})

_WORDS = sorted({*WEEKDAYS, *MONTHS, *TODAY_WORDS, *PARTS, *ZONE_WORDS, "noon", "midday",
                 "midnight", "o'clock", "weekend", "week", "weeks", "month", "months", "quarter",
                 "year", "years", "day", "days", "fortnight", "hour", "hours", "hr", "hrs",
                 "minute", "minutes", "min", "mins", "second", "seconds", "sec", "secs",
                 "ago", "eod", "eow", "eom", "eoq", "eoy", "cob", "half", "wk", "wks",
                 "yr", "yrs"}, key=len, reverse=True)
_HOURS = "|".join(HOUR_WORDS)
_ORDINALS = "|".join([*ORDINAL_WORDS, "twenty", "thirty"])
_MIGHT_MENTION_TIME = re.compile(
    rf"\b(?:{'|'.join(re.escape(word) for word in _WORDS)})\b"
    r"|\d\s?(?:[ap]\.?m\b|h\b|:\d|(?:st|nd|rd|th)\b|[/.-]\d)"
    rf"|\b(?:at|@|around|between|from)\s+(?:\d|(?:{_HOURS})\b)"
    r"|\b(?:in|by|for|during|until|till|before|after|since)\s+(?:19|20)\d\d\b"
    rf"|\b(?:on|until|till|by|from|before|after|to|through)\s+the\s+(?:{_ORDINALS})\b"
    r"|\bq[1-4]\b",
    re.IGNORECASE,
)


def might_mention_time(text: str) -> bool:
    """Cheap test: False means the text holds no date, time or duration the grammar reads."""
    return _MIGHT_MENTION_TIME.search(text) is not None
