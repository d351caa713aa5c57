"""A real Rasa action server (`python -m rasa_sdk`) in a subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest


@contextmanager
def running_action_server(actions: str, root: Path, port: int, log: Path) -> Iterator[str]:
    """Serve the ``actions`` module (importable from ``root``) on ``port``; yields the base URL.

    Output goes to ``log``. Waits up to 20 s for /health; fails the test if the server exits
    or does not answer. Afterwards its process group gets SIGTERM, then SIGKILL after 5 s.
    """
    env = {**os.environ, "PYTHONPATH": str(root), "SANIC_HOST": "127.0.0.1"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "rasa_sdk", "--actions", actions, "--port", str(port)],
            cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so its workers stop with it
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                pytest.fail(f"action server exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("action server did not answer /health within 20 s")
            time.sleep(0.1)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
