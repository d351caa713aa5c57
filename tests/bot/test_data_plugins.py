"""config.yml ``data.module`` names one data plugin or several; the bot sees them as one
(kinds in order, fixtures split by kind, record names merged, CLI commands mounted)."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from bot.config import ConfigError, load_config
from bot.data_plugins import DataPluginError, load_data_plugins

PEOPLE = '''
import sqlalchemy as sa
metadata = sa.MetaData()
sa.Table("people", metadata, sa.Column("id", sa.Integer, primary_key=True))
KINDS = ("people",)
loaded = []
def load_fixtures(engine, path, kinds=None):
    loaded.append(("people", kinds))
    return {"people": 2}
def import_file(engine, kind, path):
    return 7
def record_names(engine):
    return {"person": ["Ann"]}
'''
MEETINGS = '''
import sqlalchemy as sa
import typer
metadata = sa.MetaData()
sa.Table("meetings", metadata, sa.Column("id", sa.Integer, primary_key=True))
KINDS = ("meetings",)
loaded = []
configured = []
def configure(config, root):
    configured.append((config.get("meetings"), root))
def load_fixtures(engine, path, kinds=None):
    loaded.append(("meetings", kinds))
    return {"meetings": 1}
def record_names(engine):
    return {"person": ["Bob"], "meeting": ["Kickoff"]}
def cli_commands(open_project):
    app = typer.Typer()
    @app.command()
    def count(config: str = "config.yml") -> None:
        project = open_project(config)
        typer.echo(f"meetings in {project.root.name}")
    @app.command()
    def other() -> None:
        pass
    return {"meetings": app}
'''


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "plugin_people.py").write_text(PEOPLE, encoding="utf-8")
    (tmp_path / "plugin_meetings.py").write_text(MEETINGS, encoding="utf-8")
    (tmp_path / "flows").mkdir()
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in ("plugin_people", "plugin_meetings"):
        sys.modules.pop(name, None)


def write_config(folder: Path, module: str) -> Path:
    path = folder / "config.yml"
    path.write_text(textwrap.dedent(f"""
        flows: flows
        data:
          module: {module}
        meetings: weekly
    """), encoding="utf-8")
    return path


def test_a_single_module_name_still_works(project: Path) -> None:
    config = load_config(write_config(project, "plugin_people"))
    assert config.data_modules == ("plugin_people",)
    assert config.data_module == "plugin_people"
    plugins = load_data_plugins(config)
    assert plugins is not None and plugins.KINDS == ("people",)
    fixture = project / "f.yml"
    fixture.write_text("people: []\n", encoding="utf-8")
    plugins.load_fixtures(create_engine("sqlite://"), fixture)
    assert sys.modules["plugin_people"].loaded == [("people", None)]  # called as before


def test_several_plugins_act_as_one_in_order(project: Path) -> None:
    config = load_config(write_config(project, "[plugin_people, plugin_meetings]"))
    plugins = load_data_plugins(config)
    assert plugins is not None
    assert plugins.KINDS == ("people", "meetings")
    assert sys.modules["plugin_meetings"].configured == [("weekly", project)]
    engine = create_engine("sqlite://")
    plugins.create_all(engine)
    with engine.connect() as connection:
        assert {"people", "meetings"} <= set(engine.dialect.get_table_names(connection))
    fixture = project / "f.yml"
    fixture.write_text("meetings: []\npeople: []\n", encoding="utf-8")
    assert plugins.load_fixtures(engine, fixture) == {"people": 2, "meetings": 1}
    # Each plugin gets its own kinds, in the configured order (people before meetings).
    assert sys.modules["plugin_people"].loaded == [("people", ["people"])]
    assert sys.modules["plugin_meetings"].loaded == [("meetings", ["meetings"])]
    assert plugins.record_names(engine) == {"person": ["Ann", "Bob"], "meeting": ["Kickoff"]}
    assert plugins.import_file(engine, "people", fixture) == 7
    with pytest.raises(DataPluginError, match="unknown kind 'rooms'"):
        plugins.import_file(engine, "rooms", fixture)
    fixture.write_text("rooms: []\n", encoding="utf-8")
    with pytest.raises(DataPluginError, match="'rooms' is not a kind; supported kinds: "
                                              "people, meetings"):
        plugins.load_fixtures(engine, fixture)


@pytest.mark.parametrize("module", ["[plugin_people, 3]", "{a: b}", "[plugin_people, '']"])
def test_a_wrong_data_module_is_named(project: Path, module: str) -> None:
    with pytest.raises(ConfigError, match=r"data\.module: expected a module name or a list"):
        load_config(write_config(project, module))


def test_a_missing_plugin_is_named(project: Path) -> None:
    config = load_config(write_config(project, "[plugin_people, plugin_nowhere]"))
    with pytest.raises(DataPluginError, match=r"data\.module plugin_nowhere cannot be imported"):
        load_data_plugins(config)


def test_plugin_commands_are_mounted_from_the_config(project: Path) -> None:
    import subprocess

    write_config(project, "[plugin_people, plugin_meetings]")
    (project / "config.yml").write_text(
        (project / "config.yml").read_text() + "database:\n  url: sqlite:///x.db\n"
        f"  migrations: {Path(__file__).resolve().parents[2] / 'migrations'}\n")
    result = subprocess.run([sys.executable, "-m", "bot", "meetings", "count"], cwd=project,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"meetings in {project.name}"
