"""Names of records that exist in the database, found in messages even when written loosely.

"the Globex deal" finds the account "Globex Corporation" (span "Globex"), "q4 outbound" the
cadence "Q4 Outbound", "initec" the account "Initech" (one typo). The names come from the data
plugin (``record_names``: kind -> names) and change as records are imported, so they are not
part of training; ``RecordNames`` keeps an extractor fresh (see bot/nlu/record_source.py).

How a message is matched, cheaply enough for ten thousand names:
- Text and names are split into words, case- and accent-folded. Each name word points at the
  names containing it, so only names sharing a word with the message are scored at all.
- A message word missing from the names' vocabulary may match one word at edit distance one
  (a typo) when it has five or more letters and the same first letter: shorter words and first
  letters are where ordinary words collide with names ("deal" is not "Neal").
- A match is a run of consecutive message words, each matching a different word of one name.
  Its score is the share of the name's words matched, each weighted by how rare the word is
  among all names (so "globex" covers most of "Globex Corporation") and discounted for a typo.
  Runs below ``MIN_SCORE`` are dropped.
- Common words: stop words, numbers, words of two letters without a digit, and the words of the
  project's training examples (outside annotated entities) are what users say anyway. A run
  made only of common words matches only with a strong cue: every word of it capitalised and
  not the first word of the message ("book with May" finds the user May Chen, "may I ask" and
  "book with may" do not). Partial runs lose common words at their edges ("the Globex" ->
  "Globex").
- Emails and domains given as aliases match exactly, as a whole token, with score 1.
- Ambiguity: every record of the same kind scoring at least ``AMBIGUOUS_RATIO`` of the best one
  on the same words is listed in ``additional_info["candidates"]`` (best first), so a flow can
  ask which one was meant ("jane": Jane Smith or Jane Doe).
- Per kind, overlapping matches keep the better one; a match inside a longer, better match of
  another kind is dropped ("Q4 Outbound" the cadence hides an account called "Outbound").
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import OSA
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from bot.nlu.training_data import TrainingExample

EXTRACTOR = "RecordNameExtractor"
MIN_SCORE = 0.3
AMBIGUOUS_RATIO = 0.8
MAX_CANDIDATES = 10
TYPO_DISCOUNT = 0.8  # a word matched with one typo counts this much of an exact one
MIN_TYPO_LENGTH = 5

Entity = dict[str, Any]
# What a data plugin gives per record: a name, or {"name", "id"?, "aliases"?: [...]}.
NameSpec = str | Mapping[str, Any]

_WORD = re.compile(r"[^\W_]+")
# An email or a domain: matched as one token, never word by word.
_EXACT_TOKEN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|(?<![\w@.-])[\w-]+(?:\.[\w-]+)+")
_IS_EXACT_ALIAS = re.compile(rf"^(?:{_EXACT_TOKEN.pattern})$")


def fold(text: str) -> str:
    """Lower case without accents: "José" and "jose" are one word."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def words(text: str) -> list[tuple[str, int, int]]:
    """Folded words of ``text`` with their character spans in ``text``."""
    return [(fold(match.group()), match.start(), match.end()) for match in _WORD.finditer(text)]


def training_vocabulary(examples: Iterable[TrainingExample]) -> set[str]:
    """Words the examples use outside annotated entities: what users say that is not a name."""
    vocabulary: set[str] = set()
    for example in examples:
        text = example.text
        for span in sorted(example.entities, key=lambda s: s.start, reverse=True):
            text = text[: span.start] + " " + text[span.end :]
        vocabulary.update(word for word, _, _ in words(text))
    return vocabulary


@dataclass(frozen=True)
class _Record:
    entity: str
    value: str
    id: Any


@dataclass(frozen=True)
class _Form:
    """One way of writing a record's name, as words."""

    record: _Record
    words: tuple[str, ...]
    weights: tuple[float, ...]
    total: float


@dataclass
class _Match:
    form: _Form
    start: int  # message word positions, end exclusive
    end: int
    score: float


class RecordNameExtractor:
    """Finds record names in messages; built from ``{kind: [name or {name, id, aliases}]}``."""

    def __init__(
        self, names: Mapping[str, Iterable[NameSpec]], common_words: Iterable[str] = ()
    ) -> None:
        self.common = {fold(word) for word in common_words} | set(ENGLISH_STOP_WORDS)
        self._exact: dict[str, list[_Record]] = defaultdict(list)
        raw_forms: list[tuple[_Record, tuple[str, ...]]] = []
        for entity, specs in names.items():
            for spec in specs:
                record, surfaces = _read_spec(entity, spec)
                for surface in surfaces:
                    if _IS_EXACT_ALIAS.match(surface.strip()):
                        self._exact[fold(surface.strip())].append(record)
                        continue
                    tokens = tuple(word for word, _, _ in words(surface))
                    if tokens:
                        raw_forms.append((record, tokens))
        self._forms, self._postings = _index(raw_forms)
        self._by_deletion: dict[str, set[str]] = defaultdict(set)
        for word in self._postings:
            if len(word) >= MIN_TYPO_LENGTH:
                for variant in _deletions(word):
                    self._by_deletion[variant].add(word)

    def __len__(self) -> int:
        """How many records it knows by name."""
        records = {form.record for form in self._forms}
        records.update(record for found in self._exact.values() for record in found)
        return len(records)

    def extract(self, text: str) -> list[Entity]:
        found: list[Entity] = []
        # Emails and domains are matched whole or not at all: "bob@globex.example" does not
        # mention the account Globex, it is someone's address.
        taken: list[tuple[int, int]] = []
        for match in _EXACT_TOKEN.finditer(text):
            taken.append(match.span())
            records = self._exact.get(fold(match.group()))
            if records:
                found.append(_entity(records[0], match.start(), match.end(), 1.0, []))
        tokens = [t for t in words(text) if not any(s <= t[1] < e for s, e in taken)]
        return found + self._entities(self._matches(tokens, text), tokens)

    # -- matching ------------------------------------------------------------------------------

    def _matches(self, tokens: list[tuple[str, int, int]], text: str) -> list[_Match]:
        # form index -> [(message position, word position in the form, similarity)]
        hits: dict[int, list[tuple[int, int, float]]] = defaultdict(list)
        for position, (word, _, _) in enumerate(tokens):
            for vocabulary_word, similarity in self._similar_words(word):
                for form_index, word_position in self._postings[vocabulary_word]:
                    hits[form_index].append((position, word_position, similarity))
        matches = []
        for form_index, form_hits in hits.items():
            form = self._forms[form_index]
            for start, end, covered in _runs(form_hits):
                match = self._accepted(form, tokens, text, start, end, covered)
                if match is not None:
                    matches.append(match)
        return matches

    def _similar_words(self, word: str) -> list[tuple[str, float]]:
        if word in self._postings:
            return [(word, 1.0)]
        if len(word) < MIN_TYPO_LENGTH or word in self.common:
            return []
        candidates: set[str] = set()
        for variant in (word, *_deletions(word)):
            candidates |= self._by_deletion.get(variant, set())
            if variant in self._postings and len(variant) >= MIN_TYPO_LENGTH:
                candidates.add(variant)
        return [
            (candidate, TYPO_DISCOUNT)
            for candidate in sorted(candidates)
            if candidate[0] == word[0] and OSA.distance(candidate, word) <= 1
        ]

    def _accepted(
        self,
        form: _Form,
        tokens: list[tuple[str, int, int]],
        text: str,
        start: int,
        end: int,
        covered: dict[int, float],
    ) -> _Match | None:
        """The run as a match, trimmed and scored; None when it is too weak to be a name."""
        def weak(position: int) -> bool:  # a common word without a capital to say otherwise
            word, word_start, _ = tokens[position]
            return self._is_common(word) and not _cued(word_start, text)

        if len(covered) < len(form.words):  # "the Globex deal": "the" is not part of the name
            while start < end and weak(start):
                _uncover(covered, form, tokens[start][0])
                start += 1
            while end > start and weak(end - 1):
                _uncover(covered, form, tokens[end - 1][0])
                end -= 1
            if start == end:
                return None
        if all(weak(position) for position in range(start, end)):
            return None
        score = sum(form.weights[i] * similarity for i, similarity in covered.items()) / form.total
        if score < MIN_SCORE:
            return None
        return _Match(form, start, end, score)

    def _is_common(self, word: str) -> bool:
        if word in self.common or word.isdigit():  # "book 30 minutes" is not "Q3 Outbound 30"
            return True
        return len(word) <= 2 and not any(char.isdigit() for char in word)

    # -- choosing ------------------------------------------------------------------------------

    def _entities(self, matches: list[_Match], tokens: list[tuple[str, int, int]]) -> list[Entity]:
        best_per_record: dict[tuple[_Record, int, int], _Match] = {}
        for match in matches:
            key = (match.form.record, match.start, match.end)
            if key not in best_per_record or match.score > best_per_record[key].score:
                best_per_record[key] = match
        ranked = sorted(
            best_per_record.values(),
            key=lambda m: (-m.score, -(m.end - m.start), m.form.record.value.casefold()),
        )
        kept: list[_Match] = []
        for match in ranked:
            if any(_blocks(other, match) for other in kept):
                continue
            kept.append(match)
        entities = []
        for match in kept:
            rivals = [
                other for other in ranked
                if other.form.record.entity == match.form.record.entity
                and (other.start, other.end) == (match.start, match.end)
                and other.score >= AMBIGUOUS_RATIO * match.score
            ]
            start, end = tokens[match.start][1], tokens[match.end - 1][2]
            entities.append(_entity(match.form.record, start, end, match.score, rivals))
        return sorted(entities, key=lambda entity: (entity["start"], entity["entity"]))


def _read_spec(entity: str, spec: NameSpec) -> tuple[_Record, list[str]]:
    if isinstance(spec, str):
        return _Record(entity, spec, None), [spec]
    name = str(spec["name"])
    aliases = [str(alias) for alias in spec.get("aliases") or () if alias]
    return _Record(entity, name, spec.get("id")), [name, *aliases]


def _index(
    raw_forms: list[tuple[_Record, tuple[str, ...]]],
) -> tuple[list[_Form], dict[str, list[tuple[int, int]]]]:
    """Forms with rarity weights, and word -> [(form index, word position)]."""
    frequency: dict[str, int] = defaultdict(int)
    for _, tokens in raw_forms:
        for word in set(tokens):
            frequency[word] += 1
    total = max(len(raw_forms), 1)
    forms: list[_Form] = []
    postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for record, tokens in dict.fromkeys(raw_forms):  # the same name twice is one form
        weights = tuple(math.log(1.0 + total / frequency[word]) for word in tokens)
        for position, word in enumerate(tokens):
            postings[word].append((len(forms), position))
        forms.append(_Form(record, tokens, weights, sum(weights)))
    return forms, dict(postings)


def _deletions(word: str) -> list[str]:
    return [word[:i] + word[i + 1 :] for i in range(len(word))]


def _runs(hits: list[tuple[int, int, float]]) -> list[tuple[int, int, dict[int, float]]]:
    """Maximal runs of consecutive message words, each matching a new word of the form.

    Each run is (first position, end position, {word position in the form: similarity}).
    """
    by_position: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for position, word_position, similarity in hits:
        by_position[position].append((word_position, similarity))
    runs = []
    position = -1
    for start in sorted(by_position):
        if start < position:
            continue  # inside the run before
        position = start
        covered: dict[int, float] = {}
        while position in by_position:
            free = [(wp, s) for wp, s in by_position[position] if wp not in covered]
            if not free:
                break
            word_position, similarity = max(free, key=lambda pair: (pair[1], -pair[0]))
            covered[word_position] = similarity
            position += 1
        runs.append((start, position, covered))
    return runs


def _uncover(covered: dict[int, float], form: _Form, word: str) -> None:
    for word_position in covered:
        if form.words[word_position] == word:
            del covered[word_position]
            return


def _cued(start: int, text: str) -> bool:
    """A capital that is not the sentence's: "ask Will" names someone, "Will you" does not."""
    if not text[start].isupper():
        return False
    before = text[:start].rstrip()
    return bool(before) and before[-1] not in ".!?"


def _blocks(kept: _Match, match: _Match) -> bool:
    overlap = kept.start < match.end and match.start < kept.end
    if not overlap:
        return False
    if kept.form.record.entity == match.form.record.entity:
        return True
    # Another kind: only a longer match hides this one; the same words may name two kinds.
    return (kept.end - kept.start) > (match.end - match.start)


def _entity(
    record: _Record, start: int, end: int, score: float, rivals: list[_Match]
) -> Entity:
    info: dict[str, Any] = {"score": round(score, 3)}
    if record.id is not None:
        info["id"] = record.id
    distinct = list({(m.form.record.value, m.form.record.id): m for m in rivals}.values())
    if len(distinct) > 1:
        info["candidates"] = [
            {"value": m.form.record.value, "id": m.form.record.id, "score": round(m.score, 3)}
            for m in distinct[:MAX_CANDIDATES]
        ]
    return {
        "entity": record.entity,
        "value": record.value,
        "start": start,
        "end": end,
        "extractor": EXTRACTOR,
        "additional_info": info,
    }


def merge_record_entities(entities: list[Entity], records: list[Entity]) -> list[Entity]:
    """The NLU's entities with the record names found in the same message.

    Of the same kind, the record name wins wherever the two overlap: a name that exists beats
    what the examples knew or the tagger guessed ("Globex deal" as an account, when the account
    is "Globex"). Of different kinds the longer span wins: the cadence "Q4 Outbound" hides a
    "q4" date, an email hides a record name inside it. On the very same words both stay: the
    email "jane@acme.example" is an email and also the contact Jane Smith.
    """
    kept_records = [
        record for record in records
        if not any(
            _overlaps(record, entity) and entity["entity"] != record["entity"]
            and _longer(entity, record)
            for entity in entities
        )
    ]
    kept = [
        entity for entity in entities
        if not any(
            _overlaps(entity, record)
            and (entity["entity"] == record["entity"] or _longer(record, entity))
            for record in kept_records
        )
    ]
    return sorted([*kept, *kept_records], key=lambda entity: (entity["start"], entity["end"]))


def _overlaps(inner: Entity, outer: Entity) -> bool:
    return bool(inner["start"] < outer["end"] and outer["start"] < inner["end"])


def _longer(first: Entity, second: Entity) -> bool:
    return bool(first["end"] - first["start"] > second["end"] - second["start"])
