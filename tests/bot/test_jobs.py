"""The periodic jobs runner: config, a pass, the loop, the server's lifespan, the shell, the CLI."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from bot.agent import Agent
from bot.cli import app as cli_app
from bot.config import Config, load_config
from bot.jobs import (
    JobRunner,
    JobsConfigError,
    jobs_in_thread,
    jobs_settings,
    load_jobs,
    run_jobs_once,
    runner_for,
)
from bot.server import create_app
from tests.connectors.support import project_agent

REPO = Path(__file__).resolve().parents[2]
JOB_MODULE = '''
import threading

calls = []
lock = threading.Lock()

def count(config):
    with lock:
        calls.append((config.path.name, threading.current_thread().name))
    return f"call {len(calls)}"

def broken(config):
    raise RuntimeError("database is down")

not_callable = 42
'''


@pytest.fixture
def job_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A module of jobs importable under a name of its own for this test."""
    name = f"jobs_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(JOB_MODULE, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    sys.modules.pop(name, None)


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], Config]:
    def write(jobs_yaml: str) -> Config:
        path = tmp_path / "config.yml"
        database = f"{{url: 'sqlite:///{tmp_path}/x.db', migrations: '{REPO / 'migrations'}'}}"
        path.write_text(f"flows: flows\ndatabase: {database}\n{jobs_yaml}", encoding="utf-8")
        return load_config(path)

    return write


def calls(module: str) -> list[tuple[str, str]]:
    return list(sys.modules[module].calls)


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


# --- settings ---------------------------------------------------------------------------------


def test_defaults_run_nothing(write_config: Callable[[str], Config]) -> None:
    config = write_config("")
    assert jobs_settings(config).runner == "inprocess"
    assert jobs_settings(config).interval_seconds == 30
    assert runner_for(config) is None


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("jobs: {runner: celery}", "jobs.runner: 'celery' is not one of inprocess, none"),
        ("jobs: {interval_seconds: 0}", "jobs.interval_seconds: expected a positive number"),
        ("jobs: {interval_seconds: soon}",
         "jobs.interval_seconds: expected a positive number of seconds, got 'soon'"),
        ("jobs: {tasks: 'a:b'}", "jobs.tasks: expected a list"),
        ("jobs: {tasks: [nothing_here]}", "jobs.tasks[0]: 'nothing_here' should be"),
        ("jobs: {tasks: ['no_such_module_xyz:run']}",
         "jobs.tasks[0]: no module named 'no_such_module_xyz'"),
    ],
)
def test_bad_jobs_settings_name_the_entry(write_config: Callable[[str], Config], section: str,
                                          message: str) -> None:
    config = write_config(section)
    with pytest.raises(JobsConfigError) as error:
        load_jobs(config)
    assert f"config.yml {message}" in str(error.value)


def test_a_task_must_name_a_function(write_config: Callable[[str], Config],
                                     job_module: str) -> None:
    for name in ("missing", "not_callable"):
        config = write_config(f"jobs: {{tasks: ['{job_module}:{name}']}}")
        with pytest.raises(JobsConfigError, match=f"jobs.tasks\\[0\\]: {job_module} has no "
                                                  f"function '{name}'"):
            load_jobs(config)


def test_runner_none_leaves_the_jobs_to_someone_else(write_config: Callable[[str], Config],
                                                    job_module: str) -> None:
    config = write_config(f"jobs: {{runner: none, tasks: ['{job_module}:count']}}")
    assert runner_for(config) is None
    assert [job.name for job in load_jobs(config)] == [f"{job_module}:count"]


# --- a pass and the loop ----------------------------------------------------------------------


def test_a_failing_job_is_logged_and_the_next_one_still_runs(
    write_config: Callable[[str], Config], job_module: str, caplog: pytest.LogCaptureFixture
) -> None:
    config = write_config(f"jobs: {{tasks: ['{job_module}:broken', '{job_module}:count']}}")
    with caplog.at_level(logging.INFO, logger="bot.jobs"):
        results = run_jobs_once(config, load_jobs(config))
    assert [(r.name.split(":")[1], r.ok, r.detail) for r in results] == [
        ("broken", False, "database is down"), ("count", True, "call 1")]
    assert str(results[0]).startswith(f"FAILED {job_module}:broken (")
    failure = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert "broken failed" in failure.getMessage() and failure.exc_info is not None


def test_the_loop_goes_on_after_a_failing_pass_and_stops_when_told(
    write_config: Callable[[str], Config], job_module: str
) -> None:
    config = write_config(f"jobs: {{interval_seconds: 0.02, tasks: ['{job_module}:broken', "
                          f"'{job_module}:count']}}")
    runner = runner_for(config)
    assert isinstance(runner, JobRunner)

    async def run_a_while() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(runner.run(stop))
        while len(calls(job_module)) < 3:
            await asyncio.sleep(0.01)
        stop.set()
        await asyncio.wait_for(task, timeout=5)

    asyncio.run(run_a_while())
    done = len(calls(job_module))
    assert done >= 3 and runner.passes == done
    # Jobs ran off the event loop, in worker threads.
    assert all(thread != threading.main_thread().name for _, thread in calls(job_module))
    time.sleep(0.1)
    assert len(calls(job_module)) == done  # stopped means stopped


def test_passes_never_overlap(write_config: Callable[[str], Config], tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"slow_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(
        "import threading, time\nrunning = []\npeak = [0]\nlock = threading.Lock()\n"
        "def slow(config):\n"
        "    with lock:\n        running.append(1); peak[0] = max(peak[0], len(running))\n"
        "    time.sleep(0.05)\n"
        "    with lock:\n        running.pop()\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    config = write_config(f"jobs: {{interval_seconds: 0.001, tasks: ['{name}:slow']}}")
    runner = runner_for(config)
    assert runner is not None
    with jobs_in_thread(runner):
        wait_for(lambda: runner.passes >= 4)
    assert sys.modules[name].peak[0] == 1
    sys.modules.pop(name, None)


def test_the_shell_runs_jobs_on_a_thread_until_it_leaves(write_config: Callable[[str], Config],
                                                         job_module: str) -> None:
    config = write_config(f"jobs: {{interval_seconds: 60, tasks: ['{job_module}:count']}}")
    runner = runner_for(config)
    started = time.monotonic()
    with jobs_in_thread(runner):
        wait_for(lambda: len(calls(job_module)) == 1)  # the first pass runs at once
    assert time.monotonic() - started < 5  # leaving does not wait out the interval
    assert len(calls(job_module)) == 1
    assert not any(t.name == "salesbot-jobs" for t in threading.enumerate())


# --- the server and the CLI -------------------------------------------------------------------


@pytest.fixture(scope="module")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    with project_agent(tmp_path_factory.mktemp("project")) as agent:
        yield agent


def test_the_server_runs_the_jobs_while_it_serves(agent: Agent, job_module: str) -> None:
    jobs = {"interval_seconds": 60, "tasks": [f"{job_module}:count"]}
    with_jobs = Agent(dataclasses.replace(agent.config, jobs=jobs), agent.domain, agent.nlu,
                      agent.store, agent.action_runner)
    app = create_app(with_jobs)
    assert calls(job_module) == []  # loaded, not run: the server has not started
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        wait_for(lambda: len(calls(job_module)) == 1)
    assert len(calls(job_module)) == 1


def test_the_server_refuses_to_start_with_a_bad_job(agent: Agent) -> None:
    jobs = {"tasks": ["no_such_module_xyz:run"]}
    broken = Agent(dataclasses.replace(agent.config, jobs=jobs), agent.domain, agent.nlu,
                   agent.store, agent.action_runner)
    with pytest.raises(JobsConfigError, match="no module named 'no_such_module_xyz'"):
        create_app(broken)


def test_jobs_run_once_reports_each_job_and_fails_if_one_failed(
    write_config: Callable[[str], Config], job_module: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(f"jobs: {{runner: none, tasks: ['{job_module}:count']}}")
    # The CLI exports these for in-process actions: set here, so they are undone afterwards.
    monkeypatch.setenv("SALESBOT_DATABASE_URL", config.database_url)
    monkeypatch.setenv("SALESBOT_CONFIG", str(config.path))
    result = CliRunner().invoke(cli_app, ["jobs", "run-once", "--config", str(config.path)])
    assert result.exit_code == 0, result.output
    assert f"ok {job_module}:count (" in result.output and "call 1" in result.output

    config = write_config(f"jobs: {{tasks: ['{job_module}:count', '{job_module}:broken']}}")
    result = CliRunner().invoke(cli_app, ["jobs", "run-once", "--config", str(config.path)])
    assert result.exit_code == 1
    assert f"FAILED {job_module}:broken" in result.output
    assert f"1 job(s) failed: {job_module}:broken" in result.output
