"""A question being answered: who asks, which calls it selected, and how answers word things.

Every answer module reads the question through ``Asked``: the asker's scope, the calls chosen
from the question (already inside that scope), the asker's time zone for dates, and the stored
analysis of each call (computed once, on first need, by ``knowledge.analysis``).

"Not found" is always worded from the asker's side ("I couldn't find that in your calls"): it
never says whether some call outside the scope would have answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from knowledge.analysis import analyse_call
from knowledge.call_scope import Scope
from knowledge.call_selection import CallQuery
from knowledge.citations import Answer, call_date
from knowledge.models import Call
from knowledge.settings import KnowledgeSettings


@dataclass
class Asked:
    session: Session
    question: str
    scope: Scope
    query: CallQuery
    calls: list[Call]  # in scope, most recent first
    settings: KnowledgeSettings
    now: datetime

    @property
    def timezone(self) -> str:
        return self.scope.user.timezone or "UTC"

    def analysis(self, call: Call) -> dict[str, Any]:
        """The call's stored analysis as one mapping: insights, stats and summary."""
        stored = analyse_call(self.session, call, self.settings)
        return {"insights": stored.insights, "stats": stored.stats, "summary": stored.summary}

    def date(self, call: Call) -> str:
        return call_date(call.started_at, self.timezone, self.now)

    def call_name(self, call: Call) -> str:
        return f"'{call.title}' ({self.date(call)})"

    @property
    def where(self) -> str:
        """Where the answer looked: "on 'Globex discovery call' (Nov 18)", "in your calls with
        Globex this week"."""
        if len(self.calls) == 1 and (self.query.latest or self.query.narrowed):
            return f"on {self.call_name(self.calls[0])}"
        return f"in {self.calls_described}"

    @property
    def calls_described(self) -> str:
        """ "your calls with Globex this week", "your team's calls by Sam Patel" """
        query = self.query
        phrase = "your calls" if query.mine else self.scope.calls_phrase
        names = [account.name for account in query.accounts]
        names += [name.title() for name in query.people]
        if names:
            phrase += " with " + " and ".join(names)
        if query.owners:
            phrase += " by " + " and ".join(user.name for user in query.owners)
        if query.period is not None:
            phrase += f" {query.period.phrase}"
        return phrase

    def not_found(self, what: str = "that", kind: str = "search") -> Answer:
        return Answer(
            text=f"I couldn't find {what} {self.where}.",
            found=False,
            call_ids=[call.id for call in self.calls],
            kind=kind,
        )


def nothing_selected(scope: Scope, kind: str) -> Answer:
    """No call in scope matches the question: said the same way whatever the reason."""
    return Answer(text=f"I couldn't find that in {scope.calls_phrase}.", found=False, kind=kind)
