"""The engine's own actions, which the default repair patterns run."""

from __future__ import annotations

from collections.abc import Callable

from bot.dialogue import stack as stack_ops
from bot.dialogue.flows import Domain
from bot.tracker import FLOW_RESUMED, StackFrame, Tracker

Utter = Callable[[str], None]
BuiltinAction = Callable[[Tracker, StackFrame, Utter], str]
NEXT, JUMPED = "next", "jumped"
PATTERN_ACTION_NAMES = (
    "action_cancel_flow", "action_correct_flow_slot", "action_clarify_flows",
    "action_trigger_search", "action_trigger_chitchat", "action_restart",
)


def _describe(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


class PatternActions:
    def __init__(self, domain: Domain) -> None:
        self.domain = domain
        implementations: tuple[BuiltinAction, ...] = (
            self.cancel_flow, self.correct_flow_slot, self.clarify_flows,
            self.trigger_search, self.trigger_chitchat, self.restart,
        )
        self.actions = dict(zip(PATTERN_ACTION_NAMES, implementations, strict=True))

    def get(self, name: str) -> BuiltinAction | None:
        return self.actions.get(name)

    def cancel_flow(self, tracker: Tracker, frame: StackFrame, utter: Utter) -> str:
        stack = tracker.state.stack
        own_index = stack.index(frame)
        # What the user was doing is the frame right below: a flow, or a pattern that asked
        # them something (such as a handoff collecting an email).
        target = own_index - 1
        if target < 0:
            frame.data["canceled_name"] = None
            return NEXT
        root = stack_ops.chain_root(tracker, target)
        canceled = stack[root]
        frame.data["canceled_name"] = self.domain.flows[canceled.flow_id].readable_name
        stack_ops.cancel_frames(self.domain, tracker, root, own_index)
        resumed = stack_ops.top_user_frame_index(self.domain, tracker)
        if canceled.frame_type == "interrupt" and resumed is not None:
            # Cancelling a digression goes back to what it interrupted, and says so.
            previous = stack[resumed]
            tracker.add(FLOW_RESUMED, flow_id=previous.flow_id, step_id=previous.step_id)
            continue_flow = self.domain.flows["pattern_continue_interrupted"]
            stack.insert(
                stack.index(frame),
                StackFrame(
                    continue_flow.id,
                    frame_type="pattern",
                    data={"previous_flow_name": self.domain.flows[previous.flow_id].readable_name},
                ),
            )
        return NEXT

    def correct_flow_slot(self, tracker: Tracker, frame: StackFrame, utter: Utter) -> str:
        corrected: dict[str, object] = dict(frame.data.get("corrected_slots") or {})
        for name, value in corrected.items():
            tracker.set_slot(name, value)
        frame.data["corrected_text"] = " and ".join(
            f"{name.replace('_', ' ')} to {_describe(value)}" for name, value in corrected.items()
        )
        own_index = tracker.state.stack.index(frame)
        for index in range(own_index - 1, -1, -1):
            user_frame = tracker.state.stack[index]
            flow = self.domain.flows[user_frame.flow_id]
            if flow.is_pattern:
                continue
            current = flow.steps.get(user_frame.step_id)
            for name in corrected:
                collect = flow.collect_step_for(name)
                # Go back to where the corrected slot was asked, so every later step that
                # depends on it runs again with the new value.
                if collect is not None and current is not None and collect.order < current.order:
                    user_frame.step_id = collect.id
                    current = collect
        return NEXT

    def clarify_flows(self, tracker: Tracker, frame: StackFrame, utter: Utter) -> str:
        names: list[str] = []
        buttons: list[dict[str, str]] = []
        for flow_id in frame.data.get("flow_ids") or []:
            flow = self.domain.flows[flow_id]
            names.append(flow.readable_name)
            intent = self.domain.trigger_intent(flow_id)
            if intent:
                buttons.append({"title": flow.readable_name.capitalize(), "payload": f"/{intent}"})
        frame.data["clarification_options"] = " or ".join(names)
        frame.data["buttons"] = buttons
        return NEXT

    def trigger_search(self, tracker: Tracker, frame: StackFrame, utter: Utter) -> str:
        utter("utter_no_knowledge_base")
        return NEXT

    def trigger_chitchat(self, tracker: Tracker, frame: StackFrame, utter: Utter) -> str:
        utter("utter_free_chitchat_response")
        return NEXT

    def restart(self, tracker: Tracker, frame: StackFrame, utter: Utter) -> str:
        own_index = tracker.state.stack.index(frame)
        stack_ops.cancel_frames(self.domain, tracker, 0, own_index)
        for name, value in self.domain.initial_slots().items():
            if tracker.state.slots.get(name) != value:
                tracker.set_slot(name, value)
        return NEXT
