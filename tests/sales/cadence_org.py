"""A small sales org for the cadence tests, built row by row so each test shows what it needs.

Maria manages team West (Sam, Jane); Omar manages team East (Lee); Alex is an admin. Everyone
works 09:00-17:00 UTC unless a test says otherwise. NOW is Monday 2 March 2026, 10:00 UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

import sales.data  # noqa: F401  (registers every model in the metadata)
from bot.db import make_engine
from sales.cadence_models import Cadence, CadenceStep, Enrollment, OutboxEmail, StepTask
from sales.models import Base, Team, User
from sales.prospects import Account, Contact, Lead, ListMember, SavedList

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday

# (type, name, delay in minutes, branches[, automated])
Step = tuple[Any, ...]
CALL_THEN_EMAIL: list[Step] = [
    ("call", "Day 1: Call", 0, {}),
    ("email", "Day 3: Email", 2 * 24 * 60, {}, True),
    ("call", "Day 5: Call", 2 * 24 * 60, {}),
]


@dataclass
class Org:
    session: Session
    maria: User
    sam: User
    jane: User
    omar: User
    lee: User
    admin: User

    def lead(self, email: str, owner: User | None, **values: Any) -> Lead:
        first, _, last = values.pop("name", email.split("@")[0].title()).partition(" ")
        lead = Lead(email=email, first_name=first, last_name=last, owner=owner, **values)
        self.session.add(lead)
        self.session.flush()
        return lead

    def contact(self, email: str, owner: User | None, **values: Any) -> Contact:
        first, _, last = values.pop("name", email.split("@")[0].title()).partition(" ")
        account = Account(name=values.pop("company", "Fabrikam"))
        contact = Contact(
            email=email, first_name=first, last_name=last, owner=owner, account=account, **values
        )
        self.session.add(contact)
        self.session.flush()
        return contact

    def cadence(
        self,
        name: str = "Q4 Outbound",
        steps: list[Step] | None = None,
        *,
        status: str = "active",
        owner: User | None = None,
        skip_weekends: bool = True,
    ) -> Cadence:
        cadence = Cadence(name=name, status=status, owner=owner, skip_weekends=skip_weekends)
        for position, step in enumerate(steps or CALL_THEN_EMAIL, 1):
            kind, step_name, delay, branches, *rest = step
            automated = bool(rest and rest[0])
            cadence.steps.append(
                CadenceStep(
                    position=position,
                    type=kind,
                    name=step_name,
                    delay_minutes=delay,
                    branches=branches,
                    automated=automated,
                    subject="Hello" if automated else None,
                    template="Hi {{Recipient.FirstName}}" if automated else None,
                )
            )
        self.session.add(cadence)
        self.session.flush()
        return cadence

    def saved_list(self, name: str, emails: list[str], owner: User | None = None) -> SavedList:
        saved = SavedList(name=name, owner=owner)
        saved.members = [ListMember(email=email, position=i) for i, email in enumerate(emails)]
        self.session.add(saved)
        self.session.flush()
        return saved


def build_org(session: Session) -> Org:
    west, east = Team(name="West"), Team(name="East")
    maria = User(email="maria@acme.example", name="Maria Lopez", role="manager", team=west)
    sam = User(email="sam@acme.example", name="Sam Patel", role="rep", team=west, manager=maria)
    jane = User(email="jane@acme.example", name="Jane Kim", role="rep", team=west, manager=maria)
    omar = User(email="omar@acme.example", name="Omar Haddad", role="manager", team=east)
    lee = User(email="lee@acme.example", name="Lee Chen", role="rep", team=east, manager=omar)
    admin = User(email="admin@acme.example", name="Alex Admin", role="admin")
    session.add_all([west, east, maria, sam, jane, omar, lee, admin])
    session.flush()
    west.manager, east.manager = maria, omar
    session.flush()
    return Org(session, maria, sam, jane, omar, lee, admin)


# --- reading back -----------------------------------------------------------------------------


def enrollments(session: Session, **where: Any) -> list[Enrollment]:
    query = select(Enrollment).filter_by(**where).order_by(Enrollment.id)
    return list(session.scalars(query))


def due(session: Session, enrollment: Enrollment) -> list[StepTask]:
    session.flush()
    query = select(StepTask).where(StepTask.enrollment_id == enrollment.id, StepTask.state == "due")
    return list(session.scalars(query))


def queue_email(session: Session, task: StepTask, sender: User) -> OutboxEmail:
    """An email rendered for ``task`` and waiting to be sent, as the email job leaves it."""
    email = OutboxEmail(
        task_id=task.id,
        sender=sender,
        to_email=task.enrollment.target.email,
        subject="Hello",
        body="Hi",
        status="queued",
    )
    session.add(email)
    session.flush()
    return email


@contextmanager
def org_on(engine: Engine) -> Iterator[Org]:
    """The org in a session on ``engine``; the session is closed (uncommitted work dropped)."""
    with Session(engine) as session:
        yield build_org(session)


@contextmanager
def sqlite_engine(folder: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{folder / 'cadences.db'}")
    Base.metadata.create_all(engine)
    try:
        yield engine
    finally:
        engine.dispose()
