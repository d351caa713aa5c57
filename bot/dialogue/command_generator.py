"""From a parsed message and the conversation's state to commands (an NLU command adapter).

No LLM: intents start flows, entities and typed answers fill slots, and a few rules tell an
answer from a digression or a correction. Rasa-style button payloads (``/intent{...}`` and
``/SetSlots(...)``) bypass the classifier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.dialogue.commands import (
    PATTERN_COMMANDS,
    CannotHandle,
    Clarify,
    Command,
    CorrectSlots,
    SetSlot,
    StartFlow,
)
from bot.dialogue.flows import Domain, Flow, Step
from bot.dialogue.slot_values import coerce_slot_value, parse_categorical, parse_slot_value
from bot.tracker import DialogueState

FALLBACK_INTENT = "nlu_fallback"
# Words with which people correct themselves ("actually make it large", "change it to Tuesday").
_CORRECTION_CUE = re.compile(
    r"\b(actually|instead|change|changed|make it|switch|i meant|i mean|correction|rather|"
    r"update|no wait|sorry)\b",
    re.IGNORECASE,
)
_FREE_TEXT_TYPES = ("text", "any", "list")


@dataclass
class GeneratorSettings:
    digression_threshold: float = 0.6
    clarification_margin: float = 0.1
    clarification_min: float = 0.15

    @classmethod
    def from_config(cls, nlu: dict[str, Any]) -> GeneratorSettings:
        return cls(
            digression_threshold=float(nlu.get("digression_threshold", 0.6)),
            clarification_margin=float(nlu.get("clarification_margin", 0.1)),
            clarification_min=float(nlu.get("clarification_min", 0.15)),
        )


class CommandGenerator:
    def __init__(self, domain: Domain, settings: GeneratorSettings | None = None) -> None:
        self.domain = domain
        self.settings = settings or GeneratorSettings()

    def pending_collect(self, state: DialogueState) -> Step | None:
        """The collect step the bot is waiting on, if the top flow is at one."""
        if not state.stack:
            return None
        frame = state.stack[-1]
        flow = self.domain.flows.get(frame.flow_id)
        step = flow.steps.get(frame.step_id) if flow else None
        return step if step is not None and step.kind == "collect" else None

    def commands_for(
        self,
        parse: dict[str, Any],
        state: DialogueState,
        timezone: str = "UTC",
        now: datetime | None = None,
    ) -> list[Command]:
        explicit = parse.get("commands")
        if explicit is not None:
            return [
                SetSlot(slot, coerce_slot_value(self.domain.slots.get(slot), value, timezone))
                for slot, value in explicit
            ]
        intent = parse.get("intent") or {}
        name, confidence = (
            str(intent.get("name") or FALLBACK_INTENT),
            float(intent.get("confidence") or 0.0),
        )
        flow = self.triggered_flow(name, state)
        if flow is not None and flow.id in PATTERN_COMMANDS:
            # Cancelling or leaving for a person ends what the user was doing: be sure first.
            if confidence >= self.settings.digression_threshold:
                return [PATTERN_COMMANDS[flow.id]()]
            flow = None
        text = str(parse.get("text") or "")
        entity_values = self.entity_slot_values(parse, state, flow, timezone)
        pending = self.pending_collect(state)
        if pending is not None and pending.collect:
            return self.answer_or_digression(
                pending.collect, text, flow, confidence, entity_values, state, timezone, now, parse
            )
        corrections = self.corrections(text, entity_values, state, None)
        if corrections and (flow is None or _CORRECTION_CUE.search(text)):
            return [CorrectSlots(tuple(corrections.items()))]
        clarify = self.clarification(parse, state)
        if clarify is not None:
            return [clarify]
        if flow is not None:
            return [StartFlow(flow.id), *self.prefill(flow, entity_values)]
        return [CannotHandle("out_of_scope")]

    def answer_or_digression(
        self,
        slot_name: str,
        text: str,
        flow: Flow | None,
        confidence: float,
        entity_values: dict[str, Any],
        state: DialogueState,
        timezone: str,
        now: datetime | None,
        parse: dict[str, Any],
    ) -> list[Command]:
        corrections = self.corrections(text, entity_values, state, slot_name)
        if corrections and _CORRECTION_CUE.search(text):
            return [CorrectSlots(tuple(corrections.items()))]
        slot = self.domain.slots[slot_name]
        value = entity_values.pop(slot_name, None)
        if value is None:
            value = parse_slot_value(slot, text, timezone=timezone, now=now)
        digression = (
            flow is not None
            and confidence >= self.settings.digression_threshold
            and flow.id not in {frame.flow_id for frame in state.stack}
        )
        if value is not None and not (digression and slot.type in _FREE_TEXT_TYPES):
            others = [SetSlot(name, v) for name, v in entity_values.items() if name != slot_name]
            return [SetSlot(slot_name, value), *others]
        if corrections:
            return [CorrectSlots(tuple(corrections.items()))]
        if flow is not None:
            return [StartFlow(flow.id), *self.prefill(flow, entity_values)]
        clarify = self.clarification(parse, state)
        if clarify is not None:
            return [clarify]
        return [CannotHandle("unexpected_answer")]

    def triggered_flow(self, intent: str, state: DialogueState) -> Flow | None:
        if intent == FALLBACK_INTENT:
            return None
        flow = self.domain.flow_for_intent(intent)
        if flow is None or flow.guard is None:
            return flow
        # A guard may ask whether the bot is waiting for an answer (`context.collect`, the slot
        # it asked for): "yes" is an answer to "Did you mean ...?", not small talk.
        pending = self.pending_collect(state)
        context = {"collect": pending.collect if pending is not None else None}
        return flow if flow.guard.evaluate(state.slots, context) else None

    def entity_slot_values(
        self, parse: dict[str, Any], state: DialogueState, starting: Flow | None, timezone: str
    ) -> dict[str, Any]:
        """Slots that entities of this message fill, limited to flows that are active or start."""
        relevant: set[str] = set()
        for frame in state.stack:
            flow = self.domain.flows.get(frame.flow_id)
            if flow is not None:
                relevant.update(flow.collected_slots())
        if starting is not None:
            relevant.update(starting.collected_slots())
        values: dict[str, Any] = {}
        for entity in parse.get("entities") or []:
            for slot_name in relevant:
                slot = self.domain.slots.get(slot_name)
                if slot is not None and slot.fills_from(entity):
                    values[slot_name] = coerce_slot_value(slot, entity.get("value"), timezone)
        return {name: value for name, value in values.items() if value is not None}

    def corrections(
        self,
        text: str,
        entity_values: dict[str, Any],
        state: DialogueState,
        pending_slot: str | None,
    ) -> dict[str, Any]:
        """Filled slots of active flows that this message gives a different value."""
        changed: dict[str, Any] = {}
        for frame in state.stack:
            flow = self.domain.flows.get(frame.flow_id)
            if flow is None or flow.is_pattern:
                continue
            for slot_name in flow.collected_slots():
                current = state.slots.get(slot_name)
                if slot_name == pending_slot or current is None:
                    continue
                slot = self.domain.slots[slot_name]
                value = entity_values.get(slot_name)
                if value is None and slot.type == "categorical":
                    value = parse_categorical(slot.values, text)
                elif (
                    value is None
                    and slot.type not in _FREE_TEXT_TYPES
                    and _CORRECTION_CUE.search(text)
                ):
                    value = parse_slot_value(slot, _CORRECTION_CUE.sub(" ", text))
                if value is not None and value != current:
                    changed[slot_name] = value
        return changed

    def clarification(self, parse: dict[str, Any], state: DialogueState) -> Clarify | None:
        ranking = parse.get("intent_ranking") or []
        flows: list[tuple[str, float]] = []
        for entry in ranking[:4]:
            flow = self.triggered_flow(str(entry.get("name")), state)
            if flow is not None and not flow.is_pattern and flow.id not in [f for f, _ in flows]:
                flows.append((flow.id, float(entry.get("confidence") or 0.0)))
        if len(flows) < 2:
            return None
        (first, first_score), (second, second_score) = flows[0], flows[1]
        top = max(float(entry.get("confidence") or 0.0) for entry in ranking
                  if entry.get("name") != FALLBACK_INTENT)
        margin = self.settings.clarification_margin
        if second_score < self.settings.clarification_min or first_score < top - margin:
            return None
        if first_score - second_score <= self.settings.clarification_margin:
            return Clarify((first, second))
        return None

    def prefill(self, flow: Flow, entity_values: dict[str, Any]) -> list[Command]:
        collected = set(flow.collected_slots())
        return [SetSlot(name, value) for name, value in entity_values.items() if name in collected]
