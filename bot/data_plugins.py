"""The data plugins (config.yml ``data.module``: one module, or a list of them) seen as one.

A data plugin is a module the bot reaches by name and never imports statically. It may offer:
``metadata`` (its tables), ``KINDS`` (what `salesbot import` and fixtures load, in dependency
order), ``load_fixtures(engine, path[, kinds])``, ``import_file(engine, kind, path)``,
``record_names(engine)`` (names the NLU recognises), ``configure(config_mapping, root)``
(called once with config.yml's parsed mapping) and ``cli_commands(open_project)`` (typer apps
mounted as `salesbot <name> ...`). With several plugins, a fixture file's kinds go to the
plugin that has them, plugin by plugin in the configured order, so a later plugin's records
(calls) may refer to an earlier one's (users, contacts).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from sqlalchemy import Engine, MetaData

from bot.config import Config


class DataPluginError(Exception):
    """A data plugin cannot be loaded, or a file names a kind no plugin has."""


@dataclass(frozen=True)
class DataPlugins:
    modules: tuple[ModuleType, ...]

    @property
    def KINDS(self) -> tuple[str, ...]:
        return tuple(kind for module in self.modules for kind in getattr(module, "KINDS", ()))

    @property
    def metadata(self) -> list[MetaData]:
        found: list[MetaData] = []
        for module in self.modules:
            metadata = getattr(module, "metadata", None)
            if isinstance(metadata, MetaData) and all(metadata is not m for m in found):
                found.append(metadata)
        return found

    def create_all(self, engine: Engine) -> None:
        for metadata in self.metadata:
            metadata.create_all(engine)

    def load_fixtures(self, engine: Engine, path: Path) -> dict[str, int]:
        if len(self.modules) == 1:
            counts: dict[str, int] = self.modules[0].load_fixtures(engine, path)
            return counts
        kinds = self._fixture_kinds(engine, path)
        counts = {}
        for module in self.modules:
            mine = [kind for kind in getattr(module, "KINDS", ()) if kind in kinds]
            if mine:
                counts.update(module.load_fixtures(engine, path, kinds=mine))
        return counts

    def import_file(self, engine: Engine, kind: str, path: Path) -> int:
        for module in self.modules:
            if kind in getattr(module, "KINDS", ()):
                count: int = module.import_file(engine, kind, path)
                return count
        raise DataPluginError(f"unknown kind '{kind}' (known: {', '.join(self.KINDS)})")

    def record_names(self, engine: Engine) -> dict[str, list[Any]]:
        names: dict[str, list[Any]] = {}
        for module in self.modules:
            record_names = getattr(module, "record_names", None)
            if callable(record_names):
                for kind, specs in record_names(engine).items():
                    names.setdefault(kind, []).extend(specs)
        return names

    def cli_commands(self, open_project: Callable[[Path], Any]) -> dict[str, Any]:
        commands: dict[str, Any] = {}
        for module in self.modules:
            contribute = getattr(module, "cli_commands", None)
            if callable(contribute):
                commands.update(contribute(open_project))
        return commands

    def _fixture_kinds(self, engine: Engine, path: Path) -> list[str]:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            # The first plugin reports an unreadable file best (it names the line at fault).
            self.modules[0].load_fixtures(engine, path)
            raise
        if not isinstance(data, dict):
            return []
        known = set(self.KINDS)
        for kind in data:
            if kind not in known:
                raise DataPluginError(
                    f"{path.name}: '{kind}' is not a kind; supported kinds: "
                    f"{', '.join(self.KINDS)}")
        return list(data)


def load_data_plugins(config: Config) -> DataPlugins | None:
    """The plugins config.yml names, imported and configured; None when it names none."""
    if not config.data_modules:
        return None
    modules = []
    for name in config.data_modules:
        try:
            module = importlib.import_module(name)
        except ImportError as error:
            raise DataPluginError(
                f"{config.path.name}: data.module {name} cannot be imported: {error}") from error
        configure = getattr(module, "configure", None)
        if callable(configure):
            configure(config.raw, config.root)
        modules.append(module)
    return DataPlugins(tuple(modules))
