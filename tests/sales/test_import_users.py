"""An admin imports the sales org (users) from a CSV or YAML file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sales.data import DataImportError, import_file, import_records
from sales.models import Team, User
from sales.schedule import next_due
from tests.sales.helpers import count, teams, users
from tests.sales.import_support import sqlite_engine

Write = Callable[[str, str], Path]

USERS_CSV = """\
email,name,role,manager,team,timezone,slack_id
Sam@Acme.example,Sam Rep,,mia@acme.example,East,America/New_York,U01SAM
mia@acme.example,Mia Boss,Manager,,East,Europe/Paris,U01MIA
ada@acme.example,Ada Admin,admin,,,,
"""


def test_csv_import_stores_users_with_defaults_teams_and_managers(
    engine: Engine, write: Write
) -> None:
    imported = import_file(engine, "users", write("users.csv", USERS_CSV))

    assert imported == 3
    assert users(engine) == {
        "sam@acme.example": {
            "name": "Sam Rep",
            "role": "rep",
            "timezone": "America/New_York",
            "team": "East",
            # Sam's manager is defined on a later row: references resolve after all rows.
            "manager": "mia@acme.example",
            "slack_id": "U01SAM",
            "teams_id": None,
        },
        "mia@acme.example": {
            "name": "Mia Boss",
            "role": "manager",
            "timezone": "Europe/Paris",
            "team": "East",
            "manager": None,
            "slack_id": "U01MIA",
            "teams_id": None,
        },
        "ada@acme.example": {
            "name": "Ada Admin",
            "role": "admin",
            "timezone": "UTC",
            "team": None,
            "manager": None,
            "slack_id": None,
            "teams_id": None,
        },
    }
    assert teams(engine) == {"East": None}


def test_yaml_list_and_yaml_mapping_import_alike(engine: Engine, write: Write) -> None:
    listed = write(
        "a.yml",
        "- {email: sam@acme.example, name: Sam, team: East}\n"
        "- {email: kim@acme.example, name: Kim, manager: sam@acme.example, teams_id: 29:1abc}\n",
    )
    keyed = write(
        "b.yaml",
        "users:\n  - email: lee@acme.example\n    name: Lee\n    slack_id: 12345\n",
    )

    assert import_file(engine, "users", listed) == 2
    assert import_file(engine, "users", keyed) == 1

    stored = users(engine)
    assert stored["kim@acme.example"]["manager"] == "sam@acme.example"
    assert stored["kim@acme.example"]["teams_id"] == "29:1abc"
    assert stored["lee@acme.example"]["slack_id"] == "12345"
    assert stored["sam@acme.example"]["team"] == "East"


def test_a_bad_row_names_file_row_and_field_and_imports_nothing(
    engine: Engine, write: Write
) -> None:
    path = write(
        "users.csv",
        """\
email,name,role,team
sam@acme.example,Sam,rep,East
bob@acme.example,Bob,boss,West
""",
    )

    with pytest.raises(DataImportError) as caught:
        import_file(engine, "users", path)

    assert str(caught.value) == (
        "users.csv row 3, field 'role': expected one of rep, manager, admin, got 'boss'"
    )
    assert count(engine, User) == 0
    assert count(engine, Team) == 0  # the team row 2 would have created is rolled back too


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("email", "not-an-email", "field 'email': not a valid email address: 'not-an-email'"),
        ("timezone", "Mars/Olympus", "field 'timezone': unknown time zone 'Mars/Olympus'"),
        ("manager", "ghost@acme.example", "field 'manager': no user with email ghost@acme"),
        ("manager", "sam@acme.example", "field 'manager': a user cannot be their own manager"),
        ("name", "", "field 'name': required for a new user"),
    ],
)
def test_each_invalid_value_is_reported_with_its_field(
    engine: Engine, write: Write, column: str, value: str, message: str
) -> None:
    record = {"email": "sam@acme.example", "name": "Sam", column: value}
    header = ",".join(record)
    path = write("users.csv", f"{header}\n{','.join(record.values())}\n")

    with pytest.raises(DataImportError, match=f"^users.csv row 2, {message}"):
        import_file(engine, "users", path)
    assert count(engine, User) == 0


def test_yaml_errors_point_at_the_line_of_the_record(engine: Engine, write: Write) -> None:
    path = write(
        "users.yml",
        "users:\n"
        "  - email: sam@acme.example\n"
        "    name: Sam\n"
        "  - email: kim@acme.example\n"
        "    name: Kim\n"
        "    timezone: Paris\n",
    )
    with pytest.raises(DataImportError, match=r"^users.yml line 4, field 'timezone'"):
        import_file(engine, "users", path)


def test_reimport_updates_instead_of_duplicating(engine: Engine, write: Write) -> None:
    import_file(engine, "users", write("users.csv", USERS_CSV))
    changed = write(
        "again.csv",
        "email,name,role,team,timezone\n"
        "SAM@acme.example,Samuel Rep,manager,West,\n",  # blank timezone: keep what is stored
    )

    assert import_file(engine, "users", changed) == 1

    stored = users(engine)
    assert len(stored) == 3
    assert stored["sam@acme.example"]["name"] == "Samuel Rep"
    assert stored["sam@acme.example"]["role"] == "manager"
    assert stored["sam@acme.example"]["team"] == "West"
    assert stored["sam@acme.example"]["timezone"] == "America/New_York"
    assert stored["sam@acme.example"]["manager"] == "mia@acme.example"


def test_a_manager_already_in_the_database_resolves(engine: Engine) -> None:
    import_records(engine, "users", [{"email": "mia@acme.example", "name": "Mia"}], "first")
    import_records(
        engine,
        "users",
        [{"email": "sam@acme.example", "name": "Sam", "manager": "MIA@acme.example"}],
        "second",
    )
    assert users(engine)["sam@acme.example"]["manager"] == "mia@acme.example"


def test_team_names_match_whatever_their_case(engine: Engine) -> None:
    records = [
        {"email": "sam@acme.example", "name": "Sam", "team": "East Coast"},
        {"email": "kim@acme.example", "name": "Kim", "team": "east coast"},
    ]
    import_records(engine, "users", records, "org")
    assert teams(engine) == {"East Coast": None}


def test_the_same_email_twice_in_one_file_is_an_error(engine: Engine, write: Write) -> None:
    path = write("users.csv", "email,name\nsam@acme.example,Sam\nSam@acme.example,Sammy\n")
    with pytest.raises(DataImportError, match=r"^users.csv row 3, field 'email': duplicate of "):
        import_file(engine, "users", path)
    assert count(engine, User) == 0


def test_a_chat_identity_already_taken_names_its_owner(engine: Engine) -> None:
    import_records(
        engine, "users", [{"email": "mia@acme.example", "name": "Mia", "slack_id": "U1"}], "a"
    )
    with pytest.raises(
        DataImportError, match=r"^b row 1, field 'slack_id': 'U1' already belongs to mia@"
    ):
        import_records(
            engine, "users", [{"email": "sam@acme.example", "name": "Sam", "slack_id": "U1"}], "b"
        )


def test_a_reporting_loop_is_refused(engine: Engine) -> None:
    import_records(
        engine,
        "users",
        [
            {"email": "mia@acme.example", "name": "Mia"},
            {"email": "sam@acme.example", "name": "Sam", "manager": "mia@acme.example"},
        ],
        "org",
    )
    with pytest.raises(DataImportError, match="field 'manager': the chain of managers loops"):
        import_records(
            engine, "users", [{"email": "mia@acme.example", "manager": "sam@acme.example"}], "fix"
        )
    assert users(engine)["mia@acme.example"]["manager"] is None


def test_an_unknown_column_lists_the_expected_ones(engine: Engine, write: Write) -> None:
    path = write("users.csv", "email,name,emial\nsam@acme.example,Sam,x\n")
    with pytest.raises(
        DataImportError, match=r"^users.csv row 2, field 'emial': unknown field; expected email, "
    ):
        import_file(engine, "users", path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("users.txt", "email\n", r"users.txt: unknown file type '.txt'; expected .csv, .yml"),
        ("users.csv", "", r"users.csv: empty file; expected a header row"),
        ("users.csv", "email,name\na@b.example,A,extra\n", r"users.csv row 2: 3 values but"),
        ("users.yml", "users: [\n", r"users.yml: not valid YAML"),
        ("users.yml", "teams: []\n", r"users.yml: expected a list of users records"),
        ("users.yml", "- just text\n", r"users.yml line 1: expected a record"),
    ],
)
def test_unreadable_files_are_explained(
    engine: Engine, write: Write, name: str, content: str, message: str
) -> None:
    with pytest.raises(DataImportError, match=message):
        import_file(engine, "users", write(name, content))


def test_a_missing_file_and_an_unknown_kind_are_explained(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(DataImportError, match=r"nope\.csv: file not found"):
        import_file(engine, "users", tmp_path / "nope.csv")
    with pytest.raises(DataImportError, match="cannot import 'widgets'; supported kinds: teams"):
        import_file(engine, "widgets", tmp_path / "nope.csv")


def working_hours(engine: Engine) -> dict[str, str]:
    with Session(engine) as session:
        return {user.email: user.working_hours for user in session.scalars(select(User))}


def test_working_hours_are_imported_normalised_and_default_to_nine_to_five(
    engine: Engine, write: Write
) -> None:
    path = write(
        "users.csv",
        "email,name,timezone,working_hours\n"
        "sam@acme.example,Sam,America/Los_Angeles,8:30-17:30\n"
        "kim@acme.example,Kim,Europe/Paris,\n",
    )
    import_file(engine, "users", path)
    assert working_hours(engine) == {
        "sam@acme.example": "08:30-17:30",
        "kim@acme.example": "09:00-17:00",
    }

    import_records(
        engine, "users", [{"email": "kim@acme.example", "working_hours": "10:00-18:00"}], "fix"
    )
    assert working_hours(engine)["kim@acme.example"] == "10:00-18:00"


def test_working_hours_are_accepted_exactly_as_due_dates_read_them(engine: Engine) -> None:
    # One parser for both: what the import stores, sales/schedule.py can schedule with.
    record = {"email": "kim@acme.example", "name": "Kim", "working_hours": "0:00-24:00"}
    import_records(engine, "users", [record], "fix")

    stored = working_hours(engine)["kim@acme.example"]
    assert stored == "00:00-24:00"
    monday_night = datetime(2026, 3, 2, 23, 30, tzinfo=UTC)
    due = next_due(monday_night, 0, timezone="UTC", working_hours=stored, skip_weekends=False)
    assert due == monday_night


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("9-5", "working hours '9-5': expected HH:MM-HH:MM, for example 09:00-17:00"),
        ("17:00-09:00", "working hours '17:00-09:00': the start must come before the end"),
        ("09:00-24:30", "working hours '09:00-24:30': not a time of day (00:00 to 24:00)"),
    ],
)
def test_bad_working_hours_are_named(tmp_path: Path, value: str, message: str) -> None:
    record = {"email": "sam@acme.example", "name": "Sam", "working_hours": value}
    with sqlite_engine(tmp_path) as engine:
        with pytest.raises(DataImportError) as caught:
            import_records(engine, "users", [record], "org")
        assert count(engine, User) == 0
    assert str(caught.value).startswith(f"org row 1, field 'working_hours': {message}")
