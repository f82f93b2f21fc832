"""Intake figures: warnings accepted per second by ``runbook serve``, and a warning posted to the
server reaching the inbox of an open board.

Run from the repository root: ``.venv/bin/python benchmarks/bench_intake.py`` (or
``benchmarks/run intake``). It prints figures and the goals they are measured against; it
asserts nothing. ``runbook serve`` runs as a real subprocess on 127.0.0.1 over an SQLite store.

* warnings accepted (PagerDuty Events API v2 triggers, each with its own ``dedup_key``, every one
  written durably to the intake log before the 202): per second from one client, and with 8
  clients at once (goal: report).
* POST to board (goal < 1 s): a trigger POSTed to the server, until its summary is drawn in the
  inbox panel of a board open in another process's app (Textual, headless, polling the store as
  it does in use, every 0.5 s); ten trials, median and worst.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_serve import REPO, free_port  # noqa: E402

KEY = "bench-routing-key-0123456789abcdef"


def start_server(db: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RUNBOOK_DB": str(db),
        "RUNBOOK_CONFIG": str(REPO),
        "RUNBOOK_LINK_SECRET": "bench-link-secret-0123456789abcdef",
        "RUNBOOK_INTAKE_PAGERDUTY_KEY": KEY,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "runbook",
            "serve",
            "--port",
            str(port),
            "--posts-per-minute",
            "10000000",
        ],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("runbook serve did not start")


def trigger(base: str, summary: str) -> None:
    event = {
        "routing_key": KEY,
        "event_action": "trigger",
        "dedup_key": uuid.uuid4().hex,
        "payload": {"summary": summary, "source": "bench", "severity": "warning"},
    }
    request = urllib.request.Request(
        f"{base}/v2/enqueue",
        data=json.dumps(event).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        if answer.status != 202:
            raise SystemExit(f"refused: {answer.status}")
        answer.read()


def accepted_per_second(base: str, seconds: float, clients: int) -> float:
    done = [0] * clients
    stop = time.monotonic() + seconds

    def client(index: int) -> None:
        while time.monotonic() < stop:
            trigger(base, f"Mentions spiking #{index}-{done[index]}")
            done[index] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - started)


def viewer(db: Path) -> Any:
    from runbook.effects.sinks import drill_effects
    from runbook.engine import Engine
    from runbook.loading import load_workspace
    from runbook.store.sqlite import SqliteStore

    workspace = load_workspace([REPO / "playbooks", REPO / "contacts"])
    return Engine(SqliteStore(db), workspace, operator="amara", effects=drill_effects())


async def post_to_board(db: Path, base: str, trials: int) -> list[float]:
    """Seconds from a trigger's POST to its summary drawn on an open board's inbox."""
    from runbook.tui.app import RunbookApp

    app = RunbookApp(viewer(db), cursor_blink=False, tick_every=None)
    results = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(1.5)  # the board is up and watching the store
        for trial in range(trials):
            summary = f"Boycott hashtag trending, wave {trial}"
            started = time.perf_counter()
            await asyncio.to_thread(trigger, base, summary)
            while time.perf_counter() - started < 10:
                panel = app.screen.query_one("#inbox-panel")
                if summary in str(panel.render()):
                    break
                await pilot.pause(0.01)
            results.append(time.perf_counter() - started)
            await pilot.pause(0.3)
    return results


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "intake.db"
        viewer(db).store.close()  # the schema, before the server and the app open it
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(db, port)
        try:
            accepted_per_second(base, 1.0, 1)  # warm up
            one = accepted_per_second(base, 5.0, 1)
            eight = accepted_per_second(base, 5.0, 8)
            print(
                f"warnings accepted (PagerDuty v2 triggers, durable): {one:.0f}/s (1 client), "
                f"{eight:.0f}/s (8 clients)"
            )
            delays = asyncio.run(post_to_board(db, base, 10))
            print(
                f"POST to the warning shown on an open board: median "
                f"{statistics.median(delays) * 1000:.0f} ms, worst {max(delays) * 1000:.0f} ms "
                "(goal < 1 s)"
            )
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    main()
