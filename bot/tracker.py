"""Conversation events and state.

Events are plain dicts in Rasa's JSON shape (``{"event": "slot", "name": ..., "value": ...,
"timestamp": ...}``) so that a rasa_sdk ``Tracker`` can be built from them unchanged and a
remote action server receives what it expects. The state (slots, flow stack) is derived from
events but kept as a snapshot too, so a turn never replays a long history.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

Event = dict[str, Any]

# Event names, as Rasa writes them where Rasa has one.
USER = "user"
BOT = "bot"
SLOT = "slot"
ACTION = "action"
SESSION_STARTED = "session_started"
FLOW_STARTED = "flow_started"
FLOW_INTERRUPTED = "flow_interrupted"
FLOW_RESUMED = "flow_resumed"
FLOW_COMPLETED = "flow_completed"
FLOW_CANCELLED = "flow_cancelled"
MESSAGE_REJECTED = "message_rejected"  # ours: a message refused before processing (too long)
ACTION_FAILED = "action_failed"  # ours: an action raised or timed out


def make_event(event_name: str, /, **data: Any) -> Event:
    """An event dict stamped with the current time (seconds since the epoch, UTC)."""
    return {"event": event_name, "timestamp": time.time(), **data}


@dataclass(frozen=True)
class ConversationKey:
    """A conversation is one sender on one channel."""

    sender_id: str
    channel: str = "rest"

    def __str__(self) -> str:
        return f"{self.channel}:{self.sender_id}"


@dataclass
class StackFrame:
    """One active flow on the dialogue stack.

    ``step_id`` is the step the frame is at: ``"START"`` before its first step; for a collect
    step it stays on that step while the bot waits for the answer. ``data`` carries what a
    pattern needs (the interrupted flow's name, the slots a correction changes, ...).
    """

    flow_id: str
    step_id: str = "START"
    frame_type: str = "regular"  # regular | interrupt | call | link | pattern
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "flow_id": self.flow_id,
            "step_id": self.step_id,
            "frame_type": self.frame_type,
            "data": self.data,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> StackFrame:
        return cls(
            flow_id=raw["flow_id"],
            step_id=raw.get("step_id", "START"),
            frame_type=raw.get("frame_type", "regular"),
            data=dict(raw.get("data") or {}),
        )


@dataclass
class DialogueState:
    """What the engine needs to take the next turn: slots, the flow stack, the last parse."""

    slots: dict[str, Any] = field(default_factory=dict)
    stack: list[StackFrame] = field(default_factory=list)
    latest_message: dict[str, Any] = field(default_factory=dict)
    latest_action_name: str | None = None
    session_started_at: float = 0.0
    last_active_at: float = 0.0
    metadata: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "slots": self.slots,
            "stack": [frame.to_dict() for frame in self.stack],
            "latest_message": self.latest_message,
            "latest_action_name": self.latest_action_name,
            "session_started_at": self.session_started_at,
            "last_active_at": self.last_active_at,
            "metadata": self.metadata,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> DialogueState:
        return cls(
            slots=dict(raw.get("slots") or {}),
            stack=[StackFrame.from_dict(frame) for frame in raw.get("stack") or []],
            latest_message=dict(raw.get("latest_message") or {}),
            latest_action_name=raw.get("latest_action_name"),
            session_started_at=float(raw.get("session_started_at") or 0.0),
            last_active_at=float(raw.get("last_active_at") or 0.0),
            metadata=dict(raw.get("metadata") or {}),
        )


@dataclass
class Tracker:
    """One conversation during one turn: its state and the events this turn adds."""

    key: ConversationKey
    state: DialogueState
    new_events: list[Event] = field(default_factory=list)

    def add(self, event_name: str, /, **data: Any) -> Event:
        event = make_event(event_name, **data)
        self.new_events.append(event)
        return event

    def set_slot(self, name: str, value: Any) -> None:
        self.state.slots[name] = value
        self.add(SLOT, name=name, value=value)

    def rasa_stack(self) -> list[dict[str, Any]]:
        """The stack in the shape rasa_sdk's ``Tracker.stack`` exposes."""
        return [
            {
                "frame_id": str(index),
                "flow_id": frame.flow_id,
                "step_id": frame.step_id,
                "frame_type": frame.frame_type,
                "type": "flow",
            }
            for index, frame in enumerate(self.state.stack)
        ]
