"""What every importer shares: the run (one transaction) and how records refer to each other.

An import run is one file, or every kind of a fixture file, in one session; the importers of
sales/data.py and sales/import_*.py each take the run and their kind's records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from sales.importing import SourceRecord
from sales.models import Team, User

_M = TypeVar("_M")


@dataclass
class ImportRun:
    """One transaction's worth of importing: one file, or every kind of a fixture file."""

    session: Session
    base_dir: Path | None = None  # where files a record names (call transcripts) are found
    deferred: list[Callable[[], None]] = field(default_factory=list)
    teams: dict[str, Team] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)  # by email, as they are looked up


Importer = Callable[[ImportRun, list[SourceRecord]], int]


def user_with_email(run: ImportRun, email: str, record: SourceRecord, field_name: str) -> User:
    """The user a record names (an owner, a manager): in this import or the database."""
    user = run.users.get(email)
    if user is None:
        user = run.session.scalars(select(User).where(User.email == email)).first()
        if user is None:
            raise record.error(
                field_name, f"no user with email {email} in this import or the database"
            )
        run.users[email] = user
    return user


def optional_user(
    run: ImportRun, email: str | None, record: SourceRecord, field_name: str
) -> User | None:
    return None if email is None else user_with_email(run, email, record, field_name)


def reject_duplicate(
    seen: dict[str, SourceRecord], key: str, record: SourceRecord, field_name: str
) -> None:
    if key in seen:
        raise record.error(field_name, f"duplicate of {seen[key].where}")
    seen[key] = record


def rows_by_key(
    session: Session, model: type[_M], column: InstrumentedAttribute[Any], keys: Iterable[Any]
) -> dict[Any, _M]:
    """The stored rows whose ``column`` is one of ``keys``, by that value, in a few queries."""
    wanted = list(dict.fromkeys(keys))
    found: dict[Any, _M] = {}
    for start in range(0, len(wanted), 500):  # keep under every database's parameter limit
        chunk = wanted[start : start + 500]
        for row in session.scalars(select(model).where(column.in_(chunk))):
            found[getattr(row, column.key)] = row
    return found
