"""The first step of every cadence flow, and the question "which cadence?".

``action_cadence_understand`` reads the message that started the flow against the names in the
database (actions/cadence_text.py) and fills what it says: cadence, targets, saved list,
assignee, call result. Entities the NLU found fill in what the text reading missed. A cadence
name that does not exist, or one that takes no new targets, is said at once and left empty, so
the flow asks for it with buttons of the cadences that fit.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.cadence_chat import (
    ALL_CADENCES,
    REQUEST_SLOTS,
    CadenceAction,
    Events,
    cadence_button,
    stop_request,
    targets_of,
)
from actions.cadence_text import CadenceRequest, Known, KnownUser, understand
from actions.cadence_times import pause_end
from sales.cadence_changes import live_enrollments
from sales.cadence_enroll import check_open
from sales.cadence_models import Cadence
from sales.cadence_results import join_names
from sales.cadence_targets import Resolved, TargetResolver
from sales.cadences import CadenceError, find_cadence
from sales.models import User, utc_now
from sales.prospects import SavedList

# Flows that act on the cadences a target is already in; "all of them" is an answer there.
ON_TARGETS_CADENCES = ("remove_from_cadence", "pause_cadence", "resume_cadence", "reassign_cadence")
PEOPLE_ENTITIES = ("lead", "contact")
MAX_BUTTONS = 8
QUESTIONS = {
    "enroll_in_cadence": "Into which cadence?",
    "remove_from_cadence": "From which cadence?",
    "pause_cadence": "In which cadence should I pause them?",
    "resume_cadence": "In which cadence should I resume them?",
    "reassign_cadence": "In which cadence should I reassign them?",
}


def without_times(message: dict[str, Any]) -> str:
    """The message's text with its dates, times and durations blanked out, with the word that
    leads them in: "put Tom in Q4 Outbound tomorrow at 3pm" names Tom, not a person called
    "tomorrow pm", and "pause Priya for two weeks" names Priya. A cadence's steps fall due by
    its own schedule, which the reply states; a pause's end is read apart (``pause_end``)."""
    text = str(message.get("text") or "")
    for entity in message.get("entities") or []:
        if entity.get("entity") in ("time", "duration"):
            start, end = int(entity["start"]), int(entity["end"])
            lead_in = re.search(r"\b(?:for|until|till|through|by)\s+$", text[:start], re.IGNORECASE)
            if lead_in is not None:
                start = lead_in.start()
            text = text[:start] + " " * (end - start) + text[end:]
    return text


def current_flow(tracker: Tracker) -> str:
    """The user flow the action runs in (the top frame that is not a repair pattern)."""
    for frame in reversed(tracker.stack or []):
        flow_id = str(frame.get("flow_id") or "")
        if flow_id and not flow_id.startswith("pattern_"):
            return flow_id
    return ""


class ActionCadenceUnderstand(CadenceAction):
    def name(self) -> str:
        return "action_cadence_understand"

    def act(
        self, session: Session, actor: User, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Events:
        flow = current_flow(tracker)
        text = without_times(tracker.latest_message)
        request = CadenceRequest() if text.startswith("/") else understand(
            text, flow, known_names(session)
        )
        self.add_entities(request, tracker)
        until = (pause_end(tracker.latest_message, utc_now(), actor.timezone)
                 if flow == "pause_cadence" else None)  # fmt: skip
        named = request.cadence is not None
        request.cadence, offered = self.checked_cadence(session, request.cadence, flow, dispatcher)
        if request.cadence is None and request.all_cadences and flow in ON_TARGETS_CADENCES:
            request.cadence = ALL_CADENCES
        # A cadence named but not found is asked about, never swapped for the target's only
        # one: "yes" to "Did you mean Q4 Outbound?" must not act on another cadence.
        if request.cadence is None and not named and flow in ON_TARGETS_CADENCES:
            resolved = TargetResolver(session).resolve(request.targets) if plain(request) else None
            found = cadences_of(session, resolved) if resolved is not None else None
            if found == [] and resolved is not None:  # nothing to choose from: say so, not ask
                # By their names on record ("priya" is Priya Shah), as every other reply does.
                verb = "is" if len(resolved.targets) == 1 else "are"
                who = join_names([target.label for target in resolved.targets])
                dispatcher.utter_message(text=f"{who} {verb} not in any cadence.")
                return stop_request()
            if found and len(found) == 1:  # in one cadence only: no need to ask which
                request.cadence = found[0]
        values: dict[str, Any] = {
            "cadence_name": request.cadence,
            "cadence_targets": request.targets_text,
            "cadence_assignee": request.assignee,
            "cadence_call_result": request.call_result,
            "cadence_next": "ask",
            "cadence_suggestion": offered,
            "cadence_until": until.isoformat() if until is not None else None,
        }
        return [SlotSet(name, values.get(name)) for name in REQUEST_SLOTS]

    @staticmethod
    def add_entities(request: CadenceRequest, tracker: Tracker) -> None:
        """What the NLU's entities know that the reading of the text did not find."""
        entities = tracker.latest_message.get("entities") or []
        if request.cadence is None:
            request.cadence = tracker.get_slot("cadence_name") or next(
                (str(e["value"]) for e in entities if e.get("entity") == "cadence"), None
            )
        if not request.targets and request.list_name is None:
            request.targets = [
                str(e["value"]) for e in entities if e.get("entity") in PEOPLE_ENTITIES
            ]
            request.list_name = next(
                (str(e["value"]) for e in entities if e.get("entity") == "list"), None
            )

    @staticmethod
    def checked_cadence(
        session: Session, name: str | None, flow: str, dispatcher: CollectingDispatcher
    ) -> tuple[str | None, str | None]:
        """The cadence's own name, or ``None`` (said why) so that the flow asks for one; and
        the one close name offered instead, which a "yes" to that question then takes."""
        if name is None:
            return None, None
        try:
            cadence = find_cadence(session, name)
            if flow == "enroll_in_cadence":
                check_open(cadence)
        except CadenceError as error:
            dispatcher.utter_message(text=error.message)
            one = error.code == "unknown_cadence" and len(error.suggestions) == 1
            return None, error.suggestions[0] if one else None
        return cadence.name, None


def known_names(session: Session) -> Known:
    return Known(
        cadences=list(session.scalars(select(Cadence.name))),
        lists=list(session.scalars(select(SavedList.name))),
        users=[
            KnownUser(email, name)
            for email, name in session.execute(select(User.email, User.name)).tuples()
        ],
    )


def plain(request: CadenceRequest) -> bool:
    """The request names people (no saved list), so their cadences can be looked up."""
    return bool(request.targets) and request.list_name is None


def targets_cadences(session: Session, targets: list[str]) -> list[str] | None:
    """Names of the cadences the targets are active or paused in, in enrolment order;
    ``None`` when a target is not known (the action that acts will say so)."""
    return cadences_of(session, TargetResolver(session).resolve(targets))


def cadences_of(session: Session, resolved: Resolved) -> list[str] | None:
    """``targets_cadences`` for targets already resolved."""
    if resolved.refused:
        return None
    names = [
        enrollment.cadence.name
        for target in resolved.targets
        for enrollment in live_enrollments(session, target)
    ]
    return list(dict.fromkeys(names))


class ActionAskCadenceName(CadenceAction):
    """Asks which cadence, with buttons of those that fit the request."""

    def name(self) -> str:
        return "action_ask_cadence_name"

    def act(
        self, session: Session, actor: User, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Events:
        flow = current_flow(tracker)
        names: list[str] | None = None
        if flow in ON_TARGETS_CADENCES:
            list_name, targets = targets_of(tracker)
            names = targets_cadences(session, targets) if targets and not list_name else None
        buttons = [cadence_button(name) for name in (names or [])[:MAX_BUTTONS]]
        if names and len(names) > 1:  # the cadences these people are in: "all" means them
            buttons.append({"title": "All of them",
                            "payload": f"/SetSlots(cadence_name={ALL_CADENCES})"})
        if not names:  # only active cadences take targets and have work worth asking about
            query = select(Cadence.name).where(Cadence.status == "active")
            names = list(session.scalars(query.order_by(Cadence.name)))
            buttons = [cadence_button(name) for name in names[:MAX_BUTTONS]]
        question = QUESTIONS.get(flow, "Which cadence?")
        if not buttons:
            question += " There are no active cadences yet."
        dispatcher.utter_message(text=question, buttons=buttons)
        return []

