"""The outbox: automated cadence emails, rendered when their step comes due, sent over SMTP.

An email is queued once per step task (``OutboxEmail.task_id`` is unique), so a job that runs
twice queues it once. Sending happens apart from queueing: with no SMTP server configured the
emails stay queued, visible, and go out once one is. Each sender may send
``daily_limit_per_user`` emails in their own local day (the incumbent's 1,000 with the full
licence, spec/se.md §1.7); the rest wait for the next day (spec L8319). Settings:
:mod:`sales.email_settings`; templates: :mod:`sales.merge_fields`.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from sales.cadence_models import OutboxEmail, StepTask
from sales.email_settings import (
    DEFAULT_DAILY_LIMIT,
    EmailSettings,
    EmailSettingsError,
    SmtpSettings,
    email_settings,
)
from sales.merge_fields import RenderedEmail, TemplateFieldError, check_template, render
from sales.models import User
from sales.prospects import Contact, Lead
from sales.schedule import local_day_bounds

__all__ = [
    "DEFAULT_DAILY_LIMIT",
    "EmailSettings",
    "EmailSettingsError",
    "RenderedEmail",
    "SendReport",
    "SmtpSettings",
    "TemplateFieldError",
    "check_template",
    "email_settings",
    "emails_sent_today",
    "queue_email",
    "render",
    "send_queued",
    "sends_left_today",
]

log = logging.getLogger(__name__)

# Emails tried per run: a run stays short, the rest go out on the next one.
SEND_BATCH = 500
_no_smtp_reported = False


# --- queue ------------------------------------------------------------------------------------


def queue_email(
    session: Session,
    *,
    sender: User,
    recipient: Lead | Contact,
    email: RenderedEmail,
    now: datetime,
    task: StepTask | None = None,
) -> OutboxEmail:
    """Put ``email`` in the outbox; a task's email is queued once however often this is called."""
    if task is not None and task.id is not None:
        existing = session.scalar(select(OutboxEmail).where(OutboxEmail.task_id == task.id))
        if existing is not None:
            return existing
    row = OutboxEmail(
        task_id=task.id if task is not None else None,
        sender=sender,
        to_email=recipient.email,
        subject=email.subject,
        body=email.body,
        status="queued",
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


# --- the daily limit --------------------------------------------------------------------------


def emails_sent_today(session: Session, sender: User, now: datetime) -> int:
    """Emails ``sender`` has sent in their own local day (the day ``now`` falls in)."""
    start, end = local_day_bounds(now, sender.timezone)
    count = session.scalar(
        select(func.count()).select_from(OutboxEmail).where(
            OutboxEmail.sender_id == sender.id,
            OutboxEmail.status == "sent",
            OutboxEmail.sent_at >= start,
            OutboxEmail.sent_at < end,
        )
    )
    return int(count or 0)


def sends_left_today(session: Session, sender: User, now: datetime,
                     daily_limit: int = DEFAULT_DAILY_LIMIT) -> int:
    """How many more automated emails ``sender`` may send today (an enrolment may check it)."""
    return max(0, daily_limit - emails_sent_today(session, sender, now))


# --- sending ----------------------------------------------------------------------------------


@dataclass
class SendReport:
    """What one pass over the outbox did."""

    sent: int = 0
    failed: int = 0  # refused for good by the server: the error is on the email
    cancelled: int = 0  # the recipient opted out after the email was queued
    deferred: int = 0  # over the sender's daily limit: waits for their next local day
    waiting: int = 0  # still queued: no SMTP configured, or the server could not be reached
    error: str | None = None  # why the server could not be used, when it could not

    @property
    def summary(self) -> str:
        parts = [f"{count} {what}" for what, count in (
            ("sent", self.sent), ("failed", self.failed), ("cancelled", self.cancelled),
            ("deferred to tomorrow", self.deferred), ("waiting", self.waiting)) if count]
        text = ", ".join(parts) or "nothing to send"
        return f"{text} ({self.error})" if self.error else text


class _ConnectionLost(Exception):
    pass


def send_queued(
    session: Session,
    smtp: SmtpSettings | None,
    *,
    now: datetime,
    daily_limit: int = DEFAULT_DAILY_LIMIT,
    batch: int = SEND_BATCH,
) -> SendReport:
    """Send queued emails, oldest first, each in a transaction of its own.

    Commits as it goes (pass a session outside ``session.begin()``): an email's "sent" must
    be stored as soon as the server took it. Each email is claimed by a conditional UPDATE,
    so two runners (two processes on PostgreSQL, or a cron run beside the server) never send
    one twice. A server that cannot be reached leaves everything queued for the next run.
    """
    ids = list(session.scalars(
        select(OutboxEmail.id).where(OutboxEmail.status == "queued")
        .order_by(OutboxEmail.created_at, OutboxEmail.id).limit(batch)
    ))
    session.commit()  # end the read: each email gets its own transaction below
    if not ids:
        return SendReport()
    if smtp is None:
        _report_no_smtp(len(ids))
        return SendReport(waiting=len(ids))
    report = SendReport()
    try:
        connection = _connect(smtp)
    except (OSError, smtplib.SMTPException) as error:
        report.waiting, report.error = len(ids), _server_problem(smtp, error)
        log.warning("outbox: %s; %d email(s) stay queued", report.error, len(ids))
        return report
    sends_left: dict[int, int] = {}
    with connection:
        for position, email_id in enumerate(ids):
            try:
                _send_one(session, connection, smtp, email_id, now, daily_limit, sends_left,
                          report)
            except _ConnectionLost as error:
                report.waiting += len(ids) - position
                report.error = _server_problem(smtp, error.__cause__ or error)
                log.warning("outbox: %s; the rest stay queued", report.error)
                break
    return report


def _report_no_smtp(count: int) -> None:
    global _no_smtp_reported
    if not _no_smtp_reported:
        _no_smtp_reported = True
        log.warning("outbox: no SMTP server configured (config.yml email.smtp); %d email(s) "
                    "stay queued until one is", count)


def _server_problem(smtp: SmtpSettings, error: BaseException) -> str:
    return f"SMTP server {smtp.host}:{smtp.port}: {_describe(error)}"


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        message = error.smtp_error
        text = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
        return f"{error.smtp_code} {text}"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{who}: {code} {message.decode(errors='replace')}"
                         for who, (code, message) in error.recipients.items())
    return str(error) or type(error).__name__


def _connect(smtp: SmtpSettings) -> smtplib.SMTP:
    connection = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    try:
        connection.ehlo()
        if smtp.starttls:
            connection.starttls(context=ssl.create_default_context())
            connection.ehlo()
        if smtp.username:
            connection.login(smtp.username, smtp.password or "")
    except BaseException:
        connection.close()
        raise
    return connection


def _claim(session: Session, email_id: int) -> OutboxEmail | None:
    """Lock the email while it is still queued (a no-op UPDATE takes the row's write lock)."""
    claimed = session.execute(
        update(OutboxEmail)
        .where(OutboxEmail.id == email_id, OutboxEmail.status == "queued")
        .values(status="queued")
        .execution_options(synchronize_session=False)
    )
    if not isinstance(claimed, CursorResult) or claimed.rowcount != 1:
        session.rollback()
        return None
    return session.get(OutboxEmail, email_id, populate_existing=True)


def _send_one(
    session: Session,
    connection: smtplib.SMTP,
    smtp: SmtpSettings,
    email_id: int,
    now: datetime,
    daily_limit: int,
    sends_left: dict[int, int],
    report: SendReport,
) -> None:
    email = _claim(session, email_id)
    if email is None:
        return  # sent or cancelled meanwhile
    if email.sender_id not in sends_left:
        sends_left[email.sender_id] = sends_left_today(session, email.sender, now, daily_limit)
    if sends_left[email.sender_id] <= 0:
        report.deferred += 1
        session.rollback()
        return
    if _opted_out(session, email.to_email):
        email.status, email.error = "cancelled", f"{email.to_email} opted out of email"
        report.cancelled += 1
        session.commit()
        return
    try:
        connection.send_message(_message(email, smtp, now))
    except smtplib.SMTPServerDisconnected as error:
        session.rollback()
        raise _ConnectionLost() from error
    except smtplib.SMTPException as error:  # before OSError: SMTPException is one
        _refused(email, error, report)
        session.commit()
        return
    except OSError as error:
        session.rollback()
        raise _ConnectionLost() from error
    email.status, email.sent_at, email.error = "sent", now, None
    sends_left[email.sender_id] -= 1
    report.sent += 1
    session.commit()


def _refused(email: OutboxEmail, error: smtplib.SMTPException, report: SendReport) -> None:
    """A 5xx refusal fails the email for good; a 4xx one leaves it queued for the next run."""
    email.error = _describe(error)
    codes = [code for code, _ in getattr(error, "recipients", {}).values()]
    codes.append(getattr(error, "smtp_code", 500))
    if any(400 <= code < 500 for code in codes):
        report.waiting += 1
        log.info("outbox: email %d to %s deferred by the server: %s", email.id, email.to_email,
                 email.error)
        return
    email.status = "failed"
    report.failed += 1
    log.warning("outbox: email %d to %s failed: %s", email.id, email.to_email, email.error)


def _opted_out(session: Session, address: str) -> bool:
    """Consent is checked again at sending: an opt-out may arrive after the email was queued."""
    for model in (Lead, Contact):
        found = session.scalar(select(model.id).where(
            model.email == address.lower(), model.email_opt_out.is_(True)))
        if found is not None:
            return True
    return False


def _message(email: OutboxEmail, smtp: SmtpSettings, now: datetime) -> EmailMessage:
    sender = email.sender
    address = smtp.from_address or sender.email
    message = EmailMessage()
    message["From"] = formataddr((sender.name, address))
    if address.lower() != sender.email.lower():
        message["Reply-To"] = formataddr((sender.name, sender.email))
    message["To"] = email.to_email
    message["Subject"] = email.subject
    message["Date"] = format_datetime(now)
    if not email.message_id:
        email.message_id = make_msgid(domain=address.rpartition("@")[2] or None)
    message["Message-ID"] = email.message_id
    message.set_content(email.body)
    return message
