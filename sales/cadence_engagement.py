"""What targets do: email events, call results logged by reps, and lead conversion.

Exit rules (issue 5, spec/se.md §1.6, §1.11.8):
- reply: the target leaves with disposition Customer Connected;
- hard bounce: leaves with Bad Data;
- opt-out: the lead's or contact's ``email_opt_out`` is set and it leaves *every* cadence;
- lead converted: leaves every cadence with Success (TGT-8);
- lead status set to unqualified: leaves every cadence with Disqualified (TGT-11).
An event names the email it concerns when the outbox knows it (``outbox_id``); otherwise it
applies to every cadence the address is in.

Open, click and out-of-office follow a branch on the email step they react to, once: while
the target waits for the step after that email, the first such event moves it where the branch
says. The moved-to step comes due no earlier than the step it replaces (2.0 move semantics,
L5867, BR-3). An event that arrives after the last step was an email fills in the disposition
the incumbent leaves empty (§1.12, §9.7): reply Customer Connected, open or click Customer
Engaged, out of office Contact Later, bounce Bad Data.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from sales.cadence_flow import (
    EMAIL_DISPOSITIONS,
    branch,
    cancel_task,
    complete_task,
    due_at,
    due_tasks,
    end,
    following_step,
    last_finished,
    normal_event,
    start_step,
)
from sales.cadence_models import (
    EMAIL_EVENTS,
    EngagementEvent,
    Enrollment,
    OutboxEmail,
    StepTask,
)
from sales.cadence_results import CadenceError, EngagementOutcome, StepOutcome
from sales.cadence_tasks import due_task
from sales.models import User, utc_now
from sales.prospects import Contact, Lead

_EXITS = {  # event -> (end reason, disposition)
    "reply": ("replied", "Customer Connected"),
    "bounce": ("bounced", "Bad Data"),
    "opt_out": ("opted_out", None),
}
# Engagement ranks for filling in a completed enrollment's disposition: a reply outranks an open.
_RANK = {None: 0, "Contact Later": 1, "Customer Engaged": 2, "Customer Connected": 3}


def record_engagement(
    session: Session,
    email: str,
    kind: str,
    *,
    now: datetime | None = None,
    outbox_id: int | None = None,
) -> EngagementOutcome:
    """Store an email event for ``email`` (the target's address) and act on it."""
    moment = now or utc_now()
    event = normal_event(kind)
    if event not in EMAIL_EVENTS:
        raise CadenceError(
            "bad_event", f"'{kind}' is not an email event ({', '.join(EMAIL_EVENTS)})."
        )
    address = email.strip().casefold()
    if event == "opt_out":
        _opt_out(session, address)
    enrollments = _concerned(session, address, event, outbox_id)
    effects = []
    for enrollment in enrollments:
        session.add(
            EngagementEvent(
                enrollment_id=enrollment.id,
                email=address,
                kind=event,
                occurred_at=moment,
                outbox_id=outbox_id,
            )
        )
        effect = _react(session, enrollment, event, moment)
        if effect:
            effects.append(effect)
    if not enrollments:
        session.add(
            EngagementEvent(email=address, kind=event, occurred_at=moment, outbox_id=outbox_id)
        )
    session.flush()
    what = event.replace("_", " ")
    summary = f"Recorded {what} from {address}" + (f": {'; '.join(effects)}." if effects else ".")
    return EngagementOutcome(email=address, kind=event, effects=effects, summary=summary)


def convert_lead(session: Session, lead: Lead, *, now: datetime | None = None) -> EngagementOutcome:
    """The lead became a customer: it leaves every cadence with disposition Success."""
    moment = now or utc_now()
    lead.status = "converted"
    lead.converted_at = lead.converted_at or moment  # the first conversion is the one to keep
    effects = _leave_all(session, lead, reason="converted", disposition="Success", now=moment)
    tail = f": {'; '.join(effects)}." if effects else "."
    return EngagementOutcome(lead.email, "converted", effects, f"Converted {lead.name}{tail}")


def set_lead_status(
    session: Session, lead: Lead, status: str, *, now: datetime | None = None
) -> EngagementOutcome:
    """Change a lead's status wherever it changes (an import, a chat): a converted lead leaves
    every cadence with Success, an unqualified one with Disqualified (spec TGT-8, TGT-11)."""
    if status == "converted":
        return convert_lead(session, lead, now=now)
    lead.status = status
    effects: list[str] = []
    if status == "unqualified":
        effects = _leave_all(
            session, lead, reason="disqualified", disposition="Disqualified", now=now or utc_now()
        )
    tail = f": {'; '.join(effects)}." if effects else "."
    return EngagementOutcome(lead.email, status, effects, f"{lead.name} is now {status}{tail}")


def _leave_all(
    session: Session, lead: Lead, *, reason: str, disposition: str, now: datetime
) -> list[str]:
    if lead.id is None:
        return []  # not stored yet (an import's new lead): in no cadence
    query = select(Enrollment).where(
        Enrollment.lead_id == lead.id, Enrollment.state.in_(("active", "paused"))
    )
    effects = []
    for enrollment in session.scalars(query.order_by(Enrollment.id)):
        end(session, enrollment, state="exited", reason=reason, disposition=disposition, now=now)
        effects.append(f"left {enrollment.cadence.name} ({disposition})")
    session.flush()
    return effects


def log_call_result(
    session: Session,
    *,
    actor: User,
    target: str,
    result: str,
    notes: str | None = None,
    cadence_name: str | None = None,
    now: datetime | None = None,
) -> StepOutcome:
    """Complete the call step due for ``target`` with the call's result (branches follow)."""
    task = due_task(session, actor=actor, target=target, cadence_name=cadence_name, call=True)
    return complete_task(
        session, task, actor=actor, result=result, now=now or utc_now(), notes=notes
    )


# --- reacting ---------------------------------------------------------------------------------


def _opt_out(session: Session, address: str) -> None:
    for lead in session.scalars(select(Lead).where(Lead.email == address)):
        lead.email_opt_out = True
    for contact in session.scalars(select(Contact).where(Contact.email == address)):
        contact.email_opt_out = True


def _concerned(
    session: Session, address: str, event: str, outbox_id: int | None
) -> list[Enrollment]:
    """The enrollments an event acts on: the outbox email's, else all of the address's."""
    if outbox_id is not None and event != "opt_out":
        query = (
            select(Enrollment)
            .join(StepTask, StepTask.enrollment_id == Enrollment.id)
            .join(OutboxEmail, OutboxEmail.task_id == StepTask.id)
            .where(OutboxEmail.id == outbox_id)
        )
        found = list(session.scalars(query))
        if found:
            return found
    return _target_enrollments(session, address, live_only=False)


def _target_enrollments(session: Session, address: str, *, live_only: bool) -> list[Enrollment]:
    leads = select(Lead.id).where(Lead.email == address)
    contacts = select(Contact.id).where(Contact.email == address)
    query = select(Enrollment).where(
        or_(Enrollment.lead_id.in_(leads), Enrollment.contact_id.in_(contacts))
    )
    states = ("active", "paused") if live_only else ("active", "paused", "completed")
    query = query.where(Enrollment.state.in_(states))
    return list(session.scalars(query.order_by(Enrollment.id)))


def _react(session: Session, enrollment: Enrollment, event: str, now: datetime) -> str | None:
    cadence = enrollment.cadence.name
    if enrollment.state == "completed":
        return _fill_disposition(enrollment, event)
    if event in _EXITS:
        reason, disposition = _EXITS[event]
        end(session, enrollment, state="exited", reason=reason, disposition=disposition, now=now)
        return f"left {cadence}" + (f" ({disposition})" if disposition else "")
    return _follow_listener(session, enrollment, event, now)


def _fill_disposition(enrollment: Enrollment, event: str) -> str | None:
    last = last_finished(enrollment)
    disposition = EMAIL_DISPOSITIONS.get(event)
    if last is None or last.step.type != "email" or disposition is None:
        return None
    current = enrollment.disposition
    if current is not None and _RANK.get(disposition, 0) <= _RANK.get(current, len(_RANK)):
        return None
    enrollment.disposition = disposition
    return f"{enrollment.cadence.name} disposition is now {disposition}"


def _follow_listener(
    session: Session, enrollment: Enrollment, event: str, now: datetime
) -> str | None:
    email_task = last_finished(enrollment)
    if email_task is None or email_task.step.type != "email" or email_task.completed_at is None:
        return None
    where = branch(email_task.step, event)
    if where == "next" or _seen_before(session, enrollment, event, email_task.completed_at):
        return None
    waiting = due_tasks(enrollment)
    cadence = enrollment.cadence.name
    if where == "exit":
        disposition = EMAIL_DISPOSITIONS.get(event)
        end(session, enrollment, state="exited", reason="branch", disposition=disposition, now=now)
        return f"left {cadence}" + (f" ({disposition})" if disposition else "")
    step = following_step(email_task.step, where)
    if step is None:
        return None
    not_before = max((task.due_at for task in waiting), default=now)
    for task in waiting:
        cancel_task(session, task)
    start_step(session, enrollment, step, max(not_before, due_at(enrollment, step, now)))
    return f"moved to {step.name} in {cadence}"


def _seen_before(session: Session, enrollment: Enrollment, event: str, since: datetime) -> bool:
    """A branch is taken on the first such event after the email, not on every re-open."""
    session.flush()
    query = select(func.count()).where(
        EngagementEvent.enrollment_id == enrollment.id,
        EngagementEvent.kind == event,
        EngagementEvent.occurred_at >= since,
    )
    return (session.scalar(query) or 0) > 1  # the event just stored counts once
