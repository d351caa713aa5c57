"""Rasa button payloads: ``/intent``, ``/intent{"slot": "value"}`` and ``/SetSlots(a=1, b=x)``."""

from __future__ import annotations

import json
import re
from typing import Any

_INTENT_PAYLOAD = re.compile(r"^/(?P<intent>[A-Za-z_][\w.-]*)(?P<entities>\{.*\})?\s*$", re.DOTALL)
_SET_SLOTS = re.compile(r"^/SetSlots\((?P<body>.*)\)\s*$", re.DOTALL)


class PayloadError(ValueError):
    """A message that starts like a payload but cannot be read as one."""


def _set_slots(body: str) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = []
    for part in filter(None, (piece.strip() for piece in body.split(","))):
        name, equals, value = part.partition("=")
        if not equals or not name.strip():
            raise PayloadError(f"cannot read '{part}' in /SetSlots(...): expected slot=value")
        raw = value.strip().strip("'\"")
        pairs.append((name.strip(), None if raw.lower() in ("none", "null") else raw))
    return pairs


def parse_payload(text: str) -> dict[str, Any] | None:
    """A parse result for a payload message, or ``None`` when the text is not a payload."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return None
    set_slots = _SET_SLOTS.match(stripped)
    if set_slots:
        return {
            "text": stripped,
            "intent": {"name": "SetSlots", "confidence": 1.0},
            "intent_ranking": [],
            "entities": [],
            "commands": _set_slots(set_slots["body"]),
        }
    match = _INTENT_PAYLOAD.match(stripped)
    if not match:
        return None
    entities: list[dict[str, Any]] = []
    if match["entities"]:
        try:
            values = json.loads(match["entities"])
        except json.JSONDecodeError as error:
            raise PayloadError(
                f"the entities of {stripped!r} are not valid JSON: {error}"
            ) from error
        if not isinstance(values, dict):
            raise PayloadError(f"the entities of {stripped!r} must be a JSON object")
        entities = [
            {"entity": str(k), "value": v, "extractor": "payload"} for k, v in values.items()
        ]
    intent = {"name": match["intent"], "confidence": 1.0}
    return {"text": stripped, "intent": intent, "intent_ranking": [intent], "entities": entities}
