"""Enrolling targets into a cadence, with every refusal reported (issue 5, spec/se.md §1.9-1.11).

The whole request is refused (``CadenceError``, nothing changes) when the cadence is unknown or
not active, when more than 200 targets are named (TGT-2: the whole request, not the first 200),
or when the actor may not assign to the named assignee. Otherwise each target is enrolled or
refused on its own: not yours, a converted or unqualified lead (TGT-8, TGT-11: such a lead
leaves its cadences, so it is not put back in), already enrolled, already in 5 cadences, opted
out of email (the cadence has email steps), do not call (it has call steps), unknown or
ambiguous; and, when the first step is an automated email, every target of an assignee whose
daily email limit the batch would exceed (TGT-5, spec L3659).
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
    plural,
)
from sales.cadence_targets import Target, TargetResolver, find_cadence, is_converted
from sales.models import User, utc_now
from sales.outbox import DEFAULT_DAILY_LIMIT, sends_left_today
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
# Clauses of refusals that carry a detail (Refusal.detail), one clause per reason and detail.
_DETAILED_CLAUSES = {
    "limit": ("{who} would take {detail}", "{who} would take {detail}"),
    "not_eligible": ("{who} is {detail}", "{who} are {detail}"),
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
    daily_limit: int = DEFAULT_DAILY_LIMIT,
) -> EnrollmentOutcome:
    """Enrol the named targets (emails or names) and/or a saved list's members.

    ``daily_limit`` is the automated emails a user may send a day (config.yml
    ``email.daily_limit_per_user``, as the email job reads it).
    """
    moment = now or utc_now()

    def work() -> EnrollmentOutcome:
        plan = _plan(session, actor, cadence_name, targets, list_name, assignee, moment,
                     daily_limit)
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
    daily_limit: int = DEFAULT_DAILY_LIMIT,
) -> EnrollmentOutcome:
    """What ``enroll`` would do, changing nothing: the count and refusals to confirm."""
    moment = now or utc_now()
    plan = _plan(session, actor, cadence_name, targets, list_name, assignee, moment, daily_limit)
    return _outcome(plan, actor, assignee, moment, [], preview=True)


def _plan(
    session: Session,
    actor: User,
    cadence_name: str,
    texts: list[str],
    list_name: str | None,
    assignee: User | None,
    now: datetime,
    daily_limit: int,
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
    over = _over_email_limit(session, cadence, accepted, now, daily_limit)
    accepted = [pair for pair in accepted if pair[0].key not in over]
    refused.extend(over.values())
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
    if isinstance(record, Lead) and is_converted(record):
        return Refusal(
            who, "not_eligible", f"{who} is already converted: enroll the contact instead",
            "already converted",
        )  # fmt: skip
    if isinstance(record, Lead) and record.status == "unqualified":
        return Refusal(
            who, "not_eligible", f"{who} is unqualified: change the lead's status to enroll them",
            "unqualified",
        )  # fmt: skip
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


def _over_email_limit(
    session: Session,
    cadence: Cadence,
    accepted: list[tuple[Target, User]],
    now: datetime,
    daily_limit: int,
) -> dict[tuple[str, int], Refusal]:
    """Refusals, by target key, for the assignees the batch would take past their daily limit.

    A first step that is an automated email goes out as soon as it is due, so the batch must
    fit in what the assignee may still send today. All of that assignee's targets are refused,
    not the overflow: which ones got in would be arbitrary, and a smaller batch can be retried.
    """
    first = cadence.steps[0]
    if first.type != "email" or not first.automated:
        return {}
    batches: dict[int, list[Target]] = defaultdict(list)
    assignees: dict[int, User] = {}
    for target, assignee in accepted:
        batches[assignee.id].append(target)
        assignees[assignee.id] = assignee
    refused: dict[tuple[str, int], Refusal] = {}
    for assignee_id, targets in batches.items():
        assignee = assignees[assignee_id]
        left = sends_left_today(session, assignee, now, daily_limit)
        if len(targets) <= left:
            continue
        detail = (
            f"{assignee.name} over the daily limit of {plural(daily_limit, 'automated email')}"
            f" ({left} left today)"
        )
        for target in targets:
            message = f"{target.label} would take {detail}"
            refused[target.key] = Refusal(target.label, "limit", message, detail)
    return refused


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
    groups: dict[tuple[str, str], list[Refusal]] = {}
    for index, refusal in enumerate(refused):
        if refusal.detail and refusal.reason in _DETAILED_CLAUSES:
            key = (refusal.reason, refusal.detail)
        elif refusal.reason in _CLAUSES and not refusal.detail:
            key = (refusal.reason, "")
        else:
            key = (f"#{index}", "")
        groups.setdefault(key, []).append(refusal)
    clauses = []
    for (reason, detail), group in groups.items():
        templates = _DETAILED_CLAUSES.get(reason) if detail else _CLAUSES.get(reason)
        if templates is None:
            clauses.append(group[0].message)
            continue
        one, many = templates
        who = join_names([refusal.target for refusal in group])
        text = one if len(group) == 1 else many
        clauses.append(text.format(who=who, cadence=cadence, detail=detail))
    return clauses
