"""Custom actions behave the same in-process and on a real rasa_sdk action server."""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from bot.actions import (
    ActionError,
    ActionRejectedError,
    ActionRunner,
    ActionTimeoutError,
    InProcessActionRunner,
    RemoteActionRunner,
    StubActionRunner,
    UnknownActionError,
    action_runner_from_config,
    rasa_tracker_state,
)
from bot.config import ConfigError, load_config
from bot.tracker import ConversationKey, DialogueState, StackFrame, Tracker
from tests.support.action_server import running_action_server

REPO = Path(__file__).resolve().parents[2]
SAMPLE = "tests.bot.action_fixtures.sample_actions"
DOMAIN: dict[str, Any] = {"responses": {"utter_x": [{"text": "x"}], "utter_y": [{"text": "y"}]}}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _state(**slots: Any) -> dict[str, Any]:
    tracker = Tracker(
        key=ConversationKey("visitor-7", "webchat"),
        state=DialogueState(
            slots=slots,
            stack=[StackFrame("book_meeting", "collect_time")],
            latest_message={"text": "book a demo", "intent": {"name": "book", "confidence": 1}},
        ),
    )
    tracker.add("user", text="book a demo")
    return rasa_tracker_state(tracker, tracker.new_events)


@pytest.fixture(scope="module")
def action_server() -> Iterator[str]:
    port = _free_port()
    log = (REPO / ".pytest_cache").joinpath(f"action_server_{port}.log")
    log.parent.mkdir(exist_ok=True)
    try:
        with running_action_server(SAMPLE, REPO, port, log) as base:
            yield base
    finally:
        log.unlink(missing_ok=True)


@pytest.fixture(params=["in_process", "remote"])
def runner(request: pytest.FixtureRequest) -> Iterator[ActionRunner]:
    if request.param == "in_process":
        yield InProcessActionRunner(SAMPLE, timeout=5)
        return
    remote = RemoteActionRunner(request.getfixturevalue("action_server"), timeout=5)
    yield remote
    remote.close()


def test_action_reads_slots_utters_and_sets_slots(runner: ActionRunner) -> None:
    result = runner.run("action_greet_user", _state(user_name="Dana"), DOMAIN)

    assert [message["text"] for message in result.responses] == ["Hello, Dana!"]
    assert [(e["event"], e["name"], e["value"]) for e in result.events] == [
        ("slot", "greeted", True)
    ]


def test_async_action_runs(runner: ActionRunner) -> None:
    result = runner.run("action_count_deals", _state(account="Acme"), DOMAIN)

    assert result.responses[0]["text"] == "Acme has 3 open deals."
    assert result.events[0]["name"] == "open_deals" and result.events[0]["value"] == 3


def test_action_sees_the_conversation_and_the_domain(runner: ActionRunner) -> None:
    result = runner.run("action_describe_conversation", _state(), DOMAIN)

    assert result.responses[0]["text"] == (
        "visitor-7 said 'book a demo' during book_meeting; 1 events; channel webchat; "
        "domain has 2 responses"
    )


def test_buttons_and_response_name_reach_the_engine(runner: ActionRunner) -> None:
    message = runner.run("action_with_buttons", _state(), DOMAIN).responses[0]

    assert message["text"] == "When suits you?"
    assert message["buttons"] == [{"title": "9:00", "payload": "/choose_time"}]
    assert message["response"] == "utter_x"


def test_exception_becomes_action_error_naming_the_action(runner: ActionRunner) -> None:
    with pytest.raises(ActionError) as caught:
        runner.run("action_fails", _state(), DOMAIN)

    assert caught.value.action_name == "action_fails"
    assert "the CRM is down" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_rejection_becomes_action_error(runner: ActionRunner) -> None:
    with pytest.raises(ActionRejectedError, match="no account is selected"):
        runner.run("action_rejects", _state(), DOMAIN)


def test_event_that_is_not_json_fails_the_same_way_everywhere(runner: ActionRunner) -> None:
    with pytest.raises(ActionError, match="action_bad_slot_value"):
        runner.run("action_bad_slot_value", _state(), DOMAIN)


def test_unknown_action(runner: ActionRunner) -> None:
    with pytest.raises(UnknownActionError) as caught:
        runner.run("action_does_not_exist", _state(), DOMAIN)

    assert caught.value.action_name == "action_does_not_exist"


@pytest.mark.parametrize("action_name", ["action_slow", "action_slow_sync"])
def test_in_process_timeout(action_name: str) -> None:
    runner = InProcessActionRunner(SAMPLE, timeout=0.3)
    started = time.monotonic()

    with pytest.raises(ActionTimeoutError, match=action_name):
        runner.run(action_name, _state(), DOMAIN)

    assert time.monotonic() - started < 0.8


def test_timed_out_async_action_is_cancelled() -> None:
    from tests.bot.action_fixtures.sample_actions import ActionSlow

    ActionSlow.finished = False
    with pytest.raises(ActionTimeoutError):
        InProcessActionRunner(SAMPLE, timeout=0.1).run("action_slow", _state(), DOMAIN)

    time.sleep(1.3)  # past the point the action would have finished
    assert ActionSlow.finished is False


def test_in_process_runner_knows_its_actions_only() -> None:
    known = InProcessActionRunner(SAMPLE).known_actions() or set()
    assert {"action_greet_user", "action_slow"} <= known
    # A package's actions live in its submodules; the sample module's are not its own.
    packaged = InProcessActionRunner("tests.bot.action_fixtures.packaged")
    assert packaged.known_actions() == {"action_log_call"}
    assert packaged.run("action_log_call", _state(), DOMAIN).responses[0]["text"] == "Call logged."


def test_remote_timeout(action_server: str) -> None:
    runner = RemoteActionRunner(action_server, timeout=0.3)
    started = time.monotonic()

    with pytest.raises(ActionTimeoutError, match=r"127\.0\.0\.1"):
        runner.run("action_slow", _state(), DOMAIN)

    assert time.monotonic() - started < 1.0
    runner.close()


def test_remote_server_down_names_the_url() -> None:
    url = f"http://127.0.0.1:{_free_port()}/webhook"
    runner = RemoteActionRunner(url, timeout=2)

    with pytest.raises(ActionError) as caught:
        runner.run("action_greet_user", _state(), DOMAIN)

    assert url in str(caught.value)
    runner.close()


class _ForgetfulServer(BaseHTTPRequestHandler):
    """Answers 449 (domain not cached) once, then runs the action."""

    bodies: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.bodies.append(body)
        status = 449 if len(self.bodies) == 1 else 200
        answer = {"events": [], "responses": [{"text": "ok after resend"}]}
        payload = json.dumps(answer if status == 200 else {"error": "no domain"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_remote_resends_with_domain_after_449() -> None:
    _ForgetfulServer.bodies = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ForgetfulServer)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    runner = RemoteActionRunner(f"http://127.0.0.1:{server.server_address[1]}/", timeout=2)
    try:
        result = runner.run("action_greet_user", _state(user_name="Dana"), DOMAIN)
    finally:
        runner.close()
        server.shutdown()
        server.server_close()

    assert result.responses == [{"text": "ok after resend"}]
    assert [body["domain"] for body in _ForgetfulServer.bodies] == [DOMAIN, DOMAIN]
    assert _ForgetfulServer.bodies[1]["tracker"]["slots"] == {"user_name": "Dana"}


STUBS = {
    "action_check_balance": {
        "events": [{"event": "slot", "name": "balance", "value": 1000}],
        "responses": [{"text": "Your balance is 1000"}, {"response": "utter_x"}],
    }
}


def test_stub_returns_canned_result_and_falls_back() -> None:
    runner = StubActionRunner(STUBS, fallback=InProcessActionRunner(SAMPLE))

    stubbed = runner.run("action_check_balance", _state(), DOMAIN)
    assert stubbed.events == STUBS["action_check_balance"]["events"]
    assert [(m["text"], m["response"]) for m in stubbed.responses] == [
        ("Your balance is 1000", None),
        (None, "utter_x"),
    ]
    assert runner.run("action_greet_user", _state(), DOMAIN).responses[0]["text"] == (
        "Hello, there!"
    )
    assert "action_check_balance" in (runner.known_actions() or set())


def test_stub_without_fallback_rejects_unknown_and_bad_stubs() -> None:
    with pytest.raises(UnknownActionError):
        StubActionRunner(STUBS, fallback=None).run("action_greet_user", _state(), DOMAIN)
    with pytest.raises(ValueError, match=r"action_x.*'event'"):
        StubActionRunner({"action_x": {"events": [{"name": "a"}]}}, fallback=None)


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """A project folder with its own actions module; sys.path and sys.modules are restored."""
    saved_path, saved_modules = list(sys.path), set(sys.modules)
    (tmp_path / "project_actions_for_test.py").write_text(
        "from rasa_sdk import Action\n\n"
        "class ActionPing(Action):\n"
        "    def name(self):\n        return 'action_ping'\n\n"
        "    def run(self, dispatcher, tracker, domain):\n"
        "        dispatcher.utter_message(text='pong')\n        return []\n",
        encoding="utf-8",
    )
    yield tmp_path
    sys.path[:] = saved_path
    for name in set(sys.modules) - saved_modules:
        del sys.modules[name]


def test_config_selects_the_runner(project: Path) -> None:
    config_file = project / "config.yml"
    config_file.write_text("actions:\n  module: project_actions_for_test\n", encoding="utf-8")
    in_process = action_runner_from_config(load_config(config_file))
    assert in_process is not None and in_process.known_actions() == {"action_ping"}
    assert in_process.run("action_ping", _state(), DOMAIN).responses[0]["text"] == "pong"

    config_file.write_text("actions:\n  url: http://127.0.0.1:5055\n", encoding="utf-8")
    remote = action_runner_from_config(load_config(config_file))
    assert isinstance(remote, RemoteActionRunner)
    assert remote.url == "http://127.0.0.1:5055/webhook"

    config_file.write_text("flows: flows\n", encoding="utf-8")
    assert action_runner_from_config(load_config(config_file)) is None


def test_config_with_missing_actions_module_says_which(project: Path) -> None:
    config_file = project / "config.yml"
    config_file.write_text("actions:\n  module: no_such_actions_module\n", encoding="utf-8")

    with pytest.raises(ConfigError, match=r"config\.yml: actions\.module: .*no_such_actions"):
        action_runner_from_config(load_config(config_file))
