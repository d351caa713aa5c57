"""The flow model: flows of steps, slots, and the domain that holds them.

A flow file's nested ``next`` branches are flattened at load time into a graph of steps with
ids, so the executor only ever moves from one step id to another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.dialogue.conditions import Condition
from bot.nlu.training_data import TrainingExample

END = "END"
START = "START"


@dataclass
class Branch:
    """Go to ``target`` when ``condition`` holds; ``None`` is the unconditional else."""

    target: str
    condition: Condition | None = None


@dataclass
class Rejection:
    condition: Condition
    utter: str


@dataclass
class Step:
    id: str
    kind: str  # collect | action | set_slots | link | call | noop
    label: str  # how errors name the step: its id, or its position ("step 2")
    next: list[Branch] = field(default_factory=list)
    collect: str | None = None
    utter: str | None = None
    ask_before_filling: bool = False
    reset_after_flow_ends: bool = True
    rejections: list[Rejection] = field(default_factory=list)
    action: str | None = None
    set_slots: dict[str, Any] = field(default_factory=dict)
    flow_ref: str | None = None  # the flow a link or call step names
    order: int = 0  # position in the file, to tell earlier steps from later ones

    def next_step(self, slots: dict[str, Any], context: dict[str, Any] | None = None) -> str:
        for branch in self.next:
            if branch.condition is None or branch.condition.evaluate(slots, context):
                return branch.target
        return END


@dataclass
class Flow:
    id: str
    file: Path
    name: str = ""
    description: str = ""
    steps: dict[str, Step] = field(default_factory=dict)
    first_step: str = END
    nlu_triggers: list[str] = field(default_factory=list)
    guard: Condition | None = None  # the flow's own `if`: when false, it cannot be started
    persisted_slots: list[str] = field(default_factory=list)

    @property
    def is_pattern(self) -> bool:
        return self.id.startswith("pattern_")

    @property
    def readable_name(self) -> str:
        return self.name or self.id.replace("_", " ")

    def collected_slots(self) -> list[str]:
        return [step.collect for step in self.steps.values() if step.collect]

    def collect_step_for(self, slot: str) -> Step | None:
        for step in self.steps.values():
            if step.collect == slot:
                return step
        return None


@dataclass
class SlotDefinition:
    name: str
    type: str = "any"  # text | bool | int | float | categorical | list | datetime | any
    values: list[str] = field(default_factory=list)
    initial_value: Any = None
    mappings: list[dict[str, Any]] = field(default_factory=list)

    def entity_names(self) -> list[str]:
        return [
            str(mapping["entity"])
            for mapping in self.mappings
            if mapping.get("type") == "from_entity" and mapping.get("entity")
        ]

    def fills_from(self, entity: Mapping[str, Any]) -> bool:
        """Whether ``entity`` fills this slot: by a `from_entity` mapping of its name (whose
        ``role`` and ``group``, where the mapping gives them, must be the entity's), or, with
        no such mapping, by having the slot's name."""
        name = entity.get("entity")
        mappings = [
            mapping for mapping in self.mappings
            if mapping.get("type") == "from_entity" and mapping.get("entity") == name
        ]
        if not mappings:
            return name == self.name
        return any(
            all(mapping.get(key) is None or str(mapping[key]) == str(entity.get(key))
                for key in ("role", "group"))
            for mapping in mappings
        )


@dataclass
class Domain:
    """Everything the flow files declare, merged over the built-in patterns."""

    intents: dict[str, list[TrainingExample]] = field(default_factory=dict)
    slots: dict[str, SlotDefinition] = field(default_factory=dict)
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    actions: set[str] = field(default_factory=set)
    flows: dict[str, Flow] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    def training_examples(self) -> list[TrainingExample]:
        return [example for examples in self.intents.values() for example in examples]

    def flow_for_intent(self, intent: str) -> Flow | None:
        for flow in self.flows.values():
            if intent in flow.nlu_triggers:
                return flow
        return None

    def trigger_intent(self, flow_id: str) -> str | None:
        flow = self.flows.get(flow_id)
        return flow.nlu_triggers[0] if flow and flow.nlu_triggers else None

    def initial_slots(self) -> dict[str, Any]:
        return {name: slot.initial_value for name, slot in self.slots.items()}

    def to_rasa_dict(self) -> dict[str, Any]:
        """The domain as a Rasa action server expects it in a request."""
        return {
            "version": "3.1",
            "config": {"store_entities_as_slots": False},
            "session_config": {
                "session_expiration_time": 60,
                "carry_over_slots_to_new_session": False,
            },
            "intents": sorted(self.intents),
            "entities": sorted(
                {entity for slot in self.slots.values() for entity in slot.entity_names()}
            ),
            "slots": {
                name: {
                    "type": slot.type,
                    "initial_value": slot.initial_value,
                    "values": slot.values,
                    "mappings": slot.mappings,
                }
                for name, slot in self.slots.items()
            },
            "responses": self.responses,
            "actions": sorted(self.actions),
            "forms": {},
            "e2e_actions": [],
        }
