"""Assertions of e2e test cases, checked against the events of the turn before them.

Each check returns ``None`` when it holds, or one line saying what was expected and what the
turn actually did, so a failing case explains itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from bot.tracker import (
    ACTION,
    BOT,
    FLOW_CANCELLED,
    FLOW_COMPLETED,
    FLOW_STARTED,
    SLOT,
    Event,
)

Check = Callable[[Any, list[Event]], "str | None"]


def _of(events: list[Event], kind: str) -> list[Event]:
    return [event for event in events if event.get("event") == kind]


def _flow_ids(events: list[Event], kind: str) -> list[str]:
    return [str(event.get("flow_id")) for event in _of(events, kind)]


def _flow_check(kind: str, label: str) -> Check:
    def check(expected: Any, events: list[Event]) -> str | None:
        flow_id = expected.get("flow_id") if isinstance(expected, dict) else expected
        actual = _flow_ids(events, kind)
        if str(flow_id) in actual:
            return None
        return f"{label}: expected '{flow_id}', the turn had {actual or 'none'}"

    return check


def _bot_matches(event: Event, expected: dict[str, Any]) -> bool:
    metadata = event.get("metadata") or {}
    if "utter_name" in expected and metadata.get("utter_action") != expected["utter_name"]:
        return False
    text = event.get("text") or ""
    if "text_matches" in expected and not re.search(str(expected["text_matches"]), text):
        return False
    if "text" in expected and text != expected["text"]:
        return False
    if "buttons" in expected:
        buttons = (event.get("data") or {}).get("buttons") or []
        actual = [{"title": b.get("title"), "payload": b.get("payload")} for b in buttons]
        wanted = [
            {"title": b.get("title"), "payload": b.get("payload")}
            for b in expected["buttons"] or []
        ]
        if actual != wanted:
            return False
    return True


def _describe_bot(events: list[Event]) -> str:
    said = [
        f"{(e.get('metadata') or {}).get('utter_action') or '-'}: {e.get('text')!r}"
        + (
            f" buttons={[b.get('title') for b in (e.get('data') or {}).get('buttons') or []]}"
            if (e.get("data") or {}).get("buttons")
            else ""
        )
        for e in _of(events, BOT)
    ]
    return "; ".join(said) if said else "nothing"


def check_bot_uttered(expected: Any, events: list[Event]) -> str | None:
    wanted = expected if isinstance(expected, dict) else {"utter_name": expected}
    if any(_bot_matches(event, wanted) for event in _of(events, BOT)):
        return None
    return f"bot_uttered {wanted}: the bot said {_describe_bot(events)}"


def check_bot_did_not_utter(expected: Any, events: list[Event]) -> str | None:
    wanted = expected if isinstance(expected, dict) else {"utter_name": expected}
    if not any(_bot_matches(event, wanted) for event in _of(events, BOT)):
        return None
    return f"bot_did_not_utter {wanted}: but the bot said {_describe_bot(events)}"


def _expected_slots(expected: Any) -> list[tuple[str, Any]]:
    if isinstance(expected, dict):
        if set(expected) >= {"name"} and set(expected) <= {"name", "value"}:
            return [(str(expected["name"]), expected.get("value", "*"))]
        return [(str(name), value) for name, value in expected.items()]
    pairs: list[tuple[str, Any]] = []
    for item in expected if isinstance(expected, list) else [expected]:
        pairs.extend(_expected_slots(item) if isinstance(item, dict) else [(str(item), "*")])
    return pairs


def _same(actual: Any, expected: Any) -> bool:
    if expected == "*":
        return actual is not None
    if isinstance(actual, str) and isinstance(expected, str):
        return actual == expected
    return bool(actual == expected) or str(actual) == str(expected)


def check_slot_was_set(expected: Any, events: list[Event]) -> str | None:
    set_events = _of(events, SLOT)
    for name, value in _expected_slots(expected):
        values = [event.get("value") for event in set_events if event.get("name") == name]
        if not any(_same(actual, value) for actual in values):
            shown = {e.get("name"): e.get("value") for e in set_events}
            return f"slot_was_set {name}={value!r}: the turn set {shown or 'no slots'}"
    return None


def check_slot_was_not_set(expected: Any, events: list[Event]) -> str | None:
    set_events = _of(events, SLOT)
    for name, value in _expected_slots(expected):
        values = [event.get("value") for event in set_events if event.get("name") == name]
        if any(_same(actual, value) for actual in values):
            return f"slot_was_not_set {name}={value!r}: the turn set it to {values}"
    return None


def check_action_executed(expected: Any, events: list[Event]) -> str | None:
    executed = [str(e.get("name")) for e in _of(events, ACTION)]
    executed += [
        str((e.get("metadata") or {}).get("utter_action"))
        for e in _of(events, BOT)
        if (e.get("metadata") or {}).get("utter_action")
    ]
    if str(expected) in executed:
        return None
    return f"action_executed '{expected}': the turn executed {executed or 'nothing'}"


CHECKS: dict[str, Check] = {
    "flow_started": _flow_check(FLOW_STARTED, "flow_started"),
    "flow_completed": _flow_check(FLOW_COMPLETED, "flow_completed"),
    "flow_cancelled": _flow_check(FLOW_CANCELLED, "flow_cancelled"),
    "bot_uttered": check_bot_uttered,
    "bot_did_not_utter": check_bot_did_not_utter,
    "slot_was_set": check_slot_was_set,
    "slot_was_not_set": check_slot_was_not_set,
    "action_executed": check_action_executed,
    # Rasa's step forms
    "utter": lambda expected, events: check_bot_uttered({"utter_name": expected}, events),
    "bot": lambda expected, events: check_bot_uttered({"text": expected}, events),
}


def check_assertion(assertion: dict[str, Any], events: list[Event]) -> str | None:
    failures: list[str] = []
    for kind, expected in assertion.items():
        check = CHECKS.get(kind)
        if check is None:
            failures.append(f"unknown assertion '{kind}' (known: {', '.join(sorted(CHECKS))})")
            continue
        failure = check(expected, events)
        if failure:
            failures.append(failure)
    return "; ".join(failures) if failures else None
