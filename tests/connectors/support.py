"""A tiny assistant project in a temporary folder, and a real server to talk to it over HTTP.

Used by the connector tests and by tests/bot/test_server.py and test_shell.py.
"""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette

from bot.agent import Agent
from bot.config import load_config
from bot.db import make_engine
from bot.tracker import ConversationKey, Event
from bot.tracker_store import metadata

FLOWS = """\
nlu:
  - intent: greet
    examples: |
      - hi
      - hello
      - hey
      - hello there
      - good morning
      - hi bot
      - hey there
      - howdy
  - intent: goodbye
    examples: |
      - bye
      - goodbye
      - see you later
      - see you
      - good night
      - farewell
      - talk to you later
      - bye bye

responses:
  utter_greet:
    - text: "Hello! How can I help?"
      buttons:
        - title: "Say goodbye"
          payload: "/goodbye"
  utter_goodbye:
    - text: "Goodbye, see you soon."

flows:
  greet:
    description: The user says hello.
    nlu_trigger:
      - intent: greet
    steps:
      - action: utter_greet
  goodbye:
    description: The user says goodbye.
    nlu_trigger:
      - intent: goodbye
    steps:
      - action: utter_goodbye
"""

GREETING = "Hello! How can I help?"
GOODBYE = "Goodbye, see you soon."


@contextmanager
def project_agent(root: Path) -> Iterator[Agent]:
    """The tiny project written into ``root`` and loaded, its database tables created."""
    (root / "flows").mkdir(parents=True, exist_ok=True)
    (root / "flows" / "basics.yml").write_text(FLOWS, encoding="utf-8")
    url = f"sqlite:///{root / 'bot.db'}"
    (root / "config.yml").write_text(f"flows: flows\ndatabase: {{url: '{url}'}}\n",
                                     encoding="utf-8")
    engine = make_engine(url)
    try:
        metadata.create_all(engine)
        yield Agent.load(load_config(root / "config.yml"), engine=engine)
    finally:
        engine.dispose()


def with_channels(agent: Agent, channels: dict[str, Any]) -> Agent:
    """The same assistant (model, database) configured with other channels."""
    config = dataclasses.replace(agent.config, channels=channels)
    return Agent(config, agent.domain, agent.nlu, agent.store, agent.action_runner)


def user_events(agent: Agent, sender: str, channel: str) -> list[Event]:
    return [e for e in agent.history(ConversationKey(sender, channel)) if e["event"] == "user"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def live_server(app: Starlette) -> Iterator[str]:
    """``app`` served by uvicorn on a free local port, in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
