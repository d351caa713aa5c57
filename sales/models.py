"""The sales data the assistant acts on, as SQLAlchemy models.

One declarative ``Base`` holds every table so that one ``metadata`` describes the schema the
migrations must produce. Sections below group the models by the part of the business they
describe; later parts (accounts, contacts, leads, cadences, meetings, routing rules) get a
section of their own, or a module of their own once this one grows past a screenful or two.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, MetaData, String
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates
from sqlalchemy.types import TypeDecorator

# Named constraints: Alembic can only alter or drop a constraint it can name, and SQLite's
# batch migrations need the names to rebuild a table.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# --- column types -----------------------------------------------------------------------------


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back as an aware UTC datetime.

    SQLite keeps no zone and PostgreSQL's ``timestamptz`` answers in the session's zone; both
    come back here as UTC so that code converts to a user's zone only at the edges.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value.isoformat()}: give a time zone (UTC)")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


def utc_now() -> datetime:
    return datetime.now(UTC)


# --- people: users and teams ------------------------------------------------------------------

ROLES = ("rep", "manager", "admin")
DEFAULT_ROLE = "rep"
DEFAULT_TIMEZONE = "UTC"
# When cadence steps may come due, in the user's own time zone (the incumbent's default).
DEFAULT_WORKING_HOURS = "09:00-17:00"


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    # use_alter: teams and users refer to each other, so one of the two keys is added after
    # both tables exist.
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", use_alter=True, ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    # post_update: a team's manager may be one of its members; the key is set after both rows
    # exist instead of asking the database for an impossible insert order.
    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id], post_update=True)
    members: Mapped[list[User]] = relationship(back_populates="team", foreign_keys="User.team_id")

    def __repr__(self) -> str:
        return f"Team(id={self.id!r}, name={self.name!r})"


class User(Base):
    """Someone who works with the assistant: a rep, a sales manager or an admin."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(f"role IN ({', '.join(repr(role) for role in ROLES)})", name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default=DEFAULT_ROLE)
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    timezone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIMEZONE)
    working_hours: Mapped[str] = mapped_column(String(11), default=DEFAULT_WORKING_HOURS)
    # Chat identities: how a Slack or Teams message is tied to the user who sent it.
    slack_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    teams_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utc_now)

    manager: Mapped[User | None] = relationship(
        remote_side=[id], foreign_keys=[manager_id], back_populates="reports"
    )
    reports: Mapped[list[User]] = relationship(back_populates="manager", foreign_keys=[manager_id])
    team: Mapped[Team | None] = relationship(back_populates="members", foreign_keys=[team_id])

    @validates("email")
    def _lowercase_email(self, _key: str, email: str) -> str:
        # Emails identify users across channels and imports; case must not make two users.
        return email.strip().lower()

    def __repr__(self) -> str:
        return f"User(id={self.id!r}, email={self.email!r}, role={self.role!r})"
