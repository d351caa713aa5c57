"""Rule-based entity extractors: email, url, phone, number, amount of money.

Each returns entities in Rasa's shape: ``{"entity", "value", "start", "end", "extractor"}``.
Several extractors can claim the same characters ("$5k" is money and holds the number 5);
``merge_entities`` keeps the longest claim so a slot never fills from a fragment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bot.nlu.dates import extract_time
from bot.nlu.lookup import LookupExtractor

Entity = dict[str, Any]

__all__ = [
    "Entity",
    "LookupExtractor",
    "extract_amounts",
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
    r"(?<![\w+])(?:"
    r"\+\d{1,3}[\s.-]?(?:\(\d{1,4}\)[\s.-]?)?\d{1,4}(?:[\s.-]?\d{2,4}){1,4}"  # international
    r"|(?:1[\s.-])?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}"  # US with separators
    r"|\d{10}"  # US, digits only
    r")(?!\w)"
)
_NUMBER = re.compile(r"(?<![\w.])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w])")

_WORD_NUMBERS = {
    word: value
    for value, word in enumerate((
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
        "nineteen", "twenty",
    ))
}
_TENS = {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}
_UNITS = "one|two|three|four|five|six|seven|eight|nine"
_WORD_NUMBER = re.compile(
    rf"\b(?:(?P<tens>twenty|{'|'.join(_TENS)})(?:[\s-](?P<unit>{_UNITS}))?"
    rf"|(?P<small>{'|'.join(sorted(_WORD_NUMBERS, key=len, reverse=True))}))\b",
    re.IGNORECASE,
)

_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
_CODES = "USD|EUR|GBP|JPY|CAD|AUD|CHF|INR|CNY|SEK|NOK|DKK|NZD|SGD|MXN|BRL"
_CURRENCY_WORDS = {"dollar": "USD", "buck": "USD", "euro": "EUR", "pound": "GBP", "yen": "JPY"}
_MULTIPLIERS = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "million": 1e6,
                "b": 1e9, "bn": 1e9, "billion": 1e9}
_AMOUNT = r"(?P<amount>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_SCALE = r"(?:\s?(?P<scale>k|mm|m|bn|b|thousand|million|billion)\b)?"
_MONEY = re.compile(
    rf"(?:(?P<symbol>[$€£¥₹])\s?{_AMOUNT}{_SCALE}(?:\s?(?P<code_after_symbol>{_CODES})\b)?"
    rf"|(?P<code_before>{_CODES})\s?{_AMOUNT.replace('amount', 'amount2')}"
    rf"{_SCALE.replace('scale', 'scale2')}"
    rf"|(?<![\w.]){_AMOUNT.replace('amount', 'amount3')}{_SCALE.replace('scale', 'scale3')}\s?"
    rf"(?P<code_after>{_CODES}|(?:dollar|buck|euro|pound|yen)s?)\b)",
    re.IGNORECASE,
)


def _entity(name: str, value: Any, match: re.Match[str], end: int | None = None) -> Entity:
    return {
        "entity": name,
        "value": value,
        "start": match.start(),
        "end": match.end() if end is None else end,
        "extractor": EXTRACTOR,
    }


def extract_emails(text: str) -> list[Entity]:
    return [_entity("email", match.group(), match) for match in _EMAIL.finditer(text)]


def extract_urls(text: str) -> list[Entity]:
    found = []
    for match in _URL.finditer(text):
        # A sentence's full stop or closing bracket is not part of the address.
        value = match.group().rstrip(".,;:!?)]}'\"")
        found.append(_entity("url", value, match, end=match.start() + len(value)))
    return found


def extract_phones(text: str) -> list[Entity]:
    """Phone numbers; the value keeps a leading ``+`` and the digits, nothing else."""
    found = []
    for match in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 7 <= len(digits) <= 15:
            prefix = "+" if match.group().startswith("+") else ""
            found.append(_entity("phone", prefix + digits, match))
    return found


def extract_numbers(text: str) -> list[Entity]:
    """Integers and decimals ("1,500", "3.5") and number words up to ninety-nine."""
    found = []
    for match in _NUMBER.finditer(text):
        found.append(_entity("number", _to_number(match.group()), match))
    for match in _WORD_NUMBER.finditer(text):
        if match.group("small"):
            value = _WORD_NUMBERS[match.group("small").lower()]
        else:
            tens = match.group("tens").lower()
            value = 20 if tens == "twenty" else _TENS[tens]
            if match.group("unit"):
                value += _WORD_NUMBERS[match.group("unit").lower()]
        found.append(_entity("number", value, match))
    return sorted(found, key=lambda entity: entity["start"])


def _to_number(raw: str) -> int | float:
    cleaned = raw.replace(",", "")
    number = float(cleaned)
    return int(number) if "." not in cleaned else number


def extract_amounts(text: str) -> list[Entity]:
    """Money: "$5k", "5,000 USD", "€200", "USD 1.2m", "300 dollars" -> ``amount_of_money``."""
    found = []
    for match in _MONEY.finditer(text):
        groups = match.groupdict()
        amount = groups["amount"] or groups["amount2"] or groups["amount3"]
        scale = (groups["scale"] or groups["scale2"] or groups["scale3"] or "").lower()
        value = float(amount.replace(",", "")) * _MULTIPLIERS.get(scale, 1.0)
        found.append(_entity("amount_of_money", {"amount": value, "currency": _currency(groups)},
                             match))
    return found


def _currency(groups: dict[str, str | None]) -> str:
    code = groups["code_after_symbol"] or groups["code_before"]
    if code:
        return code.upper()
    if groups["symbol"]:
        return _SYMBOLS[groups["symbol"]]
    after = (groups["code_after"] or "").lower().rstrip("s")
    return _CURRENCY_WORDS.get(after, after.upper())


def extract_rules(text: str) -> list[Entity]:
    """Every rule-based extractor but time (which is slow) and lookups (which are trained)."""
    return [
        *extract_emails(text),
        *extract_urls(text),
        *extract_phones(text),
        *extract_amounts(text),
        *extract_numbers(text),
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
