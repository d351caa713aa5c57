"""Fixture files: several kinds in one YAML file, loaded in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sales.data import KINDS, DataImportError, load_fixtures
from sales.models import Team, User
from tests.sales.helpers import count, teams, users

Write = Callable[[str, str], Path]

ORG = """\
# teams come first in the file and name a manager defined further down
teams:
  - name: East
    manager: mia@acme.example
users:
  - {email: sam@acme.example, name: Sam, team: East, manager: mia@acme.example}
  - {email: mia@acme.example, name: Mia, role: manager, team: East}
"""


def test_fixtures_load_every_kind_and_resolve_references_across_kinds(
    engine: Engine, write: Write
) -> None:
    counts = load_fixtures(engine, write("org.yml", ORG))

    assert counts == {"teams": 1, "users": 2}
    assert teams(engine) == {"East": "mia@acme.example"}
    assert users(engine)["sam@acme.example"]["manager"] == "mia@acme.example"


def test_loading_fixtures_twice_changes_nothing(engine: Engine, write: Write) -> None:
    path = write("org.yml", ORG)
    load_fixtures(engine, path)
    before = users(engine)
    load_fixtures(engine, path)
    assert users(engine) == before
    assert count(engine, Team) == 1


def test_an_unknown_kind_is_named_with_the_supported_ones(engine: Engine, write: Write) -> None:
    path = write("org.yml", ORG + "widgets:\n  - {name: x}\n")

    with pytest.raises(DataImportError) as caught:
        load_fixtures(engine, path)

    assert str(caught.value) == (
        "org.yml: 'widgets' is not a kind; supported kinds: "
        "teams, users, accounts, contacts, leads, lists, cadences"
    )
    assert count(engine, User) == 0


def test_a_kind_not_importable_yet_is_refused(engine: Engine, write: Write) -> None:
    path = write("org.yml", "events:\n  - {name: Globex}\n")
    with pytest.raises(DataImportError, match="'events' cannot be imported yet; supported"):
        load_fixtures(engine, path)


def test_one_bad_record_rolls_back_every_kind(engine: Engine, write: Write) -> None:
    path = write("org.yml", ORG + "  - {email: kim@acme.example, name: Kim, role: intern}\n")

    with pytest.raises(DataImportError, match=r"^org.yml line 8, field 'role'"):
        load_fixtures(engine, path)

    assert count(engine, Team) == 0
    assert count(engine, User) == 0


def test_an_empty_fixture_file_loads_nothing(engine: Engine, write: Write) -> None:
    assert load_fixtures(engine, write("empty.yml", "# nothing yet\n")) == {}


def test_kinds_are_in_dependency_order() -> None:
    # A kind refers only to kinds before it: a contact to its account, a list to its members.
    order = ["teams", "users", "accounts", "contacts", "leads", "lists", "cadences"]
    assert [kind for kind in KINDS if kind in order] == order
