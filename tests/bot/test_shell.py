"""`salesbot shell`, driven by a script of inputs instead of a keyboard."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pytest

from bot.agent import Agent
from bot.shell import run_shell
from bot.tracker import ConversationKey
from tests.connectors.support import GOODBYE, GREETING, project_agent, user_events


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    with project_agent(tmp_path_factory.mktemp("project")) as agent:
        yield agent


def scripted(*lines: str) -> tuple[Callable[[str], str], list[str]]:
    """An input function that types ``lines`` in turn, then ends the input; and its prompts."""
    remaining, prompts = list(lines), []

    def input_fn(prompt: str) -> str:
        prompts.append(prompt)
        if not remaining:
            raise EOFError
        return remaining.pop(0)

    return input_fn, prompts


def shell_keys(agent: Agent, channel: str) -> set[ConversationKey]:
    return {key for key in agent.store.conversation_keys()
            if key.channel == channel and key.sender_id.startswith("shell-")}


def test_a_conversation_with_a_numbered_button_choice(agent: Agent) -> None:
    input_fn, prompts = scripted("hello", "1", "/quit", "never read")
    output = io.StringIO()
    run_shell(agent, None, "shell-a", input_fn=input_fn, output=output)
    lines = output.getvalue().splitlines()
    assert lines[1:] == [f"Bot: {GREETING}", "  1) Say goodbye", f"Bot: {GOODBYE}"]
    assert prompts == ["You: "] * 3  # nothing read after /quit
    [key] = shell_keys(agent, "shell-a")
    assert key.sender_id.startswith("shell-visitor-")
    # Typing "1" sent the button's payload, as a click would.
    assert [e["text"] for e in user_events(agent, key.sender_id, "shell-a")] == [
        "hello", "/goodbye"]


def test_a_number_without_buttons_on_offer_is_just_text(agent: Agent) -> None:
    input_fn, _ = scripted("bye", "1")
    run_shell(agent, None, "shell-b", input_fn=input_fn, output=io.StringIO())
    [key] = shell_keys(agent, "shell-b")
    assert [e["text"] for e in user_events(agent, key.sender_id, "shell-b")] == ["bye", "1"]


def test_restart_starts_a_new_conversation_and_eof_ends(agent: Agent) -> None:
    input_fn, _ = scripted("hi", "/restart", "hi")
    output = io.StringIO()
    run_shell(agent, None, "shell-c", input_fn=input_fn, output=output)
    assert len(shell_keys(agent, "shell-c")) == 2
    assert output.getvalue().count(f"Bot: {GREETING}") == 2
    assert "(a new conversation)" in output.getvalue()


def test_acting_as_a_user(agent: Agent) -> None:
    input_fn, _ = scripted("hi", "/quit")
    output = io.StringIO()
    run_shell(agent, "sam@acme.example", "slack", input_fn=input_fn, output=output)
    assert "sam@acme.example" in output.getvalue().splitlines()[0]
    [key] = shell_keys(agent, "slack")
    assert key.sender_id.startswith("shell-sam@acme.example-")
    [event] = user_events(agent, key.sender_id, "slack")
    assert event["metadata"]["user"] == "sam@acme.example"
