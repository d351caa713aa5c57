"""Broken flow files are refused with messages that name the file, the flow and the step."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.dialogue.errors import FlowLoadError
from bot.dialogue.loader import load_domain

BASE = """
slots:
  size:
    type: categorical
    values: [small, large]
responses:
  utter_ask_size:
    - text: Which size?
  utter_done:
    - text: Done.
actions:
  - action_order
"""


def load(tmp_path: Path, flows: str, extra: str = "") -> FlowLoadError:
    file = tmp_path / "orders.yml"
    file.write_text(BASE + extra + "\nflows:\n" + flows, encoding="utf-8")
    with pytest.raises(FlowLoadError) as raised:
        load_domain([tmp_path])
    return raised.value


def only_problem(error: FlowLoadError) -> str:
    assert len(error.problems) == 1, str(error)
    return str(error.problems[0])


def test_a_valid_file_loads(tmp_path: Path) -> None:
    (tmp_path / "orders.yml").write_text(BASE + """
flows:
  order:
    description: order
    steps:
      - collect: size
      - action: action_order
      - action: utter_done
""", encoding="utf-8")
    domain = load_domain([tmp_path])
    assert domain.flows["order"].collected_slots() == ["size"]


def test_unknown_slot_names_file_flow_and_step(tmp_path: Path) -> None:
    message = only_problem(load(tmp_path, """
  order:
    steps:
      - id: ask_colour
        collect: colour
"""))
    assert "orders.yml" in message
    assert "flow 'order'" in message
    assert "step 'ask_colour'" in message
    assert "unknown slot 'colour'" in message
    assert "size" in message  # the known slots are listed to help spot a typo


def test_unknown_response(tmp_path: Path) -> None:
    message = only_problem(load(tmp_path, """
  order:
    steps:
      - collect: size
      - action: utter_missing
"""))
    assert "flow 'order', step 2: unknown response 'utter_missing'" in message


def test_collect_without_a_question(tmp_path: Path) -> None:
    message = only_problem(load(tmp_path, """
  order:
    steps:
      - collect: size
        utter: utter_ask_size_nicely
"""))
    assert "unknown response 'utter_ask_size_nicely' to ask for 'size'" in message


def test_unknown_action(tmp_path: Path) -> None:
    message = only_problem(load(tmp_path, """
  order:
    steps:
      - action: action_ship
"""))
    assert "step 1: unknown action 'action_ship'" in message
    assert "action_order" in message


def test_next_to_a_missing_id(tmp_path: Path) -> None:
    message = only_problem(load(tmp_path, """
  order:
    steps:
      - id: ask
        collect: size
        next: finish
"""))
    assert "step 'ask': 'next' goes to missing step id 'finish'" in message


def test_duplicate_step_ids(tmp_path: Path) -> None:
    error = load(tmp_path, """
  order:
    steps:
      - id: ask
        collect: size
      - id: ask
        action: utter_done
""")
    assert any("duplicate step id 'ask'" in str(p) and "flow 'order'" in str(p)
               for p in error.problems)


def test_duplicate_flow_ids_across_files(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(BASE + """
flows:
  order:
    steps:
      - action: utter_done
""", encoding="utf-8")
    (tmp_path / "b.yml").write_text("""
flows:
  order:
    steps:
      - action: utter_done
""", encoding="utf-8")
    with pytest.raises(FlowLoadError) as raised:
        load_domain([tmp_path])
    message = str(raised.value)
    assert "b.yml, flow 'order': duplicate flow id, already defined in" in message
    assert "a.yml" in message


def test_unreachable_step(tmp_path: Path) -> None:
    message = only_problem(load(tmp_path, """
  order:
    steps:
      - collect: size
        next: END
      - id: orphan
        action: utter_done
"""))
    assert "step 'orphan': unreachable step" in message


def test_invalid_condition(tmp_path: Path) -> None:
    message = only_problem(load(tmp_path, """
  order:
    steps:
      - id: ask
        collect: size
        next:
          - if: slots.size = = "large"
            then: END
          - else: END
"""))
    assert "step 'ask': invalid condition in 'next'" in message


def test_condition_on_an_unknown_slot(tmp_path: Path) -> None:
    message = only_problem(load(tmp_path, """
  order:
    steps:
      - id: ask
        collect: size
        next:
          - if: slots.colour = "red"
            then: END
          - else: END
"""))
    assert "step 'ask': unknown slot 'colour' in a 'next' condition" in message


def test_link_to_unknown_flow_and_link_not_last(tmp_path: Path) -> None:
    error = load(tmp_path, """
  order:
    steps:
      - id: jump
        link: checkout
        next: after
      - id: after
        action: utter_done
""")
    text = str(error)
    assert "step 'jump': link to unknown flow 'checkout'" in text
    assert "step 'jump': a link must be the last step of its flow" in text


def test_step_with_two_kinds(tmp_path: Path) -> None:
    message = only_problem(load(tmp_path, """
  order:
    steps:
      - collect: size
        action: utter_done
"""))
    assert "step 1: a step needs exactly one of" in message


def test_yaml_syntax_error_names_line(tmp_path: Path) -> None:
    (tmp_path / "broken.yml").write_text("flows:\n  order:\n    steps: [\n", encoding="utf-8")
    with pytest.raises(FlowLoadError) as raised:
        load_domain([tmp_path])
    assert "broken.yml: not valid YAML (line" in str(raised.value)


def test_unknown_top_level_key(tmp_path: Path) -> None:
    (tmp_path / "typo.yml").write_text("flow:\n  order: {}\n", encoding="utf-8")
    with pytest.raises(FlowLoadError) as raised:
        load_domain([tmp_path])
    assert "typo.yml: unknown key 'flow'" in str(raised.value)


def test_nested_branch_step_is_named_by_position(tmp_path: Path) -> None:
    message = only_problem(load(tmp_path, """
  order:
    steps:
      - id: ask
        collect: size
        next:
          - if: slots.size = "large"
            then:
              - action: utter_nope
          - else: END
"""))
    assert "step ask.1.1: unknown response 'utter_nope'" in message


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    error = load(tmp_path, """
  order:
    steps:
      - collect: colour
      - action: action_ship
""")
    assert len(error.problems) == 2  # the unknown slot and the unknown action


def test_a_project_flow_overrides_a_default_pattern(tmp_path: Path) -> None:
    (tmp_path / "patterns.yml").write_text(BASE + """
flows:
  pattern_cannot_handle:
    steps:
      - action: utter_done
""", encoding="utf-8")
    domain = load_domain([tmp_path])
    steps = domain.flows["pattern_cannot_handle"].steps.values()
    assert [step.action for step in steps] == ["utter_done"]
