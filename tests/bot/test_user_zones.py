"""A known user's stored time zone stands in when the channel sends none."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from bot.user_zones import UserZones
from sales.data import user_timezone
from sales.models import Base, User


def test_the_zone_stored_with_a_user_is_theirs_and_strangers_have_none(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'org.db'}")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(User(email="sam@acme.example", name="Sam Patel",
                         timezone="America/Los_Angeles"))
        session.commit()
    zones = UserZones.from_plugins(["sales.data"], engine)
    assert zones.of("sam@acme.example") == "America/Los_Angeles"
    assert user_timezone(engine, " SAM@acme.example") == "America/Los_Angeles"  # as typed
    assert zones.of("visitor@example.com") is None
    assert zones.of(None) is None
    # A project without a data plugin offering zones falls back to the default zone.
    assert UserZones.from_plugins(["bot.config"], engine).of("sam@acme.example") is None
    engine.dispose()
