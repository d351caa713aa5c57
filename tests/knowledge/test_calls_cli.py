"""`salesbot calls ingest|list|show|delete` as a user runs them: exit status and one-line
reasons; a bad file among good ones is named, and the good ones are stored anyway."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VTT = """WEBVTT

00:00:01.000 --> 00:00:04.000
<v Sam Patel>Thanks for joining. Any questions on the proposal?

00:00:05.000 --> 00:00:09.000
<v Dana Scully>Yes. The price is too high for us; we also looked at Gong.
"""


def salesbot(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SALESBOT_LOG_LEVEL": "CRITICAL"}
    for name in ("SALESBOT_DATABASE_URL", "SALESBOT_CONFIG"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=project, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("project")
    (folder / "flows").mkdir()
    (folder / "config.yml").write_text(f"""
flows: flows
data:
  module: [sales.data, knowledge.data]
database:
  url: sqlite:///data/salesbot.db
  migrations: {REPO / 'migrations'}
insights:
  competitors: [Gong]
""", encoding="utf-8")
    (folder / "org.yml").write_text("""
users: [{email: sam@acme.example, name: Sam Patel}]
accounts: [{name: Globex, domain: globex.example}]
contacts: [{email: dana@globex.example, first_name: Dana, last_name: Scully, account: Globex}]
""", encoding="utf-8")
    result = salesbot(folder, "import", "fixtures", "org.yml")
    assert result.returncode == 0, result.stderr
    (folder / "globex.vtt").write_text(VTT, encoding="utf-8")
    (folder / "broken.json").write_text("[{oops", encoding="utf-8")
    return folder


def test_ingest_list_show_delete(project: Path) -> None:
    ingested = salesbot(project, "calls", "ingest", "globex.vtt", "broken.json", "--owner",
                        "sam@acme.example", "--participants", "dana@globex.example",
                        "--title", "Globex proposal", "--started-at", "2026-03-02T15:00:00Z")
    assert ingested.returncode == 1
    assert "globex.vtt: ingested as call 1 (Globex proposal)" in ingested.stdout
    errors = ingested.stderr.strip().splitlines()
    assert errors == [
        "error: broken.json: bad JSON at line 1: Expecting property name enclosed in double "
        "quotes",
        "error: 1 of 2 file(s) not ingested: broken.json",
    ]

    again = salesbot(project, "calls", "ingest", "globex.vtt", "--owner", "sam@acme.example")
    assert again.returncode == 0
    assert "globex.vtt: already ingested as call 1" in again.stdout

    listed = salesbot(project, "calls", "list", "--owner", "sam@acme.example")
    assert listed.returncode == 0
    assert listed.stdout.split() == ["1", "2026-03-02", "15:00", "00:09", "sam@acme.example",
                                     "Globex", "Globex", "proposal"]

    shown = salesbot(project, "calls", "show", "1")
    assert shown.returncode == 0, shown.stderr
    assert "Call 1: Globex proposal" in shown.stdout
    assert "Dana Scully <dana@globex.example> (external, contact)" in shown.stdout
    assert "Competitors (1): Gong" in shown.stdout
    assert "[00:05] Dana Scully: Yes. The price is too high for us" in shown.stdout

    deleted = salesbot(project, "calls", "delete", "1")
    assert (deleted.returncode, deleted.stdout.strip()) == (0, "Deleted call 1.")
    gone = salesbot(project, "calls", "show", "1")
    assert (gone.returncode, gone.stderr.strip()) == (1, "error: no call with id 1")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "globex.vtt", "--owner", "nobody@acme.example"],
         "error: globex.vtt: owner nobody@acme.example: no user with this email (the owner "
         "must be a user)"),
        (["ingest", "globex.vtt", "--owner", "sam@acme.example", "--started-at", "soon"],
         "error: --started-at: expected an ISO time like 2026-03-02T15:00:00Z, got 'soon'"),
        (["list", "--owner", "nobody@acme.example"],
         "error: owner nobody@acme.example: no user with this email"),
    ],
)
def test_failures_exit_1_with_a_reason(project: Path, args: list[str], message: str) -> None:
    result = salesbot(project, "calls", *args)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[0] == message
