"""Each known user's own time zone, read from the data plugin, for channels that send none.

A rep typing in the shell, or a REST client that sends no ``metadata.timezone``, still means
their own "tomorrow at 3pm" and expects "Good evening" at night: the zone stored with the user
(``users.timezone``) beats ``nlu.timezone``, the default for people nobody knows. Plugins offer
``user_timezone(engine, email) -> str | None``; answers are kept a minute, so a message costs no
query, and an imported change of zone shows within that minute.
"""

from __future__ import annotations

import importlib
import logging
import threading
import time
from collections.abc import Callable, Sequence

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

KEEP_SECONDS = 60.0
ZoneLookup = Callable[[Engine, str], "str | None"]


class UserZones:
    def __init__(self, lookups: Sequence[ZoneLookup], engine: Engine) -> None:
        self._lookups = list(lookups)
        self._engine = engine
        self._known: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_plugins(cls, data_modules: str | Sequence[str] | None, engine: Engine) -> UserZones:
        names = [data_modules] if isinstance(data_modules, str) else list(data_modules or ())
        lookups: list[ZoneLookup] = []
        for name in names:
            try:
                lookup = getattr(importlib.import_module(name), "user_timezone", None)
            except ImportError:
                continue  # the plugin loader reports it; users keep the default zone
            if callable(lookup):
                lookups.append(lookup)
        return cls(lookups, engine)

    def of(self, email: str | None) -> str | None:
        """The zone stored for ``email``, or None when unknown (or the database is down)."""
        if not email or not self._lookups:
            return None
        now = time.monotonic()
        with self._lock:
            known = self._known.get(email)
        if known is not None and now - known[0] < KEEP_SECONDS:
            return known[1]
        zone = self._look_up(email)
        with self._lock:
            self._known[email] = (now, zone)
        return zone

    def _look_up(self, email: str) -> str | None:
        for lookup in self._lookups:
            try:
                zone = lookup(self._engine, email)
            except SQLAlchemyError:
                log.warning("time zone of %s not readable; using the default", email,
                            exc_info=True)
                return None
            if zone:
                return zone
        return None
