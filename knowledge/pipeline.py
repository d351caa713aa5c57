"""Ingest files end to end: store the call, analyse it once, index it; and delete a call.

Each file is its own unit: a bad one gets a one-line reason and the others still go in.
A call is committed only once it is analysed and indexed, so a question never meets a call
the index does not know; if the commit fails, its passages are taken out of the index again.
Ingesting a file that is already stored stores nothing new, but makes sure its analysis and
index entries exist (repairing a call whose earlier indexing was interrupted).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from knowledge.ingest import CallSource, IngestError, content_hash, find_call, ingest_file
from knowledge.models import Call
from knowledge.settings import KnowledgeSettings
from knowledge.transcribe import AUDIO_SUFFIXES, ProgressCallback

log = logging.getLogger(__name__)

# label -> a context giving a progress callback (or None): knowledge.transcribe.terminal_progress
ProgressFactory = Callable[[str], AbstractContextManager[ProgressCallback | None]]


class Index(Protocol):
    """What the pipeline needs of knowledge.index.CallIndex."""

    def add_call(self, call: Call) -> Any: ...

    def delete_call(self, call_id: int) -> None: ...


@dataclass(frozen=True)
class IngestResult:
    path: Path
    call_id: int | None
    created: bool
    error: str | None = None
    title: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def ingest_paths(
    session_factory: Callable[[], Session],
    paths: Sequence[Path],
    *,
    owner_email: str,
    title: str | None = None,
    started_at: datetime | None = None,
    participants: Sequence[str] | None = None,
    settings: KnowledgeSettings,
    progress: ProgressFactory | None = None,
    index: Index | None = None,
) -> list[IngestResult]:
    """Ingest each file; one result per path, in order (``error`` set for the bad ones)."""
    results = []
    opened: list[Index | None] = [index]  # the index is opened once, when first needed
    for path in paths:
        source = CallSource(Path(path), owner_email, title, started_at, tuple(participants or ()))
        results.append(_ingest_one(session_factory, source, settings, progress, opened))
    return results


def _ingest_one(
    session_factory: Callable[[], Session], source: CallSource, settings: KnowledgeSettings,
    progress: ProgressFactory | None, opened: list[Index | None],
) -> IngestResult:
    path = source.path
    with session_factory() as session:
        call_id: int | None = None
        try:
            audio = path.suffix.lower() in AUDIO_SUFFIXES
            with (progress if progress and audio else _no_progress)(
                f"Transcribing {path.name}"
            ) as report:
                call, created = ingest_file(session, source, settings, progress=report)
            call_id = call.id
            analyse(session, call, settings)
            index = opened[0] = opened[0] or open_index(settings)
            if index is not None:
                index.add_call(call)
            session.commit()
            return IngestResult(path, call.id, created, title=call.title)
        except IngestError as error:
            session.rollback()
            return IngestResult(path, None, False, str(error))
        except IntegrityError:
            # Another process stored the same content meanwhile: that call is this file's.
            session.rollback()
            return _already_stored(session, path)
        except Exception as error:  # analysis, index, database: report it, go on with others
            session.rollback()
            log.exception("ingesting %s failed", path)
            if call_id is not None and opened[0] is not None:
                _forget(opened[0], call_id)
            return IngestResult(path, None, False, _reason(error))


def _already_stored(session: Session, path: Path) -> IngestResult:
    call = find_call(session, content_hash(path))
    if call is None:
        return IngestResult(path, None, False, "the database refused the call")
    return IngestResult(path, call.id, False, title=call.title)


def _no_progress(_label: str) -> AbstractContextManager[ProgressCallback | None]:
    return nullcontext(None)


def _forget(index: Index, call_id: int) -> None:
    try:
        index.delete_call(call_id)
    except Exception:  # the call is not stored: a stale passage can only be found by id
        log.warning("could not remove call %s from the index", call_id, exc_info=True)


def _reason(error: Exception) -> str:
    if isinstance(error, SQLAlchemyError):
        cause = getattr(error, "orig", None) or error
        return f"the database refused the call: {' '.join(str(cause).split())[:200]}"
    text = " ".join(str(error).split())[:200]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def analyse(session: Session, call: Call, settings: KnowledgeSettings) -> None:
    """knowledge.analysis computes the call's summary, insights and stats (once per call)."""
    from knowledge.analysis import analyse_call

    analyse_call(session, call, settings)


def open_index(settings: KnowledgeSettings) -> Index:
    from knowledge.index import CallIndex

    index: Index = CallIndex(settings)
    return index


def delete_call(
    session: Session, call_id: int, settings: KnowledgeSettings, index: Index | None = None
) -> bool:
    """Remove the call (turns, participants, analysis) and its index entries; False if none.

    The rows go first and are committed only once the index has let the call go, so a
    failure leaves both as they were (the error propagates).
    """
    call = session.get(Call, call_id)
    if call is None:
        return False
    session.delete(call)
    session.flush()
    (index or open_index(settings)).delete_call(call_id)
    session.commit()
    return True

