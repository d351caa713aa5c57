"""Rasa NLU training examples: the `examples: |` block of an intent, with entity annotations.

Annotation forms, as Rasa reads them:
``[Jane](person)``, ``[NYC](city:New York)`` (the old synonym form),
``[NYC]{"entity": "city", "value": "New York", "role": "to", "group": "1"}`` and
``[NYC][{"entity": "city"}, {"entity": "place"}]`` (several entities on one span).
The example's text is the plain text with the brackets removed; each span records where its
words are in that plain text and the canonical value (the synonym target when one was given).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class EntitySpan:
    entity: str
    value: str
    start: int
    end: int
    role: str | None = None
    group: str | None = None


@dataclass(frozen=True)
class TrainingExample:
    text: str
    intent: str
    entities: tuple[EntitySpan, ...] = ()


class TrainingDataError(ValueError):
    """An example block that cannot be read; the message names the example and the problem."""


_CLOSERS = {"(": ")", "{": "}", "[": "]"}


def parse_examples(block: str, intent: str, *, source: str | None = None) -> list[TrainingExample]:
    """Parse an ``examples: |`` block (lines ``- text``) into examples of ``intent``.

    ``source`` (a file name, say) prefixes error messages so a user can find the block.
    """
    examples: list[TrainingExample] = []
    for number, raw_line in enumerate(block.splitlines(), start=1):
        line = raw_line.strip()
        if not line:
            continue
        where = f"{source + ': ' if source else ''}intent '{intent}', example line {number}"
        if not line.startswith("-"):
            raise TrainingDataError(f"{where} {line!r}: expected a line starting with '- '")
        body = line[1:].strip()
        if not body:
            raise TrainingDataError(f"{where}: empty example")
        try:
            text, spans = _parse_annotations(body)
        except _AnnotationError as error:
            raise TrainingDataError(f"{where} {body!r}: {error}") from None
        examples.append(TrainingExample(text=text, intent=intent, entities=tuple(spans)))
    return examples


class _AnnotationError(Exception):
    pass


def _parse_annotations(body: str) -> tuple[str, list[EntitySpan]]:
    """Strip annotations from one example, returning its plain text and entity spans."""
    text_parts: list[str] = []
    spans: list[EntitySpan] = []
    length = 0
    index = 0
    while index < len(body):
        char = body[index]
        if char == "]":
            raise _AnnotationError(f"']' at column {index + 1} has no matching '['")
        if char != "[":
            text_parts.append(char)
            length += 1
            index += 1
            continue
        close = body.find("]", index + 1)
        if close < 0:
            raise _AnnotationError(f"unclosed '[' at column {index + 1}")
        surface = body[index + 1 : close]
        if not surface.strip() or "[" in surface:
            raise _AnnotationError(f"'[' at column {index + 1} does not enclose entity text")
        annotation, index = _read_annotation(body, close + 1, surface)
        for entity in annotation:
            spans.append(_span(surface, entity, length))
        text_parts.append(surface)
        length += len(surface)
    return "".join(text_parts), spans


def _read_annotation(body: str, start: int, surface: str) -> tuple[list[dict[str, Any]], int]:
    """Read the ``(...)``, ``{...}`` or ``[{...}]`` after ``[text]``; return it and its end."""
    opener = body[start] if start < len(body) else ""
    if opener not in _CLOSERS:
        raise _AnnotationError(f'[{surface}] needs (entity) or {{"entity": ...}} after it')
    end = _matching_close(body, start)
    if end < 0:
        raise _AnnotationError(f"unclosed '{opener}' at column {start + 1}")
    inner = body[start + 1 : end]
    if opener == "(":
        entity, _, value = inner.partition(":")
        if not entity.strip():
            raise _AnnotationError(f"empty entity name in '({inner})'")
        parsed: dict[str, Any] = {"entity": entity.strip()}
        if value.strip():
            parsed["value"] = value.strip()
        return [parsed], end + 1
    try:
        decoded = json.loads(body[start : end + 1])
    except json.JSONDecodeError as error:
        raise _AnnotationError(
            f"annotation {body[start:end + 1]} is not valid JSON: {error.msg}"
        ) from None
    items = decoded if isinstance(decoded, list) else [decoded]
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("entity"), str):
            raise _AnnotationError(f'annotation {body[start:end + 1]} needs an "entity" name')
    return items, end + 1


def _matching_close(body: str, start: int) -> int:
    """Index of the bracket closing ``body[start]``, skipping JSON strings; -1 when unclosed."""
    depth = 0
    in_string = False
    index = start
    while index < len(body):
        char = body[index]
        if in_string:
            if char == "\\":
                index += 1
            elif char == '"':
                in_string = False
        elif char == '"' and body[start] != "(":
            in_string = True
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return index if char == _CLOSERS[body[start]] else -1
        index += 1
    return -1


def _span(surface: str, entity: dict[str, Any], offset: int) -> EntitySpan:
    def optional(key: str) -> str | None:
        value = entity.get(key)
        return None if value is None else str(value)

    value = entity.get("value")
    return EntitySpan(
        entity=entity["entity"],
        value=surface if value is None else str(value),
        start=offset,
        end=offset + len(surface),
        role=optional("role"),
        group=optional("group"),
    )
