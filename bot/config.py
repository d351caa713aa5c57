"""config.yml: one file for the whole assistant, with ``${ENV_VAR}`` substitution.

Paths in the file are relative to the file's folder. ``SALESBOT_DATABASE_URL`` overrides
``database.url`` so that a deployment (or a test) can point the same project elsewhere.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_ENV_PATTERN = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class ConfigError(Exception):
    """config.yml is missing, unreadable or names something that does not exist."""


def _substitute_env(value: Any, where: str) -> Any:
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in os.environ:
                return os.environ[name]
            if default is not None:
                return default
            raise ConfigError(f"{where}: environment variable {name} is not set")

        return _ENV_PATTERN.sub(replace, value)
    if isinstance(value, dict):
        return {key: _substitute_env(item, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute_env(item, f"{where}[{index}]") for index, item in enumerate(value)]
    return value


@dataclass
class Config:
    """The parsed config file. Sections the engine does not interpret stay raw dicts."""

    path: Path
    flows: list[Path]
    database_url: str
    actions_module: str | None = None
    actions_url: str | None = None
    actions_timeout: float = 10.0
    data_modules: tuple[str, ...] = ()  # data.module: one module name or a list of them
    session_expiration_minutes: float = 60.0
    nlu: dict[str, Any] = field(default_factory=dict)
    llm: dict[str, Any] = field(default_factory=dict)
    asr: dict[str, Any] = field(default_factory=dict)
    vector_store: dict[str, Any] = field(default_factory=dict)
    channels: dict[str, Any] = field(default_factory=dict)
    jobs: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def data_module(self) -> str | None:
        """The first data plugin (for callers that know of one only)."""
        return self.data_modules[0] if self.data_modules else None

    @property
    def root(self) -> Path:
        return self.path.parent

    @property
    def data_dir(self) -> Path:
        """Where the assistant keeps its files (trained models, the embedded stores)."""
        return self.root / str(self.raw.get("data_dir", ".salesbot"))


def _default_database_url(root: Path, data_dir: str) -> str:
    return f"sqlite:///{(root / data_dir / 'salesbot.db').as_posix()}"


def _module_names(value: Any, where: str) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
        raise ConfigError(f"{where}: expected a module name or a list of module names")
    return tuple(items)


def load_config(path: str | Path = "config.yml") -> Config:
    config_path = Path(path).resolve()
    if not config_path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        raw = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    raw = _substitute_env(raw, config_path.name)
    root = config_path.parent

    flows_value = raw.get("flows", "flows")
    flow_entries = flows_value if isinstance(flows_value, list) else [flows_value]
    flows = [(root / str(entry)).resolve() for entry in flow_entries]

    actions = raw.get("actions") or {}
    database = raw.get("database") or {}
    session = raw.get("session") or {}
    data_dir = str(raw.get("data_dir", ".salesbot"))
    database_url = os.environ.get("SALESBOT_DATABASE_URL") or database.get("url")
    if not database_url:
        database_url = _default_database_url(root, data_dir)
    elif str(database_url).startswith("sqlite:///") and not str(database_url).startswith(
        "sqlite:////"
    ):
        # A relative SQLite path is relative to the config file, like every other path.
        relative = str(database_url)[len("sqlite:///") :]
        if relative and relative != ":memory:":
            database_url = f"sqlite:///{(root / relative).resolve().as_posix()}"

    return Config(
        path=config_path,
        flows=flows,
        database_url=str(database_url),
        actions_module=actions.get("module"),
        actions_url=actions.get("url"),
        actions_timeout=float(actions.get("timeout", 10.0)),
        data_modules=_module_names((raw.get("data") or {}).get("module"), "data.module"),
        session_expiration_minutes=float(session.get("expiration_minutes", 60.0)),
        nlu=dict(raw.get("nlu") or {}),
        llm=dict(raw.get("llm") or {}),
        asr=dict(raw.get("asr") or {}),
        vector_store=dict(raw.get("vector_store") or {}),
        channels=dict(raw.get("channels") or {}),
        jobs=dict(raw.get("jobs") or {}),
        raw=raw,
    )
