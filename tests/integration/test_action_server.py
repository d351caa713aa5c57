"""The test assistant with its custom actions on a real Rasa action server (`python -m rasa_sdk`).

The config names only ``actions.url``: no actions module is loaded in this process, so a
booking reference can only come from the server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.agent import Agent, UserMessage
from tests.connectors.support import free_port
from tests.integration.conftest import (
    ANYTHING_ELSE,
    APOLOGY,
    ASK_DAY,
    ASSISTANT,
    PRICING,
    load_agent,
    texts,
    write_config,
)
from tests.support.action_server import running_action_server

BOOKING = ["book a demo", "/SetSlots(company_size=small)", "3", "friday"]


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture's demo_actions served by rasa_sdk on a free port; yields its webhook URL."""
    log = tmp_path_factory.mktemp("action_server") / "server.log"
    with running_action_server("demo_actions", ASSISTANT, free_port(), log) as base:
        yield f"{base}/webhook"


def remote_agent(tmp_path: Path, engine: Engine, url: str) -> Agent:
    return load_agent(write_config(tmp_path, {"actions": {"url": url, "timeout": 5}}), engine)


def say(agent: Agent, sender: str, *messages: str) -> list[str | None]:
    """Send ``messages`` in turn; the texts of the replies to the last one."""
    replies: list[str | None] = []
    for message in messages:
        replies = texts(agent.handle(UserMessage(message, sender)))
    return replies


def test_a_booking_gets_its_reference_from_the_action_server(
    tmp_path: Path, sqlite_engine: Engine, action_server: str
) -> None:
    agent = remote_agent(tmp_path, sqlite_engine, action_server)

    assert say(agent, "remote-1", *BOOKING) == [
        "Book a demo for 3 seats (small company) on friday?"]
    assert say(agent, "remote-1", "yes") == ["Booked! Your reference is DEMO-S3-FRI.",
                                             ANYTHING_ELSE]


def test_an_action_failing_on_the_server_apologises_and_the_bot_stays_usable(
    tmp_path: Path, sqlite_engine: Engine, action_server: str
) -> None:
    agent = remote_agent(tmp_path, sqlite_engine, action_server)

    assert say(agent, "remote-2", "what's the status of my order") == [APOLOGY]
    assert say(agent, "remote-2", "how much is it") == [PRICING]
    # The server survived its action's exception too.
    assert say(agent, "remote-3", *BOOKING, "yes")[0] == "Booked! Your reference is DEMO-S3-FRI."


def test_an_action_server_that_is_down_gets_an_apology_not_a_crash(
    tmp_path: Path, sqlite_engine: Engine
) -> None:
    # A port nobody listens on: connections are refused at once.
    agent = remote_agent(tmp_path, sqlite_engine, f"http://127.0.0.1:{free_port()}/webhook")

    assert say(agent, "down-1", *BOOKING, "yes") == [APOLOGY]
    assert say(agent, "down-1", "what's the status of my order") == [APOLOGY]
    # Flows without custom actions still work, and the failed booking is not pending.
    assert say(agent, "down-1", "how much is it") == [PRICING]
    assert say(agent, "down-1", "book a demo", "large", "7") == [ASK_DAY]
