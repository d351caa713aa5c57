"""Checks a loaded domain: every name a flow uses exists and every step can be reached."""

from __future__ import annotations

from collections.abc import Iterable

from bot.dialogue.errors import FlowProblem
from bot.dialogue.flows import END, Domain, Flow, Step
from bot.dialogue.patterns import PATTERN_ACTION_NAMES

# Actions the engine itself runs; flows may name them without declaring them.
BUILTIN_ACTIONS = frozenset({"action_listen", *PATTERN_ACTION_NAMES})


def validate_domain(domain: Domain, project_flow_ids: set[str]) -> list[FlowProblem]:
    problems: list[FlowProblem] = []
    for flow in domain.flows.values():
        problems.extend(_FlowChecker(domain, flow).check())
    return problems


def _known(name: str, known: Iterable[str]) -> str:
    names = sorted(known)
    if not names:
        return "none are defined"
    shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    return f"known: {shown}"


class _FlowChecker:
    def __init__(self, domain: Domain, flow: Flow) -> None:
        self.domain, self.flow = domain, flow
        self.problems: list[FlowProblem] = []

    def problem(self, message: str, step: Step | None = None) -> None:
        self.problems.append(
            FlowProblem(self.flow.file, message, self.flow.id, step.label if step else None)
        )

    def check(self) -> list[FlowProblem]:
        if self.flow.guard is not None:
            self.check_slots(self.flow.guard.slot_names, None, "the flow's 'if'")
        for step in self.flow.steps.values():
            self.check_step(step)
            self.check_next(step)
        self.check_reachable()
        return self.problems

    def check_slots(self, names: set[str], step: Step | None, where: str) -> None:
        for name in sorted(names):
            if name not in self.domain.slots:
                self.problem(
                    f"unknown slot '{name}' in {where} ({_known(name, self.domain.slots)})", step
                )

    def check_response(self, name: str, step: Step, where: str) -> None:
        if name not in self.domain.responses:
            self.problem(f"unknown response '{name}' in {where}", step)

    def check_step(self, step: Step) -> None:
        if step.kind == "collect" and step.collect:
            self.check_collect(step, step.collect)
        elif step.kind == "action" and step.action:
            self.check_action(step, step.action)
        elif step.kind == "set_slots":
            self.check_slots(set(step.set_slots), step, "set_slots")
        elif step.kind in ("link", "call") and step.flow_ref:
            if step.flow_ref not in self.domain.flows:
                self.problem(
                    f"{step.kind} to unknown flow '{step.flow_ref}' "
                    f"({_known(step.flow_ref, self.domain.flows)})",
                    step,
                )
            if step.kind == "link" and any(branch.target != END for branch in step.next):
                self.problem("a link must be the last step of its flow", step)

    def check_collect(self, step: Step, slot: str) -> None:
        if slot not in self.domain.slots:
            self.problem(
                f"unknown slot '{slot}' in collect ({_known(slot, self.domain.slots)})", step
            )
            return  # its missing question would only repeat the same mistake
        ask = step.utter or f"utter_ask_{slot}"
        custom_ask = f"action_ask_{slot}"
        if ask not in self.domain.responses and custom_ask not in self.domain.actions:
            self.problem(
                f"unknown response '{ask}' to ask for '{slot}' "
                f"(add it to responses, or declare the action '{custom_ask}')",
                step,
            )
        for rejection in step.rejections:
            self.check_slots(rejection.condition.slot_names, step, "a rejection")
            self.check_response(rejection.utter, step, "a rejection")

    def check_action(self, step: Step, action: str) -> None:
        if action.startswith("utter_"):
            self.check_response(action, step, "action")
        elif action not in self.domain.actions and action not in BUILTIN_ACTIONS:
            self.problem(
                f"unknown action '{action}' (declare it under 'actions:'; "
                f"{_known(action, self.domain.actions)})",
                step,
            )

    def check_next(self, step: Step) -> None:
        for branch in step.next:
            if branch.condition is not None:
                self.check_slots(branch.condition.slot_names, step, "a 'next' condition")
            if branch.target != END and branch.target not in self.flow.steps:
                self.problem(f"'next' goes to missing step id '{branch.target}'", step)

    def check_reachable(self) -> None:
        seen: set[str] = set()
        pending = [self.flow.first_step]
        while pending:
            step_id = pending.pop()
            if step_id == END or step_id in seen or step_id not in self.flow.steps:
                continue
            seen.add(step_id)
            pending.extend(branch.target for branch in self.flow.steps[step_id].next)
        for step in self.flow.steps.values():
            if step.id not in seen:
                self.problem("unreachable step: no step leads to it", step)
