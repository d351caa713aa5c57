"""Saved lists: a name, an owner and members (emails of leads or contacts)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from sales.data import DataImportError, import_file, import_records
from sales.prospects import ListMember, SavedList
from tests.sales.import_support import sqlite_engine

Write = Callable[[str, str], Path]


@pytest.fixture
def org(engine: Engine) -> Engine:
    return with_people(engine)


@pytest.fixture
def lite_org(tmp_path: Path) -> Iterator[Engine]:
    """For validation only: SQLite alone (see tests/sales/import_support.py)."""
    with sqlite_engine(tmp_path) as engine:
        yield with_people(engine)


def with_people(engine: Engine) -> Engine:
    import_records(engine, "users", [{"email": "maria@acme.example", "name": "Maria"}], "org")
    import_records(
        engine,
        "leads",
        [{"email": f"lead{n}@prospect.example", "first_name": f"Lead{n}"} for n in range(1, 5)],
        "leads",
    )
    import_records(engine, "contacts", [{"email": "cy@fabrikam.example"}], "contacts")
    return engine


def lists(engine: Engine) -> dict[str, tuple[str | None, list[str]]]:
    """List name -> (owner email, member emails in list order)."""
    with Session(engine) as session:
        return {
            saved.name: (
                saved.owner.email if saved.owner else None,
                [m.email for m in saved.members],
            )
            for saved in session.scalars(select(SavedList))
        }


def member_rows(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(ListMember)) or 0


def test_a_yaml_list_keeps_its_members_in_order(org: Engine, write: Write) -> None:
    path = write(
        "lists.yml",
        "lists:\n"
        "  - name: Dreamforce webinar\n"
        "    owner: maria@acme.example\n"
        "    members: [lead2@prospect.example, CY@fabrikam.example, lead1@prospect.example]\n",
    )

    assert import_file(org, "lists", path) == 1
    assert lists(org) == {
        "Dreamforce webinar": (
            "maria@acme.example",
            ["lead2@prospect.example", "cy@fabrikam.example", "lead1@prospect.example"],
        )
    }


def test_csv_members_in_one_cell_or_one_row_each(org: Engine, write: Write) -> None:
    path = write(
        "lists.csv",
        "name,owner,members\n"
        "Dreamforce webinar,maria@acme.example,lead1@prospect.example; lead2@prospect.example\n"
        "Fabrikam,,cy@fabrikam.example|lead3@prospect.example\n"
        "dreamforce webinar,,lead3@prospect.example\n"  # same list, any case: adds up
        "Dreamforce webinar,maria@acme.example,lead1@prospect.example\n",  # repeated: once
    )

    assert import_file(org, "lists", path) == 2
    assert lists(org) == {
        "Dreamforce webinar": (
            "maria@acme.example",
            ["lead1@prospect.example", "lead2@prospect.example", "lead3@prospect.example"],
        ),
        "Fabrikam": (None, ["cy@fabrikam.example", "lead3@prospect.example"]),
    }


def test_reimport_replaces_the_members_and_twice_changes_nothing(org: Engine, write: Write) -> None:
    import_file(
        org,
        "lists",
        write(
            "a.yml", "- {name: Webinar, members: [lead1@prospect.example, lead2@prospect.example]}"
        ),
    )
    again = write(
        "b.yml", "- {name: webinar, owner: maria@acme.example, members: [lead3@prospect.example]}"
    )
    import_file(org, "lists", again)
    import_file(org, "lists", again)

    assert lists(org) == {"Webinar": ("maria@acme.example", ["lead3@prospect.example"])}
    assert member_rows(org) == 1

    # A list given no members keeps the ones it has.
    import_file(org, "lists", write("c.csv", "name,owner\nWebinar,\n"))
    assert lists(org) == {"Webinar": ("maria@acme.example", ["lead3@prospect.example"])}


def test_an_unknown_member_is_named_with_its_row_and_nothing_is_imported(
    org: Engine, write: Write
) -> None:
    path = write(
        "lists.csv",
        "name,members\n"
        "Good list,lead1@prospect.example\n"
        "Webinar,lead2@prospect.example;ghost@nowhere.example\n",
    )

    with pytest.raises(DataImportError) as caught:
        import_file(org, "lists", path)

    assert str(caught.value) == (
        "lists.csv row 3, field 'members': no lead or contact with email ghost@nowhere.example"
    )
    assert lists(org) == {}


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("Webinar,,lead1@prospect.example;not-an-email", "field 'members': not a valid email"),
        ("Webinar,ghost@acme.example,", "field 'owner': no user with email ghost@acme.example"),
        (",,lead1@prospect.example", "field 'name': required"),
        (
            "Webinar,maria@acme.example,\nWebinar,bob@acme.example,",
            "row 3, field 'owner': 'Webinar' already has owner maria@acme.example on "
            "lists.csv row 2",
        ),
    ],
)
def test_bad_list_rows_are_named(lite_org: Engine, write: Write, rows: str, message: str) -> None:
    import_records(lite_org, "users", [{"email": "bob@acme.example", "name": "Bob"}], "more")
    with pytest.raises(DataImportError) as caught:
        import_file(lite_org, "lists", write("lists.csv", f"name,owner,members\n{rows}\n"))
    assert message in str(caught.value)
    assert str(caught.value).startswith("lists.csv row ")
    assert lists(lite_org) == {}
