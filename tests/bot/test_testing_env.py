"""An e2e test file may set environment variables for its cases (``env``), e.g. a limit that
config.yml reads as ${VAR}; each case sees the file's values updated by its own."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.testing import TestFileError, _environment, load_test_file


def test_file_and_case_values_merge_the_case_winning(tmp_path: Path) -> None:
    path = tmp_path / "cases.yml"
    path.write_text("""
env: {SALESBOT_EMAIL_DAILY_LIMIT: 3, REGION: west}
test_cases:
  - test_case: uses the file's values
    steps: []
  - test_case: overrides one
    env: {SALESBOT_EMAIL_DAILY_LIMIT: 0}
    steps: []
""", encoding="utf-8")

    first, second = load_test_file(path)

    assert first.env == {"SALESBOT_EMAIL_DAILY_LIMIT": "3", "REGION": "west"}
    assert second.env == {"SALESBOT_EMAIL_DAILY_LIMIT": "0", "REGION": "west"}


def test_env_that_is_not_a_mapping_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "cases.yml"
    path.write_text("env: [A=1]\ntest_cases: []\n", encoding="utf-8")

    with pytest.raises(TestFileError, match=r"cases\.yml: 'env' must map variable names"):
        load_test_file(path)


def test_values_hold_while_a_case_runs_and_are_restored_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SALESBOT_TEST_KEPT", "before")
    monkeypatch.delenv("SALESBOT_TEST_NEW", raising=False)

    with _environment({"SALESBOT_TEST_KEPT": "during", "SALESBOT_TEST_NEW": "1"}):
        assert os.environ["SALESBOT_TEST_KEPT"] == "during"
        assert os.environ["SALESBOT_TEST_NEW"] == "1"

    assert os.environ["SALESBOT_TEST_KEPT"] == "before"
    assert "SALESBOT_TEST_NEW" not in os.environ
