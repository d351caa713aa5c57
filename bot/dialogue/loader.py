"""Reads flow files (Rasa's YAML keys) into a Domain, over the built-in repair patterns.

Every mistake is reported with the file, the flow and the step it is in; all mistakes of a
project are collected before failing, so an author fixes them in one pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.dialogue.conditions import ConditionError, parse_condition
from bot.dialogue.errors import FlowLoadError, FlowProblem
from bot.dialogue.flows import END, Branch, Domain, Flow, Rejection, SlotDefinition, Step
from bot.dialogue.validation import validate_domain
from bot.nlu.training_data import TrainingDataError, parse_examples

DEFAULT_FLOWS = Path(__file__).with_name("default_flows.yml")
SLOT_TYPES = ("text", "bool", "int", "float", "categorical", "list", "datetime", "any")
KNOWN_KEYS = {"nlu", "slots", "responses", "actions", "flows"}
# Rasa keys we accept and ignore, so a Rasa project's files load without edits.
IGNORED_KEYS = {
    "version",
    "intents",
    "entities",
    "session_config",
    "forms",
    "rules",
    "stories",
    "config",
    "recipe",
    "assistant_id",
    "pipeline",
    "policies",
}
STEP_KINDS = ("collect", "action", "set_slots", "link", "call", "noop")


def flow_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml")))
        elif path.is_file():
            files.append(path)
        else:
            raise FlowLoadError([FlowProblem(path, "no such file or folder")])
    return files


def load_domain(paths: list[Path]) -> Domain:
    """Load the project's flow files over the default patterns and validate the result."""
    builder = _DomainBuilder()
    builder.add_file(DEFAULT_FLOWS, is_default=True)
    for file in flow_files(paths):
        builder.add_file(file, is_default=False)
    if not builder.problems:
        builder.problems.extend(validate_domain(builder.domain, builder.project_flow_ids))
    if builder.problems:
        raise FlowLoadError(builder.problems)
    return builder.domain


class _DomainBuilder:
    def __init__(self) -> None:
        self.domain = Domain()
        self.problems: list[FlowProblem] = []
        self.project_flow_ids: set[str] = set()
        self._flow_files: dict[str, Path] = {}

    def add_file(self, file: Path, is_default: bool) -> None:
        try:
            content = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = f" (line {mark.line + 1})" if mark is not None else ""
            self.problems.append(FlowProblem(file, f"not valid YAML{line}: {error}"))
            return
        if not isinstance(content, dict):
            self.problems.append(FlowProblem(file, "expected a mapping of keys at the top"))
            return
        self.domain.files.append(file)
        for key, value in content.items():
            if key in IGNORED_KEYS:
                continue
            if key not in KNOWN_KEYS:
                self.problems.append(
                    FlowProblem(
                        file,
                        f"unknown key '{key}' (expected one of {', '.join(sorted(KNOWN_KEYS))})",
                    )
                )
                continue
            getattr(self, f"_add_{key}")(file, value or {}, is_default)

    def _add_nlu(self, file: Path, items: Any, is_default: bool) -> None:
        if not isinstance(items, list):
            self.problems.append(FlowProblem(file, "'nlu' must be a list of '- intent:' entries"))
            return
        for item in items:
            if not isinstance(item, dict) or "intent" not in item:
                continue  # synonyms, regexes and lookups: accepted, not used by the baseline
            intent = str(item["intent"])
            try:
                examples = parse_examples(str(item.get("examples") or ""), intent)
            except TrainingDataError as error:
                self.problems.append(FlowProblem(file, f"intent '{intent}': {error}"))
                continue
            self.domain.intents.setdefault(intent, []).extend(examples)

    def _add_slots(self, file: Path, slots: Any, is_default: bool) -> None:
        if not isinstance(slots, dict):
            self.problems.append(FlowProblem(file, "'slots' must be a mapping of slot names"))
            return
        for name, spec in slots.items():
            spec = spec or {}
            slot_type = str(spec.get("type", "any"))
            if slot_type not in SLOT_TYPES:
                self.problems.append(
                    FlowProblem(
                        file,
                        f"slot '{name}': unknown type '{slot_type}' "
                        f"(expected one of {', '.join(SLOT_TYPES)})",
                    )
                )
                continue
            values = [str(value) for value in spec.get("values") or []]
            if slot_type == "categorical" and not values:
                self.problems.append(FlowProblem(file, f"slot '{name}': categorical needs values"))
            self.domain.slots[str(name)] = SlotDefinition(
                name=str(name),
                type=slot_type,
                values=values,
                initial_value=spec.get("initial_value"),
                mappings=list(spec.get("mappings") or []),
            )

    def _add_responses(self, file: Path, responses: Any, is_default: bool) -> None:
        if not isinstance(responses, dict):
            self.problems.append(FlowProblem(file, "'responses' must be a mapping"))
            return
        for name, variations in responses.items():
            if isinstance(variations, dict | str):
                variations = [variations]
            normalised = [{"text": v} if isinstance(v, str) else dict(v) for v in variations or []]
            if not normalised:
                self.problems.append(FlowProblem(file, f"response '{name}' has no variations"))
            self.domain.responses[str(name)] = normalised

    def _add_actions(self, file: Path, actions: Any, is_default: bool) -> None:
        for action in actions if isinstance(actions, list) else []:
            self.domain.actions.add(str(action))

    def _add_flows(self, file: Path, flows: Any, is_default: bool) -> None:
        if not isinstance(flows, dict):
            self.problems.append(FlowProblem(file, "'flows' must be a mapping of flow ids"))
            return
        for flow_id, spec in flows.items():
            flow_id = str(flow_id)
            if not is_default:
                if flow_id in self.project_flow_ids:
                    self.problems.append(
                        FlowProblem(
                            file,
                            f"duplicate flow id, already defined in {self._flow_files[flow_id]}",
                            flow=flow_id,
                        )
                    )
                    continue
                self.project_flow_ids.add(flow_id)
                self._flow_files[flow_id] = file
            previous = self.domain.flows.get(flow_id)
            flow = _FlowParser(file, flow_id, spec or {}, self.problems).parse()
            if previous is not None and not flow.nlu_triggers:
                flow.nlu_triggers = previous.nlu_triggers  # an override keeps the default triggers
            self.domain.flows[flow_id] = flow


class _FlowParser:
    def __init__(
        self, file: Path, flow_id: str, spec: dict[str, Any], problems: list[FlowProblem]
    ) -> None:
        self.file, self.flow_id, self.spec, self.problems = file, flow_id, spec, problems
        self.flow = Flow(id=flow_id, file=file)
        self.order = 0

    def problem(self, message: str, step: str | None = None) -> None:
        self.problems.append(FlowProblem(self.file, message, self.flow_id, step))

    def parse(self) -> Flow:
        spec = self.spec
        if not isinstance(spec, dict):
            self.problem("a flow must be a mapping with 'description' and 'steps'")
            return self.flow
        self.flow.name = str(spec.get("name") or "")
        self.flow.description = str(spec.get("description") or "")
        self.flow.persisted_slots = [str(s) for s in spec.get("persisted_slots") or []]
        for trigger in spec.get("nlu_trigger") or []:
            intent = trigger.get("intent") if isinstance(trigger, dict) else trigger
            if isinstance(intent, dict):
                intent = intent.get("name")
            if intent:
                self.flow.nlu_triggers.append(str(intent))
        if "if" in spec:
            try:
                self.flow.guard = parse_condition(spec["if"])
            except ConditionError as error:
                self.problem(f"invalid condition in 'if': {error}")
        steps = spec.get("steps")
        if not isinstance(steps, list) or not steps:
            self.problem("has no steps")
            return self.flow
        self.flow.first_step = self.parse_steps(steps, "", END)
        return self.flow

    def parse_steps(self, steps: list[Any], prefix: str, after: str) -> str:
        """Parse a list of steps; returns the id of its first step. ``after`` follows the last."""
        parsed: list[tuple[Step, dict[str, Any]]] = []
        for index, raw in enumerate(steps, start=1):
            position = f"{prefix}{index}"
            label = f"step {position}"
            if not isinstance(raw, dict):
                self.problem("a step must be a mapping", label)
                continue
            step_id = str(raw["id"]) if "id" in raw else f"#{position}"
            if "id" in raw:
                label = f"step '{step_id}'"
            if step_id in self.flow.steps:
                self.problem(f"duplicate step id '{step_id}'", label)
                continue
            step = self.parse_step(raw, step_id, label)
            if step is None:
                continue
            self.flow.steps[step_id] = step
            parsed.append((step, raw))
        for index, (step, raw) in enumerate(parsed):
            default_next = parsed[index + 1][0].id if index + 1 < len(parsed) else after
            step.next = self.parse_next(raw.get("next"), step, default_next)
        return parsed[0][0].id if parsed else after

    def parse_step(self, raw: dict[str, Any], step_id: str, label: str) -> Step | None:
        kinds = [kind for kind in STEP_KINDS if kind in raw]
        if len(kinds) != 1:
            found = ", ".join(kinds) if kinds else "none"
            self.problem(
                f"a step needs exactly one of {', '.join(STEP_KINDS)} (found {found})", label
            )
            return None
        self.order += 1
        step = Step(id=step_id, kind=kinds[0], label=label, order=self.order)
        if step.kind == "collect":
            step.collect = str(raw["collect"])
            step.utter = str(raw["utter"]) if raw.get("utter") else None
            step.ask_before_filling = bool(raw.get("ask_before_filling", False))
            step.reset_after_flow_ends = bool(raw.get("reset_after_flow_ends", True))
            step.rejections = self.parse_rejections(raw.get("rejections") or [], label)
        elif step.kind == "action":
            step.action = str(raw["action"])
        elif step.kind == "set_slots":
            step.set_slots = self.parse_set_slots(raw["set_slots"], label)
        elif step.kind in ("link", "call"):
            step.flow_ref = str(raw[step.kind])
        return step

    def parse_rejections(self, rejections: list[Any], label: str) -> list[Rejection]:
        parsed: list[Rejection] = []
        for rejection in rejections:
            if not isinstance(rejection, dict) or "if" not in rejection or "utter" not in rejection:
                self.problem("each rejection needs 'if' and 'utter'", label)
                continue
            try:
                condition = parse_condition(rejection["if"])
            except ConditionError as error:
                self.problem(f"invalid condition in rejection: {error}", label)
                continue
            parsed.append(Rejection(condition, str(rejection["utter"])))
        return parsed

    def parse_set_slots(self, raw: Any, label: str) -> dict[str, Any]:
        items = raw if isinstance(raw, list) else [raw]
        values: dict[str, Any] = {}
        for item in items:
            if not isinstance(item, dict):
                self.problem("set_slots takes a list of 'slot: value' mappings", label)
                continue
            values.update({str(key): value for key, value in item.items()})
        return values

    def parse_next(self, raw: Any, step: Step, default_next: str) -> list[Branch]:
        if raw is None:
            return [Branch(default_next)]
        if isinstance(raw, str):
            return [Branch(raw)]
        if not isinstance(raw, list):
            self.problem("'next' must be a step id, END, or a list of if/then/else", step.label)
            return [Branch(default_next)]
        branches: list[Branch] = []
        for number, item in enumerate(raw, start=1):
            if not isinstance(item, dict) or not ({"if", "else"} & set(item)):
                self.problem(f"'next' entry {number} needs 'if' with 'then', or 'else'", step.label)
                continue
            nested_prefix = f"{step.label.removeprefix('step ').strip(chr(39))}.{number}."
            if "else" in item:
                branches.append(Branch(self.branch_target(item["else"], nested_prefix)))
                continue
            if "then" not in item:
                self.problem(f"'next' entry {number} has 'if' but no 'then'", step.label)
                continue
            try:
                condition = parse_condition(item["if"])
            except ConditionError as error:
                self.problem(f"invalid condition in 'next': {error}", step.label)
                continue
            branches.append(Branch(self.branch_target(item["then"], nested_prefix), condition))
        return branches or [Branch(default_next)]

    def branch_target(self, target: Any, prefix: str) -> str:
        if isinstance(target, list):
            return self.parse_steps(target, prefix, END)
        return str(target)
