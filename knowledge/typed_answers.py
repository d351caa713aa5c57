"""Answers from the stored insights: mentions, objections, next steps, pricing, questions, stats.

These are exact where retrieval would only be likely: every mention of Gong in the selected
calls is in the stored competitor mentions, with its moment. The answer states counts and quotes
the mentions with their citations (at most ``MAX_QUOTES``, spread over the calls and terms).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from knowledge.asking import Asked
from knowledge.citations import Answer, Citation, cite_item, speaker_company
from knowledge.models import Call
from knowledge.question_kinds import QuestionKind
from knowledge.text import clock, duration, find_term, shorten

MAX_QUOTES = 6
_THEY = re.compile(r"\b(?:they|them|their|customers?|clients?|prospects?)\b", re.IGNORECASE)
_FIRST_PERSON = re.compile(r"\b(?:did|do|have) (?:i|we)\b|\bmy questions\b", re.IGNORECASE)
Items = list[tuple[Call, dict[str, Any]]]


def insight_answer(asked: Asked, kind: QuestionKind) -> Answer:
    if kind.kind == "stats":
        return stats_answer(asked)
    if kind.kind == "mention":
        return mention_answer(asked, kind.terms[0])
    items = _filtered(asked, kind, _items(asked, kind.kind))
    if not items:
        return asked.not_found(_missing(kind), kind=kind.kind)
    header = _HEADERS[kind.kind](asked, kind, items)
    chosen = _spread(items, key=_spread_key(kind.kind))
    lines = [header, *(f"\u2022 {_line(asked, kind.kind, call, item)}" for call, item in chosen)]
    return Answer(
        text="\n".join(lines),
        citations=[cite_item(call, item) for call, item in chosen],
        call_ids=sorted({call.id for call, _ in items}),
        kind=kind.kind,
    )


def _items(asked: Asked, kind: str) -> Items:
    store = "trackers" if kind == "trackers" else kind
    return [
        (call, item)
        for call in sorted(asked.calls, key=lambda c: c.started_at)
        for item in asked.analysis(call)["insights"].get(store, [])
    ]


def _filtered(asked: Asked, kind: QuestionKind, items: Items) -> Items:
    if kind.kind in ("competitors", "products") and kind.terms:
        items = [(c, i) for c, i in items if i["term"] in kind.terms]
    if kind.kind == "trackers" and kind.terms:
        field = "tracker" if kind.category == "tracker" else "term"
        items = [(c, i) for c, i in items if i[field] in kind.terms]
    if kind.kind == "objections" and kind.category:
        items = [(c, i) for c, i in items if i["category"] == kind.category]
    if _customer_asked(asked, kind.kind):
        # "what did they ask / say": the customer's words, the rep's only if there are none.
        external = [(c, i) for c, i in items if not i["internal"]]
        items = external or items
    return items


def _customer_asked(asked: Asked, kind: str) -> bool:
    if _FIRST_PERSON.search(asked.question) or kind in ("objections", "next_steps"):
        return False
    if kind in ("questions", "pricing"):
        return True
    said = re.search(r"\b(?:say|said|tell|told|think|ask|asked|feel)\b", asked.question, re.I)
    return bool(said) and bool(
        _THEY.search(asked.question) or asked.query.accounts or asked.query.people
    )


def _missing(kind: QuestionKind) -> str:
    if kind.terms:
        return "any mention of " + " or ".join(kind.terms)
    return {
        "competitors": "any competitor mentions",
        "products": "any product mentions",
        "objections": f"any {kind.category + ' ' if kind.category else ''}objections",
        "next_steps": "any next steps",
        "pricing": "any pricing discussion",
        "questions": "any questions from the customer",
        "trackers": "any tracked keywords",
    }.get(kind.kind, "that")


def _counts(items: Items, field: str) -> str:
    counts: dict[str, tuple[int, set[int]]] = {}
    for call, item in items:
        mentions, calls = counts.get(item[field], (0, set()))
        counts[item[field]] = (mentions + 1, calls | {call.id})
    ordered = sorted(counts.items(), key=lambda entry: -entry[1][0])
    return ", ".join(
        f"{term} ({_plural(n, 'mention')}"
        + (f" in {_plural(len(calls), 'call')})" if len(calls) > 1 else ")")
        for term, (n, calls) in ordered
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _mentions_header(asked: Asked, kind: QuestionKind, items: Items) -> str:
    field = "tracker" if kind.kind == "trackers" and kind.category == "tracker" else "term"
    label = {"competitors": "Competitors", "products": "Products"}.get(kind.kind, "Mentions")
    if kind.terms:
        calls = len({call.id for call, _ in items})
        return (
            f"Yes: {' and '.join(kind.terms)} came up {_plural(len(items), 'time')} "
            f"in {_plural(calls, 'call')} {asked.where}."
        )
    return f"{label} mentioned {asked.where}: {_counts(items, field)}."


def _objections_header(asked: Asked, kind: QuestionKind, items: Items) -> str:
    return f"Objections {asked.where}: {_counts(items, 'category')}."


def _simple_header(title: str) -> Any:
    def header(asked: Asked, kind: QuestionKind, items: Items) -> str:
        return f"{title} {asked.where}:"

    return header


_HEADERS = {
    "competitors": _mentions_header,
    "products": _mentions_header,
    "trackers": _mentions_header,
    "objections": _objections_header,
    "next_steps": _simple_header("Next steps"),
    "pricing": _simple_header("What was said about pricing"),
    "questions": _simple_header("Questions asked"),
}


def _spread_key(kind: str) -> str:
    return {"objections": "category", "next_steps": "position"}.get(kind, "term")


def _spread(items: Items, key: str) -> Items:
    """At most ``MAX_QUOTES`` items, first one per (call, key) so every call and term shows."""
    seen: set[tuple[int, Any]] = set()
    first: Items = []
    rest: Items = []
    for call, item in items:
        marker = (call.id, item.get(key))
        (rest if marker in seen else first).append((call, item))
        seen.add(marker)
    chosen = (first + rest)[:MAX_QUOTES]
    order = {id(item): index for index, (_, item) in enumerate(items)}
    return sorted(chosen, key=lambda pair: order[id(pair[1])])


def _line(asked: Asked, kind: str, call: Call, item: dict[str, Any]) -> str:
    cited = cite_item(call, item).render(asked.timezone, asked.now)
    if kind == "objections":
        return f"{item['category'].capitalize()}: {cited}"
    if kind == "next_steps":
        due = f", due {_day(item['due'])}" if item.get("due") else ""
        return f"{_owner(item['owner'])}{due}: {cited}"
    if kind == "pricing" and item.get("amounts"):
        return f"{cited} [{', '.join(item['amounts'])}]"
    return cited


def _owner(owner: str) -> str:
    return owner[:1].upper() + owner[1:]


def _day(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{day:%a}, {day:%b} {day.day}"


def mention_answer(asked: Asked, words: str) -> Answer:
    """A literal, whole-word search of the selected calls' transcripts."""
    found: list[Citation] = []
    for call in sorted(asked.calls, key=lambda c: c.started_at):
        for segment in call.segments:
            if next(find_term(segment.text, words), None):
                found.append(_segment_citation(call, segment.position, words))
    if not found:
        return asked.not_found(f"any mention of {words}", kind="mention")
    calls = {citation.call_id for citation in found}
    lines = [
        f"Yes: \u201c{words}\u201d came up {_plural(len(found), 'time')} in "
        f"{_plural(len(calls), 'call')} {asked.where}.",
        *(f"\u2022 {c.render(asked.timezone, asked.now)}" for c in found[:MAX_QUOTES]),
    ]
    return Answer("\n".join(lines), found[:MAX_QUOTES], True, sorted(calls), "mention")


def _segment_citation(call: Call, position: int, words: str) -> Citation:
    segment = next(s for s in call.segments if s.position == position)
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", segment.text) if s]
    quote = next((s for s in sentences if next(find_term(s, words), None)), segment.text)
    return Citation(call.id, call.title, call.started_at, segment.speaker,
                    speaker_company(call, segment), segment.start, position, quote)  # fmt: skip


def stats_answer(asked: Asked) -> Answer:
    calls = asked.calls[:3]
    lines: list[str] = []
    citations: list[Citation] = []
    for call in calls:
        stats = asked.analysis(call)["stats"]
        lines.append(f"{asked.call_name(call)}: {_stats_line(stats)}")
        citations.extend(_stats_citations(call, stats))
    return Answer("\n".join(lines), citations, True, [c.id for c in calls], "stats")


def _stats_line(stats: dict[str, Any]) -> str:
    parts = []
    ratio = stats.get("talk_ratio")
    if ratio:
        parts.append(f"talk/listen {ratio['text']} (our side talked {ratio['talk']}%)")
    else:
        parts.append("talk/listen unknown (the speakers' sides are not known)")
    for key, label in (("longest_monologue", "longest monologue"),
                       ("longest_customer_story", "longest customer story")):  # fmt: skip
        stretch = stats.get(key)
        if stretch:
            parts.append(
                f"{label}: {stretch['speaker']}, {duration(stretch['seconds'])} "
                f"from {clock(stretch['start'])}"
            )
    parts.append(_plural(int(stats.get("question_count", 0)), "question"))
    return "; ".join(parts) + "."


def _stats_citations(call: Call, stats: dict[str, Any]) -> Iterable[Citation]:
    for key in ("longest_monologue", "longest_customer_story"):
        stretch = stats.get(key)
        if not stretch:
            continue
        segment = next((s for s in call.segments if s.position == stretch["first_position"]), None)
        if segment is not None:
            yield Citation(call.id, call.title, call.started_at, segment.speaker,
                           speaker_company(call, segment), segment.start, segment.position,
                           shorten(segment.text, 200))  # fmt: skip
