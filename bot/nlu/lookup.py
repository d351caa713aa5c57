"""Lookup entities: values seen in annotated examples (or given as a list), found by exact words.

A value is matched case-insensitively on word boundaries, so "acme" finds "ACME" but not
"acmeville". When an annotation gave a synonym (``[NYC]{"entity": "city", "value": "New York"}``)
the entity's value is the canonical one, and the canonical text is matched as well.

This is for the tens or hundreds of values examples annotate (one regular expression of them
all). The thousands of names of records in a database, matched loosely and kept fresh as they
are imported, are bot/nlu/records.py's.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.nlu.training_data import TrainingExample

EXTRACTOR = "LookupEntityExtractor"


@dataclass(frozen=True)
class LookupEntry:
    entity: str
    value: str
    role: str | None = None
    group: str | None = None


class LookupExtractor:
    """Finds known surface forms; ``entries`` maps a lower-cased surface form to what it means."""

    def __init__(self, entries: Mapping[str, LookupEntry]) -> None:
        self.entries: dict[str, LookupEntry] = {
            key.lower(): entry for key, entry in entries.items() if key.strip()
        }
        self._pattern = self._compile(self.entries)

    @classmethod
    def from_examples(cls, examples: Iterable[TrainingExample]) -> LookupExtractor:
        """Every annotated span; a form annotated two ways means what it meant most often."""
        votes: dict[str, Counter[LookupEntry]] = {}
        for example in examples:
            for span in example.entities:
                entry = LookupEntry(span.entity, span.value, span.role, span.group)
                for surface in (example.text[span.start : span.end], span.value):
                    votes.setdefault(surface.strip().lower(), Counter())[entry] += 1
        return cls({surface: counts.most_common(1)[0][0] for surface, counts in votes.items()})

    @classmethod
    def from_values(cls, entity: str, values: Iterable[str] | Mapping[str, str]) -> LookupExtractor:
        """A list of values (a Rasa lookup table); a mapping gives synonym -> canonical."""
        pairs = values.items() if isinstance(values, Mapping) else ((v, v) for v in values)
        return cls({surface: LookupEntry(entity, canonical) for surface, canonical in pairs})

    def merged(self, other: LookupExtractor) -> LookupExtractor:
        """Both tables; where both know a surface form, ``other`` wins."""
        return LookupExtractor({**self.entries, **other.entries})

    def __len__(self) -> int:
        return len(self.entries)

    def extract(self, text: str) -> list[dict[str, Any]]:
        if self._pattern is None:
            return []
        found = []
        for match in self._pattern.finditer(text):
            entry = self.entries[match.group().lower()]
            entity: dict[str, Any] = {
                "entity": entry.entity,
                "value": entry.value,
                "start": match.start(),
                "end": match.end(),
                "extractor": EXTRACTOR,
            }
            if entry.role is not None:
                entity["role"] = entry.role
            if entry.group is not None:
                entity["group"] = entry.group
            found.append(entity)
        return found

    @staticmethod
    def _compile(entries: Mapping[str, LookupEntry]) -> re.Pattern[str] | None:
        if not entries:
            return None
        # Longest first, so "new york city" wins over "new york" at the same position.
        alternatives = "|".join(re.escape(key) for key in sorted(entries, key=len, reverse=True))
        return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)

    def __getstate__(self) -> dict[str, Any]:
        return {"entries": self.entries}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.entries = dict(state["entries"])
        self._pattern = self._compile(self.entries)
