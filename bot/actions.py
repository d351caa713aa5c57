"""Runs Rasa SDK custom actions: in this process, on a Rasa action server, or from canned stubs.

Actions are written against rasa_sdk's public API only (``Action``, ``Tracker``,
``CollectingDispatcher``, ``rasa_sdk.events``), so one actions module runs embedded here or
under ``python -m rasa_sdk --actions <module>`` unchanged. Every result crosses a JSON boundary
on the action server, so in-process results are made to cross one too: an action that works
embedded then works on a server, and the engine sees the same shapes from every runner.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import importlib
import inspect
import json
import logging
import pkgutil
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from concurrent.futures import wait as wait_for_futures
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Protocol

import httpx
from rasa_sdk import Action, Tracker
from rasa_sdk import __version__ as rasa_sdk_version
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.interfaces import ActionExecutionRejection
from rasa_sdk.utils import all_subclasses

from bot.config import Config, ConfigError
from bot.tracker import Event
from bot.tracker import Tracker as ConversationTracker

logger = logging.getLogger(__name__)

_REASON_LIMIT = 300
# Action classes that ship with these packages are building blocks, never a project's action.
_LIBRARY_PREFIXES = ("rasa_sdk.", "rasa.", "rasa_core.", "rasa_core_sdk.")


@dataclass
class ActionResult:
    """What an action did: events to apply, and messages for the user (rasa_sdk's shape)."""

    events: list[dict[str, Any]] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)


class ActionError(Exception):
    """An action could not run or failed; ``str()`` is one line a log can show."""

    def __init__(self, action_name: str, reason: str) -> None:
        self.action_name = action_name
        self.reason = _one_line(reason)
        super().__init__(f"action '{action_name}': {self.reason}")


class UnknownActionError(ActionError):
    """No action of that name is registered."""


class ActionTimeoutError(ActionError):
    """The action did not finish within the runner's timeout."""


class ActionRejectedError(ActionError):
    """The action raised rasa_sdk's ``ActionExecutionRejection``."""


class ActionLoadError(Exception):
    """The actions module cannot be imported, or one of its actions cannot be registered."""


class ActionRunner(Protocol):
    def run(
        self, action_name: str, tracker_state: dict[str, Any], domain: dict[str, Any]
    ) -> ActionResult: ...

    def known_actions(self) -> set[str] | None:
        """The action names this runner serves; ``None`` when it cannot know (remote)."""
        ...


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _REASON_LIMIT else line[: _REASON_LIMIT - 3] + "..."


def _describe(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {message[0]}" if message else type(exc).__name__


def _through_json(action_name: str, what: str, value: list[Any]) -> list[dict[str, Any]]:
    """A deep, JSON-shaped copy, as an action server would have sent it."""
    try:
        copied: list[dict[str, Any]] = json.loads(json.dumps(value))
    except (TypeError, ValueError) as exc:
        reason = f"returned {what} that cannot be sent as JSON: {exc}"
        raise ActionError(action_name, reason) from exc
    return copied


def _valid_events(action_name: str, raw: Any) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list | tuple):
        raise ActionError(
            action_name, f"run() returned {type(raw).__name__}, expected a list of events"
        )
    events = []
    for event in raw:
        if isinstance(event, dict) and event.get("event"):
            events.append(event)
        else:
            # Dropped, not fatal, as rasa_sdk's executor does: the same module must behave alike.
            logger.error(
                "Action %r returned %r, which is not a rasa_sdk event; ignored", action_name, event
            )
    return events


# --- in-process ---------------------------------------------------------------------------


class _Abandoned(Exception):
    """The action outlived its timeout (distinct from a TimeoutError the action raises)."""


class _ActionCall:
    """One run of an action on its own daemon thread.

    A thread per call lets a timeout abandon a stuck action without blocking the engine or
    interpreter exit; an async action is also cancelled, so it stops at its next ``await``.
    """

    def __init__(
        self, action: Action, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any
    ) -> None:
        self.future: Future[Any] = Future()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[Any] | None = None
        thread = threading.Thread(
            target=self._work,
            args=(action, dispatcher, tracker, domain),
            daemon=True,
            name=f"action:{action.name()}",
        )
        thread.start()

    def _work(
        self, action: Action, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Any
    ) -> None:
        self.future.set_running_or_notify_cancel()
        try:
            value = action.run(dispatcher, tracker, domain)
            if inspect.isawaitable(value) or dispatcher.is_streaming_active:
                value = asyncio.run(self._finish(value, dispatcher))
        except BaseException as exc:
            self.future.set_exception(exc)
        else:
            self.future.set_result(value)

    async def _finish(self, value: Any, dispatcher: CollectingDispatcher) -> Any:
        self._loop, self._task = asyncio.get_running_loop(), asyncio.current_task()
        if inspect.isawaitable(value):
            value = await value
        if dispatcher.is_streaming_active:
            # rasa_sdk's executor closes a stream the action forgot to end; so do we.
            await dispatcher.stream_end()
        return value

    def result(self, timeout: float) -> Any:
        done, _ = wait_for_futures([self.future], timeout=timeout)
        if not done:
            self._cancel()
            raise _Abandoned
        return self.future.result()

    def _cancel(self) -> None:
        loop, task = self._loop, self._task
        if loop is not None and task is not None:
            # RuntimeError: the loop closed meanwhile, so the action has just finished.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(task.cancel)


class InProcessActionRunner:
    """Imports an actions module (or package, with its submodules) and runs its actions here."""

    def __init__(self, module: str, search_path: Path | None = None, timeout: float = 10.0) -> None:
        self.module = module
        self.timeout = timeout
        if search_path is not None:
            _prepend_sys_path(search_path)
        self._actions = _load_actions(module)

    def known_actions(self) -> set[str] | None:
        return set(self._actions)

    def run(
        self, action_name: str, tracker_state: dict[str, Any], domain: dict[str, Any]
    ) -> ActionResult:
        action = self._actions.get(action_name)
        if action is None:
            raise UnknownActionError(action_name, f"not found in actions module '{self.module}'")
        dispatcher = CollectingDispatcher()
        call = _ActionCall(action, dispatcher, Tracker.from_dict(tracker_state), domain)
        try:
            raw_events = call.result(self.timeout)
        except _Abandoned:
            raise ActionTimeoutError(
                action_name, f"did not finish within {self.timeout:g} s"
            ) from None
        except ActionExecutionRejection as exc:
            raise ActionRejectedError(action_name, exc.message) from exc
        except (Exception, SystemExit) as exc:  # an action's sys.exit() must not stop the bot
            logger.exception("Custom action %r failed", action_name)
            raise ActionError(action_name, _describe(exc)) from exc
        events = _valid_events(action_name, raw_events)
        return ActionResult(
            events=_through_json(action_name, "an event", events),
            responses=_through_json(action_name, "a message", dispatcher.messages),
        )


def _prepend_sys_path(path: Path) -> None:
    entry = str(path.resolve())
    if entry not in sys.path:
        sys.path.insert(0, entry)
        # A folder created after start-up is invisible to the finders' cached listings.
        importlib.invalidate_caches()


def _import(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except Exception as exc:
        logger.exception("Cannot import actions module %r", name)
        raise ActionLoadError(f"cannot import actions module '{name}': {_describe(exc)}") from exc


def _import_tree(name: str) -> list[ModuleType]:
    """The module and, for a package, every submodule, as rasa_sdk's register_package does."""
    module = _import(name)
    path = getattr(module, "__path__", None)
    if path is None:
        return [module]
    modules = [module]
    for info in pkgutil.iter_modules(path, prefix=f"{name}."):
        modules.extend(_import_tree(info.name))
    return modules


def _action_classes(modules: list[ModuleType]) -> Iterator[type[Action]]:
    """Concrete Action subclasses defined in, or imported into, the given modules.

    rasa_sdk registers every subclass in the process; restricting to the loaded tree keeps two
    runners in one process (the project's and a test's) from serving each other's actions.
    """
    names = {module.__name__ for module in modules}
    exposed = {id(value) for module in modules for value in vars(module).values()}
    seen: set[int] = set()
    for cls in all_subclasses(Action):
        if (
            id(cls) in seen
            or inspect.isabstract(cls)
            or cls.__module__.startswith(_LIBRARY_PREFIXES)
        ):
            continue
        seen.add(id(cls))
        if cls.__module__ in names or id(cls) in exposed:
            yield cls


def _load_actions(module_name: str) -> dict[str, Action]:
    actions: dict[str, Action] = {}
    for cls in _action_classes(_import_tree(module_name)):
        where = f"{cls.__module__}.{cls.__qualname__}"
        try:
            action = cls()
            name = action.name()
        except Exception as exc:
            raise ActionLoadError(
                f"actions module '{module_name}': cannot register {where}: {_describe(exc)}"
            ) from exc
        if name in actions:
            logger.warning("Custom action %r is defined twice; %s wins", name, where)
        actions[name] = action
    return actions


# --- remote -------------------------------------------------------------------------------


def _webhook_url(url: str) -> str:
    base = url.rstrip("/")
    return base if base.endswith("/webhook") else f"{base}/webhook"


class RemoteActionRunner:
    """Calls a Rasa action server (``python -m rasa_sdk``) over its HTTP webhook."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = _webhook_url(url)
        self.timeout = timeout
        self._client = httpx.Client(timeout=timeout)

    def known_actions(self) -> set[str] | None:
        return None

    def close(self) -> None:
        self._client.close()

    def run(
        self, action_name: str, tracker_state: dict[str, Any], domain: dict[str, Any]
    ) -> ActionResult:
        payload = {
            "next_action": action_name,
            "sender_id": tracker_state.get("sender_id"),
            "tracker": tracker_state,
            "domain": domain,
            "version": rasa_sdk_version,
        }
        response = self._post(action_name, payload)
        if response.status_code == 449:
            # The server wants the domain it failed to cache; we always send it, so ask once more.
            response = self._post(action_name, payload)
        return self._result(action_name, response)

    def _post(self, action_name: str, payload: dict[str, Any]) -> httpx.Response:
        try:
            return self._client.post(self.url, json=payload)
        except httpx.TimeoutException:
            raise ActionTimeoutError(
                action_name,
                f"the action server at {self.url} did not answer within {self.timeout:g} s",
            ) from None
        except httpx.HTTPError as exc:
            raise ActionError(
                action_name, f"cannot reach the action server at {self.url}: {_describe(exc)}"
            ) from exc
        except TypeError as exc:
            raise ActionError(action_name, f"the tracker cannot be sent as JSON: {exc}") from exc

    def _result(self, action_name: str, response: httpx.Response) -> ActionResult:
        status = response.status_code
        if status == 404:
            raise UnknownActionError(
                action_name, f"the action server at {self.url} has no such action"
            )
        if status == 400:
            raise ActionRejectedError(action_name, _error_text(response) or "rejected")
        if status != 200:
            raise ActionError(
                action_name,
                f"the action server at {self.url} answered HTTP {status}: {_error_text(response)}",
            )
        try:
            body = response.json()
        except ValueError:
            raise ActionError(
                action_name, f"the action server at {self.url} answered with invalid JSON"
            ) from None
        body = body or {}
        events, responses = body.get("events") or [], body.get("responses") or []
        if not isinstance(events, list) or not isinstance(responses, list):
            raise ActionError(
                action_name, f"the action server at {self.url} answered without event lists"
            )
        return ActionResult(events=_valid_events(action_name, events), responses=responses)


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text
    if isinstance(body, dict) and body.get("error"):
        return str(body["error"])
    return response.text


# --- stubs --------------------------------------------------------------------------------


def _stub_result(action_name: str, stub: Any) -> ActionResult:
    """A stub in Rasa's ``stub_custom_actions`` shape, checked now so tests fail early."""
    if not isinstance(stub, dict):
        raise ValueError(
            f"stub for action '{action_name}': expected a mapping with 'events' and/or 'responses'"
        )
    events, responses = stub.get("events") or [], stub.get("responses") or []
    if not isinstance(events, list) or not all(
        isinstance(event, dict) and event.get("event") for event in events
    ):
        raise ValueError(
            f"stub for action '{action_name}': 'events' must be a list of "
            "mappings, each with an 'event' key"
        )
    if not isinstance(responses, list) or not all(isinstance(r, dict) for r in responses):
        raise ValueError(
            f"stub for action '{action_name}': 'responses' must be a list of "
            "mappings such as {text: ...} or {response: utter_x}"
        )
    dispatcher = CollectingDispatcher()
    for message in responses:
        # The dispatcher gives a stub's message exactly the shape a real action's would have.
        dispatcher.utter_message(**message)
    return ActionResult(events=events, responses=dispatcher.messages)


class StubActionRunner:
    """Canned results per action name (Rasa's ``stub_custom_actions``), else a fallback."""

    def __init__(self, stubs: dict[str, dict[str, Any]], fallback: ActionRunner | None) -> None:
        self._stubs = {name: _stub_result(name, stub) for name, stub in stubs.items()}
        self._fallback = fallback

    def known_actions(self) -> set[str] | None:
        if self._fallback is None:
            return set(self._stubs)
        others = self._fallback.known_actions()
        return None if others is None else set(self._stubs) | others

    def run(
        self, action_name: str, tracker_state: dict[str, Any], domain: dict[str, Any]
    ) -> ActionResult:
        stub = self._stubs.get(action_name)
        if stub is not None:
            return copy.deepcopy(stub)
        if self._fallback is None:
            raise UnknownActionError(action_name, "no stub for it and no action runner behind")
        return self._fallback.run(action_name, tracker_state, domain)


# --- wiring -------------------------------------------------------------------------------


def rasa_tracker_state(
    tracker: ConversationTracker, events: list[Event], latest_input_channel: str | None = None
) -> dict[str, Any]:
    """The conversation as rasa_sdk's ``Tracker.from_dict`` and action servers expect it."""
    state = tracker.state
    channel = latest_input_channel or tracker.key.channel
    timestamps = [event["timestamp"] for event in events if "timestamp" in event]
    return {
        "sender_id": tracker.key.sender_id,
        "conversation_id": tracker.key.sender_id,
        # Copies: an in-process action must not be able to edit the engine's state in place.
        "slots": dict(state.slots),
        "latest_message": dict(state.latest_message),
        "events": [_with_input_channel(event, channel) for event in events],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": state.latest_action_name,
        "stack": tracker.rasa_stack(),
        "latest_event_time": max(timestamps) if timestamps else None,
        "latest_input_channel": channel,
    }


def _with_input_channel(event: Event, channel: str) -> Event:
    # rasa_sdk's Tracker.get_latest_input_channel() reads it from the latest user event.
    if event.get("event") == "user" and not event.get("input_channel"):
        return {**event, "input_channel": channel}
    return event


def action_runner_from_config(config: Config) -> ActionRunner | None:
    """``actions.url`` means an action server, ``actions.module`` in-process, neither none."""
    if config.actions_url:
        return RemoteActionRunner(config.actions_url, timeout=config.actions_timeout)
    if config.actions_module:
        try:
            return InProcessActionRunner(
                config.actions_module, search_path=config.root, timeout=config.actions_timeout
            )
        except ActionLoadError as exc:
            raise ConfigError(f"{config.path.name}: actions.module: {exc}") from exc
    return None
