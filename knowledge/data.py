"""The calls data plugin: config.yml ``data.module: [sales.data, knowledge.data]``.

The bot reaches it by name (never statically) and uses: ``metadata``, ``KINDS``,
``DataImportError``, ``import_file``, ``import_records``, ``load_fixtures``, ``configure``
(config.yml's parsed mapping: the ``asr``, ``vector_store``... sections) and ``cli_commands``
(`salesbot calls ...`).

The ``calls`` kind: records ``{file, owner, title?, started_at?, participants?}``; ``file`` is
a transcript or a recording, relative to the file that lists it. A fixture's calls go in
after its users and contacts (sales.data comes first in ``data.module``). Like every import
it is all or nothing: if one call cannot be ingested, the calls this import added are taken
out again and the error names the record.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

import knowledge.models  # noqa: F401  (the call tables, on the shared metadata)
from knowledge.pipeline import delete_call, ingest_paths
from knowledge.settings import KnowledgeSettings, knowledge_settings
from sales.data import metadata
from sales.importing import (
    DataImportError,
    Fields,
    SourceRecord,
    mapping_value_node,
    read_file,
    read_yaml,
    records_from_list,
    yaml_records,
)

__all__ = [
    "KINDS",
    "DataImportError",
    "cli_commands",
    "configure",
    "import_file",
    "import_records",
    "load_fixtures",
    "metadata",
]

KINDS: tuple[str, ...] = ("calls",)
CALL_FIELDS = ("file", "owner", "title", "started_at", "participants")

_config: tuple[Mapping[str, Any], Path] = ({}, Path.cwd())


def configure(config: Mapping[str, Any], root: Path) -> None:
    """config.yml's mapping and folder: the calls settings (ASR model, index) come from it."""
    global _config
    _config = (config, Path(root))


def settings_for(engine: Engine) -> KnowledgeSettings:
    config, root = _config
    return knowledge_settings(config, root, engine.url.render_as_string(hide_password=False))


def import_file(engine: Engine, kind: str, path: Path) -> int:
    """`salesbot import calls FILE`: a CSV or YAML list of calls; returns how many."""
    _check_kind(kind, str(path))
    return _import_calls(engine, read_file(path, kind), path.parent)


def import_records(engine: Engine, kind: str, records: list[dict[str, Any]], source: str,
                   base_dir: Path | None = None) -> int:
    _check_kind(kind, source)
    return _import_calls(engine, records_from_list(records, source), base_dir or Path.cwd())


def load_fixtures(
    engine: Engine, path: Path, kinds: Collection[str] | None = None
) -> dict[str, int]:
    """The ``calls`` of a fixture file (its other kinds belong to other plugins)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise DataImportError(f"{path}: cannot read: {error.strerror or error}") from error
    data, node = read_yaml(text, path.name)
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise DataImportError(f"{path.name}: expected a mapping with one key per kind")
    if "calls" not in data or (kinds is not None and "calls" not in kinds):
        return {}
    records = yaml_records(data["calls"], mapping_value_node(node, "calls"), path.name, "calls")
    return {"calls": _import_calls(engine, records, path.parent)}


def _check_kind(kind: str, source: str) -> None:
    if kind not in KINDS:
        raise DataImportError(f"{source}: cannot import '{kind}'; supported kinds: calls")


def _import_calls(engine: Engine, records: list[SourceRecord], base_dir: Path) -> int:
    wanted = [_read_call(record, base_dir) for record in records]  # every field first
    settings = settings_for(engine)
    sessions: Callable[[], Session] = sessionmaker(engine)
    added: list[int] = []
    try:
        for record, call in wanted:
            [result] = ingest_paths(
                sessions, [call["file"]], owner_email=call["owner"], title=call["title"],
                started_at=call["started_at"], participants=call["participants"],
                settings=settings,
            )
            if result.error is not None:
                raise record.error(None, f"{call['file'].name}: {result.error}")
            if result.created and result.call_id is not None:
                added.append(result.call_id)
    except DataImportError:
        for call_id in added:
            with sessions() as session:
                delete_call(session, call_id, settings)
        raise
    return len(wanted)


def _read_call(record: SourceRecord, base_dir: Path) -> tuple[SourceRecord, dict[str, Any]]:
    fields = Fields(record, CALL_FIELDS)
    file = base_dir / fields.required_text("file", max_length=1000)
    if not file.is_file():
        raise record.error("file", f"no such file: {file}")
    return record, {
        "file": file,
        "owner": fields.required_email("owner"),
        "title": fields.text("title", max_length=300),
        "started_at": _started_at(record),
        "participants": fields.emails("participants") or [],
    }


_RELATIVE = re.compile(r"now(?:\s*([+-])\s*(\d+)\s*([mhdw]))?")


def _started_at(record: SourceRecord) -> datetime | None:
    """An ISO date or time (YAML may have read it as one already); no zone means UTC.

    Or a moment relative to the import: ``now``, ``now-2d``, ``now-3h``, ``now-1w``, ``now-30m``.
    """
    value = record.values.get("started_at")
    if value is None or value == "":
        return None
    relative = _RELATIVE.fullmatch(str(value).strip().lower())
    if relative:  # "now-2d": fixtures whose "this week" does not depend on the day tests run
        amount = int(relative.group(2) or 0) * (-1 if relative.group(1) == "-" else 1)
        unit = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}[relative.group(3) or "d"]
        return datetime.now(UTC) + timedelta(**{unit: amount})
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time())
    else:
        try:
            moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise record.error("started_at", f"expected an ISO date or time like "
                                             f"2026-03-02T15:00:00Z, got {value!r}") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def cli_commands(open_project: Callable[[Path], Any]) -> dict[str, Any]:
    """`salesbot calls ...` (knowledge.cli); typer is imported only when the CLI asks."""
    from knowledge.cli import calls_app

    return {"calls": calls_app(open_project)}
