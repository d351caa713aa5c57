"""The server around the connectors: health, metrics, echo, logging, errors, channel lookup."""

from __future__ import annotations

import logging
import re
import sys
import types
from collections.abc import Iterator
from typing import Any, cast

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.testclient import TestClient

from bot.agent import Agent, UserMessage
from bot.config import ConfigError
from bot.server import create_app, handle_turn
from tests.connectors.support import project_agent, with_channels


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    with project_agent(tmp_path_factory.mktemp("project")) as agent:
        yield agent


@pytest.fixture
def client(agent: Agent) -> Iterator[TestClient]:
    with TestClient(create_app(with_channels(agent, {"rest": {}}))) as client:
        yield client


class _BrokenAgent:
    """Stands in for an agent whose turn fails (a bug, a dead database)."""

    def handle(self, message: UserMessage) -> list[Any]:
        raise RuntimeError("the database is gone")


def _boom_connector(agent: Agent, settings: dict[str, Any]) -> list[BaseRoute]:
    async def crash(request: Request) -> Response:
        raise ValueError("a connector bug")

    async def failing_turn(request: Request) -> Response:
        message = UserMessage("hi", "someone", channel="boom")
        await handle_turn(request, cast(Agent, _BrokenAgent()), message)
        return JSONResponse([])

    return [Route("/boom/crash", crash), Route("/boom/turn", failing_turn)]


@pytest.fixture
def boom_client(agent: Agent, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """A server with a (test) connector ``connectors.boom`` whose endpoints fail."""
    module = types.ModuleType("connectors.boom")
    module.routes = _boom_connector  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "connectors.boom", module)
    with TestClient(create_app(with_channels(agent, {"boom": {}}))) as client:
        yield client


def metric(text: str, name: str) -> float:
    match = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
    assert match, f"{name} not in metrics:\n{text}"
    return float(match.group(1))


def test_health(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_metrics_count_turns_per_channel_with_their_latency(client: TestClient) -> None:
    before = client.get("/metrics").text
    assert 'channel="rest"' not in before
    client.post("/webhooks/rest/webhook", json={"sender": "m1", "message": "hello"})
    client.post("/webhooks/rest/webhook", json={"sender": "m2", "message": "bye"})
    response = client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert "# TYPE salesbot_turns_total counter" in text
    assert metric(text, 'salesbot_turns_total{channel="rest"}') == 2
    assert metric(text, 'salesbot_turn_failures_total{channel="rest"}') == 0
    assert metric(text, 'salesbot_turn_seconds_count{channel="rest"}') == 2
    assert metric(text, 'salesbot_turn_seconds_bucket{channel="rest",le="+Inf"}') == 2
    assert metric(text, 'salesbot_turn_seconds_sum{channel="rest"}') > 0


def test_a_refused_request_is_not_a_turn(client: TestClient) -> None:
    client.post("/webhooks/rest/webhook", json={"sender": "m3"})
    assert "salesbot_turns_total{" not in client.get("/metrics").text


def test_echo_returns_the_posted_json(client: TestClient) -> None:
    body = {"sender": "bench", "message": "hi", "n": [1, 2.5, None]}
    response = client.post("/echo", json=body)
    assert response.status_code == 200
    assert response.json() == body
    assert client.post("/echo", content=b"{nope").status_code == 400


def test_requests_are_logged_with_status_and_time(client: TestClient,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="bot.server"):
        client.get("/health")
        client.get("/nowhere")
    messages = [record.getMessage() for record in caplog.records]
    assert any(re.fullmatch(r"GET /health 200 \d+\.\dms", m) for m in messages), messages
    assert any(m.startswith("GET /nowhere 404 ") for m in messages), messages


def test_a_connector_crash_is_a_json_500_with_a_logged_traceback(
        boom_client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="bot.server"):
        response = boom_client.get("/boom/crash")
        assert boom_client.get("/health").status_code == 200  # still serving
    assert response.status_code == 500
    assert response.json() == {"error": "internal error"}
    [crash] = [r for r in caplog.records if r.exc_info]
    assert "GET /boom/crash" in crash.getMessage()
    assert "a connector bug" in str(crash.exc_info[1] if crash.exc_info else "")
    assert any(r.getMessage().startswith("GET /boom/crash 500") for r in caplog.records)


def test_a_failed_turn_is_counted(boom_client: TestClient) -> None:
    assert boom_client.get("/boom/turn").status_code == 500
    text = boom_client.get("/metrics").text
    assert metric(text, 'salesbot_turns_total{channel="boom"}') == 1
    assert metric(text, 'salesbot_turn_failures_total{channel="boom"}') == 1


def test_an_unknown_channel_is_named_at_startup(agent: Agent) -> None:
    # A ConfigError: the CLI reports it in one line, like any other mistake in config.yml.
    with pytest.raises(ConfigError, match="unknown channel 'telegraph'"):
        create_app(with_channels(agent, {"rest": {}, "telegraph": {}}))


def test_without_channels_in_the_config_rest_and_webchat_are_served(agent: Agent) -> None:
    with TestClient(create_app(with_channels(agent, {}))) as client:
        assert client.get("/webhooks/rest/").json() == {"status": "ok"}
        assert client.get("/").status_code == 200
        assert client.get("/webchat/widget.js").status_code == 200


def test_a_channel_with_no_settings_value_is_served(agent: Agent) -> None:
    # `channels: {rest: }` in YAML gives None for the settings.
    with TestClient(create_app(with_channels(agent, {"rest": None}))) as client:
        assert client.get("/webhooks/rest/").status_code == 200
        assert client.get("/").status_code == 404
