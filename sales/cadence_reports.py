"""How a cadence is doing, which cadences a target is in, and the automated emails now due.

Stats count live from the tables (the incumbent refreshes its cadence stats once a day, §1.9):
targets by state, replies (each replying target once, as the incumbent counts replies per
recipient, L3618), meetings (calls logged as a meaningful connect), and per step how many
tasks are due, completed and skipped.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import distinct, exists, false, func, select
from sqlalchemy.orm import Session

from sales.cadence_access import Access
from sales.cadence_changes import live_enrollments
from sales.cadence_models import (
    CadenceStep,
    EngagementEvent,
    Enrollment,
    OutboxEmail,
    StepTask,
)
from sales.cadence_results import (
    CadenceStats,
    EnrollmentView,
    StepStats,
    TargetEnrollments,
    join_names,
    local_time,
    plural,
)
from sales.cadence_targets import TargetResolver, find_cadence
from sales.models import User, utc_now


def stats(session: Session, cadence_name: str) -> CadenceStats:
    cadence = find_cadence(session, cadence_name)
    states = Counter(
        dict(
            session.execute(
                select(Enrollment.state, func.count())
                .where(Enrollment.cadence_id == cadence.id)
                .group_by(Enrollment.state)
            )
            .tuples()
            .all()
        )
    )
    in_cadence = select(Enrollment.id).where(Enrollment.cadence_id == cadence.id)
    replies = session.scalar(
        select(func.count(distinct(EngagementEvent.enrollment_id))).where(
            EngagementEvent.enrollment_id.in_(in_cadence), EngagementEvent.kind == "reply"
        )
    )
    meetings = session.scalar(
        select(func.count()).where(
            StepTask.enrollment_id.in_(in_cadence), StepTask.result == "meaningful_connect"
        )
    )
    by_step: Counter[tuple[int, str]] = Counter()
    query = (
        select(StepTask.step_id, StepTask.state, func.count())
        .where(StepTask.enrollment_id.in_(in_cadence))
        .group_by(StepTask.step_id, StepTask.state)
    )
    for step_id, state, count in session.execute(query).tuples():
        by_step[(step_id, state)] = count
    steps = [
        StepStats(
            step.position,
            step.name,
            step.type,
            by_step[(step.id, "due")],
            by_step[(step.id, "completed")],
            by_step[(step.id, "skipped")],
        )
        for step in cadence.steps
    ]
    return _stats_text(cadence.name, cadence.status, states, replies or 0, meetings or 0, steps)


def _stats_text(
    name: str,
    status: str,
    states: Counter[str],
    replies: int,
    meetings: int,
    steps: list[StepStats],
) -> CadenceStats:
    counts = ", ".join(
        f"{states[state]} {state}" for state in ("active", "paused", "completed", "exited")
    )
    status_note = "" if status == "active" else f" ({status})"
    summary = (
        f"{name}{status_note}: {counts}; {plural(replies, 'reply', 'replies')}, "
        f"{plural(meetings, 'meeting')}."
    )
    lines = [
        f"{step.position}. {step.name}: {step.due} due, {step.completed} completed, "
        f"{step.skipped} skipped"
        for step in steps
    ]
    return CadenceStats(
        cadence=name,
        status=status,
        active=states["active"],
        paused=states["paused"],
        completed=states["completed"],
        exited=states["exited"],
        replies=replies,
        meetings=meetings,
        steps=steps,
        summary=summary,
        lines=lines,
    )


def my_enrollments(
    session: Session, target: str, *, actor: User, now: datetime | None = None
) -> TargetEnrollments:
    """The cadences a target is in now (active or paused) that the actor may see."""
    moment = now or utc_now()
    found = TargetResolver(session).one(target)
    access = Access.of(session, actor)
    views = [_view(e) for e in live_enrollments(session, found) if access.sees(e)]
    if not views:
        return TargetEnrollments(found.label, [], f"{found.label} is not in any cadence.", [])
    lines = []
    for view in views:
        line = f"{view.cadence}: step {view.position} of {view.steps}, {view.step}"
        if view.due_at is not None:
            line += f", due {local_time(view.due_at, actor.timezone, moment)}"
        line += f" ({view.assignee})" + (" [paused]" if view.state == "paused" else "")
        lines.append(line)
    names = join_names([view.cadence for view in views], 5)
    summary = f"{found.label} is in {plural(len(views), 'cadence')}: {names}."
    return TargetEnrollments(found.label, views, summary, lines)


def _view(enrollment: Enrollment) -> EnrollmentView:
    due = [task for task in enrollment.tasks if task.state == "due"]
    step = enrollment.current_step
    return EnrollmentView(
        enrollment_id=enrollment.id,
        cadence=enrollment.cadence.name,
        state=enrollment.state,
        step=step.name if step else None,
        position=step.position if step else None,
        steps=len(enrollment.cadence.steps),
        assignee=enrollment.assignee.name,
        due_at=min((task.due_at for task in due), default=None),
        disposition=enrollment.disposition,
    )


def due_automated_emails(
    session: Session, now: datetime | None = None, limit: int = 100
) -> list[StepTask]:
    """Automated email steps of active targets that are due and not yet in the outbox.

    What the email job renders and sends; it then calls ``complete_task(..., actor=None)``.
    A paused, removed or exited target has no such task (pausing cancels its queued email).
    """
    moment = now or utc_now()
    query = (
        select(StepTask)
        .join(Enrollment, StepTask.enrollment_id == Enrollment.id)
        .join(CadenceStep, StepTask.step_id == CadenceStep.id)
        .where(
            StepTask.state == "due",
            StepTask.due_at <= moment,
            Enrollment.state == "active",
            CadenceStep.type == "email",
            CadenceStep.automated != false(),
            ~exists().where(OutboxEmail.task_id == StepTask.id),
        )
        .order_by(StepTask.due_at, StepTask.id)
        .limit(limit)
    )
    return list(session.scalars(query))
