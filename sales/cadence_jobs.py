"""The periodic cadence work: automated emails that came due go to the outbox, then out.

Run by the jobs runner every ``jobs.interval_seconds`` (or by ``salesbot jobs run-once`` from
cron). One pass:

1. every automated email step now due, of an active target, is rendered from its template
   and queued in the outbox, and its step is completed (the enrollment moves on: the next
   step comes due after its wait, in the assignee's hours);
2. whatever is queued is sent over SMTP, within each sender's daily limit.

A pass is idempotent: a task's email is queued once (``OutboxEmail.task_id`` is unique), a
completed task is not due any more, and a sent email is not queued any more, so running
twice at the same ``now`` sends nothing twice. One task that cannot be worked (a template
with an unknown merge field) is recorded as a failed email with the reason and does not stop
the others; its step stays due, visible in the rep's "what's due".
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sales.cadence_models import OutboxEmail, StepTask
from sales.cadences import (
    CadenceError,
    complete_task,
    due_automated_emails,
    resume_ended_pauses,
    skip_task,
)
from sales.email_settings import DEFAULT_DAILY_LIMIT, SmtpSettings
from sales.merge_fields import TemplateFieldError, render
from sales.outbox import SendReport, queue_email, send_queued

log = logging.getLogger(__name__)

# Tasks worked per pass; a backlog drains over the following passes.
TASK_BATCH = 200


@dataclass
class CadenceJobReport:
    queued: int = 0  # emails rendered into the outbox (their steps completed)
    skipped: int = 0  # steps skipped: the target has opted out of email
    resumed: int = 0  # paused enrollments whose pause ran out ("pause Priya for two weeks")
    problems: list[str] = field(default_factory=list)  # tasks left due, and why
    sending: SendReport = field(default_factory=SendReport)

    @property
    def summary(self) -> str:
        text = f"{self.queued} email(s) queued; sending: {self.sending.summary}"
        if self.skipped:
            text += f"; {self.skipped} step(s) skipped (opted out of email)"
        if self.resumed:
            text += f"; {self.resumed} paused enrollment(s) resumed"
        if self.problems:
            text += f"; {len(self.problems)} problem(s): " + "; ".join(self.problems)
        return text


def run_due_work(
    session: Session,
    now: datetime,
    smtp: SmtpSettings | None,
    *,
    daily_limit: int = DEFAULT_DAILY_LIMIT,
    organization: str = "",
    batch: int = TASK_BATCH,
) -> CadenceJobReport:
    """One pass of the cadence job at ``now`` (aware UTC). Commits: pass a session that is
    not inside ``session.begin()``."""
    report = CadenceJobReport()
    # Pauses that ran out first, so their emails that are due go out in this same pass.
    report.resumed = resume_ended_pauses(session, now)
    session.commit()
    for task in due_automated_emails(session, now, limit=batch):
        try:
            with session.begin_nested():  # one task's failure leaves the others done
                _work(session, task, now, organization, report)
        except (CadenceError, IntegrityError) as error:
            # IntegrityError: another runner queued this task's email first.
            report.problems.append(f"task {task.id}: {error}")
            log.warning("cadence job: task %s left as it was: %s", task.id, error)
    session.commit()
    report.sending = send_queued(session, smtp, now=now, daily_limit=daily_limit)
    return report


def _work(session: Session, task: StepTask, now: datetime, organization: str,
          report: CadenceJobReport) -> None:
    enrollment, step = task.enrollment, task.step
    recipient, sender = enrollment.target, enrollment.assignee
    where = f"{enrollment.cadence.name}, step {step.position} ({step.name})"
    if recipient.email_opt_out:
        # Consent first: the email step is passed over, the target's other steps go on.
        _record(session, task, sender.id, recipient.email, step.subject or step.name,
                status="cancelled", error=f"{recipient.email} opted out of email", now=now)
        skip_task(session, task, actor=None, now=now)
        report.skipped += 1
        return
    try:
        email = render(step.template or "", step.subject or step.name, recipient, sender,
                       organization=organization)
    except TemplateFieldError as error:
        # Kept in the outbox so the failure is visible; the step stays due for a person.
        problem = f"{where}: {error}"
        _record(session, task, sender.id, recipient.email, step.subject or step.name,
                status="failed", error=problem, now=now, body=step.template or "")
        report.problems.append(problem)
        log.warning("cadence job: cannot render the email for %s: %s", recipient.email, problem)
        return
    queue_email(session, sender=sender, recipient=recipient, email=email, now=now, task=task)
    complete_task(session, task, actor=None, result=None, now=now)
    report.queued += 1


def _record(session: Session, task: StepTask, sender_id: int, to_email: str, subject: str, *,
            status: str, error: str, now: datetime, body: str = "") -> None:
    session.add(OutboxEmail(task_id=task.id, sender_id=sender_id, to_email=to_email,
                            subject=subject[:300], body=body, status=status, error=error,
                            created_at=now))
    session.flush()
