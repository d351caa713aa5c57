"""Keeps the record-name extractor in step with the database, without a restart.

The names come from the data plugin (config.yml ``data.module``), which the bot reaches by name
and asks ``record_names(engine)``. They are read when first needed (``Agent.load`` asks at
once, so the first user does not wait), and then at most every
``nlu.record_names_refresh_seconds`` (default 30): the turn that finds them stale starts a
re-read in a background thread and goes on with the names it has, since reading and indexing
ten thousand names takes a tenth of a second or more, too long to add to a turn. The turns
after it see the new records; a quiet bot asks nothing. A failed read is logged and the names
read before are kept: a database hiccup must never break a turn.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Engine

from bot.config import ConfigError
from bot.nlu.records import Entity, NameSpec, RecordNameExtractor

log = logging.getLogger(__name__)

DEFAULT_REFRESH_SECONDS = 30.0
NameLoader = Callable[[], Mapping[str, Iterable[NameSpec]]]


class RecordNames:
    """The current ``RecordNameExtractor`` for one database, re-read when it is due."""

    def __init__(
        self,
        load: NameLoader,
        *,
        refresh_seconds: float = DEFAULT_REFRESH_SECONDS,
        common_words: Iterable[str] = (),
        clock: Callable[[], float] = time.monotonic,
        background: bool = True,
    ) -> None:
        self.load = load
        self.refresh_seconds = refresh_seconds
        self.common_words = frozenset(common_words)
        self.clock = clock
        self.background = background  # False: a due re-read happens in the turn (tests)
        self.extractor: RecordNameExtractor | None = None
        self._names: dict[str, list[NameSpec]] | None = None
        self._checked_at: float | None = None
        self._lock = threading.Lock()  # held while one read is under way
        self._reader: threading.Thread | None = None

    def extract(self, text: str) -> list[Entity]:
        """Record names in ``text``, by the names as fresh as the refresh interval allows."""
        extractor = self.current()
        return extractor.extract(text) if extractor is not None else []

    def current(self) -> RecordNameExtractor | None:
        """The extractor; reads the names first if there are none yet, or starts a re-read."""
        checked_at = self._checked_at
        if checked_at is None:
            with self._lock:  # concurrent first turns wait for the one read
                if self._checked_at is None:
                    self.refresh()
            return self.extractor
        due = self.clock() - checked_at >= self.refresh_seconds
        if due and self._lock.acquire(blocking=False):  # else another turn is reading already
            self._checked_at = self.clock()
            if self.background:
                self._reader = threading.Thread(
                    target=self._refresh_and_release, name="record-names", daemon=True
                )
                self._reader.start()
            else:
                self._refresh_and_release()
        return self.extractor

    def wait(self, timeout: float | None = None) -> None:
        """Until a re-read started in the background is done."""
        reader = self._reader
        if reader is not None:
            reader.join(timeout)

    def _refresh_and_release(self) -> None:
        try:
            self.refresh()
        finally:
            self._lock.release()

    def refresh(self) -> None:
        """Read the names now; rebuild the index only when they changed."""
        self._checked_at = self.clock()
        try:
            names = {kind: list(specs) for kind, specs in self.load().items()}
        except Exception:  # whatever the database or the plugin raises, the turn goes on
            log.warning("could not read record names; keeping the previous ones", exc_info=True)
            return
        if names != self._names:
            self.extractor = RecordNameExtractor(names, self.common_words)
            self._names = names
            log.info("record names: %d records", len(self.extractor))


def plugin_loader(module_name: str, engine: Engine) -> NameLoader | None:
    """``record_names(engine)`` of the data plugin named ``module_name``, if it has one."""
    try:
        plugin = importlib.import_module(module_name)
    except ImportError:
        log.warning("data.module %s cannot be imported; no record names", module_name,
                    exc_info=True)
        return None
    record_names: Any = getattr(plugin, "record_names", None)
    if not callable(record_names):
        log.info("data.module %s has no record_names(engine); no record names", module_name)
        return None

    def load() -> Mapping[str, Iterable[NameSpec]]:
        names: Mapping[str, Iterable[NameSpec]] = record_names(engine)
        return names

    return load


def refresh_seconds(nlu_config: Mapping[str, Any]) -> float:
    """``nlu.record_names_refresh_seconds``, checked: a clear message names the key."""
    value = nlu_config.get("record_names_refresh_seconds", DEFAULT_REFRESH_SECONDS)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(
            "config.yml nlu.record_names_refresh_seconds: expected a number of seconds >= 0,"
            f" got {value!r}"
        )
    return float(value)


def record_names_for(
    data_modules: str | Sequence[str] | None,
    engine: Engine,
    nlu_config: Mapping[str, Any],
    common_words: Iterable[str] = (),
) -> RecordNames | None:
    """The record names of the database behind ``engine``; None without a data plugin.

    ``data_modules``: config.yml ``data.module``, one name or several (their names merge).
    """
    names = [data_modules] if isinstance(data_modules, str) else list(data_modules or ())
    loaders = [load for name in names if (load := plugin_loader(name, engine)) is not None]
    if not loaders:
        return None

    def load_all() -> Mapping[str, Iterable[NameSpec]]:
        if len(loaders) == 1:
            return loaders[0]()
        merged: dict[str, list[NameSpec]] = {}
        for load in loaders:
            for kind, specs in load().items():
                merged.setdefault(kind, []).extend(specs)
        return merged

    return RecordNames(
        load_all, refresh_seconds=refresh_seconds(nlu_config), common_words=common_words
    )
