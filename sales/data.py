"""The data plugin: the schema and the imports the bot reaches by name (``data.module``).

The bot never imports this module statically; it loads it from config.yml and uses only what
is public here: ``metadata``, ``KINDS``, ``DataImportError``, ``import_file``,
``import_records``, ``load_fixtures`` and ``record_names`` (what records are called, for the
NLU to recognise them in messages).

Every import is all-or-nothing: one bad record rolls back the whole file. Records are upserted
by their natural key (a user's, contact's or lead's email, an account's domain else its name,
the name of a team, list or cadence), so importing a file again updates what it imported
before instead of duplicating it. The kinds beyond teams and users live in sales/import_*.py.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

import sales
from sales.import_cadences import import_cadences
from sales.import_lists import import_lists
from sales.import_prospects import import_accounts, import_contacts, import_leads
from sales.import_run import Importer, ImportRun, reject_duplicate, rows_by_key, user_with_email
from sales.importing import (
    DataImportError,
    Fields,
    SourceRecord,
    mapping_value_node,
    read_file,
    read_yaml,
    records_from_list,
    yaml_records,
)
from sales.models import DEFAULT_ROLE, DEFAULT_TIMEZONE, ROLES, Base, Team, User
from sales.names import record_names

__all__ = [
    "FIXTURE_KINDS",
    "KINDS",
    "DataImportError",
    "import_file",
    "import_records",
    "load_fixtures",
    "metadata",
    "record_names",
]

metadata = Base.metadata

# In dependency order: a kind may refer to the kinds before it. References that point forward
# (a team's manager is a user) are resolved once every kind of the run is in.
KINDS: tuple[str, ...] = ("teams", "users", "accounts", "contacts", "leads", "lists", "cadences")

# Every kind a fixture file may name (DESIGN.md); those not in KINDS are not importable yet.
FIXTURE_KINDS: tuple[str, ...] = (
    "users", "teams", "accounts", "contacts", "leads", "lists", "cadences", "events",
    "routing_rules", "calls",
)  # fmt: skip

_T = TypeVar("_T")


def user_timezone(engine: Engine, email: str) -> str | None:
    """The IANA zone stored for the user with this email, for channels that do not tell one
    (the shell, REST without metadata): "tomorrow at 3pm" is Sam's 3pm wherever he types."""
    with Session(engine) as session:
        zone = session.scalar(select(User.timezone).where(User.email == email.strip().lower()))
    return str(zone) if zone else None


def import_file(engine: Engine, kind: str, path: Path) -> int:
    """Import a CSV or YAML file of ``kind``; returns how many records it imported."""
    importer = _importer(kind, str(path))
    records = read_file(path, kind)
    return _in_transaction(engine, path.name, path.parent, lambda run: importer(run, records))


def import_records(engine: Engine, kind: str, records: list[dict[str, Any]], source: str) -> int:
    """Import records given in code; ``source`` labels them in error messages."""
    importer = _importer(kind, source)
    rows = records_from_list(records, source)
    return _in_transaction(engine, source, None, lambda run: importer(run, rows))


def load_fixtures(
    engine: Engine, path: Path, kinds: Collection[str] | None = None
) -> dict[str, int]:
    """Import a fixture file (one key per kind) in one transaction; counts per kind.

    ``kinds``: import only these, leaving the file's other kinds to another data plugin
    (config.yml ``data.module`` may list several).
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise DataImportError(f"{path}: cannot read: {error.strerror or error}") from error
    data, node = read_yaml(text, path.name)
    if data is None:
        return {}
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise DataImportError(f"{path.name}: expected a mapping with one key per kind")
    for kind in data if kinds is None else ():
        if kind not in KINDS:
            status = "cannot be imported yet" if kind in FIXTURE_KINDS else "is not a kind"
            raise DataImportError(
                f"{path.name}: '{kind}' {status}; supported kinds: {', '.join(KINDS)}"
            )
    batches = [
        (kind, yaml_records(data[kind], mapping_value_node(node, kind), path.name, kind))
        for kind in KINDS
        if kind in data and (kinds is None or kind in kinds)
    ]

    def run_all(run: ImportRun) -> dict[str, int]:
        return {kind: _IMPORTERS[kind](run, records) for kind, records in batches}

    return _in_transaction(engine, path.name, path.parent, run_all)


def _importer(kind: str, source: str) -> Importer:
    if kind not in _IMPORTERS:
        raise DataImportError(
            f"{source}: cannot import '{kind}'; supported kinds: {', '.join(KINDS)}"
        )
    return _IMPORTERS[kind]


def _in_transaction(
    engine: Engine, source: str, base_dir: Path | None, work: Callable[[ImportRun], _T]
) -> _T:
    try:
        with Session(engine) as session, session.begin():
            run = ImportRun(session, base_dir)
            result = work(run)
            for resolve in run.deferred:
                resolve()
            return result
    except SQLAlchemyError as error:
        reason = " ".join(str(getattr(error, "orig", None) or error).split())
        raise DataImportError(f"{source}: the database refused the import: {reason}") from error


# --- teams ------------------------------------------------------------------------------------


def _import_teams(run: ImportRun, records: list[SourceRecord]) -> int:
    seen: dict[str, SourceRecord] = {}
    for record in records:
        fields = Fields(record, ("name", "manager"))
        name = fields.required_text("name")
        manager_email = fields.email("manager")
        reject_duplicate(seen, name.casefold(), record, "name")
        team = _team_named(run, name)
        if manager_email is not None:
            # The manager may be a user imported later in the same run (fixtures).
            run.deferred.append(_set_team_manager(run, team, manager_email, record))
    return len(records)


def _set_team_manager(
    run: ImportRun, team: Team, email: str, record: SourceRecord
) -> Callable[[], None]:
    def resolve() -> None:
        team.manager = user_with_email(run, email, record, "manager")

    return resolve


def _team_named(run: ImportRun, name: str) -> Team:
    """The team called ``name`` (any case), created if there is none: what an admin expects."""
    key = name.casefold()
    if key not in run.teams:
        found = run.session.scalars(select(Team).where(func.lower(Team.name) == name.lower()))
        team = found.first()
        if team is None:
            team = Team(name=name)
            run.session.add(team)
        run.teams[key] = team
    return run.teams[key]


# --- users ------------------------------------------------------------------------------------

_USER_FIELDS = (
    "email", "name", "role", "manager", "team", "timezone", "working_hours", "slack_id",
    "teams_id",
)  # fmt: skip


@dataclass
class _UserRow:
    record: SourceRecord
    email: str
    values: dict[str, str | None]

    def __getitem__(self, key: str) -> str | None:
        return self.values[key]


def _import_users(run: ImportRun, records: list[SourceRecord]) -> int:
    rows = [_read_user(record) for record in records]
    for identity in ("email", "slack_id", "teams_id"):
        seen: dict[str, SourceRecord] = {}
        for row in rows:
            value = row[identity]
            if value is not None:
                reject_duplicate(seen, value.casefold(), row.record, identity)
    existing = rows_by_key(run.session, User, User.email, [row.email for row in rows])
    users = [_upsert_user(run, row, existing.get(row.email)) for row in rows]
    run.session.flush()  # a second pass refers to the users of the first by id
    for row, user in zip(rows, users, strict=True):
        if row["manager"] is not None:
            user.manager = user_with_email(run, row["manager"], row.record, "manager")
    _reject_manager_cycles(run.session, rows, users)
    return len(rows)


def _read_user(record: SourceRecord) -> _UserRow:
    fields = Fields(record, _USER_FIELDS)
    email = fields.required_email("email")
    values = {
        "email": email,
        "name": fields.text("name"),
        "role": fields.choice("role", ROLES),
        "manager": fields.email("manager"),
        "team": fields.text("team"),
        "timezone": fields.timezone("timezone"),
        "working_hours": fields.working_hours("working_hours"),
        "slack_id": fields.text("slack_id", max_length=64),
        "teams_id": fields.text("teams_id"),
    }
    if values["manager"] == email:
        raise record.error("manager", "a user cannot be their own manager")
    return _UserRow(record, email, values)


def _upsert_user(run: ImportRun, row: _UserRow, user: User | None) -> User:
    if user is None:
        if row["name"] is None:
            raise row.record.error("name", "required for a new user")
        user = User(email=row.email, role=DEFAULT_ROLE, timezone=DEFAULT_TIMEZONE)
        run.session.add(user)
    for column in ("name", "role", "timezone", "working_hours", "slack_id", "teams_id"):
        if row[column] is not None:
            setattr(user, column, row[column])
    _reject_taken_identity(run.session, row, user)
    team_name = row["team"]
    if team_name is not None:
        user.team = _team_named(run, team_name)
    return user


def _reject_taken_identity(session: Session, row: _UserRow, user: User) -> None:
    """A chat identity names one user; say which user already has it."""
    for field_name, column in (("slack_id", User.slack_id), ("teams_id", User.teams_id)):
        value = row[field_name]
        if value is None:
            continue
        with session.no_autoflush:
            other = session.scalars(
                select(User).where(column == value, User.email != row.email)
            ).first()
        if other is not None:
            raise row.record.error(field_name, f"{value!r} already belongs to {other.email}")


def _reject_manager_cycles(session: Session, rows: list[_UserRow], users: list[User]) -> None:
    """A manager chain must end: reporting lines decide who sees whose calls and leads."""
    session.flush()
    manager_of = dict(session.execute(select(User.id, User.manager_id)).tuples().all())
    for row, user in zip(rows, users, strict=True):
        visited = {user.id}
        current = manager_of.get(user.id)
        while current is not None:
            if current in visited:
                raise row.record.error("manager", "the chain of managers loops back on itself")
            visited.add(current)
            current = manager_of.get(current)


_IMPORTERS: dict[str, Importer] = {
    "teams": _import_teams,
    "users": _import_users,
    "accounts": import_accounts,
    "contacts": import_contacts,
    "leads": import_leads,
    "lists": import_lists,
    "cadences": import_cadences,
}


def _register_every_model() -> None:
    """Import every sales module, so ``metadata`` is the whole schema wherever a model lives.

    Creating a database (tests, the demo) and comparing it with the migrations both rely on
    ``metadata``; a model in a module nobody imported yet would be silently left out.
    Runs last so that a sales module importing this one finds it complete.
    """
    for module in pkgutil.iter_modules(sales.__path__, "sales."):
        importlib.import_module(module.name)


_register_every_model()
