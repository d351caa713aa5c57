"""The web chat channel: demo page, widget assets, and the anonymous cross-origin webhook."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from bot.agent import Agent
from bot.server import ChannelError, create_app
from tests.connectors.support import GREETING, user_events, with_channels

WEBHOOK = "/webhooks/webchat/webhook"


@pytest.fixture
def client(agent: Agent) -> Iterator[TestClient]:
    with TestClient(create_app(with_channels(agent, {"webchat": {}, "rest": {}}))) as client:
        yield client


def visitor() -> str:
    return f"visitor-{uuid.uuid4().hex[:8]}"


def test_the_demo_page_embeds_the_widget(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<script src="/webchat/widget.js"' in response.text


def test_the_widget_script_and_styles_are_served(client: TestClient) -> None:
    script = client.get("/webchat/widget.js")
    styles = client.get("/webchat/widget.css")
    assert script.status_code == styles.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert styles.headers["content-type"].startswith("text/css")
    # What the widget must send: to this channel's webhook, with the visitor's time zone.
    assert "/webhooks/webchat/webhook" in script.text
    assert "resolvedOptions().timeZone" in script.text
    assert ".sb-chip" in styles.text


def test_the_webhook_answers_on_the_webchat_channel(agent: Agent, client: TestClient) -> None:
    me = visitor()
    body = {"sender": me, "message": "hello", "metadata": {"timezone": "Europe/Berlin"}}
    response = client.post(WEBHOOK, json=body)
    assert response.status_code == 200
    [reply] = response.json()
    assert reply["recipient_id"] == me
    assert reply["text"] == GREETING
    assert reply["buttons"] == [{"title": "Say goodbye", "payload": "/goodbye"}]
    [event] = user_events(agent, me, "webchat")
    assert event["input_channel"] == "webchat"
    assert event["metadata"]["timezone"] == "Europe/Berlin"
    assert user_events(agent, me, "rest") == []


def test_a_visitor_cannot_claim_to_be_a_user(agent: Agent) -> None:
    # Even beside a REST channel with a token: the web chat itself is never authenticated.
    app = create_app(with_channels(agent, {"webchat": {}, "rest": {"token": "t"}}))
    me = visitor()
    with TestClient(app) as client:
        body = {"sender": me, "message": "hi", "metadata": {"user": "ceo@acme.example"}}
        response = client.post(WEBHOOK, json=body, headers={"Authorization": "Bearer t"})
    assert response.status_code == 200
    [event] = user_events(agent, me, "webchat")
    assert event["metadata"]["user"] is None


def test_the_webhook_refuses_bad_requests_like_rest(client: TestClient) -> None:
    response = client.post(WEBHOOK, json={"sender": visitor()})
    assert response.status_code == 400
    assert "'message'" in response.json()["error"]


def test_any_site_may_call_the_webhook_by_default(client: TestClient) -> None:
    origin = "https://shop.example"
    preflight = client.options(WEBHOOK, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    })
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    post = client.post(WEBHOOK, json={"sender": visitor(), "message": "hi"},
                       headers={"Origin": origin})
    assert post.headers["access-control-allow-origin"] == "*"


def test_allowed_origins_limit_who_may_call(agent: Agent) -> None:
    settings = {"allowed_origins": ["https://shop.example"]}
    app = create_app(with_channels(agent, {"webchat": settings}))
    with TestClient(app) as client:
        allowed = client.post(WEBHOOK, json={"sender": visitor(), "message": "hi"},
                              headers={"Origin": "https://shop.example"})
        other = client.options(WEBHOOK, headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers


def test_the_rest_webhook_stays_same_origin(client: TestClient) -> None:
    response = client.post("/webhooks/rest/webhook", json={"sender": visitor(), "message": "hi"},
                           headers={"Origin": "https://shop.example"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


def test_bad_allowed_origins_stop_the_start(agent: Agent) -> None:
    with pytest.raises(ChannelError, match="allowed_origins"):
        create_app(with_channels(agent, {"webchat": {"allowed_origins": 42}}))
