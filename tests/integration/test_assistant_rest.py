"""The test assistant over the REST webhook of a real server, as a Rasa REST client sees it."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.db import make_engine
from bot.server import create_app
from tests.connectors.support import live_server
from tests.integration.conftest import (
    ANYTHING_ELSE,
    APOLOGY,
    ASK_DAY,
    ASK_SEATS,
    ASK_SIZE,
    ASSISTANT,
    CANNOT_HANDLE,
    ENTERPRISE_NOTE,
    PRICING,
    load_agent,
    texts,
)

WEBHOOK = "/webhooks/rest/webhook"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('rest') / 'assistant.db'}")
    agent = load_agent(ASSISTANT / "config.yml", engine)
    try:
        with live_server(create_app(agent)) as base, httpx.Client(base_url=base,
                                                                  timeout=10) as http:
            yield http
    finally:
        engine.dispose()


class Visitor:
    """One REST client talking as one sender; every answer must be a 200 addressed to it."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.sender = f"visitor-{secrets.token_hex(4)}"

    def says(self, message: str) -> list[dict[str, Any]]:
        response = self.client.post(WEBHOOK, json={"sender": self.sender, "message": message})
        assert response.status_code == 200, response.text
        replies: list[dict[str, Any]] = response.json()
        assert all(reply["recipient_id"] == self.sender for reply in replies)
        return replies


@pytest.fixture
def visitor(client: httpx.Client) -> Visitor:
    return Visitor(client)


def buttons(reply: dict[str, Any]) -> list[tuple[str, str]]:
    return [(button["title"], button["payload"]) for button in reply.get("buttons", [])]


def test_a_large_company_books_a_demo_and_gets_its_reference(visitor: Visitor) -> None:
    [ask_size] = visitor.says("I want to book a demo")
    assert ask_size["text"] == ASK_SIZE
    assert buttons(ask_size) == [
        ("Small", "/SetSlots(company_size=small)"),
        ("Medium", "/SetSlots(company_size=medium)"),
        ("Large", "/SetSlots(company_size=large)"),
    ]
    # The client sends a button's payload when it is clicked.
    assert texts(visitor.says(buttons(ask_size)[2][1])) == [ENTERPRISE_NOTE, ASK_SEATS]
    assert texts(visitor.says("0")) == ["You need at least one seat.", ASK_SEATS]
    assert texts(visitor.says("12 seats")) == [ASK_DAY]

    [confirm] = visitor.says("wednesday")
    assert confirm["text"] == "Book a demo for 12 seats (large company) on wednesday?"
    assert buttons(confirm) == [("Yes", "/SetSlots(confirm_booking=true)"),
                                ("No", "/SetSlots(confirm_booking=false)")]
    assert texts(visitor.says(buttons(confirm)[0][1])) == [
        "Booked! Your reference is DEMO-L12-WED.", ANYTHING_ELSE]


def test_a_small_company_gets_no_enterprise_note(visitor: Visitor) -> None:
    visitor.says("book a demo")
    assert texts(visitor.says("small")) == [ASK_SEATS]


def test_a_correction_is_confirmed_and_the_booking_uses_the_new_value(visitor: Visitor) -> None:
    visitor.says("book a demo")
    visitor.says("large")
    assert texts(visitor.says("10")) == [ASK_DAY]

    assert texts(visitor.says("actually make it medium")) == [
        "Ok, I am updating company size to medium.", ASK_DAY]
    assert texts(visitor.says("tuesday")) == [
        "Book a demo for 10 seats (medium company) on tuesday?"]


def test_a_digression_is_answered_then_the_pending_question_comes_back(visitor: Visitor) -> None:
    visitor.says("book a demo")
    assert texts(visitor.says("small")) == [ASK_SEATS]

    assert texts(visitor.says("wait, what does it cost?")) == [
        PRICING, "Let's continue with book a demo.", ASK_SEATS]
    assert texts(visitor.says("4")) == [ASK_DAY]


def test_never_mind_stops_the_booking(visitor: Visitor) -> None:
    visitor.says("book a demo")
    visitor.says("medium")

    assert texts(visitor.says("never mind")) == ["Okay, stopping book a demo."]
    # Nothing is pending any more: a question is answered without going back to the booking.
    assert texts(visitor.says("what does it cost")) == [PRICING]
    assert texts(visitor.says("never mind")) == [
        "There is nothing to cancel. What can I help you with?"]


def test_a_failing_action_apologises_and_the_next_message_still_works(visitor: Visitor) -> None:
    # Visitor.says asserts that every answer, the failed turn's included, is a 200.
    assert texts(visitor.says("what's the status of my order")) == [APOLOGY]
    assert texts(visitor.says("how much is it")) == [PRICING]
    assert texts(visitor.says("what's the status of my order")) == [APOLOGY]


def test_an_ambiguous_message_offers_the_choices_as_buttons(visitor: Visitor) -> None:
    [clarify] = visitor.says("book")
    assert "book a demo" in clarify["text"] and "book a training" in clarify["text"]
    assert sorted(buttons(clarify)) == [("Book a demo", "/book_demo"),
                                        ("Book a training", "/book_training")]

    training = dict(buttons(clarify))["Book a training"]
    assert texts(visitor.says(training)) == [ASK_DAY]


def test_out_of_scope_is_declined_and_a_pending_question_is_asked_again(
    visitor: Visitor,
) -> None:
    assert texts(visitor.says("what is the weather in paris tomorrow")) == [CANNOT_HANDLE]

    visitor.says("book a demo")
    visitor.says("large")
    assert texts(visitor.says("banana smoothie recipe")) == [CANNOT_HANDLE, ASK_SEATS]
    assert texts(visitor.says("3")) == [ASK_DAY]


def test_two_visitors_do_not_share_a_conversation(client: httpx.Client) -> None:
    first, second = Visitor(client), Visitor(client)
    first.says("book a demo")
    first.says("large")

    # The second visitor has nothing pending, so a number means nothing to it.
    assert texts(second.says("12")) == [CANNOT_HANDLE]
    assert texts(first.says("12")) == [ASK_DAY]
