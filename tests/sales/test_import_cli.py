"""`salesbot import KIND FILE` for the sales kinds: a count on success, one line on failure."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def own_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # The CLI exports the database URL and config path for in-process actions; undo that.
    monkeypatch.delenv("SALESBOT_DATABASE_URL", raising=False)
    monkeypatch.delenv("SALESBOT_CONFIG", raising=False)


def salesbot(*args: str, cwd: Path) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `salesbot ARGS` run in the folder ``cwd``."""
    result = CliRunner().invoke(app, [*args, "--config", str(cwd / "config.yml")])
    return result.exit_code, result.stdout, result.stderr


def test_import_each_sales_kind_then_a_bad_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # file arguments are relative to where salesbot runs
    (tmp_path / "config.yml").write_text(
        "data: {module: sales.data}\n"
        f"database: {{url: 'sqlite:///salesbot.db', migrations: '{REPO / 'migrations'}'}}\n",
        encoding="utf-8",
    )
    files = {
        "users.csv": "email,name,working_hours\nsam@acme.example,Sam,08:00-16:00\n",
        "accounts.csv": "name,domain,owner\nGlobex,globex.example,sam@acme.example\n",
        "contacts.csv": "email,first_name\nhank@globex.example,Hank\n",
        "leads.yml": "- {email: priya@northwind.example, score: 87}\n",
        "lists.csv": "name,members\nWebinar,hank@globex.example;priya@northwind.example\n",
        "cadences.csv": "name,status,step,type,after_days\nQ4,active,Call,call,\nQ4,,Call 2,call,2",
    }
    for name, content in files.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
        kind = name.split(".")[0]
        code, out, err = salesbot("import", kind, name, cwd=tmp_path)
        assert code == 0, err
        assert out.strip() == f"Imported 1 {kind} from {name}."

    (tmp_path / "bad.csv").write_text(
        "name,step,type,on\nQ4,Call,call,\nQ4,Call 2,call,{replied: exit}\n", encoding="utf-8"
    )
    code, _, err = salesbot("import", "cadences", "bad.csv", cwd=tmp_path)

    assert code == 1
    assert err.strip().splitlines() == [
        "error: bad.csv row 3, field 'on': unknown call event 'replied'; expected "
        "meaningful_connect, left_voicemail, call_back_later, not_interested, disqualified"
    ]
