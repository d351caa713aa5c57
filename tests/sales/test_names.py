"""record_names: what every record is called, as the bot's NLU reads it from the data plugin."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, insert

from sales import data
from sales.models import User
from sales.prospects import Contact


def _names(found: dict[str, list[dict[str, Any]]], kind: str) -> dict[str, list[str]]:
    return {entry["name"]: entry["aliases"] for entry in found[kind]}


def _import_org(engine: Engine) -> None:
    data.import_records(engine, "users", [{"email": "sam@acme.example", "name": "Sam Patel"}],
                        "users")
    data.import_records(engine, "accounts", [
        {"name": "Globex Corporation", "domain": "globex.example", "owner": "sam@acme.example"},
        {"name": "Initech"},
    ], "accounts")
    data.import_records(engine, "contacts", [
        {"email": "hank@globex.example", "first_name": "Hank", "last_name": "Scorpio",
         "account": "Globex Corporation"},
        {"email": "anon@initech.example"},
    ], "contacts")
    data.import_records(engine, "leads", [
        {"email": "priya@northwind.example", "first_name": "Priya", "last_name": "Shah"},
    ], "leads")
    data.import_records(engine, "lists", [
        {"name": "Dreamforce webinar", "members": ["priya@northwind.example"]},
    ], "lists")
    data.import_records(engine, "cadences", [
        {"name": "Q4 Outbound", "status": "active",
         "steps": [{"type": "call", "name": "Intro call"}]},
    ], "cadences")


def test_every_kind_is_named_with_its_aliases(engine: Engine) -> None:
    _import_org(engine)
    found = data.record_names(engine)
    assert set(found) == {"account", "contact", "lead", "user", "cadence", "list"}
    assert _names(found, "account") == {"Globex Corporation": ["globex.example"], "Initech": []}
    # A person without a name is known by their email.
    assert _names(found, "contact") == {
        "Hank Scorpio": ["hank@globex.example"], "anon@initech.example": [],
    }
    assert _names(found, "lead") == {"Priya Shah": ["priya@northwind.example"]}
    assert _names(found, "cadence") == {"Q4 Outbound": []}
    assert _names(found, "list") == {"Dreamforce webinar": []}
    assert _names(found, "user") == {"Sam Patel": ["sam@acme.example"]}
    # Each entry names the row, so an action can fetch it without matching names again.
    [hank] = [entry for entry in found["contact"] if entry["name"] == "Hank Scorpio"]
    assert isinstance(hank["id"], int)


def test_an_empty_database_has_no_names(engine: Engine) -> None:
    assert data.record_names(engine) == {
        "account": [], "contact": [], "lead": [], "user": [], "cadence": [], "list": [],
    }


def test_ten_thousand_contacts_are_read_quickly(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(insert(User), [{"email": "o@acme.example", "name": "O", "role": "rep",
                                           "timezone": "UTC"}])
        connection.execute(insert(Contact), [
            {"email": f"c{i}@x.example", "first_name": f"First{i}", "last_name": "Last",
             "email_opt_out": False, "do_not_call": False}
            for i in range(10_000)
        ])
    started = time.perf_counter()
    found = data.record_names(engine)
    elapsed = time.perf_counter() - started
    assert len(found["contact"]) == 10_000
    assert elapsed < 2.0  # one narrow query per kind, not ten thousand ORM objects
