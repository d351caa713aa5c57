"""One call as text for the terminal (`salesbot calls show ID`).

The analysis is read as stored (knowledge.analysis writes it); items that carry a quote are
shown as ``[mm:ss] Speaker: quote`` so every claim can be found in the transcript.
"""

from __future__ import annotations

from typing import Any

from knowledge.models import Call, CallParticipant

QUOTES_PER_INSIGHT = 3


def render_call(call: Call, *, excerpt_turns: int = 12) -> str:
    lines = [f"Call {call.id}: {call.title}"]
    lines.append(f"  Started {call.started_at:%Y-%m-%d %H:%M} UTC, {clock(call.duration_seconds)}"
                 f" long, from {call.source_name} ({call.source_kind})")
    lines.append(f"  Owner: {call.owner.name} <{call.owner.email}>")
    lines.append(f"  Account: {call.account.name if call.account else '-'}")
    lines.append("Participants:")
    lines.extend(f"  {participant_line(p)}" for p in call.participants)
    analysis = call.analysis
    if analysis is None:
        lines.append("Not analysed yet.")
    else:
        lines.extend(_summary_lines(analysis.summary or {}))
        lines.extend(_insight_lines(analysis.insights or {}))
        lines.extend(_stats_lines(analysis.stats or {}))
    shown = call.segments[:excerpt_turns]
    lines.append(f"Transcript ({len(shown)} of {len(call.segments)} turns):")
    lines.extend(f"  [{clock(s.start)}] {s.speaker}: {s.text}" for s in shown)
    return "\n".join(lines)


def clock(seconds: float) -> str:
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes = f"{rest // 60:02d}:{rest % 60:02d}"
    return f"{hours}:{minutes}" if hours else minutes


def participant_line(participant: CallParticipant) -> str:
    email = f" <{participant.email}>" if participant.email else ""
    record = ("user" if participant.user_id else "contact" if participant.contact_id
              else "lead" if participant.lead_id else "not matched")
    side = "internal" if participant.internal else "external"
    return f"{participant.name}{email} ({side}, {record})"


def quoted(item: Any) -> str:
    if not isinstance(item, dict):
        return str(item)
    start = item.get("start")
    at = f"[{clock(float(start))}] " if isinstance(start, (int, float)) else ""
    speaker = f"{item['speaker']}: " if item.get("speaker") else ""
    text = item.get("quote") or item.get("text") or ""
    extra = []
    if item.get("owner"):
        extra.append(f"owner: {item['owner']}")
    if item.get("due"):
        extra.append(f"due {item['due']}")
    return f"{at}{speaker}{text}" + (f" ({', '.join(extra)})" if extra else "")


def _summary_lines(summary: dict[str, Any]) -> list[str]:
    lines = []
    impression = summary.get("customer_impression")
    if isinstance(impression, dict):
        evidence = impression.get("evidence") or []
        lines.append(f"Customer impression: {impression.get('label', '-')}")
        lines.extend(f"  {quoted(item)}" for item in evidence[:QUOTES_PER_INSIGHT])
    elif impression:
        lines.append(f"Customer impression: {impression}")
    for key, heading in (("summary", "Summary"), ("next_steps", "Next steps")):
        value = summary.get(key)
        if not value:
            continue
        lines.append(f"{heading}:")
        items = value if isinstance(value, list) else [value]
        lines.extend(f"  - {quoted(item)}" for item in items)
    return lines


def _insight_lines(insights: dict[str, Any]) -> list[str]:
    lines = ["Insights:"] if insights else []
    for kind, items in insights.items():
        if kind == "next_steps" or not items:
            continue  # already under Next steps
        heading = kind.replace("_", " ").capitalize()
        if isinstance(items, dict):  # counts: {"competitors": {"Gong": 6}, ...}
            counted = [f"{name}: " + ", ".join(f"{term} {n}" for term, n in found.items())
                       for name, found in items.items() if isinstance(found, dict) and found]
            if counted:
                lines.append(f"  {heading}: " + "; ".join(counted))
            continue
        terms = sorted({str(item.get("term") or item.get("category")) for item in items
                        if isinstance(item, dict) and (item.get("term") or item.get("category"))})
        named = f": {', '.join(terms)}" if terms else ""
        lines.append(f"  {heading} ({len(items)}){named}")
        lines.extend(f"    {quoted(item)}" for item in items[:QUOTES_PER_INSIGHT])
    return lines


def _stats_lines(stats: dict[str, Any]) -> list[str]:
    lines = []
    ratio = stats.get("talk_ratio")
    if isinstance(ratio, dict) and ratio.get("text"):
        lines.append(f"Talk/listen: {ratio['text']} (our side / theirs)")
    for key, label in (("longest_monologue", "Longest monologue"),
                       ("longest_customer_story", "Longest customer story")):
        value = stats.get(key)
        if isinstance(value, dict):
            seconds = value.get("seconds") or value.get("duration") or 0
            who = f" by {value['speaker']}" if value.get("speaker") else ""
            start = value.get("start")
            at = f" at {clock(float(start))}" if isinstance(start, (int, float)) else ""
            lines.append(f"{label}: {clock(float(seconds))}{who}{at}")
    if stats.get("question_count") is not None:
        lines.append(f"Questions asked: {stats['question_count']}")
    return lines
