"""A platform's retry of a message (same message_id) over REST: answered again, handled once."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.agent import Agent
from bot.db import make_engine
from bot.server import create_app
from bot.tracker import ConversationKey
from tests.connectors.support import live_server
from tests.integration.conftest import (
    ASK_DAY,
    ASK_SEATS,
    ASK_SIZE,
    ASSISTANT,
    CANNOT_HANDLE,
    ENTERPRISE_NOTE,
    load_agent,
    stored_turns,
    texts,
)

WEBHOOK = "/webhooks/rest/webhook"


class Server:
    def __init__(self, agent: Agent, http: httpx.Client) -> None:
        self.agent, self.http = agent, http

    def send(self, sender: str, message: str, message_id: str | None) -> list[dict[str, Any]]:
        body: dict[str, Any] = {"sender": sender, "message": message}
        if message_id is not None:
            body["message_id"] = message_id
        response = self.http.post(WEBHOOK, json=body)
        assert response.status_code == 200, response.text
        replies: list[dict[str, Any]] = response.json()
        return replies

    def stored_messages(self, sender: str) -> list[tuple[str, str | None]]:
        turns = stored_turns(self.agent, ConversationKey(sender, "rest"))
        return [(turn.user["text"], turn.user.get("message_id")) for turn in turns]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    engine = make_engine(f"sqlite:///{Path(tmp_path_factory.mktemp('retries')) / 'bot.db'}")
    agent = load_agent(ASSISTANT / "config.yml", engine)
    try:
        with live_server(create_app(agent)) as base, httpx.Client(base_url=base,
                                                                  timeout=20) as http:
            yield Server(agent, http)
    finally:
        engine.dispose()


@pytest.fixture
def sender() -> str:
    return f"slack-user-{secrets.token_hex(4)}"


def test_a_retried_answer_gets_the_same_replies_and_the_flow_moves_on_once(
    server: Server, sender: str
) -> None:
    assert texts(server.send(sender, "book a demo", "m1")) == [ASK_SIZE]
    first = server.send(sender, "large", "m2")
    assert texts(first) == [ENTERPRISE_NOTE, ASK_SEATS]

    # Run again, "large" would be a wrong answer to the seats question; a retry is not run.
    assert server.send(sender, "large", "m2") == first
    assert texts(server.send(sender, "12", "m3")) == [ASK_DAY]
    assert server.stored_messages(sender) == [
        ("book a demo", "m1"), ("large", "m2"), ("12", "m3")]


def test_a_retry_of_an_older_message_replays_that_message_s_replies(
    server: Server, sender: str
) -> None:
    server.send(sender, "book a demo", "a")
    server.send(sender, "small", "b")
    assert texts(server.send(sender, "book a demo", "a")) == [ASK_SIZE]
    # ... and the conversation is still where it was: waiting for the number of seats.
    assert texts(server.send(sender, "3", "c")) == [ASK_DAY]


def test_retries_arriving_at_once_are_handled_once(server: Server, sender: str) -> None:
    server.send(sender, "book a demo", "x1")
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: server.send(sender, "medium", "x2"), range(4)))
    assert all(texts(answer) == [ASK_SEATS] for answer in answers)
    assert server.stored_messages(sender) == [("book a demo", "x1"), ("medium", "x2")]


def test_the_same_id_from_another_sender_is_a_new_message(server: Server, sender: str) -> None:
    other = f"{sender}-other"
    server.send(sender, "book a demo", "shared-id")
    assert texts(server.send(other, "large", "shared-id")) == [CANNOT_HANDLE]
    assert server.stored_messages(other) == [("large", "shared-id")]


def test_messages_without_an_id_are_each_handled(server: Server, sender: str) -> None:
    server.send(sender, "book a demo", None)
    assert texts(server.send(sender, "large", None)) == [ENTERPRISE_NOTE, ASK_SEATS]
    assert texts(server.send(sender, "large", None)) == [CANNOT_HANDLE, ASK_SEATS]
    assert len(server.stored_messages(sender)) == 3
