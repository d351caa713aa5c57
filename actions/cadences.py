"""Cadence membership by chat: enrol, remove, pause, resume, reassign.

Thin adapters: read the slots the flow collected, call the cadence service, say its summary.
Enrolments and removals are previewed first (``preview_*`` changes nothing) so the flow can ask
before a bulk enrolment or any removal, naming who would be refused; the real call carries the
message's id as the request key, so a platform's retry never enrols or removes twice.
"""

from __future__ import annotations

from abc import abstractmethod
from datetime import datetime

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.cadence_chat import (
    CadenceAction,
    Events,
    PerTargetAction,
    ask_first,
    cadence_name_of,
    cadence_of,
    request_key,
    reset_request,
    slot_text,
    targets_of,
)
from actions.database import daily_email_limit
from sales.cadences import (
    CadenceError,
    ChangeOutcome,
    enroll,
    find_user,
    pause,
    preview_enroll,
    preview_remove,
    reassign,
    remove,
    resume,
)
from sales.models import User


class ActionCadencePreviewEnroll(CadenceAction):
    def name(self) -> str:
        return "action_cadence_preview_enroll"

    def act(
        self, session: Session, actor: User, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Events:
        list_name, targets = targets_of(tracker)
        outcome = preview_enroll(
            session, actor=actor, cadence_name=str(cadence_name_of(tracker)),
            targets=targets, list_name=list_name, assignee=assignee_of(session, tracker),
            daily_limit=daily_email_limit(),
        )  # fmt: skip
        if outcome.needs_confirmation and outcome.enrolled:
            return ask_first(outcome.summary)
        return [SlotSet("cadence_next", "act")]


class ActionCadenceEnroll(CadenceAction):
    def name(self) -> str:
        return "action_cadence_enroll"

    def act(
        self, session: Session, actor: User, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Events:
        list_name, targets = targets_of(tracker)
        outcome = enroll(
            session, actor=actor, cadence_name=str(cadence_name_of(tracker)),
            targets=targets, list_name=list_name, assignee=assignee_of(session, tracker),
            request_key=request_key(tracker), daily_limit=daily_email_limit(),
        )  # fmt: skip
        dispatcher.utter_message(text=outcome.summary)
        return reset_request()


class ActionCadencePreviewRemove(CadenceAction):
    def name(self) -> str:
        return "action_cadence_preview_remove"

    def act(
        self, session: Session, actor: User, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Events:
        list_name, targets = targets_of(tracker)
        outcome = preview_remove(
            session, actor=actor, targets=targets, cadence_name=cadence_of(tracker),
            list_name=list_name,
        )  # fmt: skip
        if not outcome.changed:  # nothing to remove: say why instead of asking
            dispatcher.utter_message(text=outcome.summary)
            return reset_request()
        return ask_first(outcome.summary)


class ActionCadenceRemove(CadenceAction):
    def name(self) -> str:
        return "action_cadence_remove"

    def act(
        self, session: Session, actor: User, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Events:
        list_name, targets = targets_of(tracker)
        outcome = remove(
            session, actor=actor, targets=targets, cadence_name=cadence_of(tracker),
            list_name=list_name, request_key=request_key(tracker),
        )  # fmt: skip
        dispatcher.utter_message(text=outcome.summary)
        return reset_request()


class _PerTargetChange(PerTargetAction):
    """Pause, resume and reassign take one target at a time; a request may name several."""

    def one(self, session: Session, actor: User, target: str, tracker: Tracker) -> str:
        return self.change(session, actor, target, tracker).summary

    @abstractmethod
    def change(self, session: Session, actor: User, target: str, tracker: Tracker) -> ChangeOutcome:
        """One target's part of the request."""


class ActionCadencePause(_PerTargetChange):
    def name(self) -> str:
        return "action_cadence_pause"

    def change(self, session: Session, actor: User, target: str, tracker: Tracker) -> ChangeOutcome:
        until = slot_text(tracker, "cadence_until")
        return pause(session, actor=actor, target=target, cadence_name=cadence_of(tracker),
                     until=datetime.fromisoformat(until) if until else None)  # fmt: skip


class ActionCadenceResume(_PerTargetChange):
    def name(self) -> str:
        return "action_cadence_resume"

    def change(self, session: Session, actor: User, target: str, tracker: Tracker) -> ChangeOutcome:
        return resume(session, actor=actor, target=target, cadence_name=cadence_of(tracker))


class ActionCadenceReassign(_PerTargetChange):
    def name(self) -> str:
        return "action_cadence_reassign"

    def change(self, session: Session, actor: User, target: str, tracker: Tracker) -> ChangeOutcome:
        new_assignee = assignee_of(session, tracker)
        if new_assignee is None:
            raise CadenceError("unknown_user", "Whom should I reassign them to?")
        return reassign(
            session, actor=actor, target=target, new_assignee=new_assignee,
            cadence_name=cadence_of(tracker), request_key=request_key(tracker, target),
        )  # fmt: skip


def assignee_of(session: Session, tracker: Tracker) -> User | None:
    """The user the request names as the one to work the targets ("for Sam"), if any."""
    named = slot_text(tracker, "cadence_assignee")
    return find_user(session, named) if named else None

