"""A cadence against the clock: across a weekend and a DST change, out through a real SMTP server.

Call -> (2 days) automated email -> (1 day) call, enrolled on the Thursday before the clocks
change in America/New_York. The clock moves day by day and the cadence job runs the way the
jobs runner runs it (``actions.jobs:run_cadence_jobs`` with the project's config.yml).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from actions.jobs import run_cadence_jobs
from bot.config import Config, load_config
from bot.db import make_engine
from sales.cadence_models import Enrollment, OutboxEmail, StepTask
from sales.cadences import complete_task, enroll
from sales.data import load_fixtures
from sales.models import Base, User
from sales.prospects import Lead
from tests.support.smtp import SmtpServer, smtp_server

NY = ZoneInfo("America/New_York")

FIXTURES = """
users:
  - {email: maria@acme.example, name: Maria Lopez, role: manager, timezone: America/New_York}
  - {email: sam@acme.example, name: Sam Patel, role: rep, manager: maria@acme.example,
     timezone: America/New_York, working_hours: "09:00-17:00"}
leads:
  - {email: ann@initech.example, first_name: Ann, last_name: Lee, company: Initech,
     owner: sam@acme.example}
  - {email: bo@hooli.example, first_name: Bo, last_name: Diaz, company: Hooli,
     owner: sam@acme.example}
cadences:
  - name: Q4 Outbound
    owner: maria@acme.example
    status: active
    skip_weekends: true
    steps:
      - {type: call, name: Intro call}
      - type: email
        name: Intro email
        after_days: 2
        subject: "{{Recipient.Company}} and {{Organization.Name}}"
        template: |
          Hi {{Recipient.FirstName}},
          I tried to reach you by phone. Teams like {{Recipient.Company}} use Acme.
          {{Sender.Name}}
      - {type: call, name: Follow-up call, after_days: 1}
"""


@dataclass(frozen=True)
class DstWeek:
    """The Thursday before a change of the clocks, and the offsets before and after."""

    thursday: datetime
    offset_before: timedelta
    offset_after: timedelta


FALL_BACK = DstWeek(datetime(2025, 10, 30, tzinfo=NY), timedelta(hours=-4), timedelta(hours=-5))
SPRING_FORWARD = DstWeek(datetime(2026, 3, 5, tzinfo=NY), timedelta(hours=-5),
                         timedelta(hours=-4))


def local(week: DstWeek, days: int, hour: int, minute: int = 0) -> datetime:
    """``days`` after the Thursday, at ``hour:minute`` on the New York wall clock, in UTC."""
    day = (week.thursday + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=NY).astimezone(UTC)


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with smtp_server() as running:
        yield running


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'sales.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url


@pytest.fixture
def project(tmp_path: Path, database_url: str, server: SmtpServer,
            monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Config, Engine]]:
    """A config.yml whose email goes to the test's SMTP server, one email per rep per day."""
    monkeypatch.delenv("SALESBOT_DATABASE_URL", raising=False)
    (tmp_path / "config.yml").write_text(
        f"database: {{url: '{database_url}'}}\n"
        "jobs: {tasks: ['actions.jobs:run_cadence_jobs']}\n"
        "email:\n"
        "  daily_limit_per_user: 1\n"
        "  organization: Acme\n"
        f"  smtp: {{host: {server.host}, port: {server.port}, timeout: 5}}\n",
        encoding="utf-8",
    )
    (tmp_path / "org.yml").write_text(FIXTURES, encoding="utf-8")
    engine = make_engine(database_url)
    Base.metadata.create_all(engine)
    load_fixtures(engine, tmp_path / "org.yml")
    try:
        yield load_config(tmp_path / "config.yml"), engine
    finally:
        engine.dispose()


def tasks(engine: Engine, step: str) -> dict[str, StepTask]:
    """Each lead's task for ``step``, by the lead's email."""
    with Session(engine, expire_on_commit=False) as session:
        rows = session.execute(
            select(Lead.email, StepTask)
            .join(Enrollment, Enrollment.lead_id == Lead.id)
            .join(StepTask, StepTask.enrollment_id == Enrollment.id)
            .where(StepTask.step.has(name=step))
        ).tuples()
        return {email: task for email, task in rows}


def outbox(engine: Engine) -> dict[str, OutboxEmail]:
    with Session(engine) as session:
        return {row.to_email: row for row in session.scalars(select(OutboxEmail))}


def wall_clock(moment: datetime) -> tuple[str, str, timedelta | None]:
    shown = moment.astimezone(NY)
    return shown.strftime("%a"), shown.strftime("%H:%M"), shown.utcoffset()


@pytest.mark.parametrize("week", [FALL_BACK, SPRING_FORWARD], ids=["fall-back", "spring-forward"])
def test_a_cadence_across_a_weekend_and_a_dst_change(
    project: tuple[Config, Engine], server: SmtpServer, week: DstWeek
) -> None:
    config, engine = project
    thursday_10 = local(week, 0, 10)

    with Session(engine) as session:
        sam = session.scalars(select(User).where(User.email == "sam@acme.example")).one()
        outcome = enroll(session, actor=sam, cadence_name="Q4 Outbound",
                         targets=["ann@initech.example", "bo@hooli.example"], now=thursday_10)
        assert outcome.enrolled == ["ann@initech.example", "bo@hooli.example"], outcome.summary
        session.commit()
        # Thursday: the rep calls both and leaves voicemails.
        for task in session.scalars(select(StepTask).where(StepTask.state == "due")):
            assert wall_clock(task.due_at) == ("Thu", "10:00", week.offset_before)
            complete_task(session, task, actor=sam, result="left_voicemail",
                          now=thursday_10 + timedelta(minutes=5))
        session.commit()

    # Two days after Thursday 10:05 is Saturday: with Skip Weekends the email waits for
    # Monday 09:00, on the other side of the clock change.
    monday_9 = local(week, 4, 9)
    emails = tasks(engine, "Intro email")
    assert {task.due_at for task in emails.values()} == {monday_9}
    assert wall_clock(monday_9) == ("Mon", "09:00", week.offset_after)

    for day in (1, 2, 3):  # Friday, Saturday, Sunday: nothing goes out
        assert run_cadence_jobs(config, now=local(week, day, 10)).startswith("0 email(s) queued")
    # 08:30 on Monday, which the old offset would have called 09:00 or later: still nothing.
    run_cadence_jobs(config, now=local(week, 4, 8, 30))
    assert outbox(engine) == {} and server.received == []

    summary = run_cadence_jobs(config, now=monday_9)
    assert summary.startswith("2 email(s) queued; sending: 1 sent, 1 deferred to tomorrow")
    [first] = server.received
    [address] = first.rcpt_tos
    greeted = {"ann@initech.example": ("Ann", "Initech"), "bo@hooli.example": ("Bo", "Hooli")}
    name, company = greeted[address]
    assert first.message["Subject"] == f"{company} and Acme"
    assert first.body == (f"Hi {name},\nI tried to reach you by phone. Teams like {company} "
                          "use Acme.\nSam Patel\n")
    rows = outbox(engine)
    assert {email: row.status for email, row in rows.items()} == {
        address: "sent",
        next(other for other in greeted if other != address): "queued",
    }
    for email, row in rows.items():  # both rendered with their own merge fields
        assert row.body.startswith(f"Hi {greeted[email][0]},")

    # The email step is done for both; the follow-up call comes a day later, at 09:00 local.
    follow_ups = tasks(engine, "Follow-up call")
    assert {wall_clock(task.due_at) for task in follow_ups.values()} == {
        ("Tue", "09:00", week.offset_after)}

    # Over the limit, the second email waits for Sam's next day: not at midnight UTC...
    run_cadence_jobs(config, now=local(week, 4, 23, 30))
    assert len(server.received) == 1
    # ...but at midnight in New York.
    summary = run_cadence_jobs(config, now=local(week, 5, 0, 5))
    assert summary.startswith("0 email(s) queued; sending: 1 sent")
    for later in (local(week, 5, 9, 30), local(week, 6, 9, 30)):
        run_cadence_jobs(config, now=later)
    assert sorted(r.rcpt_tos[0] for r in server.received) == sorted(greeted)
    assert {row.status for row in outbox(engine).values()} == {"sent"}
