"""What is learnt from a call, computed once and stored: insights, talk statistics and summary.

``analyse_call`` runs after ingest (``knowledge.pipeline``) and keeps the result in
``CallAnalysis``; questions and summaries in chat read it instead of recomputing. ``VERSION``
names the rules that made it: a stored analysis of another version is recomputed the next time it
is asked for, so improving the rules improves old calls too.

Without an LLM everything here is rules and extraction (see ``insights``, ``summary`` and
``talk_stats``). With ``llm`` configured the summary is also written by the model from the call's
own sentences (``knowledge.llm``), and the extractive one stays beside it as the fallback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from knowledge.insights import extract_insights, sentences_of
from knowledge.models import Call, CallAnalysis
from knowledge.settings import KnowledgeSettings
from knowledge.summary import Embed, customer_impression, extractive_summary
from knowledge.talk_stats import talk_stats
from knowledge.turns import CallTurns, turns_of

log = logging.getLogger(__name__)

VERSION = "rules-2"
MAX_SUMMARY_NEXT_STEPS = 6
# The insights a summary sentence may carry to be weighted up (see knowledge.summary).
_SUMMARY_KINDS = ("pricing", "objections", "competitors", "products")


def analyse_call(
    session: Session,
    call: Call,
    settings: KnowledgeSettings,
    *,
    force: bool = False,
    embed: Embed | None = None,
) -> CallAnalysis:
    """The call's stored analysis, computed now if it is missing, stale or ``force``d.

    The caller commits; the analysis is added to the session and flushed.
    """
    current = call.analysis
    if current is not None and current.version == VERSION and not force:
        return current
    insights, stats, summary = compute_analysis(call, settings, embed=embed)
    if current is None:
        current = CallAnalysis(call_id=call.id, version=VERSION)
        call.analysis = current
        session.add(current)
    current.version = VERSION
    current.insights = insights
    current.stats = stats
    current.summary = summary
    session.flush()
    return current


def compute_analysis(
    call: Call, settings: KnowledgeSettings, *, embed: Embed | None = None
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """(insights, stats, summary) of ``call``, without storing anything.

    ``embed``: sentence vectors for the summary; by default MiniLM, the model the index uses
    (on QMSum it picks better sentences than TF-IDF: bench/summaries.py).
    """
    turns = turns_of(call)
    owner_name = call.owner.name if call.owner is not None else ""
    insights = extract_insights(
        turns, settings.insights, said_on=_local_dates(call), owner_name=owner_name
    )
    stats = talk_stats(turns, question_count=len(insights["questions"]))
    summary = summarise(turns, insights, embed=embed or default_embed())
    return insights, stats, summary


def default_embed() -> Embed | None:
    """MiniLM from the installed package; None (TF-IDF) where it cannot be loaded."""
    try:
        from knowledge.embeddings import embed
    except ImportError:  # pragma: no cover - a dependency of the project
        return None
    return embed


def summarise(
    turns: CallTurns, insights: dict[str, Any], *, embed: Embed | None = None
) -> dict[str, Any]:
    sentences = list(sentences_of(turns.turns))
    keys = {(item["position"], item["quote"]) for kind in _SUMMARY_KINDS for item in insights[kind]}
    objections = [(item["position"], item["quote"]) for item in insights["objections"]]
    steps = summary_next_steps(insights["next_steps"], turns.duration)
    said = {(item["position"], item["quote"]) for item in steps}
    return {
        "method": "extractive",
        "customer_impression": customer_impression(sentences, objections),
        "summary": extractive_summary(sentences, keys, embed=embed, exclude=said),
        "next_steps": steps,
    }


def summary_next_steps(steps: list[dict[str, Any]], duration: float) -> list[dict[str, Any]]:
    """The next steps worth a summary: dated ones and those agreed near the end come first."""

    def weight(item: dict[str, Any]) -> tuple[int, float]:
        late = duration > 0 and item["start"] >= duration / 2
        return (int(item["due"] is not None) + int(late), item["start"])

    unique: dict[str, dict[str, Any]] = {}
    for item in steps:
        unique.setdefault(item["quote"].lower(), item)
    best = sorted(unique.values(), key=weight, reverse=True)[:MAX_SUMMARY_NEXT_STEPS]
    return sorted(best, key=lambda item: item["start"])


def _local_dates(call: Call) -> Callable[[float], date]:
    """A function from an offset into the call (seconds) to the owner's local date then."""
    try:
        zone = ZoneInfo(call.owner.timezone if call.owner is not None else "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")

    def said_on(offset: float) -> date:
        return (call.started_at + timedelta(seconds=offset)).astimezone(zone).date()

    return said_on
