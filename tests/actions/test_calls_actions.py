"""The calls actions on a real database: who is asking, follow-ups, and failures said politely."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

import actions.calls as calls_actions
from actions.calls import (
    APOLOGY,
    SIGN_IN,
    ActionAnswerCallQuestion,
    ActionListCalls,
    ActionSummarizeCall,
)
from sales.models import Base
from tests.knowledge.calls_support import add_call, make_org


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    url = f"sqlite:///{tmp_path / 'sales.db'}"
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    now = datetime.now(UTC)
    with Session(engine) as session:
        make_org(session)
        ids = {
            "globex": add_call(session, "globex_discovery.vtt", owner="sam@acme.example",
                               title="Globex discovery call", started_at=now - timedelta(days=2),
                               account="Globex").id,
            "fabrikam": add_call(session, "fabrikam_pricing.json", owner="sam@acme.example",
                                 title="Fabrikam pricing review",
                                 started_at=now - timedelta(hours=1), account="Fabrikam").id,
        }  # fmt: skip
        session.commit()
    engine.dispose()
    monkeypatch.setenv("SALESBOT_DATABASE_URL", url)
    yield ids


def tracker(text: str, user: str | None, slots: dict[str, Any] | None = None) -> Tracker:
    metadata = {"user": user} if user else {}
    message = {"text": text, "intent": {"name": "ask_about_calls"}, "entities": [],
               "metadata": metadata}  # fmt: skip
    return Tracker.from_dict({
        "sender_id": "U0SAM", "slots": slots or {}, "latest_message": message,
        "events": [{"event": "user", "text": text, "parse_data": message, "metadata": metadata}],
        "paused": False, "followup_action": None, "active_loop": {}, "latest_action_name": None,
    })  # fmt: skip


def run(action: Action, state: Tracker) -> tuple[list[str], dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, state, {})
    slots = {event["name"]: event["value"] for event in events if event["event"] == "slot"}
    return [message["text"] for message in dispatcher.messages], slots


def test_an_anonymous_visitor_is_refused(database: dict[str, int]) -> None:
    for action in (ActionSummarizeCall(), ActionAnswerCallQuestion(), ActionListCalls()):
        said, slots = run(action, tracker("summarize my last call", None))
        assert said == [SIGN_IN] and slots == {}
    said, _ = run(ActionSummarizeCall(), tracker("summarize my last call", "nobody@acme.example"))
    assert said == [SIGN_IN]


def test_a_summary_remembers_its_call_for_a_follow_up(database: dict[str, int]) -> None:
    said, slots = run(ActionSummarizeCall(), tracker("summarize my last call", "sam@acme.example"))
    assert said[0].startswith("Summary of 'Fabrikam pricing review'")
    assert slots == {"call_id": database["fabrikam"]}
    # "What objections came up?" names no call: without a call in the conversation it is
    # about all of Sam's calls; just after the summary it stays on the call summarized.
    said, _ = run(ActionAnswerCallQuestion(),
                  tracker("what objections came up?", "sam@acme.example"))  # fmt: skip
    assert said[0].startswith("Objections in your calls: budget (1 mention)")
    said, _ = run(ActionAnswerCallQuestion(),
                  tracker("what objections came up?", "sam@acme.example", slots))  # fmt: skip
    assert said[0].startswith("I couldn't find any objections on 'Fabrikam pricing review' (")
    # ...unless it names one.
    said, slots = run(
        ActionAnswerCallQuestion(),
        tracker("what objections came up with Globex?", "sam@acme.example", slots),
    )
    assert said[0].startswith("Objections on 'Globex discovery call'")
    assert slots == {"call_id": database["globex"]}


def test_a_list_does_not_change_the_call_in_the_conversation(database: dict[str, int]) -> None:
    said, slots = run(ActionListCalls(), tracker("show my recent calls", "sam@acme.example"))
    assert said[0].startswith("Your calls, most recent first:\n1. 'Fabrikam pricing review'")
    assert slots == {}


def test_a_failure_is_logged_and_answered_with_an_apology(
    database: dict[str, int], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(calls_actions, "summarize", broken)
    with caplog.at_level(logging.ERROR):
        said, slots = run(ActionSummarizeCall(),
                          tracker("summarize my last call", "sam@acme.example"))  # fmt: skip
    assert said == [APOLOGY] and slots == {}
    assert "action_summarize_call failed" in caplog.text
