"""`salesbot test` reports each case, expected against actual, and fails on any failure."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ASSISTANT = Path(__file__).resolve().parents[1] / "fixtures" / "assistant"


def salesbot(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SALESBOT_LOG_LEVEL": "CRITICAL"}
    env.pop("SALESBOT_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_failing_case_shows_expected_and_actual(tmp_path: Path) -> None:
    project = tmp_path / "assistant"
    shutil.copytree(ASSISTANT, project, ignore=shutil.ignore_patterns(".salesbot", "e2e"))
    (project / "wrong.yml").write_text("""
test_cases:
  - test_case: expects the wrong reply
    steps:
      - user: how much is it
      - assertions:
          - bot_uttered: {utter_name: utter_demo_booked}
  - test_case: expects the right reply
    steps:
      - user: how much is it
      - assertions:
          - bot_uttered: {utter_name: utter_pricing}
""", encoding="utf-8")
    result = salesbot("test", "wrong.yml", cwd=project)
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 1
    assert "FAIL wrong.yml: expects the wrong reply" in result.stdout
    assert "bot_uttered {'utter_name': 'utter_demo_booked'}: the bot said utter_pricing" \
        in result.stdout
    assert "PASS wrong.yml: expects the right reply" in result.stdout
    assert lines[-1] == "1 passed, 1 failed"


def test_broken_flow_file_is_refused_by_train(tmp_path: Path) -> None:
    project = tmp_path / "assistant"
    shutil.copytree(ASSISTANT, project, ignore=shutil.ignore_patterns(".salesbot", "e2e"))
    flows = project / "flows" / "demo.yml"
    flows.write_text(flows.read_text().replace("- collect: demo_day\n      - collect: confirm",
                                               "- collect: demo_dya\n      - collect: confirm"))
    result = salesbot("train", cwd=project)
    assert result.returncode == 1
    assert "demo.yml, flow 'book_demo', step 4: unknown slot 'demo_dya'" in result.stderr
    assert "Traceback" not in result.stderr
