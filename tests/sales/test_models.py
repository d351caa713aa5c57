"""The people model: emails are one identity whatever their case; times are UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from sales.models import Team, User


def test_timestamps_come_back_as_utc_whatever_zone_they_were_given_in(engine: Engine) -> None:
    paris_noon = datetime(2026, 3, 1, 12, 0, tzinfo=timezone(timedelta(hours=1)))
    with Session(engine) as session, session.begin():
        session.add(User(email="sam@acme.example", name="Sam", created_at=paris_noon))

    with Session(engine) as session:
        user = session.scalars(select(User)).one()
        assert user.created_at == datetime(2026, 3, 1, 11, 0, tzinfo=UTC)
        assert user.created_at.utcoffset() == timedelta(0)


def test_a_naive_timestamp_is_refused(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(Team(name="East", created_at=datetime(2026, 3, 1, 12, 0)))
        with pytest.raises(StatementError, match="naive datetime"):
            session.flush()


def test_emails_differing_only_in_case_are_one_user(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(User(email="Sam@Acme.example", name="Sam"))
        session.flush()
        session.add(User(email="sam@acme.EXAMPLE", name="Sam again"))
        with pytest.raises(IntegrityError):
            session.flush()


def test_the_database_refuses_an_unknown_role(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(User(email="sam@acme.example", name="Sam", role="boss"))
        with pytest.raises(IntegrityError):
            session.flush()
