"""Reading a cadence request out of a chat message.

"enroll the Dreamforce webinar list into Q4 Outbound for Sam" names a saved list, a cadence
and an assignee; "I called Ana, left a voicemail" a target and a call result. Entities catch
some of that; the names that exist (cadences, lists, users) are spotted here against the
database's own names, typos forgiven, and what is left of the sentence (minus the verbs and
small words) are the targets: emails and names, which the cadence service resolves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
# How close a misspelt name must be to one that exists ("Q4 Outbond" -> "Q4 Outbound").
_FUZZY_CUTOFF = 88
_LIST_ANSWER = re.compile(r"^(?:the\s+)?(?P<name>.+?)\s+list$", re.IGNORECASE)
_ALL_CADENCES = re.compile(
    r"\b(?:(?:all|every|each)\s+(?:of\s+)?(?:(?:her|his|their|my|the|our|its)\s+)?"
    r"(?:cadences?|sequences?)|everywhere|everything|all of them)\b",
    re.IGNORECASE,
)
_CADENCE_WORD = r"(?:\s+(?:cadence|sequence))?"
# "... into Q9 Outbound", "... in the Q9 cadence": the name the user meant, when none exists.
_UNKNOWN_CADENCE = re.compile(
    r"\b(?:into|onto|in|on|to|from|of|for)\s+(?:the\s+)?(?P<name>[\w][\w' &-]{1,60}?)\s+"
    r"(?:cadence|sequence)\b",
    re.IGNORECASE,
)
_UNKNOWN_LIST = re.compile(
    r"\bthe\s+(?P<name>(?:[\w'&-]+\s+){0,3}[\w'&-]+)\s+list\b", re.IGNORECASE
)

# Call results, most specific first: "not interested" must not read as "interested".
CALL_RESULT_PHRASES: tuple[tuple[str, str], ...] = (
    ("disqualified", r"disqualif\w*|not a (?:good )?fit|unqualified|not qualified|wrong person"),
    ("not_interested", r"not interested|no interest|isn'?t interested|doesn'?t want|"
                       r"don'?t want|not for (?:him|her|them)"),
    ("left_voicemail", r"voice ?mail|\bvm\b|left (?:a|her|him|them) (?:message|msg)|"
                       r"no answer|didn'?t (?:pick up|answer)|did not (?:pick up|answer)"),
    ("call_back_later", r"call (?:her |him |them |me )?back|callback|call again|"
                        r"try again later|busy|later"),
    ("meaningful_connect", r"meaningful (?:connect\w*|conversation|call)|great (?:call|chat|"
                           r"conversation)|good (?:call|chat|conversation)|connected|interested"),
)

# Words that are never (part of) a target's name: verbs of the requests, pronouns, fillers.
_FILLER_WORDS = """
a about account accounts add added again all also an and any anyone are as asked assign
assigned at back be bypass by call called calls can cadence cadences change check complete
completed connect connected continue contact contacts could current delete did do does done
don't drop email emails end enrol enroll enrolled everyone for freeze from further get give go
going got had hand has have he her him his hold i i'm in into is it it's its jump just kick
lead leads let linkedin list lists log logged mark me message move my need new next no notice
now of off on onto our out over pass pause paused people person phoned pick please pull put
rang reached record reactivate reassign remove rep restart result resume resumed sequence
sequences she should sign skip so some someone spoke start started step steps stop switch
take talked task tasks that the their them these they this those tick to today touch transfer
un-enroll un-pause unenroll unpause until up us vacation wait want wants was we week with
without work works would you left sent follow-up doing how who what great good conversation
a voicemail answer interested fit msg call-back
"""
_FILLER = frozenset(_FILLER_WORDS.split())
_NAME_TOKEN = re.compile(r"[A-Za-zÀ-ÿ][\w'.-]*")


@dataclass(frozen=True)
class KnownUser:
    """A user as the text may name them: "Sam", "Sam Patel" or "sam@acme.example"."""

    email: str
    name: str


@dataclass
class Known:
    """The names that exist, to spot in a message."""

    cadences: Sequence[str] = ()
    lists: Sequence[str] = ()
    users: Sequence[KnownUser] = ()


@dataclass
class CadenceRequest:
    cadence: str | None = None  # a cadence's own name, or the name as the user typed it
    all_cadences: bool = False
    list_name: str | None = None
    assignee: str | None = None  # a user's email, or the unknown name the user typed
    call_result: str | None = None
    targets: list[str] = field(default_factory=list)

    @property
    def targets_text(self) -> str | None:
        """The targets as one slot value; the list goes first, as its own item."""
        items = ([f"list: {self.list_name}"] if self.list_name else []) + self.targets
        return ", ".join(items) if items else None


class _Text:
    """The message with the parts already understood blanked out (as separators)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def cut(self, start: int, end: int) -> None:
        self.text = f"{self.text[:start]} , {self.text[end:]}"

    def take(self, pattern: re.Pattern[str]) -> list[re.Match[str]]:
        found = list(pattern.finditer(self.text))
        for match in reversed(found):
            self.cut(match.start(), match.end())
        return found


def understand(text: str, flow: str, known: Known) -> CadenceRequest:
    """Everything ``text`` says about a cadence request of ``flow`` (a flow id)."""
    request = CadenceRequest()
    rest = _Text(text)
    emails = _EMAIL.findall(text)
    # The assignee first, while "for sam@acme.example" is still whole.
    request.assignee = _spot_assignee(rest, flow, known.users)
    rest.take(_EMAIL)
    if flow == "log_cadence_call":
        request.call_result = call_result(rest.text)
        for _, pattern in CALL_RESULT_PHRASES:
            rest.take(re.compile(rf"\b(?:{pattern})", re.IGNORECASE))
    request.all_cadences = bool(rest.take(_ALL_CADENCES))
    request.cadence = _spot_name(rest, known.cadences, suffix=_CADENCE_WORD)
    if request.cadence is None:
        unknown = _UNKNOWN_CADENCE.search(rest.text)
        if unknown:
            request.cadence = unknown["name"].strip()
            rest.cut(unknown.start(), unknown.end())
    if flow == "enroll_in_cadence":
        request.list_name = _spot_list(rest, known.lists)
    assignee = (request.assignee or "").lower()
    request.targets = [email for email in emails if email.lower() != assignee]
    request.targets += target_names(rest.text)
    return request


def call_result(text: str) -> str | None:
    """The call result a sentence describes ("left a voicemail" -> ``left_voicemail``)."""
    for result, pattern in CALL_RESULT_PHRASES:
        if re.search(rf"\b(?:{pattern})", text, re.IGNORECASE):
            return result
    return None


def split_targets(text: str) -> tuple[str | None, list[str]]:
    """A targets slot value ("list: Dreamforce webinar, ana@globex.example, Jane Roe") or a
    user's answer ("ana@globex.example and Jane Roe") as (list name, emails and names)."""
    list_name: str | None = None
    items: list[str] = []
    for part in re.split(r"\s*[,;\n]\s*|\s+and\s+|\s+&\s+", text.strip()):
        part = part.strip().strip(".")
        if not part:
            continue
        named_list = _LIST_ANSWER.match(part)
        if part.lower().startswith("list:"):
            list_name = part[5:].strip() or None
        elif named_list:  # an answer such as "the Dreamforce webinar list"
            list_name = named_list["name"]
        elif _EMAIL.fullmatch(part):
            items.append(part)
        else:
            items.extend(_EMAIL.findall(part) or target_names(part))
    return list_name, items


def target_names(text: str) -> list[str]:
    """Names left in ``text`` once the requests' verbs and small words are dropped."""
    names: list[str] = []
    for chunk in re.split(r"[,;:!?()]|\.(?:\s|$)|\band\b|&|\bwith\b", text, flags=re.IGNORECASE):
        words = [_without_possessive(word) for word in _NAME_TOKEN.findall(chunk)]
        words = [word for word in words if word.lower().rstrip(".") not in _FILLER]
        capitalised = [word for word in words if word[0].isupper()]
        # "Dana asked us to wait": in a sentence, the capitalised words are the name.
        kept = capitalised if capitalised else words
        if kept and len(kept) <= 4:
            names.append(" ".join(kept))
    return names


def _without_possessive(word: str) -> str:
    return word.removesuffix("'s").removesuffix("\u2019s")


def best_match(phrase: str, names: Iterable[str]) -> str | None:
    """The existing name ``phrase`` means: same words in any case, else a close spelling."""
    wanted = _norm(phrase)
    choices = list(names)
    for name in choices:
        if _norm(name) == wanted:
            return name
    scored = [(fuzz.ratio(wanted, _norm(name)), name) for name in choices]
    scored = [(score, name) for score, name in scored if score >= _FUZZY_CUTOFF]
    return max(scored)[1] if scored else None


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w@.]+", " ", text.casefold()).split())


def _spot_name(rest: _Text, names: Sequence[str], suffix: str = "") -> str | None:
    """The longest existing name the text mentions (its own spelling), else a misspelling of
    one as typed; cut out of ``rest``."""
    for name in sorted(names, key=len, reverse=True):
        words = r"[\s_-]+".join(re.escape(word) for word in name.split())
        match = re.search(rf"(?<![\w-])(?:the\s+)?{words}{suffix}(?![\w-])", rest.text,
                          re.IGNORECASE)
        if match:
            rest.cut(match.start(), match.end())
            return name
    best: tuple[float, str, int, int] | None = None
    lowered = rest.text.lower()
    for name in names:
        if len(name) < 4:
            continue
        found = fuzz.partial_ratio_alignment(name.lower(), lowered, score_cutoff=_FUZZY_CUTOFF)
        if found is not None and (best is None or found.score > best[0]):
            best = (found.score, name, found.dest_start, found.dest_end)
    if best is None:
        return None
    _, name, start, end = best
    start, end = _word_bounds(rest.text, start, end)
    typed = re.sub(r"^the\s+", "", rest.text[start:end].strip(), flags=re.IGNORECASE)
    rest.cut(start, end)
    # What the user typed, not the look-alike: the service resolves it, or suggests the name
    # and asks, which beats acting on a cadence the user may not have meant.
    return typed


def _word_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a fuzzy match to whole words, so no half word is left behind as a "name"."""
    while start > 0 and text[start - 1].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum():
        end += 1
    return start, end


def _spot_list(rest: _Text, lists: Sequence[str]) -> str | None:
    name = _spot_name(rest, lists, suffix=r"(?:\s+list)?")
    if name is not None:
        return name
    unknown = _UNKNOWN_LIST.search(rest.text)
    if unknown and unknown["name"].lower().split()[-1] not in _FILLER:
        rest.cut(unknown.start(), unknown.end())
        return unknown["name"].strip()
    return None


# Where an assignee is named: "for Sam", "assign them to Jane", "over to Lee", "let Jane work".
_ASSIGNEE_BEFORE = {
    "enroll_in_cadence": r"(?:\bfor|\bassign(?:ed)?\s+(?:them|it|him|her)?\s*to|\bon behalf of)",
    "reassign_cadence": r"(?:\bto|\bover to|\blet|\bfor)",
}
_ASSIGNEE_AFTER = {"reassign_cadence": r"(?:should|will|can|to)\s+(?:take over|work|handle)"}


def _spot_assignee(rest: _Text, flow: str, users: Sequence[KnownUser]) -> str | None:
    before = _ASSIGNEE_BEFORE.get(flow)
    if before is None:
        return None
    forms = sorted(
        ((form, user) for user in users for form in _user_forms(user)),
        key=lambda pair: len(pair[0]),
        reverse=True,
    )
    after = _ASSIGNEE_AFTER.get(flow)
    for form, user in forms:
        name = re.escape(form)
        patterns = [rf"{before}\s+{name}(?![\w-])"]
        if after:
            patterns.append(rf"(?<![\w-]){name}\s+{after}")
        for pattern in patterns:
            match = re.search(pattern, rest.text, re.IGNORECASE)
            if match:
                rest.cut(match.start(), match.end())
                return user.email
    unknown = re.search(rf"{before}\s+(?P<who>[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?)\s*$", rest.text)
    if unknown and flow == "reassign_cadence" and unknown["who"].lower() not in _FILLER:
        rest.cut(unknown.start(), unknown.end())
        return unknown["who"]
    return None


def named_user(text: str, users: Sequence[KnownUser]) -> str | None:
    """The email of the user the text names anywhere ("what is Jane working on?", "Jane's
    queue"), by email, full name or first name; the longest form wins."""
    forms = sorted(((form, user) for user in users for form in _user_forms(user)),
                   key=lambda pair: len(pair[0]), reverse=True)  # fmt: skip
    for form, user in forms:
        # A first name followed by another name is someone else: "Jane Roe" is not Jane Kim.
        other_surname = r"(?!\s+[A-Z][a-z])" if " " not in form and "@" not in form else ""
        name = rf"(?i:{re.escape(form)}(?:'s)?)"
        if re.search(rf"(?<![\w@.-]){name}(?![\w@-]){other_surname}", text):
            return user.email
    return None


def _user_forms(user: KnownUser) -> list[str]:
    forms = [user.email]
    if user.name:
        forms += [user.name, user.name.split()[0]]
    return forms
