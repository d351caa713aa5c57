"""Importing saved lists ("Dreamforce webinar"): a name, an owner and the people on it.

Members are emails of leads or contacts already in the database (or earlier in the same
fixture file). In YAML ``members`` is a list; in CSV it is a cell of emails separated by ';' or
'|', and several rows may carry the same list name (one member a row, say): their members add
up. Re-importing a list replaces its members with the file's, in the file's order; a list
given no members at all keeps the ones it has.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sales.import_run import ImportRun, optional_user, rows_by_key
from sales.importing import Fields, SourceRecord
from sales.models import User
from sales.prospects import Contact, Lead, ListMember, SavedList

_LIST_FIELDS = ("name", "owner", "members")
MAX_MEMBERS = 10_000


@dataclass
class _ListRows:
    """One list as the file gives it, maybe over several CSV rows."""

    name: str
    first: SourceRecord
    owner: User | None = None
    owner_record: SourceRecord | None = None
    members: dict[str, SourceRecord] = field(default_factory=dict)  # email -> row naming it
    given_members: bool = False


def import_lists(run: ImportRun, records: list[SourceRecord]) -> int:
    lists: dict[str, _ListRows] = {}
    for record in records:
        _read_row(run, record, lists)
    for rows in lists.values():
        _reject_unknown_members(run.session, rows)
        _store(run.session, rows)
    return len(lists)


def _read_row(run: ImportRun, record: SourceRecord, lists: dict[str, _ListRows]) -> None:
    fields = Fields(record, _LIST_FIELDS)
    name = fields.required_text("name")
    rows = lists.setdefault(name.casefold(), _ListRows(name, record))
    owner = optional_user(run, fields.email("owner"), record, "owner")
    if owner is not None:
        if rows.owner is not None and rows.owner is not owner:
            assert rows.owner_record is not None
            raise record.error(
                "owner",
                f"{rows.name!r} already has owner {rows.owner.email} on {rows.owner_record.where}",
            )
        rows.owner, rows.owner_record = owner, record
    emails = fields.emails("members")
    if emails is not None:
        rows.given_members = True
        for email in emails:
            rows.members.setdefault(email, record)  # a repeated member is harmless: once
    if len(rows.members) > MAX_MEMBERS:
        raise record.error("members", f"a list holds at most {MAX_MEMBERS} people")


def _reject_unknown_members(session: Session, rows: _ListRows) -> None:
    emails = list(rows.members)
    known = set(rows_by_key(session, Lead, Lead.email, emails))
    known.update(rows_by_key(session, Contact, Contact.email, emails))
    for email, record in rows.members.items():
        if email not in known:
            raise record.error("members", f"no lead or contact with email {email}")


def _store(session: Session, rows: _ListRows) -> None:
    saved = session.scalars(
        select(SavedList).where(func.lower(SavedList.name) == rows.name.lower())
    ).first()
    if saved is None:
        saved = SavedList(name=rows.name)
        session.add(saved)
    if rows.owner is not None:
        saved.owner = rows.owner
    if not rows.given_members:
        return
    saved.members.clear()
    session.flush()  # the old rows go before new ones take their (list, email) keys
    saved.members.extend(
        ListMember(email=email, position=position) for position, email in enumerate(rows.members, 1)
    )
