"""Periodic jobs, run in-process beside the server or the shell (the embedded default).

config.yml names the jobs by ``module:function``, so the framework runs work it knows nothing
about (a cadence's due emails, say) without importing it::

    jobs:
      runner: inprocess        # or none: run them elsewhere (`salesbot jobs run`, cron with
      interval_seconds: 30     #   `salesbot jobs run-once`)
      tasks: ["actions.jobs:run_cadence_jobs"]

A job is a plain function taking the :class:`~bot.config.Config`; what it returns (a summary)
is logged. Jobs block (database, SMTP), so each pass runs in a worker thread, the jobs one after
another; the next pass starts ``interval_seconds`` after the last one ended, so passes never
overlap. A job that raises is logged with its traceback and the loop goes on.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from bot.config import Config, ConfigError

log = logging.getLogger(__name__)

RUNNERS = ("inprocess", "none")
DEFAULT_INTERVAL_SECONDS = 30.0
# How long shutting down waits for a pass in progress before leaving it to finish alone.
STOP_GRACE_SECONDS = 10.0

JobFunction = Callable[[Config], Any]


class JobsConfigError(ConfigError):
    """config.yml's ``jobs`` section names a runner, interval or task that cannot be used."""


@dataclass(frozen=True)
class JobsSettings:
    runner: str = "inprocess"
    interval_seconds: float = DEFAULT_INTERVAL_SECONDS
    tasks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Job:
    name: str  # as config.yml gives it: "module:function"
    function: JobFunction


@dataclass(frozen=True)
class JobResult:
    name: str
    ok: bool
    seconds: float
    detail: str  # the job's summary, or the error

    def __str__(self) -> str:
        status = "ok" if self.ok else "FAILED"
        return f"{status} {self.name} ({self.seconds:.1f}s)" + (
            f": {self.detail}" if self.detail else "")


def jobs_settings(config: Config) -> JobsSettings:
    section = config.jobs or {}
    runner = str(section.get("runner", "inprocess")).strip().lower()
    if runner not in RUNNERS:
        raise JobsConfigError(
            f"{config.path.name} jobs.runner: '{runner}' is not one of {', '.join(RUNNERS)}")
    interval = section.get("interval_seconds", DEFAULT_INTERVAL_SECONDS)
    try:
        seconds = float(interval)
    except (TypeError, ValueError):
        seconds = 0.0
    if not seconds > 0:
        raise JobsConfigError(
            f"{config.path.name} jobs.interval_seconds: expected a positive number of seconds, "
            f"got {interval!r}")
    tasks = section.get("tasks") or []
    if isinstance(tasks, str) or not isinstance(tasks, list):
        raise JobsConfigError(f"{config.path.name} jobs.tasks: expected a list of "
                              "\"module:function\" names")
    return JobsSettings(runner, seconds, tuple(str(task).strip() for task in tasks))


def load_jobs(config: Config, settings: JobsSettings | None = None) -> list[Job]:
    """Import every task config.yml names; a bad name is an error naming its entry."""
    settings = settings or jobs_settings(config)
    return [_load(config, index, name) for index, name in enumerate(settings.tasks)]


def _load(config: Config, index: int, name: str) -> Job:
    where = f"{config.path.name} jobs.tasks[{index}]"
    module_name, _, function_name = name.partition(":")
    if not module_name or not function_name:
        raise JobsConfigError(f"{where}: '{name}' should be \"module:function\"")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name and module_name.startswith(error.name):
            raise JobsConfigError(f"{where}: no module named '{module_name}'") from error
        raise  # the module exists but one of its own imports is missing: show that
    function = getattr(module, function_name, None)
    if not callable(function):
        raise JobsConfigError(f"{where}: {module_name} has no function '{function_name}'")
    return Job(name, function)


def run_jobs_once(config: Config, jobs: list[Job]) -> list[JobResult]:
    """Run each job once, in order; one that raises is logged and the next still runs."""
    results = []
    for job in jobs:
        started = time.perf_counter()
        try:
            detail = job.function(config)
        except Exception as error:
            log.exception("job %s failed", job.name)
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            results.append(JobResult(job.name, False, time.perf_counter() - started, reason))
            continue
        result = JobResult(job.name, True, time.perf_counter() - started,
                           "" if detail is None else str(detail))
        log.info("job %s", result)
        results.append(result)
    return results


class JobRunner:
    """Runs ``jobs`` every ``interval_seconds`` until told to stop."""

    def __init__(self, config: Config, jobs: list[Job], interval_seconds: float) -> None:
        self.config = config
        self.jobs = jobs
        self.interval_seconds = interval_seconds
        self.passes = 0

    def run_once(self) -> list[JobResult]:
        results = run_jobs_once(self.config, self.jobs)
        self.passes += 1
        return results

    async def run(self, stop: asyncio.Event) -> None:
        """Pass after pass, the first one at once, until ``stop`` is set."""
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.run_once)
            except Exception:  # run_once logs a job's errors; this is a bug in the runner
                log.exception("jobs pass failed")
            with suppress(TimeoutError):  # the interval passed without a stop
                await asyncio.wait_for(stop.wait(), timeout=self.interval_seconds)


def runner_for(config: Config) -> JobRunner | None:
    """The in-process runner config.yml asks for; None for ``runner: none`` or no tasks."""
    settings = jobs_settings(config)
    if settings.runner == "none" or not settings.tasks:
        return None
    return JobRunner(config, load_jobs(config, settings), settings.interval_seconds)


@asynccontextmanager
async def jobs_running(runner: JobRunner | None) -> AsyncIterator[JobRunner | None]:
    """For a server's lifespan: ``runner`` (from :func:`runner_for`) runs as a task of its
    event loop until the server stops."""
    if runner is None:
        yield None
        return
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop), name="salesbot-jobs")
    log.info("jobs: %d task(s) every %gs", len(runner.jobs), runner.interval_seconds)
    try:
        yield runner
    finally:
        stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout=STOP_GRACE_SECONDS)
        except TimeoutError:
            log.warning("jobs: a pass was still running at shutdown; not waiting for it")


@contextmanager
def jobs_in_thread(runner: JobRunner | None) -> Iterator[JobRunner | None]:
    """For a program without an event loop (the shell): ``runner`` on a thread of its own."""
    if runner is None:
        yield None
        return
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.run(stop))

    # Daemon: a pass stuck on a dead SMTP server must not keep the shell from exiting.
    thread = threading.Thread(target=serve, name="salesbot-jobs", daemon=True)
    thread.start()
    try:
        yield runner
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(STOP_GRACE_SECONDS)
        if not thread.is_alive():
            loop.close()
