"""A call's stored summary, written out for chat: customer impression, summary, next steps.

The header names the call (title, date, length, who from the customer's side); every line below
carries its source (speaker and mm:ss in that call), so each statement can be checked. When an
LLM is configured its summary (made once per call, from the call's turns only, with the turns
it cites) is shown; otherwise, or when the model fails, the extractive one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from knowledge.analysis import analyse_call
from knowledge.asking import Asked
from knowledge.citations import Answer, Citation, cite_item
from knowledge.llm import ChatModel, llm_summary
from knowledge.models import Call
from knowledge.text import clock, duration, shorten


def summary_answer(asked: Asked, calls: list[Call], llm: ChatModel | None) -> Answer:
    texts, citations = [], []
    for call in calls:
        stored = analyse_call(asked.session, call, asked.settings)
        summary = dict(stored.summary)
        if llm is not None and "llm" not in summary:
            written = llm_summary(call, llm)
            if written is not None:
                summary["llm"] = written
                stored.summary = summary  # a new dict, so the JSON column is saved
        text, cited = _llm_text(asked, call, summary) or _extractive_text(asked, call, summary)
        texts.append(text)
        citations.extend(cited)
    return Answer("\n\n".join(texts), citations, True, [call.id for call in calls], "summary")


def _header(asked: Asked, call: Call) -> str:
    customers = [p.name for p in call.participants if not p.internal][:3]
    company = f" ({call.account.name})" if call.account is not None else ""
    people = f" with {', '.join(customers)}{company}" if customers else company
    length = duration(call.duration_seconds or 0)
    return f"Summary of {asked.call_name(call)}, {length}{',' if people else ''}{people}"


def _source(item: dict[str, Any]) -> str:
    who = f"{item['speaker']} ({item['company']})" if item.get("company") else item["speaker"]
    return f"{who}, {clock(float(item['start']))}"


def _extractive_text(
    asked: Asked, call: Call, summary: dict[str, Any]
) -> tuple[str, list[Citation]]:
    impression = summary.get("customer_impression") or {}
    evidence = impression.get("evidence") or []
    label = str(impression.get("label", "neutral")).capitalize()
    lines = [_header(asked, call), ""]
    if evidence:
        first = evidence[0]
        lines.append(
            f"Customer impression: {label} \u2014 \u201c{shorten(first['quote'], 200)}\u201d "
            f"({_source(first)})"
        )
    else:
        lines.append(f"Customer impression: {label} (nothing the customer said leaned either way)")
    lines += ["", "Summary:"]
    lines += [f"\u2022 {shorten(i['quote'], 240)} ({_source(i)})" for i in summary["summary"]]
    lines += ["", "Next steps:"]
    steps = summary.get("next_steps") or []
    lines += [_step(step) for step in steps] or ["\u2022 None were agreed on this call."]
    items = [*evidence[:1], *summary["summary"], *steps]
    return "\n".join(lines), [cite_item(call, item) for item in items]


def _step(step: dict[str, Any]) -> str:
    due = ""
    if step.get("due"):
        day = date.fromisoformat(step["due"])
        due = f", due {day:%a}, {day:%b} {day.day}"
    owner = step["owner"][:1].upper() + step["owner"][1:]
    return f"\u2022 {owner}{due}: {shorten(step['quote'], 200)} ({_source(step)})"


def _llm_text(
    asked: Asked, call: Call, summary: dict[str, Any]
) -> tuple[str, list[Citation]] | None:
    written = summary.get("llm")
    if not written:
        return None
    citations = [cite_item(call, item) for item in written["citations"]]
    sources = [
        f"[{n}] {c.speaker}{f' ({c.company})' if c.company else ''}, {clock(c.start)}"
        for n, c in enumerate(citations, start=1)
    ]
    text = "\n".join([_header(asked, call), "", written["text"], "", "Sources:", *sources])
    return text, citations
