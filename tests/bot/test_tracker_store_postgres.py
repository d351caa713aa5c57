"""The SQL tracker store on PostgreSQL, shared by threads and by separate processes.

Each test gets its own schema, so parallel runs and other tests never see its tables.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, text

from bot.tracker import ConversationKey, DialogueState, StackFrame
from bot.tracker_store import SQLTrackerStore, conversations_table

pytestmark = pytest.mark.postgres

REPO_ROOT = Path(__file__).resolve().parents[2]
KEY = ConversationKey("visitor-1", "webchat")

WORKER = """
import sys, time
from bot.db import make_engine
from bot.tracker import ConversationKey
from bot.tracker_store import SQLTrackerStore

url, who, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
engine = make_engine(url)
store = SQLTrackerStore(engine)
key = ConversationKey("race", "rest")
with engine.connect():
    pass
print("ready", flush=True)
sys.stdin.readline()  # start together with the other worker
for _ in range(rounds):
    with store.lock(key, timeout=30):
        store.save(key, store.load(key), [{"event": "enter", "who": who, "timestamp": time.time()}])
        state = store.load(key)
        state.slots["counter"] = int(state.slots.get("counter", 0)) + 1
        time.sleep(0.005)
        store.save(key, state, [{"event": "exit", "who": who, "timestamp": time.time()}])
engine.dispose()
"""


@pytest.fixture
def engine(pg_engine: Engine) -> Engine:
    """The tracker tables in a fresh schema (pg_url and pg_engine are in tests/conftest.py)."""
    return pg_engine


def test_state_and_events_round_trip(engine: Engine) -> None:
    store = SQLTrackerStore(engine)
    state = DialogueState(
        slots={"company": "Acme", "seats": 3, "when": datetime(2030, 1, 2, tzinfo=UTC)},
        stack=[StackFrame("book_meeting", "ask_time")],
        latest_action_name="utter_ask_time",
    )
    first = [{"event": "user", "text": "book a demo", "timestamp": 1.0}]
    second = [{"event": "bot", "text": "when?", "timestamp": 2.0}]

    assert store.load(KEY) == DialogueState()
    store.save(KEY, state, first)
    store.save(KEY, state, second)

    loaded = store.load(KEY)
    assert loaded.stack == state.stack
    assert loaded.slots == {"company": "Acme", "seats": 3, "when": "2030-01-02 00:00:00+00:00"}
    assert store.events(KEY) == first + second
    assert store.events(KEY, since=2.0) == second
    assert store.conversation_keys() == [KEY]


def _wait_until_blocked_on_a_lock(engine: Engine, statement: str) -> None:
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND query LIKE :statement"
    )
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if conn.execute(query, {"statement": f"{statement}%"}).scalar_one():
                return
        time.sleep(0.01)
    pytest.fail(f"no session blocked on {statement!r} within 5 s")


def test_a_save_racing_another_process_creating_the_conversation_lands(engine: Engine) -> None:
    store = SQLTrackerStore(engine)
    errors: list[BaseException] = []
    event = {"event": "user", "text": "hello", "timestamp": 1.0}

    def save() -> None:
        try:
            store.save(KEY, DialogueState(slots={"mine": True}), [event])
        except BaseException as error:  # reported to the test thread
            errors.append(error)

    now = datetime.now(UTC)
    with engine.connect() as other:
        # The other process has created the conversation but not committed yet.
        other_tx = other.begin()
        other.execute(insert(conversations_table).values(
            sender_id=KEY.sender_id, channel=KEY.channel, state="{}",
            created_at=now, updated_at=now))
        thread = threading.Thread(target=save)
        thread.start()
        _wait_until_blocked_on_a_lock(engine, "INSERT INTO conversations")
        other_tx.commit()
        thread.join(10)

    assert errors == []
    assert store.load(KEY).slots == {"mine": True}
    assert store.events(KEY) == [event]


def test_threads_sharing_one_conversation_lose_no_update(engine: Engine) -> None:
    store = SQLTrackerStore(engine)

    def turn() -> None:
        with store.lock(KEY, timeout=20):
            state = store.load(KEY)
            state.slots["counter"] = int(state.slots.get("counter", 0)) + 1
            time.sleep(0.005)
            store.save(KEY, state, [])

    threads = [threading.Thread(target=turn) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert store.load(KEY).slots["counter"] == 8


def _start_worker(pg_url: str, who: str, rounds: int) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, pg_url, who, str(rounds)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=env, cwd=REPO_ROOT,
    )


def test_two_processes_take_turns_without_losing_updates(pg_url: str, engine: Engine) -> None:
    workers = [_start_worker(pg_url, who, 20) for who in ("a", "b")]
    try:
        for worker in workers:
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "ready", worker.stderr
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        for worker in workers:
            _, stderr = worker.communicate(timeout=60)
            assert worker.returncode == 0, stderr
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    store = SQLTrackerStore(engine)
    key = ConversationKey("race", "rest")
    assert store.load(key).slots["counter"] == 40
    events = store.events(key)
    assert len(events) == 80
    # Every critical section is an enter and an exit of the same worker, never interleaved.
    for enter, leave in zip(events[0::2], events[1::2], strict=True):
        assert (enter["event"], leave["event"]) == ("enter", "exit")
        assert enter["who"] == leave["who"]
    # Served in arrival order, the two workers mostly alternate rather than one running dry.
    owners = [event["who"] for event in events[0::2]]
    switches = sum(1 for before, after in itertools.pairwise(owners) if before != after)
    assert switches >= 10, owners
