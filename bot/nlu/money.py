"""Amounts of money: "$5k", "5,000 dollars", "€20", "20 EUR", "USD 1.2m", "five thousand euros".

Entity ``amount_of_money``: value ``{"amount": float, "currency": "USD" | "EUR" | ...}``, the
currency an ISO 4217 code. An amount written with a money scale and no currency ("a 2.5m deal",
"3bn") is money with ``currency`` None: deal sizes are written that way, and guessing the
currency would be wrong for half the users. "5k" alone is a number ("5k contacts"), not money.
"""

from __future__ import annotations

import re
from typing import Any

from bot.nlu.tokens import Token, read_number, text_at, tokenize

EXTRACTOR = "RuleEntityExtractor"

SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR"}
_CODES = "USD|EUR|GBP|JPY|CAD|AUD|CHF|INR|CNY|SEK|NOK|DKK|NZD|SGD|MXN|BRL"
CURRENCY_WORDS = {"dollar": "USD", "buck": "USD", "euro": "EUR", "pound": "GBP", "yen": "JPY",
                  "rupee": "INR"}
MULTIPLIERS = {"k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "million": 1e6,
               "b": 1e9, "bn": 1e9, "billion": 1e9}
_AMOUNT = r"(?P<amount{n}>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_SCALE = r"(?:\s?(?P<scale{n}>k|mm|m|bn|b|thousand|million|billion)\b)?"
_WORD_CURRENCY = r"(?:dollar|buck|euro|pound|yen|rupee)s?"
_MONEY = re.compile(
    rf"(?:(?P<symbol>[$€£¥₹])\s?{_AMOUNT.format(n=1)}{_SCALE.format(n=1)}"
    rf"(?:\s?(?P<code_after_symbol>{_CODES})\b)?"
    rf"|(?P<code_before>{_CODES})\s?{_AMOUNT.format(n=2)}{_SCALE.format(n=2)}"
    rf"|(?<![\w.]){_AMOUNT.format(n=3)}{_SCALE.format(n=3)}\s?"
    rf"(?P<code_after>{_CODES}|{_WORD_CURRENCY})\b"
    # No currency: only the abbreviations deal sizes are written with, glued on ("2.5M").
    rf"|(?<![\w.$€£¥₹]){_AMOUNT.format(n=4)}(?P<scale4>mm|m|bn)\b)",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
_CODE_WORD = re.compile(rf"\b(?:{_CODES}|{_WORD_CURRENCY})\b", re.IGNORECASE)


def extract_amounts(text: str, tokens: list[Token] | None = None) -> list[dict[str, Any]]:
    """``amount_of_money`` entities, in text order."""
    found = [_from_match(match) for match in _MONEY.finditer(text)] if _DIGIT.search(text) else []
    if _CODE_WORD.search(text):  # only then can number words be money
        found += _spelled_amounts(tokens if tokens is not None else tokenize(text), found)
    return sorted(found, key=lambda entity: entity["start"])


def _from_match(match: re.Match[str]) -> dict[str, Any]:
    groups = match.groupdict()
    number = next(groups[f"amount{n}"] for n in range(1, 5) if groups[f"amount{n}"])
    scale = next((groups[f"scale{n}"] for n in range(1, 5) if groups[f"scale{n}"]), "")
    amount = float(number.replace(",", "")) * MULTIPLIERS.get(scale.lower(), 1.0)
    return _entity(amount, _currency(groups), match.start(), match.end())


def _currency(groups: dict[str, str | None]) -> str | None:
    code = groups["code_after_symbol"] or groups["code_before"]
    if code:
        return code.upper()
    if groups["symbol"]:
        return SYMBOLS[groups["symbol"]]
    return currency_of_word(groups["code_after"])


def currency_of_word(word: str | None) -> str | None:
    """ "dollars" -> "USD", "eur" -> "EUR"; None for no word."""
    if not word:
        return None
    singular = word.lower().rstrip("s")
    return CURRENCY_WORDS.get(singular, word.upper())


def _spelled_amounts(tokens: list[Token], taken: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """ "five thousand dollars", "twenty euros": number words then a currency."""
    found: list[dict[str, Any]] = []
    for i, token in enumerate(tokens):
        if not token.is_word or any(e["start"] <= token.start < e["end"] for e in taken + found):
            continue
        read = read_number(tokens, i)
        if read is None or not _CODE_WORD.fullmatch(text_at(tokens, read[1])):  # "five euros"
            continue
        currency = tokens[read[1]]
        found.append(_entity(float(read[0]), currency_of_word(currency.text), token.start,
                             currency.end))
    return found


def _entity(amount: float, currency: str | None, start: int, end: int) -> dict[str, Any]:
    return {"entity": "amount_of_money", "value": {"amount": amount, "currency": currency},
            "start": start, "end": end, "extractor": EXTRACTOR}
