"""Cadence actions on a real database loaded with the sales org: identity, retries, failures."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from actions.cadence_chat import APOLOGY, SIGN_IN
from actions.cadences import ActionCadenceEnroll, ActionCadencePreviewEnroll
from bot.db import make_engine
from sales.cadence_models import Enrollment
from sales.data import load_fixtures, metadata

ORG = Path(__file__).resolve().parents[1] / "fixtures" / "sales_org.yml"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'sales.db'}"
    engine = make_engine(url)
    metadata.create_all(engine)
    load_fixtures(engine, ORG)
    engine.dispose()
    monkeypatch.setenv("SALESBOT_DATABASE_URL", url)
    yield url


def tracker(user: str | None, slots: dict[str, Any], message_id: str | None = "m1") -> Tracker:
    metadata_ = {"user": user} if user else {}
    message = {"text": "yes", "intent": {"name": "affirm"}, "entities": [], "metadata": metadata_}
    return Tracker.from_dict({
        "sender_id": "U0SAM",
        "slots": slots,
        "latest_message": message,
        "events": [{"event": "user", "text": "yes", "message_id": message_id,
                    "parse_data": message, "metadata": metadata_}],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": None,
        "stack": [{"flow_id": "enroll_in_cadence", "step_id": "act", "frame_type": "regular"}],
    })


def run(action: Action, state: Tracker) -> tuple[list[str], dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, state, {})
    slots = {event["name"]: event["value"] for event in events if event["event"] == "slot"}
    return [message["text"] for message in dispatcher.messages], slots


def enrollments(url: str) -> int:
    engine = make_engine(url)
    with Session(engine) as session:
        count = session.scalar(select(func.count()).select_from(Enrollment)) or 0
    engine.dispose()
    return count


ENROL = {"cadence_name": "Q4 Outbound", "cadence_targets": "priya.shah@northwind.example"}


def test_a_retried_request_that_reaches_the_action_again_enrols_once(database: str) -> None:
    # As when the first try committed but the reply was lost before the engine stored the turn.
    first, _ = run(ActionCadenceEnroll(), tracker("sam@acme.example", ENROL, "m1"))
    again, _ = run(ActionCadenceEnroll(), tracker("sam@acme.example", ENROL, "m1"))
    assert first[0].startswith("Enrolled priya.shah@northwind.example in Q4 Outbound")
    assert again == first
    assert enrollments(database) == 1


def test_a_new_message_asking_the_same_is_told_the_target_is_enrolled(database: str) -> None:
    run(ActionCadenceEnroll(), tracker("sam@acme.example", ENROL, "m1"))
    again, _ = run(ActionCadenceEnroll(), tracker("sam@acme.example", ENROL, "m2"))
    assert again == ["Enrolled 0 of 1 in Q4 Outbound; "
                     "priya.shah@northwind.example is already in Q4 Outbound."]
    assert enrollments(database) == 1


@pytest.mark.parametrize("user", [None, "stranger@elsewhere.example"])
def test_only_known_users_work_with_cadences(database: str, user: str | None) -> None:
    said, slots = run(ActionCadenceEnroll(), tracker(user, ENROL))
    assert said == [SIGN_IN]
    assert slots["cadence_next"] == "stop"
    assert enrollments(database) == 0


def test_a_bulk_enrolment_is_previewed_with_its_refusals_before_anything_changes(
    database: str,
) -> None:
    slots_in = {"cadence_name": "Q4 Outbound",
                "cadence_targets": "list: Spring webinar, cy@fabrikam.example"}
    said, slots = run(ActionCadencePreviewEnroll(), tracker("maria@acme.example", slots_in))
    assert said == []
    assert slots["cadence_next"] == "confirm"
    assert slots["cadence_question"] == (
        "I will enroll 12 of 13 in Q4 Outbound; cy@fabrikam.example opted out of email. Go ahead?")
    assert enrollments(database) == 0


def test_a_small_enrolment_goes_ahead_without_asking(database: str) -> None:
    said, slots = run(ActionCadencePreviewEnroll(), tracker("sam@acme.example", ENROL))
    assert (said, slots) == ([], {"cadence_next": "act"})


def test_a_failure_is_logged_and_answered_with_an_apology(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SALESBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'no-tables.db'}")
    with caplog.at_level(logging.ERROR, logger="actions.cadence_chat"):
        said, slots = run(ActionCadenceEnroll(), tracker("sam@acme.example", ENROL))
    assert said == [APOLOGY]
    assert slots["cadence_name"] is None
    assert "action_cadence_enroll failed" in caplog.text


def test_the_daily_email_limit_comes_from_the_config_the_email_job_reads(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Inbound Follow-up starts with an automated email; this config lets a rep send 1 a day.
    config = tmp_path / "config.yml"
    config.write_text("email:\n  daily_limit_per_user: 1\n", encoding="utf-8")
    monkeypatch.setenv("SALESBOT_CONFIG", str(config))
    two = {"cadence_name": "Inbound Follow-up",
           "cadence_targets": "priya.shah@northwind.example, tom.baker@litware.example"}

    said, _ = run(ActionCadenceEnroll(), tracker("sam@acme.example", two))

    assert said == ["Enrolled 0 of 2 in Inbound Follow-up; priya.shah@northwind.example and "
                    "tom.baker@litware.example would take Sam Patel over the daily limit of "
                    "1 automated email (1 left today)."]
    assert enrollments(database) == 0
