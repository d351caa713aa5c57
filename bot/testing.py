"""End-to-end conversation tests in Rasa's test-case YAML, each on a fresh database.

fixtures: [fixtures/org.yml]          # optional, relative to the test file
env: {SALESBOT_EMAIL_DAILY_LIMIT: 3}  # optional, also per case: environment variables set while
                                      # a case runs, for what reads them then (actions, and ${VAR}
                                      # in a config they load); the engine's own config is loaded
                                      # once, before
stub_custom_actions:                  # optional canned results, as in Rasa
  action_check_order: {events: [...], responses: [{text: ...}]}
test_cases:
  - test_case: a name
    user: sam@acme.example            # acting identity (omit for an anonymous visitor)
    channel: slack
    steps:
      - user: hello
        message_id: m1                # optional; the same id again is a platform's retry
      - assertions:
          - bot_uttered: {utter_name: utter_greet}
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.actions import ActionRunner, StubActionRunner, action_runner_from_config
from bot.agent import Agent, UserMessage
from bot.assertions import check_assertion
from bot.config import Config
from bot.data_plugins import load_data_plugins
from bot.db import make_engine
from bot.dialogue.flows import Domain
from bot.dialogue.loader import load_domain
from bot.nlu.model import NluModel, load_or_train
from bot.tracker import BOT, ConversationKey, Event, make_event
from bot.tracker_store import SQLTrackerStore
from bot.tracker_store import metadata as tracker_metadata


class TestFileError(Exception):
    """A test file that cannot be read; the message names the file and the problem."""

    __test__ = False


@dataclass
class TestCase:
    __test__ = False  # not a pytest test class, despite its name

    name: str
    file: Path
    steps: list[dict[str, Any]]
    user: str | None = None
    channel: str = "rest"
    timezone: str | None = None
    fixtures: list[Path] = field(default_factory=list)
    stubs: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class CaseResult:
    case: TestCase
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def load_test_file(path: Path) -> list[TestCase]:
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise TestFileError(f"{path}: cannot read: {error}") from error
    if not isinstance(content, dict) or not isinstance(content.get("test_cases"), list):
        raise TestFileError(f"{path}: expected a 'test_cases' list")
    fixtures = [(path.parent / str(item)).resolve() for item in _as_list(content.get("fixtures"))]
    stubs = dict(content.get("stub_custom_actions") or {})
    file_env = _environment_of(content.get("env"), str(path))
    cases: list[TestCase] = []
    for index, raw in enumerate(content["test_cases"], start=1):
        if not isinstance(raw, dict) or not raw.get("test_case"):
            raise TestFileError(f"{path}: test case {index} needs a 'test_case' name")
        name = str(raw["test_case"])
        if not isinstance(raw.get("steps"), list):
            raise TestFileError(f"{path}: test case '{name}' needs a 'steps' list")
        case_fixtures = fixtures + [
            (path.parent / str(item)).resolve() for item in _as_list(raw.get("fixtures"))
        ]
        case_stubs = {
            key.split("::", 1)[1]: value
            for key, value in stubs.items()
            if key.startswith(f"{name}::")
        }
        general = {key: value for key, value in stubs.items() if "::" not in key}
        cases.append(
            TestCase(
                name=name,
                file=path,
                steps=raw["steps"],
                user=raw.get("user"),
                channel=str(raw.get("channel") or "rest"),
                timezone=raw.get("timezone"),
                fixtures=case_fixtures,
                stubs={**general, **case_stubs},
                env={**file_env, **_environment_of(raw.get("env"), f"{path}: '{name}'")},
            )
        )
    return cases


def _environment_of(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TestFileError(f"{where}: 'env' must map variable names to values")
    return {str(name): str(setting) for name, setting in value.items()}


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    previous = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _message_id(value: Any) -> str | None:
    return None if value is None else str(value)


def find_test_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.suffix in (".yml", ".yaml")
                    and "test_cases" in p.read_text(encoding="utf-8")
                )
            )
        elif path.is_file():
            files.append(path)
        else:
            raise TestFileError(f"{path}: no such file or folder")
    return files


class TestRunner:
    """Runs cases against one trained assistant; each case gets its own database."""

    __test__ = False

    def __init__(
        self, config: Config, domain: Domain | None = None, nlu: NluModel | None = None
    ) -> None:
        self.config = config
        self.domain = domain or load_domain(config.flows)
        self.nlu = (
            nlu
            or load_or_train(
                self.domain.training_examples(), config.nlu, config.data_dir / "models"
            )[0]
        )
        self.actions: ActionRunner | None = action_runner_from_config(config)

    def run_case(self, case: TestCase) -> CaseResult:
        result = CaseResult(case)
        # Actions read the project's config.yml by SALESBOT_CONFIG, as under `salesbot run`; the
        # case's project is the one under test, whatever an earlier command left in the variable.
        environment = {"SALESBOT_CONFIG": str(self.config.path), **case.env}
        with self.fresh_database(case) as url, _environment(environment):
            engine = make_engine(url)
            runner = StubActionRunner(case.stubs, self.actions) if case.stubs else self.actions
            agent = Agent(self.config, self.domain, self.nlu, SQLTrackerStore(engine), runner)
            key = ConversationKey("e2e-visitor" if case.user is None else case.user, case.channel)
            turn_events: list[Event] = []
            for number, step in enumerate(case.steps, start=1):
                if not isinstance(step, dict):
                    result.failures.append(f"step {number}: not a mapping")
                    continue
                if "user" in step:
                    before = len(agent.history(key))
                    replies = agent.handle(
                        UserMessage(
                            text=str(step["user"]),
                            sender_id=key.sender_id,
                            channel=case.channel,
                            metadata=dict(step.get("metadata") or {}),
                            user=case.user,
                            timezone=case.timezone,
                            message_id=_message_id(step.get("message_id")),
                        )
                    )
                    turn_events = agent.history(key)[before:]
                    if not turn_events:
                        # A repeated message_id stores no turn; assertions see what the
                        # user got back instead: the replies of the first time.
                        turn_events = [make_event(BOT, **reply.event_data()) for reply in replies]
                    continue
                for assertion in self.assertions_of(step):
                    failure = check_assertion(assertion, turn_events)
                    if failure:
                        result.failures.append(f"step {number}: {failure}")
            engine.dispose()
        return result

    @staticmethod
    def assertions_of(step: dict[str, Any]) -> list[dict[str, Any]]:
        if "assertions" in step:
            return [a for a in _as_list(step["assertions"]) if isinstance(a, dict)]
        return [step]  # Rasa's older step forms: {utter: x}, {bot: text}, {slot_was_set: ...}

    @contextmanager
    def fresh_database(self, case: TestCase) -> Iterator[str]:
        with tempfile.TemporaryDirectory(prefix="salesbot-e2e-") as folder:
            url = f"sqlite:///{folder}/case.db"
            engine = make_engine(url)
            tracker_metadata.create_all(engine)
            plugin = load_data_plugins(self.config)
            if plugin is not None:
                plugin.create_all(engine)
                for fixture in case.fixtures:
                    plugin.load_fixtures(engine, fixture)
            elif case.fixtures:
                raise TestFileError(f"{case.file}: fixtures need 'data.module' in config.yml")
            engine.dispose()
            previous = os.environ.get("SALESBOT_DATABASE_URL")
            # In-process actions open the database by this variable, as they do in production.
            os.environ["SALESBOT_DATABASE_URL"] = url
            try:
                yield url
            finally:
                if previous is None:
                    os.environ.pop("SALESBOT_DATABASE_URL", None)
                else:
                    os.environ["SALESBOT_DATABASE_URL"] = previous
