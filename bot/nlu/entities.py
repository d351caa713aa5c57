"""Rule-based entity extractors: email, url, phone, number, amount of money, duration.

Each returns entities in Rasa's shape: ``{"entity", "value", "start", "end", "extractor"}``,
plus ``additional_info`` where the value alone loses something.

- ``email``: the address as written. ``url``: the address without a sentence's trailing
  punctuation.
- ``phone``: ``value`` is E.164 ("+15551234567") when the country is known: a leading "+" or
  "00", or a US/Canada (NANP) shape (10 digits not starting with 0 or 1, or 11 starting with 1);
  otherwise the digits as written. ``additional_info``: ``{"raw", "e164": bool}`` and
  ``"extension"`` when one is given ("x204", "ext. 204").
- ``number``: int or float: "1,200", "2.5", "-4", "2.5k" (2500), "1.2 million", "twenty five",
  "one hundred and ten", "a dozen". Ordinals ("5th", "second") and digits inside words or
  times ("Q4", "3pm", "10:30") are not numbers.
- ``amount_of_money`` (bot.nlu.money) and ``duration`` (bot.nlu.durations).

Several extractors can claim the same characters ("$5k" is money and holds the number 5);
``merge_entities`` keeps the longest claim so a slot never fills from a fragment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot.nlu.dates import extract_time
from bot.nlu.durations import extract_durations
from bot.nlu.lookup import LookupExtractor
from bot.nlu.money import extract_amounts
from bot.nlu.tokens import (
    NUMBER_WORDS,
    Token,
    digits_value,
    read_number,
    text_at,
    tokenize,
    touching,
)

Entity = dict[str, Any]

__all__ = [
    "Entity",
    "LookupExtractor",
    "extract_amounts",
    "extract_durations",
    "extract_emails",
    "extract_numbers",
    "extract_phones",
    "extract_rules",
    "extract_time",
    "extract_urls",
    "merge_entities",
]

EXTRACTOR = "RuleEntityExtractor"

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_TLDS = "com|org|net|io|co|ai|dev|app|biz|info|example|us|uk|de|fr|eu|ca|au|in|me|tech"
_URL = re.compile(
    r"(?<![\w@.])(?:(?:https?://|www\.)[^\s<>\"']+"
    rf"|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.(?:{_TLDS})\b(?:/[^\s<>\"']*)?)",
    re.IGNORECASE,
)
_PHONE = re.compile(
    r"(?<![\w+])(?P<number>"
    r"(?:\+|\b00)\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}(?:[\s.-]?\d{2,4}){1,4}"  # intl
    r"|(?:1[\s.-])?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}"  # US with separators
    r"|\d{10,11}"  # digits only
    r")(?!\w)"
    r"(?:\s*(?:,\s*)?(?:ext\.?|extension|x)\s?(?P<extension>\d{1,6})\b)?",
    re.IGNORECASE,
)
_NUMBER_SCALES = {"k": 1_000}
_ONE_AS_PRONOUN_AFTER = frozenset({
    "a", "an", "the", "this", "that", "which", "either", "each", "any", "every", "next", "new",
    "old", "last", "other", "another", "no", "same", "right", "wrong", "only", "capital", "first",
    "does", "my", "your", "our", "their", "his", "her", "its", "favorite", "favourite",
})
_SCALE_WORDS = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}


def _entity(name: str, value: Any, start: int, end: int) -> Entity:
    return {"entity": name, "value": value, "start": start, "end": end, "extractor": EXTRACTOR}


def extract_emails(text: str) -> list[Entity]:
    return [_entity("email", m.group(), m.start(), m.end()) for m in _EMAIL.finditer(text)]


def extract_urls(text: str) -> list[Entity]:
    found = []
    for match in _URL.finditer(text):
        # A sentence's full stop or closing bracket is not part of the address.
        value = match.group().rstrip(".,;:!?)]}'\"")
        found.append(_entity("url", value, match.start(), match.start() + len(value)))
    return found


def extract_phones(text: str) -> list[Entity]:
    """Phone numbers, normalised to E.164 where the country is known (module docstring)."""
    found = []
    for match in _PHONE.finditer(text):
        value, e164 = e164_phone(match.group("number"))
        if value is None:
            continue
        entity = _entity("phone", value, match.start(), match.end())
        info: dict[str, Any] = {"raw": match.group(), "e164": e164}
        if match.group("extension"):
            info["extension"] = match.group("extension")
        entity["additional_info"] = info
        found.append(entity)
    return found


def e164_phone(raw: str) -> tuple[str | None, bool]:
    """(value, whether it is E.164); value None when it has too few or too many digits."""
    # "+44 (0)20 ...": the bracketed 0 is dialled only inside the country.
    digits = re.sub(r"\D", "", raw.replace("(0)", ""))
    if raw.startswith("00"):
        digits = digits[2:]
    if raw.startswith(("+", "00")):
        return ("+" + digits, True) if 8 <= len(digits) <= 15 else (None, False)
    if len(digits) == 10 and digits[0] not in "01":
        return "+1" + digits, True
    if len(digits) == 11 and digits[0] == "1" and digits[1] not in "01":
        return "+" + digits, True
    return (digits, False) if 7 <= len(digits) <= 15 else (None, False)


def extract_numbers(text: str, tokens: list[Token] | None = None) -> list[Entity]:
    """Numbers in digits or words (module docstring)."""
    tokens = tokenize(text) if tokens is None else tokens
    found = []
    i = 0
    while i < len(tokens):
        read = _number_at(tokens, i)
        if read is None:
            i += 1
            continue
        value, first, end = read
        found.append(_entity("number", value, tokens[first].start, tokens[end - 1].end))
        i = end
    return found


def _number_at(tokens: list[Token], i: int) -> tuple[int | float, int, int] | None:
    """(value, first token, token after) of the number at ``i``, or None."""
    token = tokens[i]
    if token.is_word:
        if token.text not in NUMBER_WORDS and token.text not in ("a", "an"):
            return None
        if token.text == "one" and text_at(tokens, i - 1) in _ONE_AS_PRONOUN_AFTER:
            return None  # "the next one", "a new one", "Capital One"
        # "a dozen", "a hundred"; a lone "a" is an article, not the number one.
        words = read_number(tokens, i, article=token.text in ("a", "an"))
        if words is None or (token.text in ("a", "an") and words[1] == i + 1):
            return None
        return words[0], i, words[1]
    value = digits_value(token.text)
    if value is None or (touching(tokens, i) and tokens[i - 1].text[-1:].isalnum()):
        return None
    first, end = i, i + 1
    after = text_at(tokens, end)
    if touching(tokens, end) and after in _NUMBER_SCALES and token.text != "401":  # a 401k plan
        value, end = value * _NUMBER_SCALES[after], end + 1
    elif touching(tokens, end) and (after[:1].isalnum() or after in (":", "/")):
        return None  # "5th", "3pm", "2h", "3/4"
    elif after in _SCALE_WORDS:
        value, end = value * _SCALE_WORDS[after], end + 1
    if text_at(tokens, i - 1) == "-" and touching(tokens, i) and not touching(tokens, i - 1):
        value, first = -value, i - 1
    if isinstance(value, float) and value.is_integer() and "." not in token.text:
        value = int(value)
    elif isinstance(value, float) and value.is_integer() and end > i + 1:
        value = int(value)  # "2.5k" is 2500
    return value, first, end


def extract_rules(text: str) -> list[Entity]:
    """Every rule-based extractor but time (bot.nlu.dates) and lookups (which are trained)."""
    tokens = tokenize(text)
    return [
        *extract_emails(text),
        *extract_urls(text),
        *extract_phones(text),
        *extract_amounts(text, tokens),
        *extract_durations(text, tokens),
        *extract_numbers(text, tokens),
    ]


def merge_entities(*groups: Iterable[Entity]) -> list[Entity]:
    """All entities, minus any that overlap a longer one (earlier groups win ties), by position."""
    candidates = [entity for group in groups for entity in group]
    ranked = sorted(
        enumerate(candidates), key=lambda pair: (-(pair[1]["end"] - pair[1]["start"]), pair[0])
    )
    kept: list[Entity] = []
    for _, entity in ranked:
        if all(entity["end"] <= other["start"] or entity["start"] >= other["end"]
               for other in kept):
            kept.append(entity)
    return sorted(kept, key=lambda entity: (entity["start"], entity["end"]))
