"""Slots filled from entities: `from_entity` mappings with roles and groups, and record names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.dialogue.command_generator import CommandGenerator, GeneratorSettings
from bot.dialogue.commands import SetSlot, StartFlow
from bot.dialogue.flows import SlotDefinition
from bot.dialogue.loader import load_domain
from bot.tracker import DialogueState

TRAVEL = """
nlu:
  - intent: travel
    examples: |
      - fly from [Berlin]{"entity": "city", "role": "from"} to Paris
slots:
  origin:
    type: text
    mappings:
      - {type: from_entity, entity: city, role: from}
  destination:
    type: text
    mappings:
      - {type: from_entity, entity: city, role: to}
  account:
    type: text
    mappings:
      - {type: from_entity, entity: account}
responses:
  utter_ask_origin: [{text: "From where?"}]
  utter_ask_destination: [{text: "To where?"}]
  utter_ask_account: [{text: "For which account?"}]
flows:
  travel:
    description: Book a trip for an account.
    nlu_trigger: [{intent: travel}]
    steps:
      - collect: origin
      - collect: destination
      - collect: account
"""


def entity(kind: str, value: str, **extra: Any) -> dict[str, Any]:
    return {"entity": kind, "value": value, "start": 0, "end": 1, **extra}


def test_a_mapping_with_a_role_takes_only_entities_with_that_role():
    slot = SlotDefinition("origin", "text", mappings=[
        {"type": "from_entity", "entity": "city", "role": "from"},
    ])
    assert slot.fills_from(entity("city", "Berlin", role="from"))
    assert not slot.fills_from(entity("city", "Paris", role="to"))
    assert not slot.fills_from(entity("city", "Paris"))
    assert slot.fills_from(entity("origin", "Rome"))  # an entity named like the slot, as ever


def test_groups_and_the_slot_name_rule():
    grouped = SlotDefinition("size", "text", mappings=[
        {"type": "from_entity", "entity": "size", "group": "1"},
    ])
    assert grouped.fills_from(entity("size", "large", group="1"))
    assert grouped.fills_from(entity("size", "large", group=1))  # YAML may give a number
    assert not grouped.fills_from(entity("size", "small", group="2"))
    unmapped = SlotDefinition("account", "text")
    assert unmapped.fills_from(entity("account", "Globex"))
    assert not unmapped.fills_from(entity("contact", "Jane"))


def test_a_message_fills_each_slot_from_its_own_role_and_a_record_name(tmp_path: Path):
    (tmp_path / "travel.yml").write_text(TRAVEL, encoding="utf-8")
    domain = load_domain([tmp_path])
    generator = CommandGenerator(domain, GeneratorSettings())
    parse = {
        "text": "fly the globex team from Berlin to Paris",
        "intent": {"name": "travel", "confidence": 0.9},
        "intent_ranking": [{"name": "travel", "confidence": 0.9}],
        "entities": [
            {**entity("account", "Globex Corporation"), "extractor": "RecordNameExtractor",
             "additional_info": {"score": 0.5, "id": 1}},
            entity("city", "Berlin", role="from"),
            entity("city", "Paris", role="to"),
        ],
    }
    commands = generator.commands_for(parse, DialogueState())
    assert commands[0] == StartFlow("travel")
    assert set(commands[1:]) == {
        SetSlot("origin", "Berlin"), SetSlot("destination", "Paris"),
        SetSlot("account", "Globex Corporation"),
    }
