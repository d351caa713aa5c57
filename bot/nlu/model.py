"""The NLU model: trained from examples, cached on disk, and asked to parse each message.

``parse`` returns Rasa's parse data. Below the fallback threshold the intent becomes
``nlu_fallback`` exactly as Rasa's FallbackClassifier does it: its confidence is the threshold
and it is put first in ``intent_ranking``, ahead of the real ranking, which is kept. An intent
named in ``nlu.out_of_scope_intents`` (``oos`` by default, as in CLINC150) is learnt like any other
but never answered: when it wins, the message falls back, and it never shows in the ranking.

Training is skipped when an artefact for the same examples, config and code already exists:
its file name is a sha256 of all three. Callers load a model once and keep the instance.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

import joblib
import numpy
import sklearn

from bot.nlu.calibration import calibrate_threshold
from bot.nlu.classifier import TRAINERS, IntentClassifier
from bot.nlu.dates import extract_time
from bot.nlu.embeddings import encoder_version
from bot.nlu.entities import extract_rules, merge_entities
from bot.nlu.lookup import LookupExtractor
from bot.nlu.tagger import TAGGER_VERSION, EntityTagger, without_overlaps
from bot.nlu.text import normalise
from bot.nlu.training_data import TrainingExample
from bot.nlu.variants import DEFAULT_COPIES, with_entity_variants

log = logging.getLogger(__name__)

FALLBACK_INTENT = "nlu_fallback"
RANKING_LENGTH = 10
# Bump when training, ranking or the saved artefact changes, so old caches are not loaded.
CODE_VERSION = "nlu-minilm-7"  # 7: calibration holds out paraphrases together
KEEP_ARTEFACTS = 3
DEFAULT_CLASSIFIER = "minilm"
DEFAULT_OUT_OF_SCOPE = ("oos", "out_of_scope")
# Entities that dateparser must not see: it reads "555-123-4567" or "$2,000" as dates.
_HIDDEN_FROM_DATES = {"email", "url", "phone", "amount_of_money"}


class NluConfigError(ValueError):
    """The ``nlu`` section of config.yml names something unknown or out of range."""


class NluModelError(RuntimeError):
    """A saved model file that cannot be loaded (corrupt, or from another version)."""


class NluModel:
    def __init__(
        self,
        classifier: IntentClassifier | None,
        threshold: float,
        lookup: LookupExtractor,
        *,
        languages: Sequence[str] = ("en",),
        tagger: EntityTagger | None = None,
        out_of_scope: Sequence[str] = DEFAULT_OUT_OF_SCOPE,
    ) -> None:
        self.classifier = classifier  # None when there was nothing to learn
        self.threshold = threshold
        self.lookup = lookup
        self.languages = tuple(languages)
        self.tagger = tagger  # None when no example annotates an entity
        self.out_of_scope = frozenset(out_of_scope)

    @property
    def intents(self) -> list[str]:
        """The intents a message can be understood as (out-of-scope ones are not)."""
        known = self.classifier.intents if self.classifier else []
        return [intent for intent in known if intent not in self.out_of_scope]

    def parse(
        self, text: str, *, timezone: str = "UTC", now: datetime | None = None
    ) -> dict[str, Any]:
        """Rasa parse data for ``text``; dates resolve relative to ``now`` in ``timezone``."""
        ranking: list[dict[str, Any]] = []
        out_of_scope = False
        if text.strip() and self.classifier is not None:
            ranked = self.classifier.rank(text)
            out_of_scope = bool(ranked) and ranked[0][0] in self.out_of_scope
            understood = (item for item in ranked if item[0] not in self.out_of_scope)
            ranking = [{"name": name, "confidence": score}
                       for name, score in islice(understood, RANKING_LENGTH)]
        if not ranking:  # nothing said, or nothing learnt: certainly not understood
            intent: dict[str, Any] = {"name": FALLBACK_INTENT, "confidence": 1.0}
        elif out_of_scope or ranking[0]["confidence"] < self.threshold:
            intent = {"name": FALLBACK_INTENT, "confidence": self.threshold}
            ranking.insert(0, dict(intent))
        else:
            intent = dict(ranking[0])
        return {
            "text": text,
            "intent": intent,
            "intent_ranking": ranking,
            "entities": self.extract_entities(text, timezone=timezone, now=now),
        }

    def warm_up(self) -> None:
        """Pay dateparser's first-call cost (a few hundred ms) now rather than in a user's turn."""
        self.parse("tomorrow at 3pm")

    def extract_entities(
        self, text: str, *, timezone: str = "UTC", now: datetime | None = None
    ) -> list[dict[str, Any]]:
        rules = merge_entities(extract_rules(text))
        hidden = [(e["start"], e["end"]) for e in rules if e["entity"] in _HIDDEN_FROM_DATES]
        times = self._times_between(text, hidden, timezone, now or datetime.now(UTC))
        found = self.lookup.extract(text)
        # A value the examples annotated beats the tagger's guess on the same words.
        learned = without_overlaps(self.tagger.extract(text), found) if self.tagger else []
        # On a tie in length a trained lookup beats a rule: the examples said what it means.
        return merge_entities(found, learned, times, rules)

    def _times_between(
        self, text: str, hidden: list[tuple[int, int]], timezone: str, now: datetime
    ) -> list[dict[str, Any]]:
        """Dates in the text between the ``hidden`` spans, never across one."""
        times = []
        segment_start = 0
        for hidden_start, hidden_end in [*hidden, (len(text), len(text))]:
            segment = text[segment_start:hidden_start]
            for entity in extract_time(segment, timezone, now, languages=self.languages):
                entity["start"] += segment_start
                entity["end"] += segment_start
                times.append(entity)
            segment_start = hidden_end
        return times

    def save(self, path: Path) -> None:
        """Write atomically, so a process loading the cache never sees half a file."""
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".nlu-", suffix=".tmp")
        os.close(handle)
        try:
            joblib.dump({"version": CODE_VERSION, "model": self}, temporary)
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)

    @classmethod
    def load(cls, path: Path) -> NluModel:
        try:
            saved = joblib.load(path)
        except Exception as error:  # unpickling raises anything the stored bytes provoke
            raise NluModelError(f"{path}: not a readable NLU model ({error})") from error
        if not isinstance(saved, dict) or not isinstance(saved.get("model"), NluModel):
            raise NluModelError(f"{path}: not an NLU model file")
        if saved.get("version") != CODE_VERSION:
            raise NluModelError(
                f"{path}: made by NLU version {saved.get('version')}, this is {CODE_VERSION};"
                " retrain with `salesbot train`"
            )
        model: NluModel = saved["model"]
        return model


def classifier_name(config: Mapping[str, Any]) -> str:
    """The classifier ``nlu.classifier`` names, or the default (also for `train --report`)."""
    return str(config.get("classifier", DEFAULT_CLASSIFIER))


def out_of_scope_intents(config: Mapping[str, Any]) -> list[str]:
    """``nlu.out_of_scope_intents``: intents whose examples say what the bot does not do."""
    value = config.get("out_of_scope_intents", list(DEFAULT_OUT_OF_SCOPE))
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise NluConfigError(
            f"config.yml nlu.out_of_scope_intents: expected a list of intent names, got {value!r}"
        )
    return value


def fit_nlu(examples: Sequence[TrainingExample], config: Mapping[str, Any]) -> NluModel:
    """Train a model now, without the cache."""
    name = classifier_name(config)
    if name not in TRAINERS:
        raise NluConfigError(
            f"config.yml nlu.classifier: unknown classifier {name!r} (known: {sorted(TRAINERS)})"
        )
    configured = _configured_threshold(config)
    out_of_scope = out_of_scope_intents(config)
    # Sorted, so the same examples in another file order train the same model.
    usable = sorted(
        (example for example in examples if normalise(example.text)),
        key=lambda example: (example.intent, example.text),
    )
    texts = [example.text for example in usable]
    labels = [example.intent for example in usable]
    trainer = with_entity_variants(TRAINERS[name], usable, entity_variants(config))
    classifier = trainer(texts, labels, config) if usable else None
    if configured is not None:
        threshold = configured
    elif classifier is None:
        threshold = 1.0
    else:
        # A classifier that can tell how alike sentences are holds out paraphrases together.
        sentence_vectors = getattr(classifier, "sentence_vectors", None)
        threshold = calibrate_threshold(
            texts, labels, trainer, config, out_of_scope, sentence_vectors)
    languages = config.get("languages") or ["en"]
    if isinstance(languages, str):
        languages = [languages]
    return NluModel(
        classifier, threshold, LookupExtractor.from_examples(usable), languages=languages,
        tagger=EntityTagger.fit(usable), out_of_scope=out_of_scope,
    )


def entity_variants(config: Mapping[str, Any]) -> int:
    """``nlu.entity_variants``: how many copies of each annotated example, with other entity
    values, are taught besides it (bot/nlu/variants.py); 0 turns them off."""
    value = config.get("entity_variants", DEFAULT_COPIES)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise NluConfigError(
            f"config.yml nlu.entity_variants: expected a whole number from 0 to 10, got {value!r}"
        )
    return value


def _configured_threshold(config: Mapping[str, Any]) -> float | None:
    value = config.get("threshold")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise NluConfigError(
            f"config.yml nlu.threshold: expected a number from 0 to 1, got {value!r}"
        )
    return float(value)


# Keys of the `nlu` section that the dialogue engine reads; changing them needs no retraining.
DIALOGUE_KEYS = frozenset({"timezone", "digression_threshold", "clarification_margin",
                           "clarification_min", "record_names_refresh_seconds"})


def cache_key(examples: Sequence[TrainingExample], config: Mapping[str, Any]) -> str:
    """sha256 of what the trained model depends on: examples, config, code and library versions."""
    payload = {
        "code": CODE_VERSION,
        "tagger": TAGGER_VERSION,
        "libraries": [sklearn.__version__, numpy.__version__],
        # Features come from the encoder package: a new MiniLM build means new features.
        "encoder": encoder_version() if classifier_name(config) == "minilm" else None,
        "config": {key: value for key, value in config.items() if key not in DIALOGUE_KEYS},
        # Sorted, as training sorts them: file order does not change the model.
        "examples": sorted(
            json.dumps([example.intent, example.text,
                        [[s.entity, s.value, s.start, s.end, s.role, s.group]
                         for s in example.entities]])
            for example in examples
        ),
    }
    encoded = json.dumps(payload, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


def load_or_train(
    examples: Sequence[TrainingExample],
    config: Mapping[str, Any],
    cache_dir: Path,
    force: bool = False,
) -> tuple[NluModel, bool]:
    """The cached model for these examples and config, or a new one; and whether it is new."""
    path = cache_dir / f"nlu-{cache_key(examples, config)}.joblib"
    if not force and path.is_file():
        try:
            return NluModel.load(path), False
        except NluModelError as error:
            log.warning("retraining: %s", error)
    log.info("training NLU on %d examples", len(examples))
    model = fit_nlu(examples, config)
    model.save(path)
    _prune(cache_dir, keep=path)
    return model, True


def train_nlu(
    examples: Sequence[TrainingExample],
    config: Mapping[str, Any],
    cache_dir: Path,
    force: bool = False,
) -> NluModel:
    return load_or_train(examples, config, cache_dir, force)[0]


def _prune(cache_dir: Path, keep: Path) -> None:
    """Delete all but the newest few artefacts: each edit of the examples leaves one behind."""
    def modified(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except FileNotFoundError:  # another process pruned it first
            return 0.0

    artefacts = sorted(cache_dir.glob("nlu-*.joblib"), key=modified, reverse=True)
    for old in artefacts[KEEP_ARTEFACTS:]:
        if old != keep:
            old.unlink(missing_ok=True)
