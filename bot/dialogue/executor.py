"""Runs the flow stack: applies a message's commands, then steps until the bot must wait.

A frame's ``step_id`` is the step it will run next (or is waiting on, for a collect). The
executor runs the top frame's steps; when a flow ends it is popped and the frame below goes
on, which is how repair patterns return to the conversation they interrupted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from bot.actions import ActionError
from bot.dialogue import stack as stack_ops
from bot.dialogue.commands import (
    CancelFlow,
    CannotHandle,
    ChitChat,
    Clarify,
    Command,
    CorrectSlots,
    HumanHandoff,
    KnowledgeAnswer,
    Restart,
    SetSlot,
    StartFlow,
)
from bot.dialogue.flows import END, START, Domain, Flow, Step
from bot.dialogue.patterns import PatternActions
from bot.dialogue.slot_values import coerce_slot_value
from bot.responses import BotMessage, ResponseRenderer
from bot.tracker import ACTION, ACTION_FAILED, BOT, StackFrame, Tracker

log = logging.getLogger(__name__)

CustomActionRunner = Callable[[str, Tracker], tuple[list[dict[str, Any]], list[dict[str, Any]]]]
WAIT, NEXT, JUMPED = "wait", "next", "jumped"
_PATTERN_FOR: dict[type[Command], str] = {
    CannotHandle: "pattern_cannot_handle",
    KnowledgeAnswer: "pattern_search",
    HumanHandoff: "pattern_human_handoff",
    ChitChat: "pattern_chitchat",
}


class FlowExecutor:
    def __init__(
        self,
        domain: Domain,
        renderer: ResponseRenderer,
        run_custom_action: CustomActionRunner,
        max_steps: int = 200,
    ) -> None:
        self.domain = domain
        self.renderer = renderer
        self.run_custom_action = run_custom_action
        self.max_steps = max_steps
        self.patterns = PatternActions(domain)

    # -- commands ---------------------------------------------------------------------------

    def apply(self, tracker: Tracker, commands: list[Command]) -> None:
        for command in commands:
            self.apply_one(tracker, command)

    def apply_one(self, tracker: Tracker, command: Command) -> None:
        if isinstance(command, SetSlot):
            slot = self.domain.slots.get(command.slot)
            tracker.set_slot(command.slot, coerce_slot_value(slot, command.value))
        elif isinstance(command, StartFlow):
            flow = self.domain.flows[command.flow_id]
            if all(frame.flow_id != flow.id for frame in tracker.state.stack):
                stack_ops.start_user_flow(self.domain, tracker, flow)
        elif isinstance(command, CorrectSlots):
            self.push_pattern(
                tracker, "pattern_correction", {"corrected_slots": dict(command.slots)}
            )
        elif isinstance(command, CancelFlow):
            self.push_pattern(tracker, "pattern_cancel_flow", {})
        elif isinstance(command, Clarify):
            self.push_pattern(
                tracker, "pattern_clarification", {"flow_ids": list(command.flow_ids)}
            )
        elif isinstance(command, Restart):
            stack_ops.cancel_frames(self.domain, tracker, 0)
            for name, value in self.domain.initial_slots().items():
                if tracker.state.slots.get(name) != value:
                    tracker.set_slot(name, value)
        elif type(command) in _PATTERN_FOR:
            data = {"reason": command.reason} if isinstance(command, CannotHandle) else {}
            self.push_pattern(tracker, _PATTERN_FOR[type(command)], data)

    def push_pattern(self, tracker: Tracker, flow_id: str, data: dict[str, Any]) -> None:
        stack_ops.push_flow(tracker, self.domain.flows[flow_id], "pattern", data)

    # -- stepping ---------------------------------------------------------------------------

    def advance(self, tracker: Tracker) -> list[BotMessage]:
        """Run steps until the bot waits for the user or no flow is left."""
        messages: list[BotMessage] = []
        for _ in range(self.max_steps):
            if not tracker.state.stack:
                return messages
            frame = tracker.state.stack[-1]
            flow = self.domain.flows[frame.flow_id]
            if frame.step_id == START:
                frame.step_id = flow.first_step
            if frame.step_id == END:
                self.complete_top(tracker)
                continue
            step = flow.steps[frame.step_id]
            outcome = self.run_step(tracker, frame, flow, step, messages)
            if outcome == WAIT:
                return messages
            if outcome == NEXT:
                frame.step_id = step.next_step(tracker.state.slots, frame.data)
        log.error(
            "conversation %s: more than %d steps in one turn; flows loop",
            tracker.key,
            self.max_steps,
        )
        self.fail(tracker, len(tracker.state.stack) - 1, "the flows loop without waiting")
        return messages + self.advance_patterns_only(tracker)

    def advance_patterns_only(self, tracker: Tracker) -> list[BotMessage]:
        messages: list[BotMessage] = []
        for _ in range(self.max_steps):
            if not tracker.state.stack:
                break
            frame = tracker.state.stack[-1]
            flow = self.domain.flows[frame.flow_id]
            step_id = flow.first_step if frame.step_id == START else frame.step_id
            if step_id == END or not flow.is_pattern:
                tracker.state.stack.pop()
                continue
            frame.step_id = step_id
            step = flow.steps[step_id]
            if step.kind == "action" and step.action and step.action.startswith("utter_"):
                self.utter(tracker, step.action, frame, messages)
            frame.step_id = step.next_step(tracker.state.slots, frame.data)
        return messages

    def complete_top(self, tracker: Tracker) -> None:
        frame = stack_ops.pop_completed(self.domain, tracker)
        flow = self.domain.flows[frame.flow_id]
        below = stack_ops.top_user_frame_index(self.domain, tracker)
        if frame.frame_type == "interrupt" and below is not None:
            interrupted = self.domain.flows[tracker.state.stack[below].flow_id]
            self.push_pattern(
                tracker,
                "pattern_continue_interrupted",
                {"previous_flow_name": interrupted.readable_name},
            )
        elif (
            not flow.is_pattern
            and frame.data.get("asked")
            and below is None
            and frame.frame_type != "call"
        ):
            # "What else?" only after a task that took some back and forth, not after "hi".
            self.push_pattern(tracker, "pattern_completed", {})

    def run_step(
        self,
        tracker: Tracker,
        frame: StackFrame,
        flow: Flow,
        step: Step,
        messages: list[BotMessage],
    ) -> str:
        if step.kind == "collect":
            return self.collect(tracker, frame, step, messages)
        if step.kind == "action" and step.action:
            return self.run_action(tracker, frame, step.action, messages)
        if step.kind == "set_slots":
            for name, value in step.set_slots.items():
                tracker.set_slot(name, coerce_slot_value(self.domain.slots.get(name), value))
            return NEXT
        if step.kind == "call" and step.flow_ref:
            if frame.data.pop("returning_from", None) == step.id:
                return NEXT
            frame.data["returning_from"] = step.id
            stack_ops.push_flow(tracker, self.domain.flows[step.flow_ref], "call")
            return JUMPED
        if step.kind == "link" and step.flow_ref:
            frame.step_id = END
            stack_ops.pop_completed(self.domain, tracker)
            frame_type = "interrupt" if frame.frame_type == "interrupt" else "link"
            stack_ops.push_flow(tracker, self.domain.flows[step.flow_ref], frame_type)
            return JUMPED
        return NEXT

    def collect(
        self, tracker: Tracker, frame: StackFrame, step: Step, messages: list[BotMessage]
    ) -> str:
        slot = str(step.collect)
        slots = tracker.state.slots
        if (
            step.ask_before_filling
            and frame.data.get("asked") != step.id
            and slots.get(slot) is not None
        ):
            tracker.set_slot(slot, None)
        if slots.get(slot) is not None:
            for rejection in step.rejections:
                if rejection.condition.evaluate(slots, frame.data):
                    self.utter(tracker, rejection.utter, frame, messages)
                    tracker.set_slot(slot, None)
                    break
            else:
                return NEXT
        frame.data["asked"] = step.id
        custom_ask = f"action_ask_{slot}"
        if step.utter is None and custom_ask in self.domain.actions:
            if self.run_action(tracker, frame, custom_ask, messages) == JUMPED:
                return JUMPED
        else:
            self.utter(tracker, step.utter or f"utter_ask_{slot}", frame, messages)
        return WAIT

    def utter(
        self, tracker: Tracker, name: str, frame: StackFrame | None, messages: list[BotMessage]
    ) -> None:
        context = frame.data if frame is not None else {}
        message = self.renderer.render(name, tracker.state.slots, context, tracker.key.channel)
        if not message.buttons and context.get("buttons"):
            message.buttons = list(context["buttons"])
        self.send(tracker, message, messages)

    def send(self, tracker: Tracker, message: BotMessage, messages: list[BotMessage]) -> None:
        tracker.add(BOT, **message.event_data())
        messages.append(message)

    def run_action(
        self, tracker: Tracker, frame: StackFrame, name: str, messages: list[BotMessage]
    ) -> str:
        if name.startswith("utter_"):
            self.utter(tracker, name, frame, messages)
            return NEXT
        if name == "action_listen":
            return NEXT
        builtin = self.patterns.get(name)
        if builtin is not None and name not in self.domain.actions:
            tracker.add(ACTION, name=name)
            return builtin(
                tracker, frame, lambda utter: self.utter(tracker, utter, frame, messages)
            )
        tracker.state.latest_action_name = name
        try:
            events, responses = self.run_custom_action(name, tracker)
        except Exception as error:  # an action's failure must never end the conversation
            # The action runner has logged an ActionError's traceback; anything else is ours.
            log.error("action %s failed in conversation %s: %s", name, tracker.key, error,
                      exc_info=not isinstance(error, ActionError))
            tracker.add(
                ACTION_FAILED,
                name=name,
                reason=str(error).splitlines()[0][:300] if str(error) else type(error).__name__,
            )
            self.fail(tracker, tracker.state.stack.index(frame), str(error))
            return JUMPED
        tracker.add(ACTION, name=name)
        self.apply_action_events(tracker, events, messages)
        for response in responses:
            message = self.renderer.from_action(response, tracker.state.slots, tracker.key.channel)
            self.send(tracker, message, messages)
        return JUMPED if frame not in tracker.state.stack else NEXT

    def apply_action_events(
        self, tracker: Tracker, events: list[dict[str, Any]], messages: list[BotMessage]
    ) -> None:
        for event in events:
            kind = event.get("event")
            if kind == "slot":
                name = str(event.get("name"))
                tracker.set_slot(
                    name, coerce_slot_value(self.domain.slots.get(name), event.get("value"))
                )
            elif kind == "bot":
                self.send(tracker, BotMessage.from_event(event), messages)
            elif kind == "restart":
                self.apply_one(tracker, Restart())
            elif kind == "reset_slots":
                for slot_name, initial in self.domain.initial_slots().items():
                    tracker.set_slot(slot_name, initial)
            else:
                log.debug("ignoring action event %s", kind)

    def fail(self, tracker: Tracker, index: int, reason: str) -> None:
        """An action failed: drop the flow it was in and apologise, keeping the bot usable."""
        start = stack_ops.chain_root(tracker, index) if index >= 0 else 0
        stack_ops.cancel_frames(self.domain, tracker, start)
        self.push_pattern(tracker, "pattern_internal_error", {"reason": reason})
