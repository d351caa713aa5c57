"""Teams: imported on their own, or created on the fly by a user's `team` field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from sales.data import DataImportError, import_file, import_records
from sales.models import Team
from tests.sales.helpers import count, teams

Write = Callable[[str, str], Path]


def test_teams_import_with_their_manager(engine: Engine, write: Write) -> None:
    import_records(engine, "users", [{"email": "mia@acme.example", "name": "Mia"}], "org")
    path = write("teams.csv", "name,manager\nEast,Mia@Acme.example\nWest,\n")

    assert import_file(engine, "teams", path) == 2
    assert teams(engine) == {"East": "mia@acme.example", "West": None}


def test_reimporting_a_team_updates_it_whatever_the_case_of_its_name(
    engine: Engine, write: Write
) -> None:
    import_records(engine, "users", [{"email": "mia@acme.example", "name": "Mia"}], "org")
    import_file(engine, "teams", write("teams.yml", "- name: East\n"))
    import_file(
        engine, "teams", write("again.yml", "teams:\n- {name: east, manager: mia@acme.example}\n")
    )

    assert teams(engine) == {"East": "mia@acme.example"}


def test_an_unknown_team_manager_fails_the_whole_file(engine: Engine, write: Write) -> None:
    path = write("teams.csv", "name,manager\nEast,\nWest,nobody@acme.example\n")

    with pytest.raises(DataImportError) as caught:
        import_file(engine, "teams", path)

    assert str(caught.value) == (
        "teams.csv row 3, field 'manager': "
        "no user with email nobody@acme.example in this import or the database"
    )
    assert count(engine, Team) == 0


def test_a_team_needs_a_name(engine: Engine, write: Write) -> None:
    with pytest.raises(DataImportError, match=r"^teams.csv row 2, field 'name': required$"):
        import_file(engine, "teams", write("teams.csv", "name,manager\n ,mia@acme.example\n"))
