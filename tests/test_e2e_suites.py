"""Runs every e2e conversation case as a pytest test: the starter assistant's and the engine's."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from bot.config import load_config
from bot.testing import TestCase, TestRunner, find_test_files, load_test_file

ROOT = Path(__file__).resolve().parent.parent
SUITES = {
    ROOT / "config.yml": [ROOT / "tests" / "e2e"],
    ROOT / "tests/fixtures/assistant/config.yml": [ROOT / "tests/fixtures/assistant/e2e"],
}


@cache
def runner(config_path: Path) -> TestRunner:
    return TestRunner(load_config(config_path))


def cases() -> list[tuple[Path, TestCase]]:
    return [
        (config_path, case)
        for config_path, paths in SUITES.items()
        for file in find_test_files(paths)
        for case in load_test_file(file)
    ]


@pytest.mark.parametrize(("config_path", "case"), cases(),
                         ids=lambda value: value.name if isinstance(value, TestCase) else "")
def test_conversation(config_path: Path, case: TestCase) -> None:
    result = runner(config_path).run_case(case)
    assert result.passed, "\n".join(result.failures)
