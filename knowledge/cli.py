"""`salesbot calls ingest|list|show|delete`: contributed to the bot's CLI by knowledge.data.

The bot hands over ``open_project(config_path)``, which reads config.yml, migrates the
database and exits with a one-line reason if it cannot; everything else is here. Exit status
is 1 on any failure; ``ingest`` stores the good files even when some are bad, and names each
bad one with its reason.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from knowledge.models import Call
from knowledge.settings import KnowledgeSettings, KnowledgeSettingsError, knowledge_settings
from sales.models import User

ConfigOption = Annotated[Path, typer.Option("--config", "-c", help="Path to config.yml.")]
DEFAULT_CONFIG = Path("config.yml")
EXCERPT_TURNS = 12


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=1)


def calls_app(open_project: Callable[[Path], Any]) -> typer.Typer:
    app = typer.Typer(no_args_is_help=True, help="Calls: ingest recordings and transcripts.")

    @contextmanager
    def project(config_path: Path) -> Iterator[tuple[Engine, KnowledgeSettings]]:
        # Our own bar shows transcription; the embedding model's loading bar is noise.
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        opened = open_project(config_path)
        try:
            settings = knowledge_settings(opened.raw, opened.root, opened.database_url)
        except KnowledgeSettingsError as error:
            fail(f"{opened.config_path.name}: {error}")
        engine = opened.engine()
        try:
            yield engine, settings
        finally:
            engine.dispose()

    @app.command("ingest")
    def ingest(
        files: Annotated[list[Path], typer.Argument(help="Recordings or transcripts.")],
        owner: Annotated[str, typer.Option(help="Email of the user whose calls these are.")],
        title: Annotated[str | None, typer.Option(help="Title (default: from the file).")] = None,
        started_at: Annotated[str | None, typer.Option(
            "--started-at", help="ISO time the call started (default: the transcript's, "
            "else now).")] = None,
        participants: Annotated[str | None, typer.Option(
            help="Other participants' emails, comma-separated.")] = None,
        config_path: ConfigOption = DEFAULT_CONFIG,
    ) -> None:
        """Transcribe (audio) or read (transcripts), store, analyse and index calls."""
        from knowledge.pipeline import ingest_paths
        from knowledge.transcribe import terminal_progress

        when = _iso_time(started_at) if started_at else None
        emails = [e.strip() for e in (participants or "").split(",") if e.strip()]
        with project(config_path) as (engine, settings):
            results = ingest_paths(
                sessionmaker(engine), files, owner_email=owner, title=title, started_at=when,
                participants=emails, settings=settings, progress=terminal_progress,
            )
        for result in results:
            if result.error is None:
                verb = "ingested" if result.created else "already ingested"
                typer.echo(f"{result.path}: {verb} as call {result.call_id} ({result.title})")
            else:
                typer.echo(f"error: {result.path}: {result.error}", err=True)
        failed = [result for result in results if result.error is not None]
        if failed:
            fail(f"{len(failed)} of {len(results)} file(s) not ingested: "
                 + ", ".join(str(result.path) for result in failed))

    @app.command("list")
    def list_(
        owner: Annotated[str | None, typer.Option(help="Only this user's calls.")] = None,
        config_path: ConfigOption = DEFAULT_CONFIG,
    ) -> None:
        """List calls, newest first."""
        with project(config_path) as (engine, _settings), Session(engine) as session:
            query = select(Call).order_by(Call.started_at.desc(), Call.id.desc())
            if owner:
                user = session.scalars(select(User).where(User.email == owner.lower())).first()
                if user is None:
                    fail(f"owner {owner}: no user with this email")
                query = query.where(Call.owner_id == user.id)
            calls = session.scalars(query).all()
            for call in calls:
                typer.echo(_call_line(call))
            if not calls:
                typer.echo("No calls.")

    @app.command("show")
    def show(
        call_id: Annotated[int, typer.Argument(help="The call's id (see `calls list`).")],
        config_path: ConfigOption = DEFAULT_CONFIG,
    ) -> None:
        """A call: details, participants, summary, insights, talk statistics, transcript."""
        from knowledge.call_report import render_call

        with project(config_path) as (engine, _settings), Session(engine) as session:
            call = session.get(Call, call_id)
            if call is None:
                fail(f"no call with id {call_id}")
            typer.echo(render_call(call, excerpt_turns=EXCERPT_TURNS))

    @app.command("delete")
    def delete(
        call_id: Annotated[int, typer.Argument(help="The call's id (see `calls list`).")],
        config_path: ConfigOption = DEFAULT_CONFIG,
    ) -> None:
        """Delete a call: its transcript, participants, analysis and index entries."""
        from knowledge.pipeline import delete_call

        with project(config_path) as (engine, settings), Session(engine) as session:
            if not delete_call(session, call_id, settings):
                fail(f"no call with id {call_id}")
        typer.echo(f"Deleted call {call_id}.")

    return app


def _iso_time(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        fail(f"--started-at: expected an ISO time like 2026-03-02T15:00:00Z, got {value!r}")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _call_line(call: Call) -> str:
    from knowledge.call_report import clock

    account = call.account.name if call.account else "-"
    return (f"{call.id:>5}  {call.started_at:%Y-%m-%d %H:%M}  {clock(call.duration_seconds):>7}  "
            f"{call.owner.email}  {account}  {call.title}")
