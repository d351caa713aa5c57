"""What kind of question is asked about calls, when the stored insights answer it more exactly.

"Did anyone mention Gong?" is answered from the competitor mentions found at analysis time
(every mention, whole word, with aliases), not from the five passages retrieval returns; "what
objections came up?" from the classified objections; "next steps", pricing, the customer's
questions and talk statistics likewise. Anything else is a search (``kind == "search"``), and a
"did anyone mention <words>" about words no list tracks is a literal ``mention`` search over
the transcripts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.settings import InsightSettings
from knowledge.text import find_term

OBJECTION_WORDS = {
    "budget": r"budget|price|pricing|cost|money|expensive",
    "authority": r"authority|approval|approve|decision[- ]maker|sign[- ]?off|boss",
    "need": r"need|interest|value",
    "timing": r"timing|time|timeline|quarter|later",
}
_STATS = re.compile(
    r"talk[- /]*(?:to[- ])?listen|talk(?:ing)? (?:ratio|time)|how much did (?:i|we|they) talk"
    r"|monologue|customer story|talked the most|longest",
    re.IGNORECASE,
)
_OBJECTIONS = re.compile(
    r"objections?|push ?back|pushed back|objected|concerns?|hesitations?|reservations?",
    re.IGNORECASE,
)
_NEXT_STEPS = re.compile(
    r"next steps?|action items?|follow[- ]?ups?|to[- ]?dos?|commitments?|what'?s next"
    r"|what did (?:i|we|they) (?:promise|commit|agree)|what (?:do|did) (?:i|we) owe"
    r"|agreed (?:on|to)",
    re.IGNORECASE,
)
_QUESTIONS = re.compile(
    r"what questions|which questions"
    r"|questions? (?:did|were|was) (?:they |the customer )?(?:ask|raise)"
    r"|what did (?:they|the customer|\w+) ask|any questions",
    re.IGNORECASE,
)
_PRICING = re.compile(
    r"\b(?:pric(?:e|es|ing)|costs?|discounts?|quotes?|how much|per seat|payment|invoic\w*)\b",
    re.IGNORECASE,
)
_COMPETITORS = re.compile(r"\bcompetitors?|competition|competitive\b", re.IGNORECASE)
_PRODUCTS = re.compile(r"\b(?:which|what) products?\b|\bproducts? (?:came|come|mentioned)", re.I)
_MENTION = re.compile(
    r"(?:mention(?:ed|s)?|brings? up|brought up|talk(?:ed)? about|say anything about|bring up)"
    r"\s+(?:of\s+)?(?P<after>.+)"
    r"|\b(?:was|were|is)\s+(?P<before>.+?)\s+(?:mentioned|brought up|discussed)"
    r"|\bdid\s+(?P<come>.+?)\s+come up",
    re.IGNORECASE,
)
_TRAILING = re.compile(
    r"\s+\b(?:on|in|during|with|this|last|today|yesterday|since|at|from|by|between|across|over"
    r"|lately|recently|anywhere|at all)\b.*$|[?.!]+$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class QuestionKind:
    kind: str  # competitors products trackers objections next_steps pricing questions stats
    #            mention search
    terms: tuple[str, ...] = ()  # the configured names asked about, or the literal words
    category: str | None = None  # an objection category, when one is asked about


def classify(question: str, insights: InsightSettings) -> QuestionKind:
    tracked = _tracked_terms(question, insights)
    if tracked is not None:
        return tracked
    for kind, pattern in (("stats", _STATS), ("next_steps", _NEXT_STEPS),
                          ("questions", _QUESTIONS)):  # fmt: skip
        if pattern.search(question):
            return QuestionKind(kind)
    if _OBJECTIONS.search(question):
        return QuestionKind("objections", category=_objection_category(question))
    if _COMPETITORS.search(question):
        return QuestionKind("competitors")
    if _PRODUCTS.search(question):
        return QuestionKind("products")
    if _PRICING.search(question):
        return QuestionKind("pricing")
    mentioned = mentioned_words(question)
    if mentioned:
        return QuestionKind("mention", terms=(mentioned,))
    return QuestionKind("search")


def _tracked_terms(question: str, insights: InsightSettings) -> QuestionKind | None:
    for kind, names in (("competitors", insights.competitors), ("products", insights.products)):
        asked = tuple(
            name
            for name in names
            if any(next(find_term(question, term), None) for term in _forms(name, insights))
        )
        if asked:
            return QuestionKind(kind, terms=asked)
    keywords = tuple(
        keyword
        for tracker in insights.trackers
        for keyword in tracker.keywords
        if next(find_term(question, keyword), None)
    )
    # A tracker's own name ("Security") counts only when the question is about the tracker;
    # otherwise "what did Ana say about security?" is a search, not a keyword count.
    about_trackers = re.search(r"\b(?:trackers?|keywords?)\b", question, re.IGNORECASE)
    trackers = tuple(
        t.name
        for t in insights.trackers
        if about_trackers and next(find_term(question, t.name), None)
    )
    if keywords or trackers:
        return QuestionKind("trackers", terms=keywords or trackers, category="tracker"
                            if trackers and not keywords else None)  # fmt: skip
    return None


def _forms(name: str, insights: InsightSettings) -> tuple[str, ...]:
    return (name, *insights.aliases.get(name, ()))


def _objection_category(question: str) -> str | None:
    for category, words in OBJECTION_WORDS.items():
        if re.search(r"\b(?:" + words + r")\b", question, re.IGNORECASE):
            return category
    return None


def mentioned_words(question: str) -> str | None:
    """The words a "did anyone mention X?" question asks about, without the call selection."""
    match = _MENTION.search(question)
    if not match:
        return None
    words = match.group("after") or match.group("before") or match.group("come") or ""
    words = _TRAILING.sub("", words.strip())
    words = re.sub(r"^(?:the|a|an|any|anything about)\s+", "", words, flags=re.IGNORECASE)
    return words.strip(" \"'") or None
