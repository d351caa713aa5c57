"""Next steps: the commitments, requests and plans a call ends with, with owner and due date.

A sentence is a next step when it commits someone to an action ("I'll send the quote", "Ana
will loop in legal"), proposes a joint one ("let's meet next Tuesday", "the next step is a
demo"), or asks the other side for one ("can you send me a quote by Friday?"). The owner is:

- the speaker, for "I'll / I will / I'm going to / let me";
- the speaker's side, for "we'll / we will" (said as the speaker, since "we" is their company);
- a named person, for "<Name> will / is going to ..." where the name is capitalised and not a
  pronoun, day, month or sentence opener ("Hank will send the terms", "Legal will review");
- the other side, for requests ("can you / could you / please ... send", or an imperative "Send
  me the business case"): the call owner when a customer asks, the customer's speaker when the
  rep asks;
- both sides ("everyone") for "let's ...".

A sentence that is negated ("I won't be able to send it") matches none of the forms. The due
date is read by ``knowledge.due_dates`` relative to when the sentence was said.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

from knowledge.text import straight

_ACTIONS = (
    r"send|share|email|forward|follow up|follow-up|circle back|get back|schedule|set up|book"
    r"|put together|draft|prepare|write up|loop in|introduce|connect|reach out|call|check"
    r"|review|confirm|sign|get you|get that|get the|get it|look into|dig into|sync|meet"
    r"|talk|demo|run|walk|provide|update|revise|finalize|finalise|ping|invite|arrange"
    r"|coordinate|start|kick off|pull together|put|come back|reconnect|touch base|present"
    r"|pilot|trial|test|try|bring|ask|find out|figure out|work on|organize|organise"
)
_SELF = re.compile(
    r"\b(i'll|i will|i'm going to|i am going to|i can|let me|i'll go ahead and|i'd be happy to"
    r"|i'm gonna|i shall|i'll make sure to)\s+(?:\w+\s+){0,2}?(?:" + _ACTIONS + r")\b",
    re.IGNORECASE,
)
_WE = re.compile(
    r"\b(we'll|we will|we're going to|we are going to|we can|we're gonna|our team will)"
    r"\s+(?:\w+\s+){0,2}?(?:" + _ACTIONS + r")\b",
    re.IGNORECASE,
)
_LETS = re.compile(
    r"\b(let's|let us|shall we|why don't we|how about we|we should)\s+(?:\w+\s+){0,2}?"
    r"(?:" + _ACTIONS + r"|get (something|time|a call|a meeting) on|plan|pencil)\b",
    re.IGNORECASE,
)
# A request is a next step only for a follow-up action: "could you walk me through..." in
# discovery asks for an answer now, not for something to be done after the call.
_FOLLOW_UPS = (
    r"send|share|email|forward|introduce|loop in|set up|schedule|book|sign|review|confirm"
    r"|get back|put together|prepare|draft|check with|ask|invite|connect me|reach out|follow up"
)
_REQUEST = re.compile(
    r"\b(can you|could you|would you|will you|can you please|please|would you mind)\s+"
    r"(?:\w+\s+){0,2}?(?:" + _FOLLOW_UPS + r")\b",
    re.IGNORECASE,
)
_IMPERATIVE = re.compile(r"^(?:please |and |so |just )?(?:" + _FOLLOW_UPS + r")\b", re.IGNORECASE)
_PLAN = re.compile(
    r"\b(next steps? (is|are|would be|will be)|action items?|as a next step|the plan is"
    r"|follow[- ]up (call|meeting|email) (is|will|next|on)|send (over )?an? (invite|calendar))\b",
    re.IGNORECASE,
)
# A lookahead, so that "And Hank will send" is tried at "Hank" after "And" is turned down.
_NAMED = re.compile(
    r"(?=\b(?P<name>[A-Z][a-z]+)(?: [A-Z][a-z]+)? (?:will|is going to|is gonna)\s+"
    r"(?:\w+\s+){0,2}?(?:" + _ACTIONS + r")\b)"
)
_NOT_NAMES = frozenset(
    {"I", "We", "You", "They", "He", "She", "It", "That", "This", "Someone", "Somebody",
     "Everyone", "Who", "What", "Which", "There", "Then", "So", "And", "But", "Maybe", "Also",
     "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Today",
     "Tomorrow", "Next", "Great", "Okay", "Perfect", "Sure", "Yes", "Well", "Now", "Our",
     "Your", "My", "Their", "Nobody", "Anyone", "One", "Each", "Both"}
    | set(calendar.month_name[1:])
)  # fmt: skip
_NEGATED = re.compile(r"\b(won't|will not|can't|cannot|can not|not going to|unable to)\b", re.I)


@dataclass(frozen=True)
class Commitment:
    owner_kind: str  # "speaker" | "named" | "other_side" | "both"
    named: str | None = None


def commitment_in(sentence: str) -> Commitment | None:
    """What kind of next step ``sentence`` is, or None when it is none."""
    text = straight(sentence)
    if _NEGATED.search(text) and not _REQUEST.search(text):
        return None
    named = _named_owner(text)
    if named is not None:
        return Commitment("named", named)
    if _SELF.search(text) or _WE.search(text):
        return Commitment("speaker")
    if _REQUEST.search(text) or _IMPERATIVE.search(text.strip()):
        return Commitment("other_side")
    if _LETS.search(text) or _PLAN.search(text):
        return Commitment("both")
    return None


def _named_owner(text: str) -> str | None:
    for match in _NAMED.finditer(text):
        if match.group("name") not in _NOT_NAMES:
            return match.group("name")
    return None
