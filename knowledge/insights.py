"""Insights of one call, each pinned to a moment: who said it, when, in which turn, in what words.

Kinds (spec/eci.md F6, F7): next steps (with owner and due date), pricing mentions, competitors
and products (config lists, whole-word and case-insensitive, with aliases), questions (and who
asked), objections (budget, authority, need, timing; the customer's side only), and custom keyword
trackers. Everything is read sentence by sentence with rules a user can predict; see the modules
``next_steps``, ``objections`` and ``due_dates`` for theirs.

The result is plain JSON for ``CallAnalysis.insights``: one list per kind plus ``moments``, the
counts per matched term the incumbent's player shows ("Competitor (2) Gong, Chorus").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from knowledge.due_dates import read_due_date
from knowledge.next_steps import Commitment, commitment_in
from knowledge.objections import objections_in
from knowledge.settings import InsightSettings
from knowledge.text import find_term, split_sentences, words
from knowledge.turns import CallTurns, Turn

KINDS = ("next_steps", "pricing", "competitors", "products", "questions", "objections",
         "trackers")  # fmt: skip

_PRICING = re.compile(
    r"(?<![\w])("
    r"[$€£]\s?\d[\d,.]*\s?(k|m|million|thousand|grand)?"
    r"|\d[\d,.]*\s?(dollars|usd|euros?|eur|bucks|pounds)"
    r"|pric(e|es|ed|ing|ey)|costs?|costing|discount(s|ed|ing)?|per (seat|user|licen[cs]e|head"
    r"|month|year|agent|rep)|budget(s|ed|ing)?|quotes?|quoted|invoices?|invoicing|payments?"
    r"|pay (for|up ?front|annually|monthly|quarterly|per)|purchase orders?|p\.?o\.?s?(?= number)"
    r"|licen[cs]e fees?|subscriptions?|list price|net ?(30|45|60|90)|contract value|tiers?"
    r"|expensive|cheaper|afford(able)?|roi"
    r")(?![\w])",
    re.IGNORECASE,
)
_NUMBER_WORDS = (
    r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen"
    r"|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy"
    r"|eighty|ninety|hundred|thousand|million|and|a|\d[\d,.]*)"
)
_PER = r"(?:\s(?:per|a|an|/)\s?(?:seat|user|month|year|head|licen[cs]e|rep|agent))*"
_MONEY = re.compile(
    r"[$€£]\s?\d[\d,.]*\s?(?:k|m|million|thousand)?"
    + _PER
    + r"|(?<![\w])(?:"
    + _NUMBER_WORDS
    + r"[- ]){0,5}"
    + _NUMBER_WORDS
    + r"\s?(?:dollars|usd|euros?|bucks|pounds)"
    + _PER
    + r"|(?<![\w])(?:"
    + _NUMBER_WORDS
    + r"[- ]){0,3}"
    + _NUMBER_WORDS
    + r"\s?(?:percent|%)(?: (?:off|discount))?",
    re.IGNORECASE,
)
_INTERROGATIVE = re.compile(
    r"^(who|what|when|where|why|how|which|is|are|do|does|did|can|could|would|will|should"
    r"|have|has|any|shall)\b",
    re.IGNORECASE,
)
_TAGS = frozenset({"right", "okay", "ok", "yeah", "you know", "huh", "correct", "no", "sorry"})


@dataclass(frozen=True)
class Sentence:
    turn: Turn
    text: str
    start: float  # estimated: the turn's start plus the sentence's share of the turn


def sentences_of(turns: list[Turn]) -> Iterator[Sentence]:
    for turn in turns:
        offset = 0
        length = max(1, len(turn.text))
        for text in split_sentences(turn.text):
            found = turn.text.find(text[:20], offset)
            offset = found if found >= 0 else offset
            yield Sentence(turn, text, turn.start + turn.seconds * offset / length)


def is_question(sentence: str, *, punctuated: bool = True) -> bool:
    """A sentence that asks something: ends with "?" (tag questions such as "right?" aside).

    In a transcript without punctuation (``punctuated`` false) a sentence that opens like a
    question ("how many seats do you need") counts too.
    """
    text = sentence.strip()
    bare = " ".join(words(text))
    if bare in _TAGS or len(bare.split()) < 3:
        return False
    if text.endswith("?"):
        return True
    return not punctuated and bool(_INTERROGATIVE.match(text))


def extract_insights(
    call: CallTurns,
    settings: InsightSettings,
    *,
    said_on: Callable[[float], date],
    owner_name: str,
) -> dict[str, Any]:
    """Every insight of the call; ``said_on`` gives the local date at an offset (seconds)."""
    sentences = list(sentences_of(call.turns))
    punctuated = any(re.search(r"[.?!]", turn.text) for turn in call.turns)
    found: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    for sentence in sentences:
        if is_question(sentence.text, punctuated=punctuated):
            found["questions"].append(cite(sentence, asked_by=sentence.turn.speaker))
        if _PRICING.search(sentence.text):
            found["pricing"].append(cite(sentence, amounts=_amounts(sentence.text)))
        if not sentence.turn.internal:  # objections are the customer's (all, sides unknown)
            for category, phrase in objections_in(sentence.text):
                found["objections"].append(cite(sentence, category=category, phrase=phrase))
        commitment = commitment_in(sentence.text)
        if commitment is not None:
            owner = _owner(commitment, sentence.turn, call.turns, owner_name)
            found["next_steps"].append(_next_step(sentence, commitment, owner, said_on))
    found["competitors"] = _mentions(sentences, settings.competitors, settings)
    found["products"] = _mentions(sentences, settings.products, settings)
    found["trackers"] = _tracker_mentions(sentences, settings)
    return {**found, "moments": _moments(found)}


def cite(sentence: Sentence, **extra: Any) -> dict[str, Any]:
    turn = sentence.turn
    return {
        "speaker": turn.speaker,
        "internal": turn.internal,
        "company": turn.company,
        "position": turn.position,
        "start": round(sentence.start, 3),
        "quote": sentence.text,
        **extra,
    }


def _amounts(text: str) -> list[str]:
    found = (" ".join(match.group(0).split()) for match in _MONEY.finditer(text))
    # "a" and "and" are number words ("a hundred", "one hundred and twenty") but not on their own
    return [re.sub(r"^(?:(?:a|and)\s+)+", "", amount, flags=re.IGNORECASE) for amount in found]


def _owner(commitment: Commitment, turn: Turn, turns: list[Turn], owner_name: str) -> str:
    if commitment.owner_kind == "speaker":
        return turn.speaker
    if commitment.owner_kind == "named" and commitment.named:
        return _full_name(commitment.named, turns)
    if commitment.owner_kind == "other_side":
        if turn.internal:
            return _main_speaker(turns, internal=False) or "the customer"
        return owner_name or _main_speaker(turns, internal=True) or "the rep"
    return "both sides"


def _full_name(first: str, turns: list[Turn]) -> str:
    for turn in turns:
        if turn.speaker.lower().split(" ")[0] == first.lower():
            return turn.speaker
    return first


def _main_speaker(turns: list[Turn], *, internal: bool) -> str | None:
    talk: dict[str, float] = {}
    for turn in turns:
        if turn.internal == internal:
            talk[turn.speaker] = talk.get(turn.speaker, 0.0) + turn.seconds
    return max(talk, key=lambda name: talk[name]) if talk else None


def _next_step(
    sentence: Sentence, commitment: Commitment, owner: str, said_on: Callable[[float], date]
) -> dict[str, Any]:
    due = read_due_date(sentence.text, said_on(sentence.start))
    return cite(
        sentence,
        owner=owner,
        owner_kind=commitment.owner_kind,
        due=due.day.isoformat() if due else None,
        due_text=due.phrase if due else None,
    )


def _mentions(
    sentences: list[Sentence], names: tuple[str, ...], settings: InsightSettings
) -> list[dict[str, Any]]:
    found = []
    for sentence in sentences:
        for name in names:
            for term in (name, *settings.aliases.get(name, ())):
                match = next(find_term(sentence.text, term), None)
                if match is not None:
                    found.append(cite(sentence, term=name, matched=match.group(0)))
                    break  # one mention per name per sentence, whichever alias said it
    return found


def _tracker_mentions(sentences: list[Sentence], settings: InsightSettings) -> list[dict[str, Any]]:
    found = []
    for sentence in sentences:
        for tracker in settings.trackers:
            for keyword in tracker.keywords:
                match = next(find_term(sentence.text, keyword), None)
                if match is not None:
                    found.append(
                        cite(sentence, tracker=tracker.name, term=keyword, matched=match.group(0))
                    )
    return found


def _moments(found: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    def count(items: list[dict[str, Any]], key: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for item in items:
            counts[item[key]] = counts.get(item[key], 0) + 1
        return counts

    trackers: dict[str, dict[str, int]] = {}
    for item in found["trackers"]:
        terms = trackers.setdefault(item["tracker"], {})
        terms[item["term"]] = terms.get(item["term"], 0) + 1
    return {
        "competitors": count(found["competitors"], "term"),
        "products": count(found["products"], "term"),
        "objections": count(found["objections"], "category"),
        "trackers": trackers,
        "next_steps": len(found["next_steps"]),
        "pricing": len(found["pricing"]),
        "questions": len(found["questions"]),
    }
