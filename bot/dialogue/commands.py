"""What a user message means for the conversation, as a small algebra of commands (Rasa CALM)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Command:
    """Base of all commands; ``name`` is how events and logs refer to it."""

    @property
    def name(self) -> str:
        return type(self).__name__


@dataclass(frozen=True)
class StartFlow(Command):
    flow_id: str


@dataclass(frozen=True)
class SetSlot(Command):
    slot: str
    value: Any


@dataclass(frozen=True)
class CorrectSlots(Command):
    slots: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class CancelFlow(Command):
    pass


@dataclass(frozen=True)
class Clarify(Command):
    flow_ids: tuple[str, ...]


@dataclass(frozen=True)
class CannotHandle(Command):
    reason: str = "out_of_scope"


@dataclass(frozen=True)
class KnowledgeAnswer(Command):
    pass


@dataclass(frozen=True)
class HumanHandoff(Command):
    pass


@dataclass(frozen=True)
class ChitChat(Command):
    pass


@dataclass(frozen=True)
class Restart(Command):
    pass


def commands_as_dicts(commands: list[Command]) -> list[dict[str, Any]]:
    """Commands as JSON-able dicts, kept in the user event so a turn can be explained later."""
    return [{"command": command.name, **vars(command)} for command in commands]


# Patterns that stand for commands: an intent that triggers one of these flows becomes the command.
PATTERN_COMMANDS: dict[str, type[Command]] = {
    "pattern_cancel_flow": CancelFlow,
    "pattern_human_handoff": HumanHandoff,
    "pattern_chitchat": ChitChat,
    "pattern_search": KnowledgeAnswer,
}
