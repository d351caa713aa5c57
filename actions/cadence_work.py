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
    cadence_of,
    reset_request,
    slot_text,
    targets_of,
)
from sales.cadence_changes import live_enrollments
from sales.cadence_flow import due_tasks
from sales.cadence_models import Cadence, Enrollment, StepTask
from sales.cadence_results import join_names
from sales.cadence_targets import TargetResolver
from sales.cadences import (
    CadenceError,
    StepOutcome,
    complete_task,
    due_today,
    find_cadence,
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
        queue = due_today(session, actor)
        say(dispatcher, queue.summary, queue.lines)
        return []


class ActionCadenceMembers(CadenceAction):
    def name(self) -> str:
        return "action_cadence_members"

    def act(
        self, session: Session, actor: User, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Events:
        found = members(session, str(slot_text(tracker, "cadence_name")), actor=actor)
        say(dispatcher, found.summary, found.lines)
        return reset_request()


class ActionCadenceStats(CadenceAction):
    def name(self) -> str:
        return "action_cadence_stats"

    def act(
        self, session: Session, actor: User, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Events:
        report = stats(session, str(slot_text(tracker, "cadence_name")))
        say(dispatcher, report.summary, ["By step:", *report.lines] if report.lines else [])
        return reset_request()


class _StepAction(CadenceAction):
    """Complete, skip or log: one step of each target named, the one due in their cadence."""

    def act(
        self, session: Session, actor: User, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> Events:
        _, targets = targets_of(tracker)
        answers = []
        for target in targets:
            try:
                answers.append(self.work(session, actor, target, tracker).summary)
            except CadenceError as error:
                answers.append(error.message)
        dispatcher.utter_message(text=" ".join(answers) or "Whose step do you mean?")
        return reset_request()

    @abstractmethod
    def work(self, session: Session, actor: User, target: str, tracker: Tracker) -> StepOutcome:
        """One target's part of the request."""


class ActionCadenceCompleteStep(_StepAction):
    def name(self) -> str:
        return "action_cadence_complete_step"

    def work(self, session: Session, actor: User, target: str, tracker: Tracker) -> StepOutcome:
        task = due_task(session, target, cadence_of(tracker))
        return complete_task(session, task, actor=actor, result=None, now=utc_now())


class ActionCadenceSkipStep(_StepAction):
    def name(self) -> str:
        return "action_cadence_skip_step"

    def work(self, session: Session, actor: User, target: str, tracker: Tracker) -> StepOutcome:
        task = due_task(session, target, cadence_of(tracker))
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


def due_task(session: Session, target: str, cadence_name: str | None) -> StepTask:
    """The step due for ``target`` in its active cadence (or in ``cadence_name``)."""
    found = TargetResolver(session).one(target)
    cadence = find_cadence(session, cadence_name) if cadence_name else None
    tasks = [
        task
        for enrollment in live_enrollments(session, found, cadence)
        if enrollment.state == "active"
        for task in due_tasks(enrollment)
    ]
    if not tasks:
        where = f" in {cadence.name}" if cadence else ""
        raise CadenceError("not_due", f"No step is due for {found.label}{where}.")
    if len(tasks) > 1:
        names = [task.enrollment.cadence.name for task in tasks]
        raise CadenceError(
            "ambiguous_cadence",
            f"{found.label} has steps due in {join_names(names, 5)}: which cadence? "
            f"Say, for example, \"complete {found.label}'s step in {names[0]}\".",
            names,
        )
    return tasks[0]


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
