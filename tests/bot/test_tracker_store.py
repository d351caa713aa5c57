"""The SQL tracker store on a SQLite file: persistence, and the per-conversation turn lock."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select

from bot.db import make_engine
from bot.tracker import ConversationKey, DialogueState, StackFrame, make_event
from bot.tracker_store import (
    ConversationLockTimeout,
    SQLTrackerStore,
    tickets_table,
)
from tests.support.db import tracker_engine

ALICE = ConversationKey("alice", "rest")
BOB = ConversationKey("bob", "rest")


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    # A folder that does not exist yet: the store must create it.
    return f"sqlite:///{tmp_path / 'data' / 'bot.db'}"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    with tracker_engine(db_url) as engine:
        yield engine


@pytest.fixture
def store(engine: Engine) -> SQLTrackerStore:
    return SQLTrackerStore(engine)


def _slot_event(slot: str, value: object, **extra: object) -> dict[str, object]:
    return {"event": "slot", "timestamp": time.time(), "name": slot, "value": value, **extra}


def _state_with_everything() -> DialogueState:
    return DialogueState(
        slots={"company": "Acme", "seats": 12, "budget": 1.5, "tags": ["a", "b"], "ok": True,
               "nothing": None, "nested": {"x": [1, {"y": 2}]}},
        stack=[StackFrame("book_meeting", "ask_time", "regular", {"attempt": 1}),
               StackFrame("pattern_correction", "START", "pattern", {"slots": ["time"]})],
        latest_message={"text": "hi", "intent": {"name": "greet", "confidence": 0.9}},
        latest_action_name="utter_greet",
        session_started_at=1_700_000_000.5,
        last_active_at=1_700_000_100.25,
        metadata={"user": "sam@acme.example"},
    )


def test_state_and_events_round_trip(store: SQLTrackerStore) -> None:
    state = _state_with_everything()
    events = [make_event("user", text="hi"), _slot_event("company", "Acme")]

    store.save(ALICE, state, events)

    assert store.load(ALICE) == state
    assert store.events(ALICE) == events


def test_a_new_conversation_loads_fresh_and_is_not_created_by_loading(
    store: SQLTrackerStore,
) -> None:
    assert store.load(ALICE) == DialogueState()
    assert store.events(ALICE) == []
    assert store.conversation_keys() == []


def test_a_datetime_in_a_slot_is_stored_as_text_instead_of_failing(
    store: SQLTrackerStore,
) -> None:
    when = datetime(2030, 1, 2, 15, 30, tzinfo=UTC)
    store.save(ALICE, DialogueState(slots={"when": when}), [_slot_event("when", when)])

    assert store.load(ALICE).slots["when"] == str(when)
    assert store.events(ALICE)[0]["value"] == str(when)


def test_another_process_on_the_same_file_sees_the_conversation(
    store: SQLTrackerStore, db_url: str
) -> None:
    store.save(ALICE, DialogueState(slots={"n": 1}), [make_event("user", text="one")])

    other_engine = make_engine(db_url)
    try:
        other = SQLTrackerStore(other_engine)
        assert other.load(ALICE).slots == {"n": 1}
        assert [e["text"] for e in other.events(ALICE)] == ["one"]
        other.save(ALICE, DialogueState(slots={"n": 2}), [make_event("user", text="two")])
    finally:
        other_engine.dispose()

    assert store.load(ALICE).slots == {"n": 2}
    assert [e["text"] for e in store.events(ALICE)] == ["one", "two"]


def test_events_keep_insertion_order_and_since_filters_by_timestamp(
    store: SQLTrackerStore,
) -> None:
    # Timestamps deliberately out of order: order is the order of saving, not of the clock.
    first = [{"event": "user", "text": "a", "timestamp": 30.0},
             {"event": "bot", "text": "b", "timestamp": 10.0}]
    second = [{"event": "user", "text": "c", "timestamp": 20.0}]
    store.save(ALICE, DialogueState(), first)
    store.save(ALICE, DialogueState(), second)

    assert [e["text"] for e in store.events(ALICE)] == ["a", "b", "c"]
    assert [e["text"] for e in store.events(ALICE, since=20.0)] == ["a", "c"]


def test_conversations_are_kept_apart_per_sender_and_channel(store: SQLTrackerStore) -> None:
    slack_alice = ConversationKey("alice", "slack")
    store.save(ALICE, DialogueState(slots={"where": "rest"}), [make_event("user", text="r")])
    store.save(slack_alice, DialogueState(slots={"where": "slack"}), [make_event("user", text="s")])

    assert store.load(ALICE).slots == {"where": "rest"}
    assert store.load(slack_alice).slots == {"where": "slack"}
    assert [e["text"] for e in store.events(slack_alice)] == ["s"]
    assert store.conversation_keys() == [ALICE, slack_alice]


# -- the turn lock ----------------------------------------------------------------------


def _tickets_left(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(tickets_table)).scalar_one())


def _add_ticket(engine: Engine, key: ConversationKey, expires_at: float) -> None:
    """A ticket as another process's holder would leave it."""
    with engine.begin() as conn:
        conn.execute(insert(tickets_table).values(key=str(key), expires_at=expires_at))


def test_concurrent_turns_of_one_conversation_lose_no_update(
    store: SQLTrackerStore, engine: Engine
) -> None:
    acquired: list[int] = []

    def turn(worker: int) -> None:
        with store.lock(ALICE, timeout=20):
            acquired.append(worker)
            state = store.load(ALICE)
            count = int(state.slots.get("counter", 0)) + 1
            time.sleep(0.01)
            state.slots["counter"] = count
            store.save(ALICE, state, [_slot_event("counter", count, worker=worker)])

    threads = [threading.Thread(target=turn, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert store.load(ALICE).slots["counter"] == 8
    events = store.events(ALICE)
    assert [e["value"] for e in events] == list(range(1, 9))
    assert [e["worker"] for e in events] == acquired
    assert _tickets_left(engine) == 0


def test_turns_are_served_in_arrival_order(store: SQLTrackerStore) -> None:
    served: list[int] = []
    release_first = threading.Event()

    def holder() -> None:
        with store.lock(ALICE):
            release_first.wait(10)

    def turn(worker: int) -> None:
        with store.lock(ALICE, timeout=20):
            served.append(worker)

    first = threading.Thread(target=holder)
    first.start()
    time.sleep(0.05)
    waiters = []
    for worker in range(5):
        waiters.append(threading.Thread(target=turn, args=(worker,)))
        waiters[-1].start()
        time.sleep(0.05)  # each has taken its ticket before the next arrives
    release_first.set()
    for thread in [first, *waiters]:
        thread.join()

    assert served == [0, 1, 2, 3, 4]


def test_a_busy_conversation_does_not_delay_another(store: SQLTrackerStore) -> None:
    holding = threading.Event()
    release = threading.Event()

    def hold_alice() -> None:
        with store.lock(ALICE):
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=hold_alice)
    thread.start()
    try:
        assert holding.wait(5)
        started = time.monotonic()
        with store.lock(BOB, timeout=2):
            elapsed = time.monotonic() - started
    finally:
        release.set()
        thread.join()

    assert elapsed < 0.5


def test_the_ticket_of_a_crashed_holder_expires(store: SQLTrackerStore, engine: Engine) -> None:
    _add_ticket(engine, ALICE, expires_at=time.time() + 0.3)

    started = time.monotonic()
    with store.lock(ALICE, timeout=5):
        elapsed = time.monotonic() - started

    assert 0.2 <= elapsed < 2
    assert _tickets_left(engine) == 0  # the dead ticket was cleaned up on release


def test_a_holder_that_overruns_its_lifetime_no_longer_blocks(engine: Engine) -> None:
    store = SQLTrackerStore(engine, lock_lifetime=0.3)
    holding = threading.Event()
    release = threading.Event()

    def stuck_holder() -> None:
        with store.lock(ALICE):
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=stuck_holder)
    thread.start()
    try:
        assert holding.wait(5)
        started = time.monotonic()
        with store.lock(ALICE, timeout=5):
            elapsed = time.monotonic() - started
    finally:
        release.set()
        thread.join()

    assert elapsed < 2


def test_a_waiter_outliving_the_lock_lifetime_keeps_its_place(engine: Engine) -> None:
    # The waiter waits 3 lifetimes: its own ticket must stay alive meanwhile, or a later
    # arrival would overtake it.
    store = SQLTrackerStore(engine, lock_lifetime=0.3)
    _add_ticket(engine, ALICE, expires_at=time.time() + 0.9)
    served: list[str] = []

    def turn(name: str) -> None:
        with store.lock(ALICE, timeout=5):
            served.append(name)

    early = threading.Thread(target=turn, args=("early",))
    early.start()
    time.sleep(0.6)
    late = threading.Thread(target=turn, args=("late",))
    late.start()
    early.join()
    late.join()

    assert served == ["early", "late"]


def test_waiting_too_long_raises_and_names_the_conversation(
    store: SQLTrackerStore, engine: Engine
) -> None:
    _add_ticket(engine, ALICE, expires_at=time.time() + 60)

    started = time.monotonic()
    with (
        pytest.raises(ConversationLockTimeout, match="rest:alice") as raised,
        store.lock(ALICE, timeout=0.2),
    ):
        pytest.fail("the lock was taken although another holder has it")

    assert raised.value.key == ALICE
    assert time.monotonic() - started < 1
    assert _tickets_left(engine) == 1  # the timed-out waiter left the line


def test_an_error_inside_the_turn_releases_the_lock(store: SQLTrackerStore) -> None:
    with pytest.raises(RuntimeError), store.lock(ALICE):
        raise RuntimeError("action failed")

    with store.lock(ALICE, timeout=0.5):
        pass
