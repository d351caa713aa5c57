"""Objections a customer raises, classified as the incumbent does: budget, authority, need, timing.

Phrase rules, read sentence by sentence from the customer's side only (a rep saying "I know
budgets are tight" is not an objection). A phrase preceded closely by a negation is dismissed:
"it's not too expensive", "I don't think timing is an issue", "no budget concerns". Phrases that
carry their own negation ("we don't have the budget", "not this quarter") are written into the
rule itself, so only a negation *before* the phrase flips it.
"""

from __future__ import annotations

import re

from knowledge.text import CLAUSE_BREAK, straight, words

CATEGORIES = ("budget", "authority", "need", "timing")

_RULES: dict[str, list[str]] = {
    "budget": [
        r"too (expensive|pricey|costly|much)",
        r"(pretty|really|very|quite|a bit|a little|kind of|kinda) (expensive|pricey|steep)",
        r"(over|above|exceeds?|outside( of)?|blow(s|ing)?) (our |the |my )?budget",
        r"(no|don't have (the |a |any )?|do not have (the |a |any )?|haven't got (the |a )?)"
        r"budget",
        r"(can't|cannot|can not|couldn't) afford",
        r"budget (is|'s|was) (tight|limited|frozen|gone|spent|allocated|already)",
        r"budget (freeze|cuts?|constraints?|concerns?)",
        r"(price|pricing|cost|budget) (is|'s|seems|looks|feels|will be) (high|steep|a lot"
        r"|(a|an|our) (big |real |major )?(concern|problem|issue|constraint|blocker))",
        r"(cheaper|lower[- ]priced) (option|alternative|tool|vendor)",
        r"out of (our|my) price range",
        r"hard to justify the (cost|price|spend)",
    ],
    "authority": [
        r"(run|check) (this|it|that) (by|with|past) (my|our|the)",
        r"(need|needs|have to|has to|would need|'d need|got to) (to )?(get |have )?"
        r"(sign[- ]?off|approval|buy[- ]in|a green light|the ok|the okay)",
        r"(not|isn't|is not) (my|our) (decision|call)",
        r"(not|i'm not) the (decision[- ]maker|one who decides|final say)",
        r"(final say|final decision|signs? off|sign the contract) (is|lies|rests|sits) with",
        r"(my|our|the) (boss|vp|cfo|ceo|cto|cio|manager|director|board|procurement|legal"
        r"|finance team|head of \w+) (has to|have to|needs? to|will (need|want) to"
        r"|would (need|want) to|must) (approve|sign|sign off|weigh in|see|review|agree|okay|ok)",
        r"(my|our|the) (boss|vp|cfo|ceo|cto|manager|director|board) (makes|decides|owns) the"
        r" (call|decision)",
        r"(loop|bring) in (my|our|the) (boss|vp|cfo|ceo|cto|manager|director|team|legal"
        r"|procurement|finance)",
        r"(i'd|i would|i'll|i will) have to (ask|check with|talk to|get)",
        r"above my pay grade",
    ],
    "need": [
        r"(don't|do not|doesn't|does not) (really )?(need|see the (need|value)|have a need)",
        r"(no|not much|little) (real )?(need|use case|interest)"
        r" (for|in|on our (end|side)|here|at the moment|right now|\.|$)",
        r"(not|isn't|is not|aren't|are not) (really )?(interested|a priority|a fit|relevant"
        r"|a problem for us|something we need)",
        r"(we|i) already (have|use|built|bought|pay for) (something|a tool|a solution|our own"
        r"|an? in-?house|\w+ for (that|this))",
        r"(happy|fine|satisfied|good) with (our|what we have|the current|our current)",
        r"(works|working) (fine|well|just fine) for us",
        r"not sure (we|i) (need|see)",
        r"(nice to have|not a must[- ]have)",
    ],
    "timing": [
        r"not (this|right) (quarter|year|month|now)",
        r"(maybe|probably|not until|wait (until|till)|push(ed)? (it |this )?(out )?(to|until|into)"
        r"|look at (it|this) (again )?(in)?) (the )?(next|following) (quarter|year|fiscal year"
        r"|budget cycle)",
        r"maybe (in )?q[1-4]",
        r"(not|isn't|is not) (the )?(right|best|good) time",
        r"(bad|poor|tough|terrible) timing",
        r"timing (is|'s) (not right|off|bad|tough|tricky|an issue|a problem)",
        r"(too busy|swamped|slammed|stretched thin) (right now|at the moment|this quarter|until)",
        r"(revisit|circle back|reconnect|come back to) (this |it )?(in|next|after|later)",
        r"hold off( on)?",
        r"(after|until) (the |our )?(renewal|budget cycle|fiscal year|re-?org|migration|launch)",
        r"(contract|agreement) (with \w+ )?(runs|is locked in|lasts|renews) (until|through|for)",
        r"(locked|tied) (in|into) (a |our )?(contract|agreement)",
    ],
}
_PATTERNS = {
    category: [re.compile(r"(?<![\w'])" + rule + r"(?![\w'])", re.IGNORECASE) for rule in rules]
    for category, rules in _RULES.items()
}
NEGATIONS = frozenset(
    {"not", "no", "never", "don't", "doesn't", "isn't", "aren't", "wasn't", "won't", "without",
     "hardly", "nothing", "none", "didn't", "wouldn't", "shouldn't"}
)  # fmt: skip
NEGATION_WINDOW = 4  # words before a phrase that can negate it


def objections_in(sentence: str) -> list[tuple[str, str]]:
    """(category, matched phrase) for each category ``sentence`` raises, once per category."""
    text = straight(sentence)
    found: list[tuple[str, str]] = []
    for category, patterns in _PATTERNS.items():
        for pattern in patterns:
            match = next((m for m in pattern.finditer(text) if not _negated(text, m.start())), None)
            if match is not None:
                found.append((category, match.group(0)))
                break
    return found


def _negated(text: str, start: int) -> bool:
    # Only the phrase's own clause: in "we can't, it's too expensive" the "can't" is not about
    # the price.
    clause = CLAUSE_BREAK.split(text[:start])[-1]
    before = words(clause)[-NEGATION_WINDOW:]
    return any(word in NEGATIONS or word.endswith("n't") for word in before)
