"""The Rasa-compatible REST webhook, driven the way a backend or a Rasa client would."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from starlette.testclient import TestClient

from bot.agent import Agent
from bot.server import ChannelError, create_app
from bot.tracker import ConversationKey
from tests.connectors.support import GOODBYE, GREETING, live_server, user_events, with_channels

WEBHOOK = "/webhooks/rest/webhook"
TOKEN = "s3cret-token"


@pytest.fixture
def client(agent: Agent) -> Iterator[TestClient]:
    with TestClient(create_app(with_channels(agent, {"rest": {}}))) as client:
        yield client


@pytest.fixture
def token_client(agent: Agent) -> Iterator[TestClient]:
    app = create_app(with_channels(agent, {"rest": {"token": TOKEN}}))
    with TestClient(app) as client:
        yield client


def sender() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


def test_status_endpoint_answers_like_rasa(client: TestClient) -> None:
    response = client.get("/webhooks/rest/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_conversation_gets_replies_with_buttons_and_a_button_payload_works(
        client: TestClient) -> None:
    me = sender()
    first = client.post(WEBHOOK, json={"sender": me, "message": "hello there"})
    assert first.status_code == 200
    assert first.json() == [{
        "recipient_id": me, "text": GREETING,
        "buttons": [{"title": "Say goodbye", "payload": "/goodbye"}],
    }]
    second = client.post(WEBHOOK, json={"sender": me, "message": "/goodbye"})
    assert second.json() == [{"recipient_id": me, "text": GOODBYE}]


def test_the_token_is_required_when_configured(token_client: TestClient) -> None:
    body = {"sender": sender(), "message": "hi"}
    missing = token_client.post(WEBHOOK, json=body)
    wrong = token_client.post(WEBHOOK, json=body, headers={"Authorization": "Bearer nope"})
    basic = token_client.post(WEBHOOK, json=body, headers={"Authorization": f"Basic {TOKEN}"})
    right = token_client.post(WEBHOOK, json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert [r.status_code for r in (missing, wrong, basic)] == [401, 401, 401]
    assert missing.json() == {"error": "missing or wrong bearer token"}
    assert right.status_code == 200
    assert right.json()[0]["text"] == GREETING


def test_metadata_user_is_honored_with_the_token(agent: Agent, token_client: TestClient) -> None:
    me = sender()
    body = {"sender": me, "message": "hi", "metadata": {"user": "sam@acme.example"}}
    response = token_client.post(WEBHOOK, json=body,
                                 headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    [event] = user_events(agent, me, "rest")
    assert event["metadata"]["user"] == "sam@acme.example"


def test_metadata_user_is_ignored_without_a_token(agent: Agent, client: TestClient) -> None:
    me = sender()
    body = {"sender": me, "message": "hi", "metadata": {"user": "ceo@acme.example"}}
    assert client.post(WEBHOOK, json=body).status_code == 200
    [event] = user_events(agent, me, "rest")
    assert event["metadata"]["user"] is None
    assert "ceo@acme.example" not in str(agent.history(ConversationKey(me, "rest")))


def test_timezone_and_message_id_reach_the_conversation(agent: Agent, client: TestClient) -> None:
    me = sender()
    body = {"sender": me, "message": "hi", "message_id": "m-17",
            "metadata": {"timezone": "America/Chicago"}}
    assert client.post(WEBHOOK, json=body).status_code == 200
    [event] = user_events(agent, me, "rest")
    assert event["metadata"]["timezone"] == "America/Chicago"
    assert event["message_id"] == "m-17"


def test_malformed_json_is_refused_with_the_reason(client: TestClient) -> None:
    response = client.post(WEBHOOK, content=b'{"sender": "a", "message": ',
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error.startswith("malformed JSON: ")
    assert "Expecting value" in error


@pytest.mark.parametrize(("body", "named"), [
    ({"message": "hi"}, "'sender'"),
    ({"sender": "   ", "message": "hi"}, "'sender'"),
    ({"sender": "a"}, "'message'"),
    ({"sender": "a", "message": ""}, "'message'"),
    ({"sender": "a", "message": 42}, "'message'"),
    ({"sender": ["a"], "message": "hi"}, "'sender'"),
    ({"sender": "a", "message": "hi", "metadata": ["x"]}, "'metadata'"),
    ({"sender": "a", "message": "hi", "metadata": {"timezone": "Mars/Olympus"}}, "Mars/Olympus"),
    (["sender", "message"], "JSON object"),
])
def test_a_bad_field_is_refused_naming_it(client: TestClient, body: object, named: str) -> None:
    response = client.post(WEBHOOK, json=body)
    assert response.status_code == 400
    assert named in response.json()["error"]


def test_an_overlong_message_is_refused_politely_and_not_stored(
        agent: Agent, client: TestClient) -> None:
    me, text = sender(), "x" * 5000
    response = client.post(WEBHOOK, json={"sender": me, "message": text})
    assert response.status_code == 200
    [reply] = response.json()
    assert "too long" in reply["text"]
    events = agent.history(ConversationKey(me, "rest"))
    kinds = [e["event"] for e in events]
    assert "message_rejected" in kinds
    assert "user" not in kinds
    assert text not in str(events)


def test_an_absurdly_large_body_is_refused_before_parsing(client: TestClient) -> None:
    body = b'{"sender": "a", "message": "' + b"x" * 70_000 + b'"}'
    response = client.post(WEBHOOK, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert "too large" in response.json()["error"]


def test_a_large_chunked_body_is_cut_off_too(agent: Agent) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"sender": "a", "message": "'
        for _ in range(100):
            yield b"x" * 1000
        yield b'"}'

    with live_server(create_app(with_channels(agent, {"rest": {}}))) as url:
        response = httpx.post(f"{url}{WEBHOOK}", content=chunks(), timeout=30,
                              headers={"Content-Type": "application/json"})
    assert response.status_code == 413


def test_a_misspelt_setting_stops_the_start(agent: Agent) -> None:
    with pytest.raises(ChannelError, match="tokn"):
        create_app(with_channels(agent, {"rest": {"tokn": TOKEN}}))


def test_the_real_server_answers_over_http(agent: Agent) -> None:
    app = create_app(with_channels(agent, {"rest": {"token": TOKEN}}))
    me = sender()
    with live_server(app) as url:
        response = httpx.post(f"{url}{WEBHOOK}", json={"sender": me, "message": "hello"},
                              headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert response.status_code == 200
    assert response.json()[0] == {
        "recipient_id": me, "text": GREETING,
        "buttons": [{"title": "Say goodbye", "payload": "/goodbye"}],
    }
