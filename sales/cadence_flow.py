"""How an enrollment moves: step tasks come due, are completed or skipped, branch, and end.

Branches live on a step as ``event -> "next" | "exit" | <step name>`` (spec/se.md §1.5): the
event is a call result logged on the step, or an email event on the step's email. Without a
branch for the event the target goes to the next step. The next step comes due its delay after
the moment the previous one was finished, in the assignee's zone and working hours
(``sales.schedule.next_due``).

Dispositions (spec §1.12) when the last step completes: a call's result maps as below; an
email's engagement maps as below; anything else completes with no disposition. The source
contradicts itself on Meaningful Connect (Customer Engaged at L6893, Customer Connected by the
definition at L6875); we follow the definition: a live conversation is as much a connection as
a reply.

Ending an enrollment cancels its due tasks and every queued email of them, so nothing is sent
after a removal or exit (spec TGT-12).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sales.cadence_access import Access
from sales.cadence_models import (
    CALL_RESULTS,
    EMAIL_EVENTS,
    CadenceStep,
    Enrollment,
    OutboxEmail,
    StepTask,
)
from sales.cadence_results import CadenceError, StepOutcome, local_time
from sales.models import User
from sales.schedule import ScheduleError, next_due

CALL_DISPOSITIONS = {
    "meaningful_connect": "Customer Connected",
    "left_voicemail": "Contact Later",
    "call_back_later": "Contact Later",
    "not_interested": "Not Interested",
    "disqualified": "Disqualified",
}
EMAIL_DISPOSITIONS = {
    "reply": "Customer Connected",
    "click": "Customer Engaged",
    "open": "Customer Engaged",
    "out_of_office": "Contact Later",
    "bounce": "Bad Data",
}
# Other words for the same events: the incumbent's labels and what people type.
_EVENT_ALIASES = {
    "link_click": "click",
    "email_link_click": "click",
    "email_open": "open",
    "email_reply": "reply",
    "replied": "reply",
    "unqualified": "disqualified",
    "voicemail": "left_voicemail",
    "connected": "meaningful_connect",
    "ooo": "out_of_office",
    "unsubscribe": "opt_out",
    "hard_bounce": "bounce",
}


def normal_event(text: str) -> str:
    """Normalise an event: "Left Voicemail", "left-voicemail" -> "left_voicemail"; aliases."""
    key = "_".join(text.strip().casefold().replace("-", " ").split())
    return _EVENT_ALIASES.get(key, key)


def call_result(text: str) -> str:
    result = normal_event(text)
    if result not in CALL_RESULTS:
        choices = ", ".join(name.replace("_", " ") for name in CALL_RESULTS)
        raise CadenceError("bad_result", f"'{text}' is not a call result; say one of: {choices}.")
    return result


# --- tasks ------------------------------------------------------------------------------------


def due_at(enrollment: Enrollment, step: CadenceStep, after: datetime) -> datetime:
    """When ``step`` comes due if the previous one finished at ``after``."""
    return due_in_hours(enrollment, after, step.delay_minutes)


def due_in_hours(enrollment: Enrollment, after: datetime, delay_minutes: int) -> datetime:
    assignee = enrollment.assignee
    try:
        return next_due(
            after,
            delay_minutes,
            timezone=assignee.timezone,
            working_hours=assignee.working_hours,
            skip_weekends=enrollment.cadence.skip_weekends,
        )
    except ScheduleError as error:
        raise CadenceError(
            "bad_schedule", f"I can't schedule steps for {assignee.name}: {error}."
        ) from error


def start_step(
    session: Session, enrollment: Enrollment, step: CadenceStep, due: datetime
) -> StepTask:
    task = StepTask(enrollment=enrollment, step=step, state="due", due_at=due)
    enrollment.current_step = step
    session.add(task)
    return task


def due_tasks(enrollment: Enrollment) -> list[StepTask]:
    return [task for task in enrollment.tasks if task.state == "due"]


def cancel_outbox(
    session: Session, tasks: list[StepTask], sender_id: int | None = None
) -> list[OutboxEmail]:
    """Cancel the queued emails of ``tasks`` (only ``sender_id``'s when given)."""
    ids = [task.id for task in tasks if task.id is not None]
    if not ids:
        return []
    query = select(OutboxEmail).where(OutboxEmail.task_id.in_(ids), OutboxEmail.status == "queued")
    if sender_id is not None:
        query = query.where(OutboxEmail.sender_id == sender_id)
    emails = list(session.scalars(query))
    for email in emails:
        email.status = "cancelled"
    return emails


def recall_unsent(session: Session, enrollment: Enrollment, sender_id: int | None = None) -> None:
    """Cancel the enrollment's emails still waiting in the outbox (``sender_id``'s only when
    given). The email job completes an automated step when it queues the email, so a cancelled
    email's step is made due again, at its old time, when the target has not moved past it:
    "the draft is deleted and the step returns to active" (spec L3563)."""
    session.flush()
    cancelled = {email.task_id for email in cancel_outbox(session, enrollment.tasks, sender_id)}
    last = last_finished(enrollment)
    if last is None or last.id not in cancelled or last.state != "completed":
        return
    for task in due_tasks(enrollment):
        cancel_task(session, task)
    start_step(session, enrollment, last.step, last.due_at)


def last_finished(enrollment: Enrollment) -> StepTask | None:
    finished = [task for task in enrollment.tasks if task.state in ("completed", "skipped")]
    return max(finished, key=lambda task: (task.completed_at or task.due_at, task.id), default=None)


def cancel_task(session: Session, task: StepTask) -> None:
    cancel_outbox(session, [task])
    task.state = "cancelled"


def reschedule(session: Session, task: StepTask, due: datetime) -> StepTask:
    """Move a due task to ``due``. A task that already has an email in the outbox is replaced
    by a fresh one (its email cancelled), so the email is rendered again for the new time and
    sender; the outbox keeps one email per task."""
    session.flush()
    has_email = session.scalars(select(OutboxEmail.id).where(OutboxEmail.task_id == task.id))
    if has_email.first() is None:
        task.due_at = due
        return task
    cancel_task(session, task)
    return start_step(session, task.enrollment, task.step, due)


def end(
    session: Session,
    enrollment: Enrollment,
    *,
    state: str,
    reason: str,
    disposition: str | None,
    now: datetime,
) -> None:
    """Complete or exit: no due task is left behind, and on exit no unsent email either.
    (Completing keeps the last step's email: it was queued as that step was completed.)"""
    session.flush()  # tasks created in this session need their ids to find their emails
    for task in due_tasks(enrollment):
        cancel_task(session, task)
    if state == "exited":
        cancel_outbox(session, enrollment.tasks)
    enrollment.state = state
    enrollment.end_reason = reason
    enrollment.disposition = disposition
    enrollment.ended_at = now
    enrollment.paused_at = None


# --- progression ------------------------------------------------------------------------------


def complete_task(
    session: Session,
    task: StepTask,
    *,
    actor: User | None,
    result: str | None,
    now: datetime,
    notes: str | None = None,
) -> StepOutcome:
    """Finish a step (``actor`` None: the system, e.g. an automated email sent) and advance."""
    event = _check_result(task, result)
    _check_workable(session, task, actor)
    _finish(task, "completed", actor, now, event, notes)
    return _advance(session, task, event, now)


def skip_task(
    session: Session, task: StepTask, *, actor: User | None, now: datetime
) -> StepOutcome:
    """Skip a step the rep finds irrelevant; the target goes on to the next step."""
    _check_workable(session, task, actor)
    _finish(task, "skipped", actor, now, None, None)
    return _advance(session, task, None, now)


def _check_result(task: StepTask, result: str | None) -> str | None:
    if result is None:
        return None
    if task.step.type == "call":
        return call_result(result)
    event = normal_event(result)
    if event not in EMAIL_EVENTS and event not in CALL_RESULTS:
        raise CadenceError("bad_result", f"'{result}' is not a call result or an email event.")
    return event


def _check_workable(session: Session, task: StepTask, actor: User | None) -> None:
    enrollment = task.enrollment
    what = f"{task.step.name} for {enrollment.target.name} in {enrollment.cadence.name}"
    if actor is not None and not Access.of(session, actor).may_work(enrollment):
        raise CadenceError("not_allowed", f"You can't work {what}: it isn't yours.")
    if task.state != "due":
        raise CadenceError("not_due", f"{what} is already {task.state}.")
    if enrollment.state != "active":
        hint = " Resume it first." if enrollment.state == "paused" else ""
        raise CadenceError("not_active", f"{what}: the target is {enrollment.state}.{hint}")


def _finish(
    task: StepTask,
    state: str,
    actor: User | None,
    now: datetime,
    result: str | None,
    notes: str | None,
) -> None:
    task.state = state
    task.completed_at = now
    task.completed_by_id = actor.id if actor is not None else None
    task.result = result
    if notes:
        task.notes = notes


def _advance(session: Session, task: StepTask, event: str | None, now: datetime) -> StepOutcome:
    enrollment = task.enrollment
    where = branch(task.step, event)
    step = None if where == "exit" else following_step(task.step, where)
    if step is None:  # a branch to the exit, or past the last step
        state, reason = ("exited", "branch") if where == "exit" else ("completed", "completed")
        disposition = disposition_for(task.step, event)
        end(session, enrollment, state=state, reason=reason, now=now, disposition=disposition)
        return outcome(task, now)
    new = start_step(session, enrollment, step, due_at(enrollment, step, now))
    session.flush()  # the outcome names the new task by id
    return outcome(task, now, new)


def branch(step: CadenceStep, event: str | None) -> str:
    """Where ``event`` on ``step`` leads: "next", "exit" or a step name."""
    if event is None:
        return "next"
    for key, where in (step.branches or {}).items():
        if normal_event(str(key)) == event:
            target = str(where).strip()
            return target.casefold() if target.casefold() in ("next", "exit") else target
    return "next"


def following_step(step: CadenceStep, where: str) -> CadenceStep | None:
    """The step a branch names, or the step after ``step``; None past the last one."""
    steps = step.cadence.steps
    if where != "next":
        for candidate in steps:
            if candidate.name.casefold() == where.casefold():
                return candidate
        # A branch naming a step that no longer exists: carry on in order rather than stall.
    later = [candidate for candidate in steps if candidate.position > step.position]
    return later[0] if later else None


def disposition_for(step: CadenceStep, event: str | None) -> str | None:
    if event is None:
        return None
    if step.type == "call":
        return CALL_DISPOSITIONS.get(event)
    return EMAIL_DISPOSITIONS.get(event) or CALL_DISPOSITIONS.get(event)


def outcome(task: StepTask, now: datetime, new: StepTask | None = None) -> StepOutcome:
    enrollment = task.enrollment
    target, cadence = enrollment.target.name, enrollment.cadence.name
    verb = "Skipped" if task.state == "skipped" else "Completed"
    summary = f"{verb} {task.step.name} for {target} in {cadence}"
    if new is not None:
        when = local_time(new.due_at, enrollment.assignee.timezone, now)
        summary += f"; next: {new.step.name}, due {when}."
    elif enrollment.state == "completed":
        summary += "; that was the last step" + _with(enrollment.disposition) + "."
    else:
        summary += f"; {target} left the cadence" + _with(enrollment.disposition) + "."
    return StepOutcome(
        enrollment_id=enrollment.id,
        target=target,
        cadence=cadence,
        step=task.step.name,
        result=task.result,
        state=enrollment.state,
        next_step=new.step.name if new else None,
        next_due=new.due_at if new else None,
        disposition=enrollment.disposition,
        summary=summary,
        next_task_id=new.id if new else None,
    )


def _with(disposition: str | None) -> str:
    return f" (disposition: {disposition})" if disposition else ""
