"""What every cadence action shares: who is asking, the sales session, polite failures.

Cadence work is for known users only: an anonymous web visitor (or an email the sales database
does not know) is turned away before anything is read or changed. A request the cadence service
refuses as a whole (``CadenceError``: unknown cadence, over 200 targets, not allowed, ...) is
said as the service words it, with buttons for the names it suggests; anything unexpected is
logged and answered with an apology, and the session rolls back so nothing half-happens.
"""

from __future__ import annotations

import hashlib
import logging
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.cadence_text import split_targets
from actions.conversation import acting_user_email
from actions.database import sales_session
from sales.cadence_results import CadenceError
from sales.cadence_targets import find_list
from sales.handoffs import find_user
from sales.models import User

log = logging.getLogger(__name__)

SIGN_IN = (
    "Cadences are for our sales team, so I can only do that for a signed-in rep or manager. "
    "Please sign in as a rep (in Slack or Teams) and ask me again."
)
APOLOGY = "Sorry, something went wrong on my side and nothing was changed. Please try again."
ALL_CADENCES = "all"  # the cadence_name slot's value for "every cadence the target is in"
# Slots a cadence flow fills; reset when a request is done so the next one starts clean.
REQUEST_SLOTS = (
    "cadence_name", "cadence_targets", "cadence_assignee", "cadence_confirm",
    "cadence_call_result", "cadence_question", "cadence_next", "cadence_suggestion",
    "cadence_until",
)  # fmt: skip
# Answers to "Did you mean Q4 Outbound?" that take the name offered.
AFFIRMATIONS = frozenset({"yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "correct",
                          "right", "that one", "yes please", "please do", "exactly"})  # fmt: skip
Events = list[dict[str, Any]]


class CadenceAction(Action, ABC):
    """An action on cadences for the user the conversation belongs to."""

    def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> Events:
        try:
            with sales_session() as session:
                actor = find_user(session, acting_user_email(tracker))
                if actor is None:
                    dispatcher.utter_message(text=SIGN_IN)
                    return stop_request()
                return self.act(session, actor, dispatcher, tracker)
        except CadenceError as error:
            dispatcher.utter_message(text=error.message, buttons=self.suggested(error))
            return self.refused(error)
        except Exception:  # a failure must leave the user with an answer, not silence
            log.exception("%s failed for conversation %s", self.name(), tracker.sender_id)
            dispatcher.utter_message(text=APOLOGY)
            return reset_request()

    @abstractmethod
    def act(
        self, session: Session, actor: User, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Events:
        """Do the work; the session commits when this returns."""

    def suggested(self, error: CadenceError) -> list[dict[str, str]]:
        """Buttons for the names the service suggests; cadence names fill the cadence slot."""
        if error.code != "unknown_cadence":
            return []
        return [cadence_button(name) for name in error.suggestions]

    def refused(self, error: CadenceError) -> Events:
        """Slots after a refused request: by default the request is over."""
        return reset_request()


class PerTargetAction(CadenceAction):
    """A request naming several people, carried out for each on its own: a target refused
    (not due, not theirs, unknown) is said so, and the others still count."""

    nobody = "Whom do you mean? Name a person."
    with_lists = True  # a saved list's members are targets too

    def act(
        self, session: Session, actor: User, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Events:
        list_name, targets = targets_of(tracker)
        if list_name is not None and self.with_lists:
            targets = [*targets, *list_members(session, list_name)]
        answers: list[str] = []
        for target in targets:
            try:
                answers.append(self.one(session, actor, target, tracker))
            except CadenceError as error:
                answers.append(error.message)
        dispatcher.utter_message(text=" ".join(answers) or self.nobody)
        return reset_request()

    @abstractmethod
    def one(self, session: Session, actor: User, target: str, tracker: Tracker) -> str:
        """One target's part of the request: what to say about it."""


def list_members(session: Session, list_name: str) -> list[str]:
    return [member.email for member in find_list(session, list_name).members]


def reset_request() -> Events:
    return [SlotSet(name, None) for name in REQUEST_SLOTS]


def stop_request() -> Events:
    """End the flow here: what was said is the whole answer."""
    return [SlotSet(name, "stop" if name == "cadence_next" else None) for name in REQUEST_SLOTS]


def ask_first(question: str) -> Events:
    """Have the flow ask ``question`` with Yes and No before it acts."""
    return [SlotSet("cadence_question", question), SlotSet("cadence_next", "confirm")]


def cadence_button(name: str) -> dict[str, str]:
    return {"title": name, "payload": f"/SetSlots(cadence_name={name})"}


def request_key(tracker: Tracker, part: str = "") -> str | None:
    """The platform's id of the message being answered, so a retry is done only once;
    ``part`` tells apart the operations one message makes (one per target)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            message_id = event.get("message_id")
            if not message_id:
                return None
            key = f"{tracker.sender_id}:{message_id}" + (f":{part}" if part else "")
            # The stored key has room for 200 characters; a long sender id is hashed to fit.
            return key if len(key) <= 200 else hashlib.sha256(key.encode()).hexdigest()
    return None


def slot_text(tracker: Tracker, name: str) -> str | None:
    value = tracker.get_slot(name)
    return str(value).strip() or None if value is not None else None


def targets_of(tracker: Tracker) -> tuple[str | None, list[str]]:
    """The saved list and the emails or names the cadence_targets slot holds."""
    return split_targets(slot_text(tracker, "cadence_targets") or "")


def cadence_name_of(tracker: Tracker) -> str | None:
    """The cadence_name slot, where a "yes" to the name offered is that name."""
    name = slot_text(tracker, "cadence_name")
    offered = slot_text(tracker, "cadence_suggestion")
    if name is not None and offered is not None and name.lower().strip(" .!") in AFFIRMATIONS:
        return offered
    return name


def cadence_of(tracker: Tracker) -> str | None:
    """The cadence the request names; ``None`` for all of the target's cadences."""
    name = cadence_name_of(tracker)
    return None if name is None or name.lower() in (ALL_CADENCES, "all cadences") else name
