"""``salesbot shell``: talk to the assistant in a terminal, as a visitor or as a named user.

Buttons are listed as numbered choices; typing the number sends the button's payload, the way
clicking it would in a chat app. ``/restart`` starts a fresh conversation, ``/quit`` (or end of
input) leaves.
"""

from __future__ import annotations

import logging
import secrets
import sys
from collections.abc import Callable
from typing import TextIO

from rich.console import Console
from rich.text import Text

from bot.agent import Agent, UserMessage
from bot.responses import BotMessage

log = logging.getLogger(__name__)

QUIT = "/quit"
RESTART = "/restart"


def new_sender_id(user: str | None) -> str:
    return f"shell-{user or 'visitor'}-{secrets.token_hex(4)}"


class _Printer:
    """Lines to ``output``: coloured on a terminal, plain (and unwrapped) anywhere else."""

    def __init__(self, output: TextIO) -> None:
        self.output = output
        self.console = Console(file=output, highlight=False) if output.isatty() else None

    def line(self, text: str, style: str = "") -> None:
        if self.console is not None:
            # Text(...), not a markup string: a bot reply with "[brackets]" prints as written.
            self.console.print(Text(text, style=style), soft_wrap=True)
        else:
            self.output.write(text + "\n")
            self.output.flush()


def _print_replies(printer: _Printer, replies: list[BotMessage]) -> list[dict[str, str]]:
    """Print the bot's replies; the buttons now on offer, numbered from 1."""
    offered: list[dict[str, str]] = []
    for reply in replies:
        if reply.text:
            printer.line(f"Bot: {reply.text}", "bold cyan")
        if reply.image:
            printer.line(f"  [image] {reply.image}", "dim")
        if reply.custom is not None:
            printer.line(f"  [custom] {reply.custom}", "dim")
        for button in reply.buttons:
            offered.append(button)
            printer.line(f"  {len(offered)}) {button.get('title') or button.get('payload')}",
                         "yellow")
    return offered


def _choice(text: str, offered: list[dict[str, str]]) -> str:
    """The payload of the button numbered ``text``, or ``text`` itself."""
    if text.isdigit() and 1 <= int(text) <= len(offered):
        return str(offered[int(text) - 1].get("payload") or offered[int(text) - 1].get("title"))
    return text


def run_shell(agent: Agent, user: str | None, channel: str,
              input_fn: Callable[[str], str] = input, output: TextIO = sys.stdout) -> None:
    """Chat with ``agent`` until ``/quit`` or end of input."""
    printer = _Printer(output)
    sender_id = new_sender_id(user)
    who = user or "an anonymous visitor"
    printer.line(f"Chatting as {who} on channel '{channel}'. "
                 f"{RESTART} starts over, {QUIT} leaves.", "dim")
    offered: list[dict[str, str]] = []
    while True:
        try:
            text = input_fn("You: ").strip()
        except (EOFError, KeyboardInterrupt):
            printer.line("")
            return
        if not text:
            continue
        if text == QUIT:
            return
        if text == RESTART:
            sender_id, offered = new_sender_id(user), []
            printer.line("(a new conversation)", "dim")
            continue
        message = UserMessage(_choice(text, offered), sender_id, channel=channel, user=user)
        try:
            replies = agent.handle(message)
        except Exception as error:  # one broken turn should not end the session
            log.exception("turn failed")
            reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
            printer.line(f"(the bot failed to answer; the error is logged: {reason})", "bold red")
            continue
        offered = _print_replies(printer, replies)
