"""The calls data plugin: fixtures and `salesbot import calls` ingest the files they name,
after the users and contacts the calls refer to, through sales.data then knowledge.data."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select
from sqlalchemy.orm import Session

from bot.config import Config
from bot.data_plugins import DataPluginError, DataPlugins, load_data_plugins
from knowledge import data as calls_data
from knowledge.index import CallIndex
from knowledge.models import Call
from sales.importing import DataImportError
from sales.models import User

ORG = """
users:
  - {email: sam@acme.example, name: Sam Patel}
accounts:
  - {name: Globex, domain: globex.example}
contacts:
  - {email: dana@globex.example, first_name: Dana, last_name: Scully, account: Globex}
"""
VTT = "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Sam Patel>How is the {topic} going?\n\n" \
      "00:00:05.000 --> 00:00:09.000\n<v Dana Scully>The {topic} is behind schedule.\n"


@pytest.fixture
def plugins(tmp_path: Path) -> DataPlugins:
    config = Config(path=tmp_path / "config.yml", flows=[], database_url="sqlite://",
                    data_modules=("sales.data", "knowledge.data"),
                    raw={"insights": {"competitors": ["Gong"]}})
    loaded = load_data_plugins(config)
    assert loaded is not None
    return loaded


@pytest.fixture
def engine(tmp_path: Path, plugins: DataPlugins) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'org.db'}")
    plugins.create_all(engine)
    yield engine
    engine.dispose()


def fixture_file(folder: Path, calls: str) -> Path:
    (folder / "calls").mkdir(exist_ok=True)
    for topic in ("rollout", "pilot"):
        (folder / "calls" / f"{topic}.vtt").write_text(VTT.format(topic=topic), encoding="utf-8")
    path = folder / "org.yml"
    path.write_text(ORG + calls, encoding="utf-8")
    return path


def test_a_fixture_loads_people_then_their_calls(
    tmp_path: Path, plugins: DataPlugins, engine: Engine
) -> None:
    path = fixture_file(tmp_path, """
calls:
  - file: calls/rollout.vtt
    owner: sam@acme.example
    title: Globex rollout check-in
    started_at: 2026-03-02T15:00:00Z
    participants: [dana@globex.example]
  - {file: calls/pilot.vtt, owner: sam@acme.example, started_at: 2026-03-04}
""")
    assert plugins.KINDS[-1] == "calls"
    counts = plugins.load_fixtures(engine, path)
    assert counts == {"users": 1, "accounts": 1, "contacts": 1, "calls": 2}
    with Session(engine) as session:
        calls = session.scalars(select(Call).order_by(Call.id)).all()
        assert [(c.title, c.started_at) for c in calls] == [
            ("Globex rollout check-in", datetime(2026, 3, 2, 15, 0, tzinfo=UTC)),
            ("pilot", datetime(2026, 3, 4, tzinfo=UTC)),
        ]
        assert all(c.account is not None and c.account.name == "Globex" for c in calls)
        assert all(c.analysis is not None for c in calls)
        # Indexed where questions about this database look: beside it.
        index = CallIndex(calls_data.settings_for(engine))
        assert all(index.count(c.id) > 0 for c in calls)
        assert (tmp_path / "org.chroma").is_dir()
    # Loading the same fixture again duplicates nothing.
    plugins.load_fixtures(engine, path)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Call)) == 2


def test_a_call_that_cannot_go_in_takes_the_others_of_its_import_out(
    tmp_path: Path, plugins: DataPlugins, engine: Engine
) -> None:
    path = fixture_file(tmp_path, """
calls:
  - {file: calls/rollout.vtt, owner: sam@acme.example}
  - {file: calls/pilot.vtt, owner: nobody@acme.example}
""")
    with pytest.raises(DataImportError) as error:
        plugins.load_fixtures(engine, path)
    assert str(error.value) == (
        "org.yml line 11: pilot.vtt: owner nobody@acme.example: no user with "
        "this email (the owner must be a user)")
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Call)) == 0


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ("{file: calls/missing.vtt, owner: sam@acme.example}", "field 'file': no such file"),
        ("{file: calls/pilot.vtt, owner: sam@acme.example, started_at: soon}",
         "field 'started_at': expected an ISO date or time"),
        ("{file: calls/pilot.vtt, owner: sam@acme.example, duration: 5}",
         "field 'duration': unknown field"),
        ("{file: calls/pilot.vtt}", "field 'owner': required"),
    ],
)
def test_bad_call_records_name_the_line_and_field(
    tmp_path: Path, plugins: DataPlugins, engine: Engine, record: str, reason: str
) -> None:
    path = fixture_file(tmp_path, f"calls:\n  - {record}\n")
    with pytest.raises(DataImportError, match=f"org.yml line 9, {reason}"):
        plugins.load_fixtures(engine, path)


def test_a_kind_no_plugin_has_is_named(tmp_path: Path, plugins: DataPlugins,
                                       engine: Engine) -> None:
    path = tmp_path / "org.yml"
    path.write_text(ORG + "meetings:\n  - {title: x}\n", encoding="utf-8")
    with pytest.raises(DataPluginError, match=r"'meetings' is not a kind; supported kinds: "
                                              r"teams, users, .*, cadences, calls"):
        plugins.load_fixtures(engine, path)


def test_import_calls_from_a_csv_file(tmp_path: Path, plugins: DataPlugins,
                                      engine: Engine) -> None:
    plugins.load_fixtures(engine, fixture_file(tmp_path, ""))
    listing = tmp_path / "calls.csv"
    listing.write_text("file,owner,participants,title\n"
                       "calls/rollout.vtt,sam@acme.example,dana@globex.example;x@y.example,"
                       "Rollout\n", encoding="utf-8")
    assert plugins.import_file(engine, "calls", listing) == 1
    with Session(engine) as session:
        call = session.scalars(select(Call)).one()
        assert call.title == "Rollout"
        assert sorted(p.email or "" for p in call.participants) == [
            "dana@globex.example", "sam@acme.example", "x@y.example"]  # fmt: skip


def test_the_plugin_is_reached_by_name_only() -> None:
    # The bot never imports knowledge/: the module it loads by name has what it asks for.
    module = importlib.import_module("knowledge.data")
    for name in ("metadata", "KINDS", "load_fixtures", "import_file", "configure",
                 "cli_commands"):
        assert hasattr(module, name)


def test_fixture_times_may_be_relative_to_the_load(
    tmp_path: Path, plugins: DataPlugins, engine: Engine
) -> None:
    path = fixture_file(tmp_path, """
calls:
  - {file: calls/rollout.vtt, owner: sam@acme.example, started_at: now-2d}
""")
    before = datetime.now(UTC)
    plugins.load_fixtures(engine, path)
    with Session(engine) as session:
        started = session.scalars(select(Call.started_at)).one()
    assert abs((before - started).total_seconds() - 2 * 86400) < 120


def test_the_demo_loads_its_org_then_its_calls(plugins: DataPlugins, engine: Engine) -> None:
    # `salesbot demo` loads config.yml's demo.fixtures in order: the org, then calls about it.
    from bot.config import load_config

    demo = load_config(Path(__file__).resolve().parents[2] / "config.yml")
    fixtures = demo.raw["demo"]["fixtures"]
    assert fixtures[0] == "data/demo.yml"
    counts = {}
    for fixture in fixtures:
        counts.update(plugins.load_fixtures(engine, demo.root / fixture))
    assert counts["calls"] == 5
    with Session(engine) as session:
        sams = session.scalars(
            select(Call).join(Call.owner).where(User.email == "sam@acme.example")
            .order_by(Call.started_at.desc())).all()
        assert [call.title for call in sams] == [
            "Fabrikam pricing review", "Globex discovery call", "Globex intro"]
        assert all(call.account is not None for call in sams)
