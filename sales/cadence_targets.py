"""From what a user typed to records: cadences, saved lists, users, and targets (leads, contacts).

People are named by email or by name ("Cy Young", "Cy", a typo of either). A name that fits
several people is not guessed: the target is refused as ambiguous, naming the candidates with
their emails so the user can say which. Cadence names are matched exactly (ignoring case, a
leading "the" and a trailing "cadence"): enrolling into a look-alike cadence by mistake is
worse than asking again, so a near miss only produces suggestions. A list name may be loose
("the Dreamforce webinar list") since picking a list changes nothing by itself: what is
enrolled from it is reported back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from rapidfuzz import fuzz, process, utils
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from sales.cadence_models import Cadence
from sales.cadence_results import CadenceError, Refusal, join_names
from sales.models import User
from sales.prospects import Contact, Lead, SavedList

NAME_CUTOFF = 85  # name_score: a typo ("Cy Yung") passes, another name does not
SHORT_WORD = 3  # letters; a word this short is too easily a piece of another one
NEAR_TIE = 3  # candidates this close to the best fuzzy score make a name ambiguous
SUGGEST_CUTOFF = 60
_CHUNK = 500  # keep IN lists under every database's parameter limit

Record = Lead | Contact


@dataclass(frozen=True)
class Target:
    """A resolved lead or contact and the label summaries use for it."""

    label: str
    record: Record

    @property
    def key(self) -> tuple[str, int]:
        return ("lead" if isinstance(self.record, Lead) else "contact", self.record.id)


@dataclass
class Resolved:
    targets: list[Target] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.targets) + len(self.refused)


def _normal(text: str, *, drop: Sequence[str] = ()) -> str:
    words = text.strip().casefold().split()
    if words and words[0] == "the":
        words = words[1:]
    if len(words) > 1 and words[-1] in drop:
        words = words[:-1]
    return " ".join(words)


# --- cadences and lists ---------------------------------------------------------------------


def _compact(text: str, *, drop: Sequence[str] = ()) -> str:
    """The name with case, spaces and punctuation gone: "inbound followup", "Inbound Follow-up"
    and "inbound follow up" are one name, not a misspelling to ask about."""
    return "".join(ch for ch in _normal(text, drop=drop) if ch.isalnum())


def find_cadence(session: Session, name: str) -> Cadence:
    wanted = _normal(name, drop=("cadence",))
    cadences = list(session.scalars(select(Cadence)))
    for cadence in cadences:
        if _compact(cadence.name, drop=("cadence",)) == _compact(name, drop=("cadence",)):
            return cadence
    raise _no_such("unknown_cadence", f"There is no cadence called '{name}'.", wanted,
                   [cadence.name for cadence in cadences])  # fmt: skip


def find_list(session: Session, name: str) -> SavedList:
    wanted = _normal(name, drop=("list",))
    lists = list(session.scalars(select(SavedList)))
    for saved in lists:
        if _compact(saved.name, drop=("list",)) == _compact(name, drop=("list",)):
            return saved
    names = [saved.name for saved in lists]
    scored = process.extract(
        wanted, names, scorer=fuzz.token_set_ratio, processor=utils.default_process, limit=5
    )
    best = [name for name, score, _ in scored if score >= NAME_CUTOFF]
    if len(best) == 1:
        return next(saved for saved in lists if saved.name == best[0])
    if best:
        raise CadenceError(
            "ambiguous_list", f"'{name}' could be the list {join_names(best, 5)}.", best
        )
    raise _no_such("unknown_list", f"There is no saved list called '{name}'.", wanted, names)


def _no_such(code: str, message: str, wanted: str, names: list[str]) -> CadenceError:
    """A name that matches nothing, with the close ones offered ("Did you mean ...?")."""
    scored = process.extract(
        wanted, names, scorer=fuzz.WRatio, processor=utils.default_process, limit=3
    )
    close = [name for name, score, _ in scored if score >= SUGGEST_CUTOFF]
    hint = f" Did you mean {join_names(close).replace(' and ', ' or ')}?" if close else ""
    return CadenceError(code, message + hint, close)


# --- users ------------------------------------------------------------------------------------


def find_user(session: Session, text: str) -> User:
    """A user by email or name ("Sam", "Sam Patel"), for "enroll ... for Sam"."""
    wanted = text.strip().casefold()
    users = list(session.scalars(select(User).order_by(User.name)))
    if "@" in wanted:
        found = [user for user in users if user.email == wanted]
    else:
        found = [user for user in users if user.name.casefold() == wanted] or [
            user for user in users if wanted in user.name.casefold().split()
        ]
        if not found:
            found = _fuzzy(wanted, users, lambda user: user.name)
    if len(found) == 1:
        return found[0]
    if found:
        names = [f"{user.name} ({user.email})" for user in found]
        raise CadenceError(
            "ambiguous_user", f"'{text}' could be {join_names(names, 5)}: which one?", names
        )
    raise CadenceError("unknown_user", f"There is no user called '{text}'.")


# --- targets ----------------------------------------------------------------------------------


class TargetResolver:
    """Resolves emails and names to leads and contacts, loading the name index once."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._everyone: list[Record] | None = None

    def resolve(self, texts: Iterable[str], list_name: str | None = None) -> Resolved:
        """Each distinct target once, in the order named; list members follow the texts."""
        resolved = Resolved()
        seen: set[tuple[str, int]] = set()
        named = [text.strip() for text in texts if text.strip()]
        if list_name is not None:
            named += [member.email for member in find_list(self.session, list_name).members]
        by_email = self._by_email([text for text in named if "@" in text])
        for text in named:
            if "@" in text:
                record, refusal = by_email.get(text.casefold()), None
                label = text.casefold()
            else:
                record, refusal = self.by_name(text)
                label = record.name if record is not None else text
            if record is None:
                if refusal is None:
                    refusal = _unknown(text)
                if refusal not in resolved.refused:
                    resolved.refused.append(refusal)
                continue
            target = Target(label, record)
            if target.key not in seen:
                seen.add(target.key)
                resolved.targets.append(target)
        return resolved

    def one(self, text: str) -> Target:
        """Exactly one target, or a :class:`CadenceError` saying why not."""
        resolved = self.resolve([text])
        if resolved.refused:
            refusal = resolved.refused[0]
            code = "ambiguous_target" if refusal.reason == "ambiguous" else "unknown_target"
            raise CadenceError(code, refusal.message)
        return resolved.targets[0]

    def by_name(self, text: str) -> tuple[Record | None, Refusal | None]:
        wanted = " ".join(text.casefold().split())
        found = self._exact(wanted)
        if not found:
            found = _fuzzy(wanted, self._all(), lambda record: record.name)
        found = _without_converted_twins(found)
        if len(found) == 1:
            return found[0], None
        if not found:
            return None, None
        names = [f"{record.name} ({record.email})" for record in found]
        message = f"'{text}' is ambiguous: matches {join_names(names, 5)}"
        return None, Refusal(text, "ambiguous", message)

    def _exact(self, wanted: str) -> list[Record]:
        """Whole-name matches, else first- or last-name matches ("Cy")."""
        for clause in (_full_name_is, _part_of_name_is):
            found: list[Record] = []
            for model in (Lead, Contact):
                query = select(model).where(clause(model, wanted)).order_by(model.id)
                found.extend(self.session.scalars(query))
            if found:
                return found
        return []

    def _all(self) -> list[Record]:
        if self._everyone is None:
            leads: list[Record] = list(self.session.scalars(select(Lead).order_by(Lead.id)))
            contacts = list(self.session.scalars(select(Contact).order_by(Contact.id)))
            self._everyone = leads + contacts
        return self._everyone

    def _by_email(self, emails: list[str]) -> dict[str, Record]:
        """Email -> record. A contact wins over a converted lead; an open lead over a contact,
        since that is who the rep is still prospecting."""
        wanted = sorted({email.casefold() for email in emails})
        found: dict[str, Record] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            for contact in self.session.scalars(select(Contact).where(Contact.email.in_(chunk))):
                found[contact.email] = contact
            for lead in self.session.scalars(select(Lead).where(Lead.email.in_(chunk))):
                if not is_converted(lead) or lead.email not in found:
                    found[lead.email] = lead
        return found


def is_converted(lead: Lead) -> bool:
    """Converted by status, or by the date an import or the CRM recorded."""
    return lead.status == "converted" or lead.converted_at is not None


def _without_converted_twins(found: list[Record]) -> list[Record]:
    """A converted lead and the contact it became are one person: the contact is meant."""
    contacts = {record.email for record in found if isinstance(record, Contact)}
    return [
        record
        for record in found
        if not (isinstance(record, Lead) and record.email in contacts and is_converted(record))
    ]


def _full_name_is(model: type[Lead] | type[Contact], wanted: str) -> ColumnElement[bool]:
    return func.lower(model.first_name + " " + model.last_name) == wanted


def _part_of_name_is(model: type[Lead] | type[Contact], wanted: str) -> ColumnElement[bool]:
    return or_(func.lower(model.first_name) == wanted, func.lower(model.last_name) == wanted)


def _unknown(text: str) -> Refusal:
    return Refusal(text, "unknown", f"I found no lead or contact for {text}")


_T = TypeVar("_T")


def _fuzzy(wanted: str, items: Sequence[_T], name_of: Callable[[_T], str]) -> list[_T]:
    """Items whose name is a close match, and every other one nearly as close (a tie)."""
    scored = [(name_score(wanted, str(name_of(item))), index) for index, item in enumerate(items)]
    close = [(score, index) for score, index in scored if score >= NAME_CUTOFF]
    if not close:
        return []
    best = max(score for score, _ in close)
    return [items[index] for score, index in close if score >= best - NEAR_TIE]


def name_score(wanted: str, name: str) -> float:
    """How well the words said match the words of a name, 0-100, word by word.

    Whole-string scorers match inside words ("Ana" scores 90 against "Dana Ortiz"), which would
    enrol the wrong person. Here every word said must match a word of the name: short words
    (three letters or fewer) exactly or as the start of the word ("Sha" for "Shah"), longer ones
    with at most a typo's distance ("Yung" for "Young").
    """
    said = utils.default_process(wanted).split()
    words = utils.default_process(name).split()
    if not said or not words:
        return 0.0
    total = 0.0
    for word in said:
        total += max(_word_score(word, candidate) for candidate in words)
    return total / len(said)


def _word_score(said: str, word: str) -> float:
    if said == word:
        return 100.0
    if len(said) <= SHORT_WORD:
        # "Sha" for "Shah" or "Jon" for "Jonathan", but two letters start too many names.
        return 90.0 if len(said) == SHORT_WORD and word.startswith(said) else 0.0
    return float(fuzz.ratio(said, word))
