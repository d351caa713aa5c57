"""The names of the records people talk about, for the bot to recognise them in messages.

``record_names`` answers one question, cheaply enough to ask every few seconds: what is every
account, contact, lead, user, cadence and saved list called? Each kind maps to a list of
``{"name": display name, "id": primary key, "aliases": [other ways to write it]}``. A person's
display name is "First Last" (their email when they have no name) and their email is an alias;
an account's email domain is an alias. Only the columns needed are read, so ten thousand
records cost one small query per kind, not ten thousand objects.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sales.cadence_models import Cadence
from sales.models import User
from sales.prospects import Account, Contact, Lead, SavedList

RecordName = dict[str, Any]

# The entity names the bot's flows use in `mappings: from_entity`.
KINDS = ("account", "contact", "lead", "user", "cadence", "list")


def record_names(engine: Engine) -> dict[str, list[RecordName]]:
    """Every record's display name (and aliases), by entity kind; see the module docstring."""
    with Session(engine) as session:
        return {
            "account": [
                _entry(name, key, [domain])
                for key, name, domain in session.execute(
                    select(Account.id, Account.name, Account.domain)
                )
            ],
            "contact": _people(session.execute(
                select(Contact.id, Contact.first_name, Contact.last_name, Contact.email)
            )),
            "lead": _people(session.execute(
                select(Lead.id, Lead.first_name, Lead.last_name, Lead.email)
            )),
            "user": [
                _entry(name or email, key, [email])
                for key, name, email in session.execute(select(User.id, User.name, User.email))
            ],
            "cadence": [
                _entry(name, key)
                for key, name in session.execute(select(Cadence.id, Cadence.name))
            ],
            "list": [
                _entry(name, key)
                for key, name in session.execute(select(SavedList.id, SavedList.name))
            ],
        }


def _people(rows: Iterable[Any]) -> list[RecordName]:
    people = []
    for key, first, last, email in rows:
        name = f"{first or ''} {last or ''}".strip()
        people.append(_entry(name or email, key, [email]))
    return people


def _entry(name: str, key: int, aliases: Iterable[str | None] = ()) -> RecordName:
    return {
        "name": name,
        "id": key,
        "aliases": [alias for alias in aliases if alias and alias != name],
    }
