"""Turn latency and throughput of the starter assistant.

Measures, on a fresh SQLite database in a temporary folder:
  1. in-process turns (Agent.handle), one after another, over --turns turns;
  2. turns over HTTP (the REST webhook of a real uvicorn server on 127.0.0.1) from
     --concurrency conversations at once, beside the server's bare /echo endpoint.
Prints one JSON object on its last line:
  {p50_ms, p99_ms, turns_per_second, echo_per_second, in_process_p50_ms, in_process_p99_ms, ...}

    python bench/turns.py [--turns 1000] [--http-turns 400] [--concurrency 8] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# A conversation a visitor might have with the starter assistant, repeated.
SCRIPT = [
    "hello",
    "what can you do?",
    "can I talk to a human",
    "jane@acme.example",
    "we need pricing for 40 seats",
    "what's the capital of peru",
    "/human_handoff",
    "never mind",
    "thanks, bye",
]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def build_agent(folder: Path, database_url: str | None) -> Any:
    from bot.agent import Agent
    from bot.config import load_config
    from bot.db import make_engine
    from bot.tracker_store import metadata

    url = database_url or f"sqlite:///{folder}/bench.db"
    os.environ["SALESBOT_DATABASE_URL"] = url
    config = load_config(ROOT / "config.yml")
    engine = make_engine(url)
    metadata.create_all(engine)
    from bot.data_plugins import load_data_plugins

    plugin = load_data_plugins(config)
    if plugin is not None:
        plugin.create_all(engine)
    return Agent.load(config, engine=engine)


def in_process(agent: Any, turns: int) -> list[float]:
    from bot.agent import UserMessage

    latencies: list[float] = []
    for turn in range(turns):
        sender = f"bench-{turn // len(SCRIPT)}"
        text = SCRIPT[turn % len(SCRIPT)]
        started = time.perf_counter()
        agent.handle(UserMessage(text=text, sender_id=sender))
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve(agent: Any, port: int) -> Any:
    import uvicorn

    from bot.server import create_app

    server = uvicorn.Server(uvicorn.Config(create_app(agent), host="127.0.0.1", port=port,
                                           log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    return server


def over_http(port: int, turns: int, concurrency: int) -> tuple[list[float], float]:
    import httpx

    per_worker = max(1, turns // concurrency)

    def worker(index: int) -> list[float]:
        latencies: list[float] = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for turn in range(per_worker):
                body = {"sender": f"http-{index}-{turn // len(SCRIPT)}",
                        "message": SCRIPT[turn % len(SCRIPT)]}
                started = time.perf_counter()
                response = client.post("/webhooks/rest/webhook", json=body)
                response.raise_for_status()
                latencies.append((time.perf_counter() - started) * 1000)
        return latencies

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(worker, range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies = [value for result in results for value in result]
    return latencies, len(latencies) / elapsed


def echo_rate(port: int, requests: int, concurrency: int) -> float:
    import httpx

    per_worker = max(1, requests // concurrency)

    def worker(index: int) -> int:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            for turn in range(per_worker):
                client.post("/echo", json={"sender": f"echo-{index}", "message": str(turn)})
        return per_worker

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        done = sum(pool.map(worker, range(concurrency)))
    return done / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=1000)
    parser.add_argument("--http-turns", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--database-url", help="measure on this database instead of a new "
                        "SQLite file (its tables are created if missing)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="salesbot-bench-"))
    try:
        agent = build_agent(folder, args.database_url)
        in_process(agent, 20)  # warm-up: imports, caches, first queries
        local = in_process(agent, args.turns)
        print(f"in-process: {args.turns} turns, p50 {statistics.median(local):.2f} ms, "
              f"p99 {percentile(local, 0.99):.2f} ms")
        port = free_port()
        server = serve(agent, port)
        remote, rate = over_http(port, args.http_turns, args.concurrency)
        echo = echo_rate(port, args.http_turns, args.concurrency)
        server.should_exit = True
        print(f"http: {len(remote)} turns from {args.concurrency} conversations at once, "
              f"p50 {statistics.median(remote):.2f} ms, p99 {percentile(remote, 0.99):.2f} ms, "
              f"{rate:.0f} turns/s; bare echo {echo:.0f} requests/s")
        print(json.dumps({
            "p50_ms": round(statistics.median(remote), 2),
            "p99_ms": round(percentile(remote, 0.99), 2),
            "turns_per_second": round(rate, 1),
            "echo_per_second": round(echo, 1),
            "in_process_p50_ms": round(statistics.median(local), 2),
            "in_process_p99_ms": round(percentile(local, 0.99), 2),
            "in_process_turns": len(local),
            "http_turns": len(remote),
            "concurrency": args.concurrency,
        }))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
