from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.agent import Agent
from tests.connectors.support import project_agent


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    """One trained assistant per test module; tests keep apart by their sender ids."""
    with project_agent(tmp_path_factory.mktemp("project")) as agent:
        yield agent
