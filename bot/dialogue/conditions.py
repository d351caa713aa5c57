"""Conditions in flow files: ``slots.size = "large" and slots.count > 3``.

Rasa writes these in the pypred predicate language. We parse the subset flows use with a small
recursive-descent parser and never ``eval`` user text:

    expr       := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := operand [op operand]      op: = == != > >= < <= is, is not, contains, matches
    operand    := slots.NAME | context.NAME | number | "string" | 'string' | true | false
                  | null | none | undefined | empty | "(" expr ")"
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>-?\d+(?:\.\d+)?)
      | (?P<string>"[^"]*"|'[^']*')
      | (?P<op>==|!=|>=|<=|=|>|<)
      | (?P<paren>[()])
      | (?P<word>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    )""",
    re.VERBOSE,
)
_LITERALS: dict[str, Any] = {
    "true": True,
    "false": False,
    "null": None,
    "none": None,
    "undefined": None,
}
_EMPTY = object()


class ConditionError(ValueError):
    """A condition that cannot be parsed; the message says where."""


Evaluator = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]


@dataclass
class Condition:
    """A compiled condition: evaluate against slots (and a pattern's context)."""

    source: str
    _evaluate: Evaluator
    slot_names: set[str] = field(default_factory=set)

    def evaluate(self, slots: Mapping[str, Any], context: Mapping[str, Any] | None = None) -> bool:
        return bool(self._evaluate(slots, context or {}))


def _tokenize(source: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    stripped_end = len(source.rstrip())
    while position < stripped_end:
        match = _TOKEN.match(source, position)
        if not match or match.end() == position:
            raise ConditionError(f"cannot read {source[position:].strip()!r} in {source!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _equal(left: Any, right: Any) -> bool:
    if right is _EMPTY:
        return left in (None, "", [], {})
    left_number, right_number = _as_number(left), _as_number(right)
    if left_number is not None and right_number is not None:
        return left_number == right_number
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold() == right.casefold()
    return bool(left == right)


def _order(op: str, left: Any, right: Any) -> bool:
    left_number, right_number = _as_number(left), _as_number(right)
    if left_number is None or right_number is None:
        if isinstance(left, str) and isinstance(right, str):
            left_number, right_number = None, None
            pair: tuple[Any, Any] = (left, right)
        else:
            return False  # an unset slot is neither bigger nor smaller than anything
    else:
        pair = (left_number, right_number)
    a, b = pair
    return bool({"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op])


def _compare(op: str, left: Any, right: Any) -> bool:
    if op in ("=", "==", "is"):
        return _equal(left, right)
    if op in ("!=", "is not"):
        return not _equal(left, right)
    if op == "contains":
        if isinstance(left, str):
            return str(right).casefold() in left.casefold()
        return isinstance(left, list | tuple | set) and right in left
    if op == "matches":
        return isinstance(left, str) and re.search(str(right), left) is not None
    return _order(op, left, right)


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _tokenize(source)
        self.index = 0
        self.slot_names: set[str] = set()

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take_word(self, *words: str) -> bool:
        token = self.peek()
        if token and token[0] == "word" and token[1].lower() in words:
            self.index += 1
            return True
        return False

    def parse(self) -> Evaluator:
        if not self.tokens:
            raise ConditionError("empty condition")
        evaluator = self.or_expr()
        if self.peek() is not None:
            raise ConditionError(f"unexpected {self.peek()[1]!r} in {self.source!r}")  # type: ignore[index]
        return evaluator

    def or_expr(self) -> Evaluator:
        parts = [self.and_expr()]
        while self.take_word("or"):
            parts.append(self.and_expr())
        if len(parts) == 1:
            return parts[0]
        return lambda slots, context: any(part(slots, context) for part in parts)

    def and_expr(self) -> Evaluator:
        parts = [self.not_expr()]
        while self.take_word("and"):
            parts.append(self.not_expr())
        if len(parts) == 1:
            return parts[0]
        return lambda slots, context: all(part(slots, context) for part in parts)

    def not_expr(self) -> Evaluator:
        if self.take_word("not"):
            inner = self.not_expr()
            return lambda slots, context: not inner(slots, context)
        return self.comparison()

    def operator(self) -> str | None:
        token = self.peek()
        if token is None:
            return None
        if token[0] == "op":
            self.index += 1
            return token[1]
        if self.take_word("is"):
            return "is not" if self.take_word("not") else "is"
        if self.take_word("contains"):
            return "contains"
        if self.take_word("matches"):
            return "matches"
        return None

    def comparison(self) -> Evaluator:
        left = self.operand()
        op = self.operator()
        if op is None:
            return left
        right = self.operand()
        return lambda slots, context: _compare(op, left(slots, context), right(slots, context))

    def operand(self) -> Evaluator:
        token = self.peek()
        if token is None:
            raise ConditionError(f"{self.source!r} ends where a value was expected")
        kind, text = token
        self.index += 1
        if kind == "number":
            number = float(text) if "." in text else int(text)
            return lambda slots, context: number
        if kind == "string":
            literal = text[1:-1]
            return lambda slots, context: literal
        if kind == "paren" and text == "(":
            inner = self.or_expr()
            closing = self.peek()
            if closing != ("paren", ")"):
                raise ConditionError(f"missing ')' in {self.source!r}")
            self.index += 1
            return inner
        if kind == "word":
            return self.word_operand(text)
        raise ConditionError(f"unexpected {text!r} in {self.source!r}")

    def word_operand(self, text: str) -> Evaluator:
        lowered = text.lower()
        if lowered in _LITERALS:
            literal = _LITERALS[lowered]
            return lambda slots, context: literal
        if lowered == "empty":
            return lambda slots, context: _EMPTY
        namespace, _, name = text.partition(".")
        if namespace == "slots" and name:
            self.slot_names.add(name)
            return lambda slots, context: slots.get(name)
        if namespace == "context" and name:
            return lambda slots, context: context.get(name)
        raise ConditionError(
            f"{text!r} in {self.source!r} is not a value: use slots.<name>, a number, "
            "a quoted string, true, false or null"
        )


def parse_condition(source: str | bool) -> Condition:
    """Compile a condition; raises ConditionError naming what could not be read."""
    if isinstance(source, bool):  # YAML turns `if: true` into a bool
        constant = source
        return Condition(str(source).lower(), lambda slots, context: constant)
    parser = _Parser(str(source))
    evaluator = parser.parse()
    return Condition(str(source), evaluator, parser.slot_names)
