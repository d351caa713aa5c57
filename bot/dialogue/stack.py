"""Operations on the flow stack that both the executor and the repair patterns need."""

from __future__ import annotations

from typing import Any

from bot.dialogue.flows import Domain, Flow
from bot.tracker import (
    FLOW_CANCELLED,
    FLOW_COMPLETED,
    FLOW_INTERRUPTED,
    FLOW_STARTED,
    StackFrame,
    Tracker,
)


def is_user_frame(domain: Domain, frame: StackFrame) -> bool:
    flow = domain.flows.get(frame.flow_id)
    return flow is not None and not flow.is_pattern


def top_user_frame_index(domain: Domain, tracker: Tracker, below: int | None = None) -> int | None:
    """Index of the top-most user (non-pattern) frame, searching below ``below`` if given."""
    stack = tracker.state.stack
    start = len(stack) - 1 if below is None else below - 1
    for index in range(start, -1, -1):
        if is_user_frame(domain, stack[index]):
            return index
    return None


def chain_root(tracker: Tracker, index: int) -> int:
    """A called flow belongs to its caller: cancelling one cancels the chain from its root."""
    stack = tracker.state.stack
    while index > 0 and stack[index].frame_type == "call":
        index -= 1
    return index


def push_flow(
    tracker: Tracker, flow: Flow, frame_type: str = "regular", data: dict[str, Any] | None = None
) -> StackFrame:
    frame = StackFrame(flow_id=flow.id, frame_type=frame_type, data=dict(data or {}))
    tracker.state.stack.append(frame)
    tracker.add(FLOW_STARTED, flow_id=flow.id, frame_type=frame_type)
    return frame


def start_user_flow(domain: Domain, tracker: Tracker, flow: Flow) -> None:
    """Start a flow; if another user flow is active, this one is a digression from it."""
    active = top_user_frame_index(domain, tracker)
    if active is None:
        push_flow(tracker, flow)
        return
    interrupted = tracker.state.stack[active]
    tracker.add(FLOW_INTERRUPTED, flow_id=interrupted.flow_id, step_id=interrupted.step_id)
    push_flow(tracker, flow, frame_type="interrupt")


def reset_flow_slots(domain: Domain, tracker: Tracker, frame: StackFrame) -> None:
    """Forget what a finished flow collected, unless the flow persists it (Rasa's default)."""
    flow = domain.flows.get(frame.flow_id)
    if flow is None:
        return
    names = [
        step.collect for step in flow.steps.values() if step.collect and step.reset_after_flow_ends
    ]
    names.extend(frame.data.get("child_slots", []))
    for name in names:
        if name in flow.persisted_slots or tracker.state.slots.get(name) is None:
            continue
        initial = domain.slots[name].initial_value if name in domain.slots else None
        tracker.set_slot(name, initial)


def pop_completed(domain: Domain, tracker: Tracker) -> StackFrame:
    frame = tracker.state.stack.pop()
    tracker.add(FLOW_COMPLETED, flow_id=frame.flow_id, step_id=frame.step_id)
    if frame.frame_type == "call" and tracker.state.stack:
        # The caller may still use what its called flow collected; it forgets them when it ends.
        flow = domain.flows.get(frame.flow_id)
        parent = tracker.state.stack[-1]
        if flow is not None:
            parent.data.setdefault("child_slots", []).extend(flow.collected_slots())
    else:
        reset_flow_slots(domain, tracker, frame)
    return frame


def cancel_frames(
    domain: Domain, tracker: Tracker, start: int, stop: int | None = None
) -> list[StackFrame]:
    """Remove frames ``start`` up to (not including) ``stop``; their slots are reset."""
    stack = tracker.state.stack
    end = len(stack) if stop is None else stop
    removed = stack[start:end]
    del stack[start:end]
    for frame in reversed(removed):
        tracker.add(FLOW_CANCELLED, flow_id=frame.flow_id, step_id=frame.step_id)
        reset_flow_slots(domain, tracker, frame)
    return removed
