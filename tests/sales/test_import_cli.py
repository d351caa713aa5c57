"""`salesbot import KIND FILE` for the sales kinds: a count on success, one line on failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def salesbot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SALESBOT_LOG_LEVEL": "CRITICAL"}
    env.pop("SALESBOT_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_each_sales_kind_then_a_bad_file(tmp_path: Path) -> None:
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
        result = salesbot("import", kind, name, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == f"Imported 1 {kind} from {name}."

    (tmp_path / "bad.csv").write_text(
        "name,step,type,on\nQ4,Call,call,\nQ4,Call 2,call,{replied: exit}\n", encoding="utf-8"
    )
    result = salesbot("import", "cadences", "bad.csv", cwd=tmp_path)

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: bad.csv row 3, field 'on': unknown call event 'replied'; expected "
        "meaningful_connect, left_voicemail, call_back_later, not_interested, disqualified"
    ]
