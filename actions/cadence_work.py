"""A rep's cadence work by chat: what's due, complete or skip a step, log a call; and how
cadences are doing: members, stats, the list of cadences."""

from __future__ import annotations

from abc import abstractmethod

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from actions.cadence_chat import (
    CadenceAction,
    Events,
    PerTargetAction,
    cadence_name_of,
    cadence_of,
    reset_request,
    slot_text,
)
from actions.cadence_text import named_user
from actions.cadence_times import due_window
from actions.cadence_understand import known_names
from sales.cadence_access import Access
from sales.cadence_models import Cadence, Enrollment
from sales.cadences import (
    StepOutcome,
    complete_task,
    due_task,
    due_today,
    log_call_result,
    members,
    skip_task,
    stats,
)
from sales.models import User, utc_now


def say(dispatcher: CollectingDispatcher, summary: str, lines: list[str]) -> None:
    """A summary and its list as one message, the way a chat shows a short report."""
    dispatcher.utter_message(text="\n".join([summary, *lines]))


class ActionCadenceDueToday(CadenceAction):
    def name(self) -> str:
        return "action_cadence_due_today"

    def act(
        self, session: Session, actor: User, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Events:
        now = utc_now()
        message = tracker.latest_message or {}
        whose = queue_owner(session, actor, str(message.get("text") or ""))
        if whose is None:
            dispatcher.utter_message(text=OTHERS_QUEUE)
            return []
        queue = due_today(session, whose, now, due_window(message, now), asked_by=actor)
        say(dispatcher, queue.summary, queue.lines)
        return []


OTHERS_QUEUE = "I can show you your own work queue, or, for a manager, their team's."


def queue_owner(session: Session, actor: User, text: str) -> User | None:
    """Whose work queue the message asks for: a user it names, if the actor may see theirs
    (a manager their team's, an admin anyone's); the actor when it names nobody else; None
    when it names someone whose queue is not the actor's to see."""
    email = named_user(text, known_names(session).users)
    if email is None or email == actor.email:
        return actor
    other = session.scalars(select(User).where(User.email == email)).one()
    return other if Access.of(session, actor).may_assign(other) else None


class ActionCadenceMembers(CadenceAction):
    def name(self) -> str:
        return "action_cadence_members"

    def act(
        self, session: Session, actor: User, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Events:
        found = members(session, str(cadence_name_of(tracker)), actor=actor)
        say(dispatcher, found.summary, found.lines)
        return reset_request()


class ActionCadenceStats(CadenceAction):
    def name(self) -> str:
        return "action_cadence_stats"

    def act(
        self, session: Session, actor: User, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Events:
        report = stats(session, str(cadence_name_of(tracker)))
        say(dispatcher, report.summary, ["By step:", *report.lines] if report.lines else [])
        return reset_request()


class _StepAction(PerTargetAction):
    """Complete, skip or log: one step of each target named, the one due in their cadence."""

    nobody = "Whose step do you mean?"
    with_lists = False

    def one(self, session: Session, actor: User, target: str, tracker: Tracker) -> str:
        return self.work(session, actor, target, tracker).summary

    @abstractmethod
    def work(self, session: Session, actor: User, target: str, tracker: Tracker) -> StepOutcome:
        """One target's part of the request."""


class ActionCadenceCompleteStep(_StepAction):
    def name(self) -> str:
        return "action_cadence_complete_step"

    def work(self, session: Session, actor: User, target: str, tracker: Tracker) -> StepOutcome:
        task = due_task(session, actor=actor, target=target, cadence_name=cadence_of(tracker))
        return complete_task(session, task, actor=actor, result=None, now=utc_now())


class ActionCadenceSkipStep(_StepAction):
    def name(self) -> str:
        return "action_cadence_skip_step"

    def work(self, session: Session, actor: User, target: str, tracker: Tracker) -> StepOutcome:
        task = due_task(session, actor=actor, target=target, cadence_name=cadence_of(tracker))
        return skip_task(session, task, actor=actor, now=utc_now())


class ActionCadenceLogCall(_StepAction):
    def name(self) -> str:
        return "action_cadence_log_call"

    def work(self, session: Session, actor: User, target: str, tracker: Tracker) -> StepOutcome:
        result = str(slot_text(tracker, "cadence_call_result"))
        outcome = log_call_result(
            session, actor=actor, target=target, cadence_name=cadence_of(tracker), result=result,
        )  # fmt: skip
        # Say the result as understood: "left a voicemail" was read, not just a step ticked.
        heard = result.replace("_", " ").capitalize()
        outcome.summary = f"Logged the call with {outcome.target}: {heard}. {outcome.summary}"
        return outcome


class ActionCadenceListMine(CadenceAction):
    def name(self) -> str:
        return "action_cadence_list_mine"

    def act(
        self, session: Session, actor: User, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Events:
        mine = func.sum(case((Enrollment.assignee_id == actor.id, 1), else_=0))
        query = (
            select(Cadence, func.count(Enrollment.id), mine)
            .outerjoin(Enrollment, (Enrollment.cadence_id == Cadence.id)
                       & Enrollment.state.in_(("active", "paused")))
            .group_by(Cadence.id)
            .order_by(Cadence.status, Cadence.name)
        )
        lines = [
            f"• {cadence.name} ({cadence.status}, {len(cadence.steps)} steps): "
            f"{total} in it, {yours or 0} yours"
            for cadence, total, yours in session.execute(query).tuples()
        ]
        say(dispatcher, "The cadences:" if lines else "There are no cadences yet.", lines)
        return []
