"""The cadence job: due automated emails are rendered into the outbox, sent, and advance."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sales.cadence_jobs import run_due_work
from sales.cadence_models import CadenceStep, Enrollment, OutboxEmail, StepTask
from sales.cadences import enroll, pause, remove, resume
from sales.data import load_fixtures
from sales.models import User
from sales.outbox import SmtpSettings
from sales.prospects import Lead
from tests.support.smtp import SmtpServer, smtp_server

# Wednesday 15 October 2025, 10:00 in New York: inside Sam's working hours.
NOW = datetime(2025, 10, 15, 14, 0, tzinfo=UTC)

FIXTURES = """
users:
  - {email: maria@acme.example, name: Maria Lopez, role: manager, timezone: America/New_York}
  - {email: sam@acme.example, name: Sam Patel, role: rep, manager: maria@acme.example,
     timezone: America/New_York}
leads:
  - {email: ann@initech.example, first_name: Ann, last_name: Lee, company: Initech,
     owner: sam@acme.example}
  - {email: bo@hooli.example, first_name: Bo, last_name: Diaz, company: Hooli,
     owner: sam@acme.example}
cadences:
  - name: Auto Intro
    owner: maria@acme.example
    status: active
    skip_weekends: true
    steps:
      - type: email
        name: Intro email
        subject: "{{Recipient.Company}} and Acme"
        template: |
          Hi {{Recipient.FirstName}},
          teams like {{Recipient.Company}} use Acme.
          {{Sender.Name}}, {{Organization.Name}}
      - {type: call, name: Follow-up call, after_days: 1}
"""


@pytest.fixture
def session(engine: Engine, tmp_path: Path) -> Iterator[Session]:
    path = tmp_path / "org.yml"
    path.write_text(FIXTURES, encoding="utf-8")
    load_fixtures(engine, path)
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with smtp_server() as running:
        yield running


def smtp(server: SmtpServer) -> SmtpSettings:
    return SmtpSettings(host=server.host, port=server.port, timeout=5)


def enrol(session: Session, *emails: str, now: datetime = NOW) -> None:
    sam = session.scalars(select(User).where(User.email == "sam@acme.example")).one()
    outcome = enroll(session, actor=sam, cadence_name="Auto Intro", targets=list(emails), now=now)
    assert len(outcome.enrolled) == len(emails), outcome.summary
    session.commit()


def tasks_of(session: Session, email: str) -> list[tuple[str, str, datetime]]:
    session.expire_all()
    lead = session.scalars(select(Lead).where(Lead.email == email)).one()
    enrollment = session.scalars(select(Enrollment).where(Enrollment.lead_id == lead.id)).one()
    return [(task.step.name, task.state, task.due_at) for task in enrollment.tasks]


def outbox(session: Session) -> list[OutboxEmail]:
    session.expire_all()
    return list(session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


def test_a_due_email_is_rendered_sent_once_and_the_cadence_moves_on(
    session: Session, server: SmtpServer
) -> None:
    enrol(session, "ann@initech.example")

    report = run_due_work(session, NOW, smtp(server), organization="Acme")
    again = run_due_work(session, NOW, smtp(server), organization="Acme")

    assert (report.queued, report.sending.sent) == (1, 1), report.summary
    assert (again.queued, again.sending.sent) == (0, 0), again.summary
    [received] = server.received
    assert received.rcpt_tos == ["ann@initech.example"]
    assert received.message["Subject"] == "Initech and Acme"
    assert received.body == "Hi Ann,\nteams like Initech use Acme.\nSam Patel, Acme\n"
    [email] = outbox(session)
    assert (email.status, email.sent_at, email.subject) == ("sent", NOW, "Initech and Acme")
    # The email step is done; the call is due a day later at the same local time.
    assert tasks_of(session, "ann@initech.example") == [
        ("Intro email", "completed", NOW),
        ("Follow-up call", "due", NOW + timedelta(days=1)),
    ]


def test_nothing_is_sent_before_the_step_is_due(session: Session, server: SmtpServer) -> None:
    evening = datetime(2025, 10, 15, 23, 0, tzinfo=UTC)  # 19:00 in New York: after hours
    enrol(session, "ann@initech.example", now=evening)
    assert run_due_work(session, evening + timedelta(hours=1), smtp(server)).queued == 0
    next_morning = datetime(2025, 10, 16, 13, 0, tzinfo=UTC)  # 09:00 in New York
    assert run_due_work(session, next_morning, smtp(server)).queued == 1
    assert len(server.received) == 1


def test_paused_and_removed_targets_get_no_email(session: Session, server: SmtpServer) -> None:
    enrol(session, "ann@initech.example", "bo@hooli.example")
    sam = session.scalars(select(User).where(User.email == "sam@acme.example")).one()
    pause(session, actor=sam, target="ann@initech.example", cadence_name="Auto Intro",
          now=NOW)
    remove(session, actor=sam, targets=["bo@hooli.example"], cadence_name="Auto Intro",
           now=NOW)
    session.commit()

    report = run_due_work(session, NOW, smtp(server))

    assert report.queued == 0 and server.received == []
    resume(session, actor=sam, target="ann@initech.example", cadence_name="Auto Intro",
           now=NOW + timedelta(hours=1))
    session.commit()
    assert run_due_work(session, NOW + timedelta(hours=1), smtp(server)).queued == 1
    assert [r.rcpt_tos for r in server.received] == [["ann@initech.example"]]


def test_without_smtp_the_email_waits_in_the_outbox_and_goes_out_later(
    session: Session, server: SmtpServer
) -> None:
    enrol(session, "ann@initech.example")
    first = run_due_work(session, NOW, None)
    assert (first.queued, first.sending.waiting) == (1, 1)
    assert [e.status for e in outbox(session)] == ["queued"]
    assert tasks_of(session, "ann@initech.example")[0][1] == "completed"

    later = run_due_work(session, NOW + timedelta(minutes=5), smtp(server))
    assert (later.queued, later.sending.sent) == (0, 1)
    assert len(server.received) == 1


def test_a_bad_template_is_reported_and_the_other_emails_still_go(
    session: Session, server: SmtpServer
) -> None:
    enrol(session, "ann@initech.example")
    step = session.scalars(select(CadenceStep).where(CadenceStep.name == "Intro email")).one()
    step.template = "Hi {{Recipient.Nickname}}"
    session.commit()
    enrol(session, "bo@hooli.example")  # its task is due too: the same broken step

    report = run_due_work(session, NOW, smtp(server))
    assert report.queued == 0 and len(report.problems) == 2
    assert "Auto Intro, step 1 (Intro email)" in report.problems[0]
    assert "{{Recipient.Nickname}}" in report.problems[0]
    assert {(e.status, e.to_email) for e in outbox(session)} == {
        ("failed", "ann@initech.example"), ("failed", "bo@hooli.example")}
    # The step stays due for a person to see; a second pass does not pile up failures.
    assert tasks_of(session, "ann@initech.example")[0][1] == "due"
    assert run_due_work(session, NOW + timedelta(minutes=1), smtp(server)).problems == []
    assert len(outbox(session)) == 2 and server.received == []


def test_an_opted_out_target_skips_the_email_step(session: Session, server: SmtpServer) -> None:
    enrol(session, "ann@initech.example")
    lead = session.scalars(select(Lead).where(Lead.email == "ann@initech.example")).one()
    lead.email_opt_out = True  # set by an import, say, without an opt-out event
    session.commit()

    report = run_due_work(session, NOW, smtp(server))

    assert (report.queued, report.skipped) == (0, 1) and server.received == []
    [email] = outbox(session)
    assert email.status == "cancelled" and "opted out" in (email.error or "")
    states = [(name, state) for name, state, _ in tasks_of(session, "ann@initech.example")]
    assert states == [("Intro email", "skipped"), ("Follow-up call", "due")]


def test_the_daily_limit_holds_emails_for_the_next_day(session: Session,
                                                       server: SmtpServer) -> None:
    enrol(session, "ann@initech.example", "bo@hooli.example")
    report = run_due_work(session, NOW, smtp(server), daily_limit=1)
    assert (report.queued, report.sending.sent, report.sending.deferred) == (2, 1, 1)
    tomorrow = NOW + timedelta(days=1)
    assert run_due_work(session, tomorrow, smtp(server), daily_limit=1).sending.sent == 1
    assert sorted(r.rcpt_tos[0] for r in server.received) == [
        "ann@initech.example", "bo@hooli.example"]


def test_task_rows_are_unique_per_email(session: Session) -> None:
    enrol(session, "ann@initech.example")
    run_due_work(session, NOW, None)
    task_ids = [e.task_id for e in outbox(session)]
    assert len(task_ids) == 1 and session.get(StepTask, task_ids[0]) is not None
