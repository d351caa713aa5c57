"""Enrolling targets into a cadence, with every refusal reported (issue 5, spec/se.md §1.9-1.11).

The whole request is refused (``CadenceError``, nothing changes) when the cadence is unknown or
not active, when more than 200 targets are named (TGT-2: the whole request, not the first 200),
or when the actor may not assign to the named assignee. Otherwise each target is enrolled or
refused on its own: not yours, already enrolled, already in 5 cadences, opted out of email (the
cadence has email steps), do not call (it has call steps), unknown or ambiguous.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sales.cadence_access import Access
from sales.cadence_flow import due_at, start_step
from sales.cadence_models import Cadence, Enrollment
from sales.cadence_requests import run_once
from sales.cadence_results import (
    CadenceError,
    EnrollmentOutcome,
    Refusal,
    join_names,
    local_time,
)
from sales.cadence_targets import Target, TargetResolver, find_cadence
from sales.models import User, utc_now
from sales.prospects import Lead

MAX_TARGETS = 200  # per operation (spec §1.9)
MAX_CADENCES = 5  # active or paused cadences per target (spec §1.9)
LIVE_STATES = ("active", "paused")

# One clause per refusal reason in a summary: (one target, several targets).
_CLAUSES = {
    "not_yours": ("{who} is not yours", "{who} are not yours"),
    "already_enrolled": ("{who} is already in {cadence}", "{who} are already in {cadence}"),
    "limit": (
        f"{{who}} is already in {MAX_CADENCES} cadences, the most allowed",
        f"{{who}} are already in {MAX_CADENCES} cadences, the most allowed",
    ),
    "email_opt_out": ("{who} opted out of email", "{who} opted out of email"),
    "do_not_call": ("{who} is on the do-not-call list", "{who} are on the do-not-call list"),
    "unknown": ("I found no lead or contact for {who}", "I found no lead or contact for {who}"),
    "not_enrolled": ("{who} is not in {cadence}", "{who} are not in {cadence}"),
}


@dataclass
class _Plan:
    cadence: Cadence
    requested: int
    accepted: list[tuple[Target, User]]
    refused: list[Refusal]


def enroll(
    session: Session,
    *,
    actor: User,
    cadence_name: str,
    targets: list[str],
    list_name: str | None = None,
    assignee: User | None = None,
    request_key: str | None = None,
    now: datetime | None = None,
) -> EnrollmentOutcome:
    """Enrol the named targets (emails or names) and/or a saved list's members."""
    moment = now or utc_now()

    def work() -> EnrollmentOutcome:
        plan = _plan(session, actor, cadence_name, targets, list_name, assignee)
        enrollments = _apply(session, plan, actor, moment)
        return _outcome(plan, actor, assignee, moment, enrollments, preview=False)

    return run_once(
        session,
        request_key=request_key,
        kind="enroll",
        actor=actor,
        work=work,
        load=EnrollmentOutcome.from_dict,
    )


def preview_enroll(
    session: Session,
    *,
    actor: User,
    cadence_name: str,
    targets: list[str],
    list_name: str | None = None,
    assignee: User | None = None,
    now: datetime | None = None,
) -> EnrollmentOutcome:
    """What ``enroll`` would do, changing nothing: the count and refusals to confirm."""
    plan = _plan(session, actor, cadence_name, targets, list_name, assignee)
    return _outcome(plan, actor, assignee, now or utc_now(), [], preview=True)


def _plan(
    session: Session,
    actor: User,
    cadence_name: str,
    texts: list[str],
    list_name: str | None,
    assignee: User | None,
) -> _Plan:
    cadence = find_cadence(session, cadence_name)
    check_open(cadence)
    access = Access.of(session, actor)
    if assignee is not None and not access.may_assign(assignee):
        raise CadenceError("not_allowed", _assign_refusal(access, assignee))
    resolved = TargetResolver(session).resolve(texts, list_name)
    if resolved.count == 0:
        raise CadenceError("no_targets", "Whom should I enroll? Name people or a saved list.")
    if resolved.count > MAX_TARGETS:
        raise CadenceError(
            "too_many",
            f"That is {resolved.count} targets; I can enroll at most {MAX_TARGETS} at a time. "
            "Nothing was enrolled: split the request.",
        )
    live = live_cadences(session, resolved.targets)
    types = {step.type for step in cadence.steps}
    accepted: list[tuple[Target, User]] = []
    refused = list(resolved.refused)
    for target in resolved.targets:
        refusal = _refusal(target, cadence, types, access, live[target.key])
        if refusal is not None:
            refused.append(refusal)
        else:
            accepted.append((target, assignee or target.record.owner or actor))
    return _Plan(cadence, resolved.count, accepted, refused)


def check_open(cadence: Cadence) -> None:
    if cadence.status != "active":
        state = "a draft" if cadence.status == "draft" else cadence.status
        raise CadenceError(
            "inactive_cadence",
            f"{cadence.name} is {state}; only active cadences take new targets.",
        )
    if not cadence.steps:
        raise CadenceError("no_steps", f"{cadence.name} has no steps yet.")


def _assign_refusal(access: Access, assignee: User) -> str:
    if access.is_manager:
        return f"{assignee.name} is not on your team, so I can't assign targets to them."
    return f"You can enroll only for yourself; ask your manager to enroll for {assignee.name}."


def _refusal(
    target: Target, cadence: Cadence, types: set[str], access: Access, live: list[int]
) -> Refusal | None:
    record, who = target.record, target.label
    if not access.owns(record):
        owner = f"owned by {record.owner.name}" if record.owner else "nobody owns it"
        return Refusal(who, "not_yours", f"{who} is not yours ({owner})")
    if cadence.id in live:
        return Refusal(who, "already_enrolled", f"{who} is already in {cadence.name}")
    if len(live) >= MAX_CADENCES:
        return Refusal(
            who, "limit", f"{who} is already in {MAX_CADENCES} cadences, the most allowed"
        )
    if record.email_opt_out and "email" in types:
        return Refusal(who, "email_opt_out", f"{who} opted out of email")
    if record.do_not_call and "call" in types:
        return Refusal(who, "do_not_call", f"{who} is on the do-not-call list")
    return None


def live_cadences(session: Session, targets: list[Target]) -> dict[tuple[str, int], list[int]]:
    """Target key -> ids of the cadences it is active or paused in."""
    found: dict[tuple[str, int], list[int]] = defaultdict(list)
    for kind, column in (("lead", Enrollment.lead_id), ("contact", Enrollment.contact_id)):
        ids = [target.record.id for target in targets if target.key[0] == kind]
        for start in range(0, len(ids), 500):
            query = select(column, Enrollment.cadence_id).where(
                column.in_(ids[start : start + 500]), Enrollment.state.in_(LIVE_STATES)
            )
            for record_id, cadence_id in session.execute(query).tuples():
                if record_id is not None:
                    found[(kind, record_id)].append(cadence_id)
    return found


def _apply(session: Session, plan: _Plan, actor: User, now: datetime) -> list[Enrollment]:
    first = plan.cadence.steps[0]
    enrollments = []
    for target, assignee in plan.accepted:
        record = target.record
        enrollment = Enrollment(
            cadence=plan.cadence,
            lead=record if isinstance(record, Lead) else None,
            contact=None if isinstance(record, Lead) else record,
            assignee=assignee,
            added_by=actor,
            state="active",
            enrolled_at=now,
        )
        session.add(enrollment)
        start_step(session, enrollment, first, due_at(enrollment, first, now))
        enrollments.append(enrollment)
    session.flush()
    return enrollments


def _outcome(
    plan: _Plan,
    actor: User,
    assignee: User | None,
    now: datetime,
    enrollments: list[Enrollment],
    *,
    preview: bool,
) -> EnrollmentOutcome:
    cadence, count, total = plan.cadence.name, len(plan.accepted), plan.requested
    labels = [target.label for target, _ in plan.accepted]
    verb = "I will enroll" if preview else "Enrolled"
    if count == total == 1:
        head = f"{verb} {labels[0]} in {cadence}"
    elif count == total:
        head = f"{verb} all {total} in {cadence}"
    else:
        head = f"{verb} {count} of {total} in {cadence}"
    if assignee is not None and assignee.id != actor.id:
        head += f" for {assignee.name}"
    clauses = refusal_clauses(plan.refused, cadence)
    if len(enrollments) == 1 and not clauses:
        task = enrollments[0].tasks[0]
        when = local_time(task.due_at, actor.timezone, now)
        clauses.append(f"the first step, {task.step.name}, is due {when}")
    summary = head + "".join(f"; {clause}" for clause in clauses) + "."
    if preview:
        summary = summary[:-1] + ". Go ahead?" if count else summary
    return EnrollmentOutcome(
        cadence=cadence,
        requested=total,
        enrolled=labels,
        refused=plan.refused,
        summary=summary,
        enrollment_ids=[enrollment.id for enrollment in enrollments],
        preview=preview,
    )


def refusal_clauses(refused: list[Refusal], cadence: str) -> list[str]:
    """One clause per reason ("a and b opted out of email"); ambiguities one each."""
    groups: dict[str, list[Refusal]] = {}
    for index, refusal in enumerate(refused):
        key = refusal.reason if refusal.reason in _CLAUSES else f"#{index}"
        groups.setdefault(key, []).append(refusal)
    clauses = []
    for key, group in groups.items():
        if key not in _CLAUSES:
            clauses.append(group[0].message)
            continue
        one, many = _CLAUSES[key]
        who = [refusal.target for refusal in group]
        clauses.append(
            (one if len(who) == 1 else many).format(who=join_names(who), cadence=cadence)
        )
    return clauses
