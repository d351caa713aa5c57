"""Reading cadences: what is due today (the work queue) and who is in a cadence.

"What's due today" is the incumbent's work queue (spec/se.md §1.13): a rep's due steps whose
due time falls before the end of their local day (overdue ones included), grouped by cadence
then step; within a step, leads by score, highest first, then everyone else by name (last name,
then first name); at most 2,000 items. Automated emails are the system's work and are left out,
unless the email job could not render one (its outbox row failed): then a person must act.

A rep may name another window ("what's due tomorrow", "this week", "next week"): the steps due
before its end; overdue ones only when the window has begun, since they are still to be done.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, false, or_, select
from sqlalchemy.orm import Session, selectinload

from sales.cadence_access import Access
from sales.cadence_models import (
    ENROLLMENT_STATES,
    Cadence,
    CadenceStep,
    Enrollment,
    OutboxEmail,
    StepTask,
)
from sales.cadence_results import (
    DueGroup,
    DueItem,
    DueToday,
    MemberRow,
    Members,
    join_names,
    local_day_or_time,
    local_time,
    plural,
)
from sales.cadence_targets import find_cadence
from sales.models import User, utc_now
from sales.prospects import Contact, Lead
from sales.schedule import local_day_bounds

WORK_QUEUE_LIMIT = 2000  # spec §1.9
LINES_SHOWN = 50  # members listed in a chat message before "and N more"


# An automated email that could not be rendered stays due for a person to deal with.
_email_failed = exists().where(OutboxEmail.task_id == StepTask.id, OutboxEmail.status == "failed")


@dataclass(frozen=True)
class DueWindow:
    """When "due" means: ``[start, end)`` in UTC, and the words that named it ("next week")."""

    start: datetime
    end: datetime
    phrase: str


def due_today(
    session: Session,
    user: User,
    now: datetime | None = None,
    window: DueWindow | None = None,
    *,
    asked_by: User | None = None,
) -> DueToday:
    """The user's due steps: today, or within ``window`` when one is named. ``asked_by``
    someone else (their manager), the answer names the user; days and times are the asker's."""
    moment = now or utc_now()
    if window is None:
        _, day_end = local_day_bounds(moment, (asked_by or user).timezone)
        window = DueWindow(moment, day_end, "today")
    not_before = [StepTask.due_at >= window.start] if window.start > moment else []
    query = (
        select(
            StepTask.id,
            StepTask.enrollment_id,
            StepTask.due_at,
            Cadence.name,
            CadenceStep.name,
            CadenceStep.type,
            CadenceStep.position,
            Lead.first_name,
            Lead.last_name,
            Lead.email,
            Lead.score,
            Contact.first_name,
            Contact.last_name,
            Contact.email,
        )
        .join(Enrollment, StepTask.enrollment_id == Enrollment.id)
        .join(Cadence, Enrollment.cadence_id == Cadence.id)
        .join(CadenceStep, StepTask.step_id == CadenceStep.id)
        .outerjoin(Lead, Enrollment.lead_id == Lead.id)
        .outerjoin(Contact, Enrollment.contact_id == Contact.id)
        .where(
            Enrollment.assignee_id == user.id,
            Enrollment.state == "active",
            StepTask.state == "due",
            StepTask.due_at < window.end,
            *not_before,
            or_(CadenceStep.automated == false(), _email_failed),
        )
    )
    buckets: dict[tuple[str, int], tuple[DueGroup, list[tuple[Any, DueItem]]]] = {}
    for row in session.execute(query):
        first, last, email, score = _person(row)
        group, keyed = buckets.setdefault(
            (row[3], row[6]), (DueGroup(row[3], row[4], row[5], row[6], []), [])
        )
        name = f"{first} {last}".strip() or email
        item = DueItem(row[0], row[1], name, email, score, row[2], row[2] < moment)
        order = (score is None, -(score or 0), last.casefold(), first.casefold(), email)
        keyed.append((order, item))
    ordered = sorted(
        buckets.values(), key=lambda pair: (pair[0].cadence.casefold(), pair[0].position)
    )
    groups, total, left = [], 0, WORK_QUEUE_LIMIT
    for group, keyed in ordered:
        keyed.sort(key=lambda pair: pair[0])
        total += len(keyed)
        group.items = [item for _, item in keyed[: max(left, 0)]]
        left -= len(group.items)
        if group.items:
            groups.append(group)
    someone_else = asked_by is not None and asked_by.id != user.id
    return _due_text(groups, total, WORK_QUEUE_LIMIT - left, user, moment, window.phrase,
                     asked_by if someone_else else None)  # fmt: skip


def _person(row: Any) -> tuple[str, str, str, int | None]:
    if row[9] is not None:  # a lead
        return row[7] or "", row[8] or "", row[9], row[10]
    return row[11] or "", row[12] or "", row[13], None


def _due_text(
    groups: list[DueGroup], total: int, shown: int, user: User, now: datetime, phrase: str,
    asked_by: User | None = None,
) -> DueToday:
    someone_else = asked_by is not None
    timezone = (asked_by or user).timezone
    if not total:
        whose = f" for {user.name}" if someone_else else ""
        return DueToday([], 0, 0, f"Nothing is due{whose} {phrase}.", [])
    cadences = len({group.cadence for group in groups})
    overdue = sum(item.overdue for group in groups for item in group.items)
    subject = f"{user.name} has" if someone_else else "You have"
    summary = f"{subject} {plural(total, 'step')} due {phrase} in {plural(cadences, 'cadence')}"
    if overdue:
        summary += f" ({overdue} overdue)"
    if shown < total:
        summary += f"; showing the first {shown}"
    lines = []
    for group in groups:
        # The incumbent's work-queue heading, e.g. "Cadence 1 > Day 1: Call 1 (8)" with a chevron.
        lines.append(f"{group.cadence} › {group.step} ({len(group.items)})")  # noqa: RUF001
        for item in group.items:
            score = f" ({item.score})" if item.score is not None else ""
            state = "overdue since" if item.overdue else "due"
            lines.append(
                f"  • {item.name}{score}, {state} {local_time(item.due_at, timezone, now)}"
            )
    return DueToday(groups, total, shown, summary + ":", lines)


# --- members ----------------------------------------------------------------------------------


def members(
    session: Session,
    cadence_name: str,
    *,
    actor: User,
    now: datetime | None = None,
    include_ended: bool = False,
) -> Members:
    """Who is in a cadence (those the actor may see), with state and current step."""
    moment = now or utc_now()
    cadence = find_cadence(session, cadence_name)
    query = _visible(select(Enrollment), Access.of(session, actor)).where(
        Enrollment.cadence_id == cadence.id
    )
    enrollments = list(
        session.scalars(
            query.options(selectinload(Enrollment.tasks), selectinload(Enrollment.assignee))
        )
    )
    counts = Counter(enrollment.state for enrollment in enrollments)
    shown = [e for e in enrollments if include_ended or e.state in ("active", "paused")]
    rows = sorted((_member(e) for e in shown), key=lambda row: (row.state, row.name.casefold()))
    parts = [f"{counts[state]} {state}" for state in ENROLLMENT_STATES if counts[state]]
    if not enrollments:
        summary = f"Nobody is in {cadence.name}."
    else:
        summary = f"{cadence.name} has {join_names(parts, 4)}"
        summary += ":" if rows else "."
    lines = [_member_line(row, actor, moment) for row in rows[:LINES_SHOWN]]
    if len(rows) > LINES_SHOWN:
        lines.append(f"… and {len(rows) - LINES_SHOWN} more")
    return Members(cadence.name, dict(counts), rows, summary, lines)


def _visible(query: Select[Any], access: Access) -> Select[Any]:
    if access.is_admin:
        return query
    team = sorted(access.team)
    conditions: list[ColumnElement[bool]] = [
        Enrollment.assignee_id.in_(team),
        Enrollment.lead_id.in_(select(Lead.id).where(Lead.owner_id.in_(team))),
        Enrollment.contact_id.in_(select(Contact.id).where(Contact.owner_id.in_(team))),
        Enrollment.cadence_id.in_(select(Cadence.id).where(Cadence.owner_id == access.actor.id)),
    ]
    return query.where(or_(*conditions))


def _member(enrollment: Enrollment) -> MemberRow:
    target, due = enrollment.target, _due_task(enrollment)
    step = enrollment.current_step if enrollment.state in ("active", "paused") else None
    return MemberRow(
        enrollment_id=enrollment.id,
        name=target.name,
        email=target.email,
        state=enrollment.state,
        step=step.name if step else None,
        position=step.position if step else None,
        assignee=enrollment.assignee.name,
        due_at=due.due_at if due else None,
        disposition=enrollment.disposition,
        resume_at=enrollment.resume_at,
    )


def _member_line(row: MemberRow, actor: User, now: datetime) -> str:
    line = f"• {row.name} ({row.email}), {row.assignee}"
    if row.state in ("active", "paused") and row.step:
        line += f": {row.step}"
        if row.due_at is not None:
            line += f", due {local_time(row.due_at, actor.timezone, now)}"
    if row.state == "paused" and row.resume_at is not None:
        line += f" [paused until {local_day_or_time(row.resume_at, actor.timezone, now)}]"
    elif row.state != "active":
        line += f" [{row.state}{', ' + row.disposition if row.disposition else ''}]"
    return line


def _due_task(enrollment: Enrollment) -> StepTask | None:
    due = [task for task in enrollment.tasks if task.state == "due"]
    return min(due, key=lambda task: task.due_at, default=None)
