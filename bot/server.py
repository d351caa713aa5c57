"""The ASGI app: mounts the configured connectors beside health, metrics and echo endpoints.

A connector is any module ``connectors.<name>`` that satisfies :class:`Connector`; the server
finds it by the channel's name in config.yml (``channels: {rest: {...}, webchat: {}}``) so the
framework never imports a platform it is not told to serve. Connectors run a turn through
:func:`handle_turn`, which keeps the event loop free and the metrics honest.

A request passes through one visible pipeline: :class:`RequestLog` (timing, logging, and a JSON
500 for anything a connector did not handle) -> the route -> the connector's endpoint.
"""

from __future__ import annotations

import copy
import importlib
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any, Protocol, cast, runtime_checkable

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.config import LOGGING_CONFIG

from bot.agent import Agent, UserMessage
from bot.config import ConfigError
from bot.jobs import jobs_running, runner_for
from bot.responses import BotMessage

log = logging.getLogger(__name__)
# Its own name, so `salesbot run` can show requests without everything else at INFO.
request_log = logging.getLogger(f"{__name__}.requests")

DEFAULT_CHANNELS: dict[str, dict[str, Any]] = {"rest": {}, "webchat": {}}
MAX_ECHO_BYTES = 64 * 1024


@runtime_checkable
class Connector(Protocol):
    """What a module ``connectors.<name>`` provides to be served as channel ``<name>``.

    ``routes`` gets the agent and the channel's settings from config.yml (``{}`` when the key
    has no value) and returns the Starlette routes to mount; it runs once, at startup, so it
    is the place to reject bad settings with a clear error. Endpoints run turns with
    :func:`handle_turn`.
    """

    def routes(self, agent: Agent, settings: dict[str, Any]) -> list[BaseRoute]: ...


class ChannelError(ConfigError):
    """config.yml names a channel with no connector, or a connector that is not one."""


# -- metrics ----------------------------------------------------------------------------------

# Seconds; spread over what a turn costs, from a cached NLU parse to a slow remote action.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class TurnMetrics:
    """Counters and a latency histogram of turns, per channel, in Prometheus' text format.

    Hand-written because three metric families do not justify a client library.
    """

    def __init__(self, buckets: Sequence[float] = LATENCY_BUCKETS) -> None:
        self.buckets = tuple(buckets)
        self._lock = threading.Lock()
        self._turns: dict[str, int] = {}
        self._failures: dict[str, int] = {}
        self._bucket_counts: dict[str, list[int]] = {}
        self._sums: dict[str, float] = {}

    def observe(self, channel: str, seconds: float, failed: bool = False) -> None:
        with self._lock:
            self._turns[channel] = self._turns.get(channel, 0) + 1
            if failed:
                self._failures[channel] = self._failures.get(channel, 0) + 1
            counts = self._bucket_counts.setdefault(channel, [0] * len(self.buckets))
            for index, bound in enumerate(self.buckets):
                if seconds <= bound:
                    counts[index] += 1
            self._sums[channel] = self._sums.get(channel, 0.0) + seconds

    def render(self) -> str:
        with self._lock:
            channels = sorted(self._turns)
            lines = [
                "# HELP salesbot_turns_total Turns handled, by channel (failed ones included).",
                "# TYPE salesbot_turns_total counter",
                *(f'salesbot_turns_total{{channel="{c}"}} {self._turns[c]}' for c in channels),
                "# HELP salesbot_turn_failures_total Turns that raised instead of replying.",
                "# TYPE salesbot_turn_failures_total counter",
                *(f'salesbot_turn_failures_total{{channel="{c}"}} {self._failures.get(c, 0)}'
                  for c in channels),
                "# HELP salesbot_turn_seconds Time to handle one turn.",
                "# TYPE salesbot_turn_seconds histogram",
            ]
            for channel in channels:
                lines.extend(self._histogram_lines(channel))
        return "\n".join(lines) + "\n"

    def _histogram_lines(self, channel: str) -> list[str]:
        label = f'channel="{channel}"'
        lines = [
            f'salesbot_turn_seconds_bucket{{{label},le="{bound:g}"}} {count}'
            for bound, count in zip(self.buckets, self._bucket_counts[channel], strict=True)
        ]
        total = self._turns[channel]
        lines.append(f'salesbot_turn_seconds_bucket{{{label},le="+Inf"}} {total}')
        lines.append(f"salesbot_turn_seconds_sum{{{label}}} {self._sums[channel]:.6f}")
        lines.append(f"salesbot_turn_seconds_count{{{label}}} {total}")
        return lines


async def handle_turn(request: Request, agent: Agent, message: UserMessage) -> list[BotMessage]:
    """Run one turn in a worker thread (``agent.handle`` blocks) and record it in the metrics.

    An exception propagates (the server answers 500 and logs it) after it is counted.
    """
    metrics = getattr(request.app.state, "metrics", None)
    started = time.perf_counter()
    failed = True
    try:
        replies = await run_in_threadpool(agent.handle, message)
        failed = False
        return replies
    finally:
        if isinstance(metrics, TurnMetrics):
            metrics.observe(message.channel, time.perf_counter() - started, failed)


# -- the request pipeline ---------------------------------------------------------------------


class RequestLog:
    """Logs every HTTP request (method, path, status, ms) and turns a crash into a JSON 500.

    Inside Starlette's own error middleware, so an endpoint's exception is answered here with
    our JSON body and logged with its traceback, and never reaches the server.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_and_note(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status, response_started = int(message["status"]), True
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        except Exception:
            log.exception("unhandled error in %s %s", scope["method"], scope["path"])
            status = 500
            if not response_started:
                await JSONResponse({"error": "internal error"}, 500)(scope, receive, send)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            request_log.info("%s %s %d %.1fms", scope["method"], scope["path"], status,
                             elapsed_ms)


# -- built-in endpoints -----------------------------------------------------------------------


async def health(_: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def metrics(request: Request) -> PlainTextResponse:
    body = cast(TurnMetrics, request.app.state.metrics).render()
    return PlainTextResponse(body, media_type="text/plain; version=0.0.4; charset=utf-8")


async def echo(request: Request) -> Response:
    """The posted JSON, straight back: the floor bench/turns.py compares a turn against."""
    body = await request.body()
    if len(body) > MAX_ECHO_BYTES:
        return JSONResponse({"error": f"body over {MAX_ECHO_BYTES} bytes"}, 413)
    try:
        payload = json.loads(body)
    except ValueError as error:
        return JSONResponse({"error": f"malformed JSON: {error}"}, 400)
    return JSONResponse(payload)


# -- assembly ---------------------------------------------------------------------------------


def load_connector(name: str) -> Connector:
    """The module ``connectors.<name>``, or a :class:`ChannelError` saying what is wrong."""
    module_name = f"connectors.{name}"
    if not name.isidentifier():
        raise ChannelError(f"config.yml channels: '{name}' is not a valid channel name")
    try:
        module: ModuleType = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name in (module_name, "connectors"):
            raise ChannelError(
                f"config.yml channels: unknown channel '{name}' (no module {module_name})"
            ) from error
        raise  # the connector exists but one of its own imports is missing: show that
    if not isinstance(module, Connector):
        raise ChannelError(
            f"config.yml channels: {module_name} has no routes(agent, settings) function"
        )
    return module


def channel_settings(agent: Agent) -> dict[str, dict[str, Any]]:
    configured = agent.config.channels or DEFAULT_CHANNELS
    settings: dict[str, dict[str, Any]] = {}
    for name, value in configured.items():
        if value is not None and not isinstance(value, dict):
            raise ChannelError(f"config.yml channels.{name}: expected a mapping of settings")
        settings[str(name)] = dict(value or {})
    return settings


def create_app(agent: Agent) -> Starlette:
    """The server for ``agent``: every configured channel, plus /health, /metrics and /echo.

    Raises :class:`ChannelError` for a channel no connector serves.
    """
    routes: list[BaseRoute] = [
        Route("/health", health, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/echo", echo, methods=["POST"]),
    ]
    for name, settings in channel_settings(agent).items():
        routes.extend(load_connector(name).routes(agent, settings))
    # Loaded now so that a bad `jobs` entry stops `salesbot run` with its reason at once.
    jobs = runner_for(agent.config)
    app = Starlette(routes=routes, middleware=[Middleware(RequestLog)], lifespan=_lifespan)
    app.state.agent = agent
    app.state.metrics = TurnMetrics()
    app.state.jobs = jobs
    return app


@asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    """While the server runs, so do the periodic jobs config.yml names (bot/jobs.py)."""
    async with jobs_running(app.state.jobs):
        yield


def run(agent: Agent, host: str = "127.0.0.1", port: int = 5005,
        log_level: str = "info") -> None:
    """Serve ``agent`` until interrupted. Prints nothing itself: the CLI prints the URL."""
    app = create_app(agent)
    # RequestLog logs each request already; uvicorn's access log would say it twice.
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False,
                log_config=_log_config(log_level))


def _log_config(log_level: str) -> dict[str, Any]:
    """uvicorn's logging, plus our request log beside uvicorn's own lines."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"][request_log.name] = {"handlers": ["default"], "level": log_level.upper(),
                                           "propagate": False}
    return config
