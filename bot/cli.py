"""`salesbot ...`: train, run, shell, test, import, db upgrade, demo.

Every command exits non-zero on failure with a one-line reason (per problem) on stderr.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from bot.config import Config, ConfigError, load_config
from bot.data_plugins import DataPluginError, DataPlugins, load_data_plugins

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="salesbot: a chat-first sales assistant and its bot framework.",
)
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
app.add_typer(db_app, name="db")
jobs_app = typer.Typer(no_args_is_help=True, help="Periodic jobs (config.yml jobs.tasks).")
app.add_typer(jobs_app, name="jobs")

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="Path to config.yml.")]
DEFAULT_CONFIG = Path("config.yml")


class CommandError(Exception):
    """A failure to report on stderr as it is, without a traceback."""


def fail(message: str) -> None:
    for line in message.splitlines() or ["failed"]:
        typer.echo(f"error: {line}", err=True)
    raise typer.Exit(code=1)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn the errors users can cause into clear messages instead of tracebacks."""
    from bot.actions import ActionError
    from bot.dialogue.errors import FlowLoadError
    from bot.migrate import MigrationError
    from bot.testing import TestFileError

    try:
        yield
    except (
        ConfigError,
        FlowLoadError,
        MigrationError,
        TestFileError,
        ActionError,
        CommandError,
        DataPluginError,
    ) as error:
        fail(str(error))
    except Exception as error:
        if type(error).__name__ in ("DataImportError", "TimezoneError"):
            fail(str(error))
        raise


def configure(config_path: Path) -> Config:
    logging.basicConfig(
        level=os.environ.get("SALESBOT_LOG_LEVEL", "WARNING"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    config = load_config(config_path)
    # In-process actions open the same database as the engine (see actions/database.py).
    os.environ.setdefault("SALESBOT_DATABASE_URL", config.database_url)
    os.environ.setdefault("SALESBOT_CONFIG", str(config.path))
    if str(config.root) not in sys.path:
        sys.path.insert(0, str(config.root))
    return config


def data_plugin(config: Config) -> DataPlugins:
    plugins = load_data_plugins(config)
    if plugins is None:
        raise CommandError(f"{config.path.name}: set data.module to import records")
    return plugins


@dataclass(frozen=True)
class PluginProject:
    """What a data plugin's commands get from the bot: the config, and a current schema."""

    config_path: Path
    root: Path
    raw: dict[str, Any]
    database_url: str

    def engine(self) -> Any:
        """A SQLAlchemy engine on the project's database (the caller disposes of it)."""
        from bot.db import make_engine

        return make_engine(self.database_url)


def open_project(config_path: Path) -> PluginProject:
    """Read config.yml and migrate its database, for a plugin's command (errors exit 1)."""
    with reported_errors():
        from bot.migrate import upgrade

        config = configure(config_path)
        upgrade(config)
        return PluginProject(config.path, config.root, config.raw, config.database_url)
    raise AssertionError("unreachable: reported_errors exits on failure")


def mount_plugin_commands(argv: list[str]) -> None:
    """Mount the commands the configured data plugins contribute (`salesbot calls ...`).

    The config is read before typer parses the command line, since which commands exist
    depends on it; a config that cannot be read mounts nothing (the command reports it).
    """
    path = DEFAULT_CONFIG
    for index, arg in enumerate(argv):
        if arg in ("--config", "-c") and index + 1 < len(argv):
            path = Path(argv[index + 1])
        elif arg.startswith("--config="):
            path = Path(arg.split("=", 1)[1])
    if not path.is_file():
        return
    try:
        config = load_config(path)
        if str(config.root) not in sys.path:
            sys.path.insert(0, str(config.root))
        plugins = load_data_plugins(config)
    except Exception:  # a broken config or plugin: the command run reports it
        logging.getLogger(__name__).debug("no plugin commands", exc_info=True)
        return
    if plugins is not None:
        for name, commands in plugins.cli_commands(open_project).items():
            app.add_typer(commands, name=name)


def timed(label: str, work: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = work()
    typer.echo(f"{label} ({time.perf_counter() - started:.1f}s)")
    return result


@app.command()
def train(
    config_path: ConfigOption = DEFAULT_CONFIG,
    force: Annotated[bool, typer.Option(help="Retrain even if nothing changed.")] = False,
    report: Annotated[
        bool, typer.Option(help="Cross-validate: per-intent scores and the most confused pairs.")
    ] = False,
    report_json: Annotated[
        Path | None, typer.Option(help="Write the cross-validation report to this JSON file.")
    ] = None,
    folds: Annotated[int, typer.Option(min=2, help="Folds for the report.")] = 5,
) -> None:
    """Check the flow files and train the NLU (cached: unchanged data is not retrained)."""
    with reported_errors():
        config = configure(config_path)
        from bot.dialogue.loader import load_domain
        from bot.nlu.model import NluConfigError, load_or_train

        domain = load_domain(config.flows)
        examples = domain.training_examples()
        try:
            _, trained = load_or_train(
                examples, config.nlu, config.data_dir / "models", force=force
            )
        except NluConfigError as error:
            raise CommandError(str(error)) from error
        what = "trained" if trained else "unchanged, using the cached model"
        typer.echo(
            f"{len(domain.flows)} flows, {len(domain.intents)} intents, "
            f"{len(examples)} examples: NLU {what}."
        )
        if report or report_json is not None:
            cross_validation_report(examples, config, folds, report, report_json)


def cross_validation_report(
    examples: list[Any], config: Config, folds: int, show: bool, json_path: Path | None
) -> None:
    import json

    from rich.console import Console

    from bot.nlu.report import cross_validate, render

    result = cross_validate(examples, config.nlu, folds=folds)
    if show:
        render(result, Console(soft_wrap=True))
    if json_path is not None:
        try:
            json_path.write_text(json.dumps(result.as_json(), indent=2) + "\n", encoding="utf-8")
        except OSError as error:
            raise CommandError(f"{json_path}: cannot write: {error.strerror or error}") from error
        typer.echo(f"Report written to {json_path}.")


@db_app.command("upgrade")
def db_upgrade(config_path: ConfigOption = DEFAULT_CONFIG) -> None:
    """Create or migrate the database schema to the latest version."""
    with reported_errors():
        from bot.migrate import upgrade

        config = configure(config_path)
        upgrade(config)
        typer.echo("Database is up to date.")


@jobs_app.command("run-once")
def jobs_run_once(config_path: ConfigOption = DEFAULT_CONFIG) -> None:
    """Run every configured job once (for cron, with jobs.runner: none); fails if one fails."""
    with reported_errors():
        from bot.jobs import load_jobs, run_jobs_once
        from bot.migrate import upgrade

        config = configure(config_path)
        upgrade(config)
        results = run_jobs_once(config, load_jobs(config))
        for result in results:
            typer.echo(str(result))
        failed = [result.name for result in results if not result.ok]
        if failed:
            raise CommandError(f"{len(failed)} job(s) failed: {', '.join(failed)}")


@jobs_app.command("run")
def jobs_run(config_path: ConfigOption = DEFAULT_CONFIG) -> None:
    """Run the configured jobs every jobs.interval_seconds until interrupted (a worker)."""
    with reported_errors():
        import asyncio

        from bot.jobs import JobRunner, jobs_settings, load_jobs
        from bot.migrate import upgrade

        config = configure(config_path)
        upgrade(config)
        settings = jobs_settings(config)
        runner = JobRunner(config, load_jobs(config, settings), settings.interval_seconds)
        typer.echo(f"Running {len(runner.jobs)} job(s) every {settings.interval_seconds:g}s "
                   "(Ctrl+C stops).")
        with suppress(KeyboardInterrupt):  # Ctrl+C is how a worker is stopped
            asyncio.run(runner.run(asyncio.Event()))


@app.command("import")
def import_(
    kind: Annotated[str, typer.Argument(help="users, teams, ... or fixtures")],
    file: Annotated[Path, typer.Argument(help="CSV or YAML file")],
    config_path: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Import records from a CSV or YAML file (all or nothing)."""
    with reported_errors():
        from bot.db import make_engine
        from bot.migrate import upgrade

        config = configure(config_path)
        plugin = data_plugin(config)
        upgrade(config)
        engine = make_engine(config.database_url)
        if kind == "fixtures":
            counts = plugin.load_fixtures(engine, file)
            typer.echo("Imported " + ", ".join(f"{n} {k}" for k, n in counts.items()) + ".")
            return
        if kind not in plugin.KINDS:
            raise CommandError(
                f"unknown kind '{kind}' (known: {', '.join(plugin.KINDS)}, fixtures)"
            )
        count = plugin.import_file(engine, kind, file)
        typer.echo(f"Imported {count} {kind} from {file}.")


def load_agent(config: Config) -> Any:
    from bot.agent import Agent
    from bot.migrate import upgrade

    upgrade(config)
    return Agent.load(config)


@app.command()
def run(
    config_path: ConfigOption = DEFAULT_CONFIG,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 5005,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
) -> None:
    """Serve the assistant: REST webhook, web chat and the configured channels."""
    with reported_errors():
        from bot.server import run as serve

        config = configure(config_path)
        agent = load_agent(config)
        shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
        typer.echo(f"salesbot is running: open http://{shown}:{port} (Ctrl+C stops it)")
        serve(agent, host=host, port=port)


@app.command()
def shell(
    config_path: ConfigOption = DEFAULT_CONFIG,
    as_user: Annotated[str | None, typer.Option("--as", help="Act as this user email.")] = None,
    channel: Annotated[str, typer.Option(help="Channel to pretend to be.")] = "shell",
) -> None:
    """Chat with the assistant in the terminal."""
    with reported_errors():
        from bot.jobs import jobs_in_thread, runner_for
        from bot.shell import run_shell

        config = configure(config_path)
        agent = load_agent(config)
        with jobs_in_thread(runner_for(config)):
            run_shell(agent, user=as_user, channel=channel)


@app.command("test")
def test_(
    paths: Annotated[list[Path], typer.Argument(help="Test files or folders.")],
    config_path: ConfigOption = DEFAULT_CONFIG,
    fail_fast: Annotated[bool, typer.Option(help="Stop at the first failure.")] = False,
) -> None:
    """Run end-to-end conversation tests; each case starts from a fresh database."""
    with reported_errors():
        from bot.testing import TestRunner, find_test_files, load_test_file

        config = configure(config_path)
        runner = TestRunner(config)
        passed = failed = 0
        for file in find_test_files(paths):
            for case in load_test_file(file):
                result = runner.run_case(case)
                if result.passed:
                    passed += 1
                    typer.echo(f"PASS {file}: {case.name}")
                    continue
                failed += 1
                typer.echo(f"FAIL {file}: {case.name}")
                for failure in result.failures:
                    typer.echo(f"    {failure}")
                if fail_fast:
                    break
        typer.echo(f"{passed} passed, {failed} failed")
        if failed:
            raise typer.Exit(code=1)


@app.command()
def demo(
    config_path: ConfigOption = DEFAULT_CONFIG,
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 5005,
) -> None:
    """Migrate, load the demo data, train, and serve the web chat."""
    with reported_errors():
        from bot.db import make_engine
        from bot.migrate import upgrade

        config = configure(config_path)
        timed("Database migrated", lambda: upgrade(config))
        fixtures = (config.raw.get("demo") or {}).get("fixtures") or []
        if isinstance(fixtures, str):
            fixtures = [fixtures]
        if not isinstance(fixtures, list) or not all(isinstance(f, str) for f in fixtures):
            raise CommandError(
                f"config.yml demo.fixtures: expected a file or a list of files, got {fixtures!r}")
        plugin = data_plugin(config)
        engine = make_engine(config.database_url)
        for fixture in fixtures:  # in order: later files refer to earlier files' records
            counts = plugin.load_fixtures(engine, config.root / fixture)
            typer.echo(f"Demo data loaded from {fixture}: "
                       + ", ".join(f"{n} {k}" for k, n in counts.items()))
    train(config_path=config_path, force=False)
    run(config_path=config_path, port=port, host="127.0.0.1")


def main() -> None:
    mount_plugin_commands(sys.argv[1:])
    app()
