"""Many messages at once: turns of one conversation run one after another, in threads and across
processes; turns of different conversations do not wait for each other.

Messages are payloads (``/book_demo``, ``/SetSlots(seats=N)``, ...) so NLU cannot make the
outcome depend on anything but the order of the turns. Their replies depend on the state the
turn started from ("/cancel" says "stopping" only if a flow is on), which is what lets
:func:`assert_serial_history` see two turns that ran on the same state.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import Engine

from bot.agent import UserMessage
from bot.tracker import ConversationKey
from tests.integration.conftest import (
    ASSISTANT,
    PRICING,
    REPO,
    assert_serial_history,
    load_agent,
    stored_turns,
    texts,
    write_config,
)

THREADS = 8
MESSAGES_PER_THREAD = 4
MESSAGES_PER_PROCESS = 15


def message(who: int, index: int) -> str:
    """The ``index``-th message of sender ``who``: a mix that moves the booking flow about."""
    kinds = ["/book_demo", "/ask_price", "/cancel", f"/SetSlots(seats={who * 100 + index + 1})"]
    return kinds[(who + index) % len(kinds)]


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """A fresh database of each kind the assistant runs on."""
    fixture = "sqlite_engine" if request.param == "sqlite" else "pg_engine"
    found: Engine = request.getfixturevalue(fixture)
    return found


def test_threads_sending_to_one_conversation_take_turns(engine: Engine) -> None:
    agent = load_agent(ASSISTANT / "config.yml", engine)
    key = ConversationKey("busy-visitor", "rest")
    answered: dict[str, list[str | None]] = {}
    start = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def visitor_tab(who: int) -> None:
        try:
            start.wait(timeout=10)
            for index in range(MESSAGES_PER_THREAD):
                message_id = f"t{who}-{index}"
                replies = agent.handle(UserMessage(message(who, index), key.sender_id,
                                                   key.channel, message_id=message_id))
                answered[message_id] = texts(replies)
        except BaseException as error:  # reported below: a thread's failure must fail the test
            errors.append(error)

    threads = [threading.Thread(target=visitor_tab, args=(who,)) for who in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert len(answered) == THREADS * MESSAGES_PER_THREAD

    assert len(stored_turns(agent, key)) == THREADS * MESSAGES_PER_THREAD
    assert_serial_history(agent, key, answered)


WORKER = """
import json, sys
from bot.agent import Agent, UserMessage
from bot.config import load_config

config_path, who, count, kinds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
agent = Agent.load(load_config(config_path))  # the database comes from SALESBOT_DATABASE_URL
print("ready", flush=True)
sys.stdin.readline()  # start together with the other process
answered = {}
for index in range(count):
    message_id = f"p{who}-{index}"
    replies = agent.handle(UserMessage(kinds[index], "shared-visitor", "rest",
                                       message_id=message_id))
    answered[message_id] = [reply.text for reply in replies]
print(json.dumps(answered), flush=True)
"""


def start_worker(pg_url: str, who: int) -> subprocess.Popen[str]:
    kinds = [message(who, index) for index in range(MESSAGES_PER_PROCESS)]
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, str(ASSISTANT / "config.yml"), str(who),
         str(MESSAGES_PER_PROCESS), *kinds],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO), "SALESBOT_DATABASE_URL": pg_url},
    )


def test_two_processes_sending_to_one_conversation_take_turns(
    pg_url: str, pg_engine: Engine
) -> None:
    # Loaded here first, so the workers find the NLU model cached instead of both training it.
    agent = load_agent(ASSISTANT / "config.yml", pg_engine)
    workers = [start_worker(pg_url, who) for who in range(2)]
    try:
        for worker in workers:
            assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        answered: dict[str, list[str | None]] = {}
        for worker in workers:
            out, err = worker.communicate(timeout=60)
            assert worker.returncode == 0, err[-3000:]
            answered.update(json.loads(out.strip().splitlines()[-1]))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    key = ConversationKey("shared-visitor", "rest")
    assert len(stored_turns(agent, key)) == 2 * MESSAGES_PER_PROCESS
    assert_serial_history(agent, key, answered)


SLOW_ACTIONS = '''
"""An action that waits until the test lets it go."""
import threading

from rasa_sdk import Action

entered = threading.Event()
release = threading.Event()


class ActionWait(Action):
    def name(self):
        return "action_wait"

    def run(self, dispatcher, tracker, domain):
        entered.set()
        if not release.wait(timeout=20):
            raise RuntimeError("the test never released the action")
        dispatcher.utter_message(text="Done waiting.")
        return []
'''

SLOW_FLOW = """
actions: [action_wait]
flows:
  slow:
    description: Runs an action that takes its time.
    nlu_trigger:
      - intent: slow
    steps:
      - action: action_wait
"""


@pytest.fixture
def slow_actions(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """An actions module in tmp_path (a new name each test); its name and folder.

    Removed from the import system afterwards, so no later test can import it by accident.
    """
    name = f"slow_actions_{secrets.token_hex(4)}"
    (tmp_path / f"{name}.py").write_text(SLOW_ACTIONS, encoding="utf-8")
    try:
        yield name, tmp_path
    finally:
        sys.modules.pop(name, None)
        while str(tmp_path.resolve()) in sys.path:
            sys.path.remove(str(tmp_path.resolve()))


def test_a_turn_stuck_in_a_slow_action_does_not_hold_up_other_conversations(
    tmp_path: Path, engine: Engine, slow_actions: tuple[str, Path]
) -> None:
    module_name, folder = slow_actions
    (folder / "slow.yml").write_text(SLOW_FLOW, encoding="utf-8")
    config = write_config(folder, {
        "flows": [str(ASSISTANT / "flows"), str(folder / "slow.yml")],
        "actions": {"module": module_name, "timeout": 30},
    })
    agent = load_agent(config, engine)
    actions: ModuleType = sys.modules[module_name]  # imported by the agent from the config

    def send(sender: str, text: str, into: list[list[str | None]]) -> threading.Thread:
        thread = threading.Thread(
            target=lambda: into.append(texts(agent.handle(UserMessage(text, sender)))))
        thread.start()
        return thread

    slow_replies: list[list[str | None]] = []
    queued_replies: list[list[str | None]] = []
    try:
        slow = send("visitor-a", "/slow", slow_replies)
        assert actions.entered.wait(timeout=10), "the slow action never started"
        # A second message of the same conversation has to wait for the slow turn...
        queued = send("visitor-a", "/ask_price", queued_replies)

        started = time.monotonic()
        other = agent.handle(UserMessage("/ask_price", "visitor-b"))
        elapsed = time.monotonic() - started

        # ...but another conversation's turn is answered while the slow one is still running.
        assert texts(other) == [PRICING]
        assert elapsed < 2.0
        queued.join(timeout=0.3)
        assert slow.is_alive() and queued.is_alive()
        assert slow_replies == [] and queued_replies == []
    finally:
        actions.release.set()
    slow.join(timeout=10)
    queued.join(timeout=10)

    assert slow_replies[0][0] == "Done waiting."
    assert queued_replies == [[PRICING]]
    assert [turn.user["text"] for turn in stored_turns(agent, ConversationKey("visitor-a"))] == [
        "/slow", "/ask_price"]
