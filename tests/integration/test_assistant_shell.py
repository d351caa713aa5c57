"""`salesbot shell` with the test assistant: a booking typed to the end, buttons by number."""

from __future__ import annotations

import io
from collections.abc import Callable

from bot.agent import Agent
from bot.shell import run_shell
from tests.integration.conftest import ASK_DAY, ASK_SEATS, ASK_SIZE, ENTERPRISE_NOTE


def typed(*lines: str) -> Callable[[str], str]:
    """An input function that types ``lines`` in turn, then ends the input (Ctrl-D)."""
    remaining = list(lines)

    def input_fn(prompt: str) -> str:
        if not remaining:
            raise EOFError
        return remaining.pop(0)

    return input_fn


def test_a_booking_typed_in_the_shell_prints_its_reference(assistant: Agent) -> None:
    output = io.StringIO()
    # "3" picks the third button (Large); "1" then picks "Yes".
    run_shell(assistant, None, "shell",
              input_fn=typed("I want to book a demo", "3", "12", "wednesday", "1"),
              output=output)

    assert output.getvalue().splitlines()[1:] == [
        f"Bot: {ASK_SIZE}",
        "  1) Small",
        "  2) Medium",
        "  3) Large",
        f"Bot: {ENTERPRISE_NOTE}",
        f"Bot: {ASK_SEATS}",
        f"Bot: {ASK_DAY}",
        "Bot: Book a demo for 12 seats (large company) on wednesday?",
        "  1) Yes",
        "  2) No",
        "Bot: Booked! Your reference is DEMO-L12-WED.",
        "Bot: What else can I help you with?",
        "",  # end of input closes the line
    ]


def test_a_failing_action_in_the_shell_apologises_and_the_chat_goes_on(assistant: Agent) -> None:
    output = io.StringIO()
    run_shell(assistant, None, "shell",
              input_fn=typed("where is my order", "how much is it", "/quit"), output=output)

    lines = output.getvalue().splitlines()
    assert lines[1:] == [
        "Bot: Sorry, I am having trouble with that right now. Please try again in a few minutes.",
        "Bot: Plans start at $25 per seat per month.",
    ]
