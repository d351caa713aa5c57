"""Turns a user's answer into a slot's typed value, or says it does not fit (``None``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from rapidfuzz import fuzz, process

from bot.dialogue.flows import SlotDefinition
from bot.nlu.dates import extract_time, user_zone
from bot.nlu.time_periods import localise

_YES = {
    "yes",
    "y",
    "yeah",
    "yep",
    "yup",
    "sure",
    "ok",
    "okay",
    "correct",
    "right",
    "true",
    "affirmative",
    "absolutely",
    "of course",
    "definitely",
    "please do",
    "sounds good",
    "yes please",
    "go ahead",
    "do it",
    "confirm",
    "i do",
    "that's right",
    "thats right",
}
_NO = {
    "no",
    "n",
    "nope",
    "nah",
    "not really",
    "false",
    "negative",
    "no thanks",
    "don't",
    "do not",
    "i don't",
    "no thank you",
    "not now",
    "never",
}
_WORD_NUMBERS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "hundred": 100,
    "a dozen": 12,
    "dozen": 12,
}
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_PUNCTUATION = re.compile(r"[^\w\s'@.-]")


def normalise(text: str) -> str:
    return " ".join(_PUNCTUATION.sub(" ", text.casefold()).split())


def parse_bool(text: str) -> bool | None:
    words = normalise(text).rstrip(".")
    if words in _YES or any(words.startswith(f"{yes} ") for yes in ("yes", "yeah", "sure")):
        return True
    if words in _NO or any(words.startswith(f"{no} ") for no in ("no", "nope", "nah")):
        return False
    return None


def parse_number(text: str) -> float | None:
    match = _NUMBER.search(text)
    if match:
        try:
            return float(match.group().replace(",", ""))
        except ValueError:
            return None
    words = normalise(text)
    for word, number in sorted(_WORD_NUMBERS.items(), key=lambda item: -len(item[0])):
        if re.search(rf"\b{word}\b", words):
            return float(number)
    return None


def parse_categorical(values: list[str], text: str) -> str | None:
    answer = normalise(text)
    if not answer:
        return None
    by_normalised = {normalise(value): value for value in values}
    if answer in by_normalised:
        return by_normalised[answer]
    mentioned = [
        value for key, value in by_normalised.items() if re.search(rf"\b{re.escape(key)}\b", answer)
    ]
    if len(mentioned) == 1:
        return mentioned[0]
    if len(answer) <= 40:  # fuzzy only for short answers, where a typo is the likely cause
        best = process.extractOne(answer, list(by_normalised), scorer=fuzz.ratio, score_cutoff=80)
        if best is not None:
            return by_normalised[best[0]]
    return None


def parse_datetime(
    text: str, timezone: str, now: datetime | None = None
) -> str | dict[str, str] | None:
    """The first time in ``text`` as the ``time`` entity gives it (bot.nlu.dates): ISO 8601 in
    the user's zone for a point, ``{"from", "to"}`` for a range ("next week")."""
    iso = _iso_datetime(text)
    if iso is not None:  # a value a button, an action or an entity already resolved
        return localise(iso, user_zone(timezone)).isoformat()
    found = extract_time(text, timezone, now or datetime.now(UTC))
    if not found:
        return None
    value = found[0]["value"]
    return {"from": str(value["from"]), "to": str(value["to"])} if isinstance(value, dict) \
        else str(value)


def _iso_datetime(text: str) -> datetime | None:
    if not _ISO_DATETIME.match(text):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def parse_slot_value(
    slot: SlotDefinition, text: str, *, timezone: str = "UTC", now: datetime | None = None
) -> Any:
    """The value ``text`` gives ``slot``, or ``None`` when it does not fit the slot's type."""
    stripped = text.strip()
    if not stripped:
        return None
    if slot.type == "bool":
        return parse_bool(stripped)
    if slot.type in ("int", "float"):
        number = parse_number(stripped)
        if number is None:
            return None
        return int(number) if slot.type == "int" else number
    if slot.type == "categorical":
        return parse_categorical(slot.values, stripped)
    if slot.type == "list":
        parts = re.split(r"\s*,\s*|\s+and\s+", stripped)
        return [part for part in parts if part]
    if slot.type == "datetime":
        return parse_datetime(stripped, timezone, now)
    return stripped


def coerce_slot_value(slot: SlotDefinition | None, value: Any, timezone: str = "UTC") -> Any:
    """A value from a button payload, an action, an entity or ``set_slots``, made to fit the
    slot's type."""
    if slot is not None and slot.type in ("int", "float") and isinstance(value, dict):
        # amount_of_money is {"amount", "currency"}: a number slot wants the amount alone.
        amount = value.get("amount")
        if isinstance(amount, int | float) and not isinstance(amount, bool):
            return int(amount) if slot.type == "int" else float(amount)
        return None
    if slot is None or value is None or not isinstance(value, str):
        return value
    if slot.type == "text" or slot.type == "any":
        return value
    return parse_slot_value(slot, value, timezone=timezone)
