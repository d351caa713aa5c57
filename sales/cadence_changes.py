"""Changing a target's place in cadences: remove, pause, resume, reassign (spec/se.md §1.11).

- Remove ends the enrollment (state exited, reason removed) with the disposition given, if any;
  its due steps are cancelled and its queued emails are never sent (TGT-12).
- Pause keeps the current step but takes it out of the work queue and the outbox: a queued
  email of a paused target is cancelled and rendered again once it is resumed.
- Resume: a step that came due while the target was paused (overdue now) is moved to now, in
  the assignee's working hours, so resuming does not flood the queue with past-due work; a
  step still in the future keeps its date. (The incumbent does not describe this, §1.11.3.)
- Reassign (managers and admins) resets the current step's due date to now in the new
  assignee's working hours and cancels the emails the previous assignee had queued (L6769).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sales.cadence_access import Access
from sales.cadence_enroll import LIVE_STATES, MAX_TARGETS, refusal_clauses
from sales.cadence_flow import due_in_hours, due_tasks, end, recall_unsent, reschedule
from sales.cadence_models import DISPOSITIONS, Cadence, Enrollment
from sales.cadence_requests import run_once
from sales.cadence_results import (
    CadenceError,
    ChangeOutcome,
    Refusal,
    join_names,
    local_day_or_time,
    local_time,
    plural,
)
from sales.cadence_targets import Target, TargetResolver, find_cadence
from sales.models import User, utc_now
from sales.prospects import Lead

Planned = list[tuple[Target, Enrollment]]


def remove(
    session: Session,
    *,
    actor: User,
    targets: list[str],
    cadence_name: str | None = None,
    list_name: str | None = None,
    disposition: str | None = None,
    request_key: str | None = None,
    now: datetime | None = None,
) -> ChangeOutcome:
    """Take targets out of one cadence (``cadence_name``) or of all their cadences (None)."""
    moment = now or utc_now()

    def work() -> ChangeOutcome:
        label, planned, refused, chosen = _plan_removal(
            session, actor, targets, cadence_name, list_name, disposition
        )
        for _, enrollment in planned:
            end(
                session,
                enrollment,
                state="exited",
                reason="removed",
                disposition=chosen,
                now=moment,
            )
        session.flush()
        return _removal_outcome(label, planned, refused, chosen, preview=False)

    return run_once(
        session,
        request_key=request_key,
        kind="remove",
        actor=actor,
        work=work,
        load=ChangeOutcome.from_dict,
    )


def preview_remove(
    session: Session,
    *,
    actor: User,
    targets: list[str],
    cadence_name: str | None = None,
    list_name: str | None = None,
    disposition: str | None = None,
) -> ChangeOutcome:
    """What ``remove`` would do, changing nothing (the chat confirms every removal)."""
    label, planned, refused, chosen = _plan_removal(
        session, actor, targets, cadence_name, list_name, disposition
    )
    return _removal_outcome(label, planned, refused, chosen, preview=True)


def pause(
    session: Session,
    *,
    actor: User,
    target: str,
    cadence_name: str | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
) -> ChangeOutcome:
    """Pause the target's cadence work; with ``until``, the cadence job resumes it then."""
    moment = now or utc_now()
    if until is not None and until <= moment:
        raise CadenceError("pause_in_past", "A pause has to end in the future.")
    found, enrollments, refused = _workable(session, actor, target, cadence_name)
    changed = [e for e in enrollments if e.state == "active"]
    for enrollment in changed:
        enrollment.state, enrollment.paused_at, enrollment.resume_at = "paused", moment, until
        recall_unsent(session, enrollment)  # held back, sent after resuming
        for task in due_tasks(enrollment):
            reschedule(session, task, task.due_at)  # drops a failed email, keeps the date
    already = [e for e in enrollments if e.state == "paused" and e not in changed]
    if until is not None:  # "pause for two weeks" also sets an end on one already paused
        for enrollment in already:
            enrollment.resume_at = until
    outcome = _change("paused", found, changed, refused, [e.cadence.name for e in already],
                      moment, actor)  # fmt: skip
    if until is None or not (changed or already):
        return outcome
    when = local_day_or_time(until, actor.timezone, moment, preposition="on")
    return replace(outcome, summary=f"{outcome.summary[:-1]}; I'll resume {found.label} {when}.")


def resume(
    session: Session,
    *,
    actor: User,
    target: str,
    cadence_name: str | None = None,
    now: datetime | None = None,
) -> ChangeOutcome:
    moment = now or utc_now()
    found, enrollments, refused = _workable(session, actor, target, cadence_name)
    changed = [e for e in enrollments if e.state == "paused"]
    for enrollment in changed:
        resume_enrollment(session, enrollment, moment)
    already = [e.cadence.name for e in enrollments if e.state == "active" and e not in changed]
    return _change("resumed", found, changed, refused, already, moment, actor)


def resume_enrollment(session: Session, enrollment: Enrollment, now: datetime) -> None:
    """Back to active; steps that fell due while paused come due now (in working hours)."""
    enrollment.state, enrollment.paused_at, enrollment.resume_at = "active", None, None
    for task in due_tasks(enrollment):
        if task.due_at < now:
            reschedule(session, task, due_in_hours(enrollment, now, 0))


def resume_ended_pauses(session: Session, now: datetime) -> int:
    """Resume every paused enrollment whose pause has run out; how many."""
    ended = list(session.scalars(select(Enrollment).where(
        Enrollment.state == "paused", Enrollment.resume_at.is_not(None),
        Enrollment.resume_at <= now)))  # fmt: skip
    for enrollment in ended:
        resume_enrollment(session, enrollment, now)
    return len(ended)


def reassign(
    session: Session,
    *,
    actor: User,
    target: str,
    new_assignee: User,
    cadence_name: str | None = None,
    request_key: str | None = None,
    now: datetime | None = None,
) -> ChangeOutcome:
    """Give a target's cadence work to ``new_assignee`` (one cadence, or all when None)."""
    moment = now or utc_now()
    access = Access.of(session, actor)
    if not (access.is_admin or access.is_manager):
        raise CadenceError("not_allowed", "Only a manager or an admin can reassign targets.")
    if not access.may_assign(new_assignee):
        raise CadenceError("not_allowed", f"{new_assignee.name} is not on your team.")

    def work() -> ChangeOutcome:
        found, enrollments, refused = _select(
            session, access, target, cadence_name, access.may_reassign
        )
        changed = [e for e in enrollments if e.assignee_id != new_assignee.id]
        for enrollment in changed:
            _hand_over(session, enrollment, new_assignee, moment)
        already = [e.cadence.name for e in enrollments if e not in changed]
        return _change("reassigned", found, changed, refused, already, moment, actor, new_assignee)

    return run_once(
        session,
        request_key=request_key,
        kind="reassign",
        actor=actor,
        work=work,
        load=ChangeOutcome.from_dict,
    )


def _hand_over(session: Session, enrollment: Enrollment, user: User, now: datetime) -> None:
    recall_unsent(session, enrollment, sender_id=enrollment.assignee_id)
    enrollment.assignee = user
    for task in due_tasks(enrollment):
        reschedule(session, task, due_in_hours(enrollment, now, 0))


# --- choosing enrollments ---------------------------------------------------------------------


def live_enrollments(
    session: Session, target: Target, cadence: Cadence | None = None
) -> list[Enrollment]:
    record = target.record
    column = Enrollment.lead_id if isinstance(record, Lead) else Enrollment.contact_id
    query = select(Enrollment).where(column == record.id, Enrollment.state.in_(LIVE_STATES))
    if cadence is not None:
        query = query.where(Enrollment.cadence_id == cadence.id)
    return list(session.scalars(query.order_by(Enrollment.id)))


def _workable(
    session: Session, actor: User, text: str, cadence_name: str | None
) -> tuple[Target, list[Enrollment], list[Refusal]]:
    access = Access.of(session, actor)
    return _select(session, access, text, cadence_name, access.may_work)


def _select(
    session: Session,
    access: Access,
    text: str,
    cadence_name: str | None,
    allowed: Callable[[Enrollment], bool],
) -> tuple[Target, list[Enrollment], list[Refusal]]:
    """The target's live enrollments the actor may change, and refusals for the rest."""
    cadence = find_cadence(session, cadence_name) if cadence_name else None
    target = TargetResolver(session).one(text)
    enrollments = live_enrollments(session, target, cadence)
    if not enrollments:
        where = cadence.name if cadence else "any cadence"
        raise CadenceError("not_enrolled", f"{target.label} is not in {where}.")
    mine = [e for e in enrollments if allowed(e)]
    refused = [
        Refusal(target.label, "not_yours", f"{target.label} in {e.cadence.name} is not yours")
        for e in enrollments
        if e not in mine
    ]
    if not mine:
        raise CadenceError("not_allowed", f"{target.label} is not yours to change.")
    return target, mine, refused


def _plan_removal(
    session: Session,
    actor: User,
    texts: list[str],
    cadence_name: str | None,
    list_name: str | None,
    disposition: str | None,
) -> tuple[str, Planned, list[Refusal], str | None]:
    cadence = find_cadence(session, cadence_name) if cadence_name else None
    chosen = normal_disposition(disposition)
    resolved = TargetResolver(session).resolve(texts, list_name)
    if resolved.count == 0:
        raise CadenceError("no_targets", "Whom should I remove? Name people or a saved list.")
    if resolved.count > MAX_TARGETS:
        raise CadenceError(
            "too_many",
            f"That is {resolved.count} targets; I can remove at most {MAX_TARGETS} at a time. "
            "Nothing was removed: split the request.",
        )
    access = Access.of(session, actor)
    planned: Planned = []
    refused = list(resolved.refused)
    label = cadence.name if cadence else "any cadence"
    for target in resolved.targets:
        enrollments = live_enrollments(session, target, cadence)
        mine = [e for e in enrollments if access.may_work(e)]
        if not enrollments:
            refused.append(
                Refusal(target.label, "not_enrolled", f"{target.label} is not in {label}")
            )
        elif not mine:
            refused.append(Refusal(target.label, "not_yours", f"{target.label} is not yours"))
        planned.extend((target, enrollment) for enrollment in mine)
    return label, planned, refused, chosen


def normal_disposition(text: str | None) -> str | None:
    if text is None or not text.strip():
        return None
    wanted = " ".join(text.replace("_", " ").casefold().split())
    for disposition in DISPOSITIONS:
        if disposition.casefold() == wanted:
            return disposition
    raise CadenceError(
        "bad_disposition",
        f"'{text}' is not a disposition; say one of: {', '.join(DISPOSITIONS)}.",
        DISPOSITIONS,
    )


# --- outcomes ---------------------------------------------------------------------------------


def _removal_outcome(
    label: str,
    planned: Planned,
    refused: list[Refusal],
    disposition: str | None,
    *,
    preview: bool,
) -> ChangeOutcome:
    people = list(dict.fromkeys(target.label for target, _ in planned))
    cadences = list(dict.fromkeys(e.cadence.name for _, e in planned))
    total = len(people) + len({refusal.target for refusal in refused})
    verb = "I will remove" if preview else "Removed"
    who = people[0] if len(people) == total == 1 else f"{len(people)} of {total}"
    if not planned:
        head = f"Removed nobody from {label}" if label != "any cadence" else "Removed nobody"
    elif len(cadences) == 1:
        head = f"{verb} {who} from {cadences[0]}"
    else:
        head = f"{verb} {who} from {plural(len(cadences), 'cadence')}: {join_names(cadences, 5)}"
    if disposition and planned:
        head += f" (disposition: {disposition})"
    clauses = refusal_clauses(refused, label)
    summary = head + "".join(f"; {clause}" for clause in clauses) + "."
    if preview and planned:
        summary += " Go ahead?"
    return ChangeOutcome(
        action="removed",
        changed=[f"{target.label} from {e.cadence.name}" for target, e in planned],
        refused=refused,
        summary=summary,
        enrollment_ids=[e.id for _, e in planned],
        preview=preview,
    )


def _change(
    action: str,
    target: Target,
    changed: list[Enrollment],
    refused: list[Refusal],
    unchanged: list[str],
    now: datetime,
    actor: User,
    assignee: User | None = None,
) -> ChangeOutcome:
    who = target.label
    parts = []
    if changed:
        names = join_names([e.cadence.name for e in changed], 5)
        to = f" to {assignee.name}" if assignee else ""
        parts.append(f"{action.capitalize()} {who} in {names}{to}")
        if action != "paused":
            parts.extend(_next_due(changed, now, actor))
    if unchanged:
        state = f"assigned to {assignee.name}" if assignee else action
        parts.append(f"{who} is already {state} in {join_names(unchanged, 5)}")
    parts.extend(refusal.message for refusal in refused)
    return ChangeOutcome(
        action=action,
        changed=[f"{who} in {e.cadence.name}" for e in changed],
        refused=refused,
        summary="; ".join(parts) + ".",
        enrollment_ids=[e.id for e in changed],
    )


def _next_due(enrollments: list[Enrollment], now: datetime, actor: User) -> list[str]:
    lines = []
    for enrollment in enrollments:
        for task in due_tasks(enrollment):
            when = local_time(task.due_at, actor.timezone, now)
            lines.append(f"{task.step.name} in {enrollment.cadence.name} is due {when}")
    return lines
