"""Questions about calls, summaries of calls and lists of calls, for one asking user.

Every entry point runs the same short pipeline:

1. scope first (``knowledge.call_scope``): a rep's own calls, a manager's team's, an admin's all;
2. the calls the question selects, inside the scope (``knowledge.call_selection``);
3. the answer: from the stored insights when the question is of a kind they answer exactly
   (``knowledge.typed_answers``), else by retrieval over the selected calls only
   (``knowledge.search_answers``), or by the configured LLM from the retrieved passages
   (``knowledge.llm``), falling back to retrieval when the model fails;
4. "I couldn't find that in your calls" when nothing answers with confidence; the wording never
   depends on calls outside the scope.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from knowledge.asking import Asked, nothing_selected
from knowledge.call_scope import scope_of
from knowledge.call_selection import read_call_query, select_calls
from knowledge.citations import Answer
from knowledge.llm import ChatModel, llm_answer
from knowledge.models import Call
from knowledge.question_kinds import classify
from knowledge.search_answers import Retriever, search_answer
from knowledge.settings import KnowledgeSettings
from knowledge.summary_text import summary_answer
from knowledge.text import duration
from knowledge.typed_answers import insight_answer
from sales.models import User

log = logging.getLogger(__name__)

# Kinds that read one call unless the question names more ("next steps" of the last call).
_ONE_CALL_KINDS = ("next_steps", "stats", "pricing", "questions")
LIST_LIMIT = 5
MAX_SUMMARIES = 3


def ask(
    session: Session, *, user: User, question: str, settings: KnowledgeSettings, now: datetime,
    default_latest: int | None = None, follow_up: Sequence[int] = (),
) -> Asked | None:  # fmt: skip
    """The question read against the user's scope; None when it selects no call.

    A question that names no call ("and what about pricing?") stays on the calls of the
    previous answer (``follow_up``) when there are some and they are still in scope; else it
    is about the last ``default_latest`` calls, or all of them.
    """
    scope = scope_of(session, user)
    query = read_call_query(session, scope, question, now, user.timezone or "UTC")
    open_ended = query.latest is None and not query.narrowed and not query.every
    if open_ended and follow_up:
        earlier = [call for call in select_calls(session, scope, query) if call.id in follow_up]
        if earlier:
            query.latest = len(earlier)  # so answers name the call: "on 'Globex ...' (Nov 18)"
            return Asked(session, question, scope, query, earlier, settings, now)
    if open_ended and default_latest is not None:
        query.latest = default_latest
    calls = select_calls(session, scope, query)
    if not calls:
        return None
    return Asked(session, question, scope, query, calls, settings, now)


def answer_question(
    session: Session,
    *,
    user: User,
    question: str,
    settings: KnowledgeSettings,
    now: datetime,
    index: Retriever | None = None,
    llm: ChatModel | None = None,
    follow_up: Sequence[int] = (),
) -> Answer:
    """A cited answer to ``question`` about the calls ``user`` may see.

    ``follow_up``: the calls the conversation's previous answer was about.
    """
    kind = classify(question, settings.insights)
    latest = 1 if kind.kind in _ONE_CALL_KINDS else None
    asked = ask(session, user=user, question=question, settings=settings, now=now,
                default_latest=latest, follow_up=follow_up)  # fmt: skip
    if asked is None:
        return nothing_selected(scope_of(session, user), kind.kind)
    if kind.kind != "search":
        return insight_answer(asked, kind)
    if llm is not None and index is not None:
        answer = llm_answer(asked, index, llm)
        if answer is not None:
            return answer
    return search_answer(asked, index)


def summarize(
    session: Session,
    *,
    user: User,
    question: str = "summarize my last call",
    settings: KnowledgeSettings,
    now: datetime,
    llm: ChatModel | None = None,
) -> Answer:
    """The stored summary of the call the question names (the last call by default)."""
    asked = ask(session, user=user, question=question, settings=settings, now=now,
                default_latest=1)  # fmt: skip
    if asked is None:
        return nothing_selected(scope_of(session, user), "summary")
    if asked.query.latest is None:  # "summarize my calls with Globex": the most recent ones
        asked.calls = asked.calls[:1]
    return summary_answer(asked, asked.calls[:MAX_SUMMARIES], llm)


def list_calls(
    session: Session,
    *,
    user: User,
    question: str = "my recent calls",
    settings: KnowledgeSettings,
    now: datetime,
    limit: int = LIST_LIMIT,
) -> Answer:
    """The most recent calls in scope that the question selects (account, person, period)."""
    asked = ask(session, user=user, question=question, settings=settings, now=now)
    if asked is None:
        scope = scope_of(session, user)
        return Answer(f"I couldn't find any calls in {scope.calls_phrase}.", found=False,
                      kind="list")  # fmt: skip
    shown = asked.calls[: asked.query.latest or limit]
    more = len(asked.calls) - len(shown)
    described = asked.calls_described
    lines = [f"{described[:1].upper()}{described[1:]}, most recent first:"]
    lines += [f"{n}. {_call_line(asked, call)}" for n, call in enumerate(shown, start=1)]
    if more > 0:
        lines.append(f"...and {more} more. Name an account, a person or a period to narrow it.")
    return Answer("\n".join(lines), [], True, [call.id for call in shown], "list")


def _call_line(asked: Asked, call: Call) -> str:
    customers = [p for p in call.participants if not p.internal]
    names = ", ".join(_participant(call, p) for p in customers[:3]) or "no customer identified"
    owner = "" if call.owner_id == asked.scope.user.id else f" \u2014 {call.owner.name}'s call"
    length = duration(call.duration_seconds or 0)
    return f"{asked.call_name(call)}, {length}, with {names}{owner} [call {call.id}]"


def _participant(call: Call, participant: Any) -> str:
    company = None
    if participant.contact is not None and participant.contact.account is not None:
        company = participant.contact.account.name
    elif call.account is not None:
        company = call.account.name
    return f"{participant.name} ({company})" if company else participant.name
