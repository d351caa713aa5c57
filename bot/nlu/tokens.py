"""Words and numbers of a message with their character offsets, for the rule-based extractors.

The time grammar, durations and numbers all read the same tokens, so "twenty five", "2.5" and
"1,200" are one number everywhere. A token keeps its offsets so an entity's span is exact text.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# A number keeps its separators ("1,200", "2.5", "10:30", "20.03.2024"); "a.m." and "o'clock"
# stay whole so the grammar sees one word; any other character is a token of its own.
_TOKEN = re.compile(r"\d+(?:[.,:]\d+)*|[ap]\.m\.?|o'clock|[^\W\d_]+|\S", re.IGNORECASE)
_PLAIN_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")


class Token(NamedTuple):  # a tuple: messages are tokenised on every turn, so creation is hot
    text: str  # lower-cased
    raw: str
    start: int
    end: int

    @property
    def is_word(self) -> bool:
        return self.text.isalpha()

    @property
    def is_digits(self) -> bool:
        return self.text.isdecimal()


def tokenize(text: str) -> list[Token]:
    return [
        Token(match.group().lower(), match.group(), match.start(), match.end())
        for match in _TOKEN.finditer(text)
    ]


def touching(tokens: list[Token], i: int) -> bool:
    """Whether token ``i`` follows token ``i - 1`` with no space between ("3pm", "2-4")."""
    return 0 < i < len(tokens) and tokens[i].start == tokens[i - 1].end


def text_at(tokens: list[Token], i: int) -> str:
    """The lower-cased token at ``i``, or "" past either end (saves bounds checks in grammars)."""
    return tokens[i].text if 0 <= i < len(tokens) else ""


UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9,
}
TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
_SMALL_NUMBERS = {**UNITS, **TEENS, **TENS}
_SMALL_SCALES = {"hundred": 100, "dozen": 12}
_LARGE_SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
NUMBER_WORDS = frozenset({*UNITS, *TEENS, *TENS, *_SMALL_SCALES, *_LARGE_SCALES})


def digits_value(text: str) -> int | float | None:
    """ "1,200" -> 1200, "2.5" -> 2.5; None for what is not a plain number ("10:30")."""
    if not _PLAIN_NUMBER.fullmatch(text):
        return None
    cleaned = text.replace(",", "")
    return float(cleaned) if "." in cleaned else int(cleaned)


def read_number(
    tokens: list[Token], i: int, *, article: bool = False
) -> tuple[int | float, int] | None:
    """The number starting at token ``i`` and the index after it, or None.

    Digits ("1,200", "2.5") or words ("twenty five", "twenty-five", "one hundred and ten",
    "a dozen"). With ``article``, a lone "a"/"an" reads as 1 ("an hour").
    """
    if not 0 <= i < len(tokens):
        return None
    value = digits_value(tokens[i].text)
    if value is not None:
        return value, i + 1
    words = _read_number_words(tokens, i)
    if words is not None:
        return words
    if article and tokens[i].text in ("a", "an"):
        scaled = _read_number_words(tokens, i + 1, leading_one=True)
        return scaled if scaled is not None else (1, i + 1)
    return None


def _read_number_words(
    tokens: list[Token], i: int, *, leading_one: bool = False
) -> tuple[int, int] | None:
    """Number words as a small state machine: which kind of word may follow which."""
    total, current, last, end = 0, 1 if leading_one else 0, "one" if leading_one else "", i
    j = i
    while j < len(tokens):
        word = tokens[j].text
        following = text_at(tokens, j + 1)
        hyphen = word == "-" and last == "tens" and touching(tokens, j) and following in UNITS
        joined = word == "and" and last in ("hundred", "scale") and following in NUMBER_WORDS
        if hyphen or joined:  # "twenty-five", "one hundred and ten"
            j += 1
            continue
        kind = _word_kind(word)
        if kind is None or not _may_follow(last, kind):
            break
        if kind in ("one", "teen", "tens"):
            current += _SMALL_NUMBERS[word]
        elif kind == "hundred":
            current = (current or 1) * _SMALL_SCALES[word]
        else:
            total, current = total + (current or 1) * _LARGE_SCALES[word], 0
        last, j = kind, j + 1
        end = j
        if word == "zero":
            break
    if end == i or (leading_one and last == "one"):
        return None
    return total + current, end


def _word_kind(word: str) -> str | None:
    if word in UNITS:
        return "one"
    if word in TEENS:
        return "teen"
    if word in TENS:
        return "tens"
    if word in _SMALL_SCALES:
        return "hundred"
    if word in _LARGE_SCALES:
        return "scale"
    return None


_FOLLOWS = {
    "one": {"", "tens", "hundred", "scale"},
    "teen": {"", "hundred", "scale"},
    "tens": {"", "hundred", "scale"},
    "hundred": {"one", "teen", "tens"},  # "twenty dozen" is rare, "two hundred" is not
    "scale": {"one", "teen", "tens", "hundred"},
}


def _may_follow(last: str, kind: str) -> bool:
    return last in _FOLLOWS[kind]
