"""Approval server figures: pages served per second, and an approval made on a phone reaching
another terminal's app.

Run from the repository root: ``.venv/bin/python benchmarks/bench_serve.py``. It prints figures
and the goals they are measured against; it asserts nothing. ``runbook serve`` runs as a real
subprocess on 127.0.0.1 over an SQLite store; incidents are prepared in this process with the
same link secret (links are made exactly as a submission makes them).

* approval page (GET of a personal link): sequential requests per second from one client, and
  with 8 clients at once (goal: report).
* POST to visible (goal < 1 s): the approve button's POST sent to the server, until the
  approval is drawn on the drafts tab of another terminal's app (Textual, headless, polling the
  store as it does in use); ten trials, median and worst.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SECRET = "bench-link-secret-0123456789abcdef"
ACCOUNT = {
    "control": "attacker",
    "content": "scam",
    "reach": "viral",
    "data": "none",
    "scope": "one",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def engine_on(db: Path, operator: str = "tom") -> Any:
    from runbook.effects.sinks import drill_effects
    from runbook.engine import Engine
    from runbook.engine.link_keys import LinkKeys
    from runbook.loading import load_workspace
    from runbook.store.sqlite import SqliteStore

    workspace = load_workspace([REPO / "playbooks", REPO / "contacts"])
    return Engine(
        SqliteStore(db),
        workspace,
        operator=operator,
        effects=drill_effects(),
        link_keys=LinkKeys(SECRET.encode()),
    )


def submitted(engine: Any) -> str:
    incident = engine.declare("account-compromised", "Scam DMs from our account").id
    engine.assess(incident, ACCOUNT)
    engine.pause(incident)
    engine.notify(incident)
    engine.start_draft(incident)
    engine.submit(incident)
    return str(incident)


def link_for(engine: Any, incident_id: str, person: str, base: str) -> str:
    from runbook.engine.link_keys import LinkClaim

    incident = engine.incident(incident_id)
    issued = next(link for link in incident.links.values() if link.person == person)
    claim = LinkClaim(
        incident_id,
        issued.draft_id,
        issued.version,
        issued.content_hash,
        person,
        issued.link_id,
        issued.expires,
    )
    return f"{base}/approve/{engine.link_keys().make(claim)}"


def start_server(db: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RUNBOOK_DB": str(db),
        "RUNBOOK_CONFIG": str(REPO),
        "RUNBOOK_LINK_SECRET": SECRET,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "runbook",
            "serve",
            "--port",
            str(port),
            "--reads-per-minute",
            "10000000",
            "--decisions-per-minute",
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


def pages_per_second(url: str, seconds: float, clients: int) -> float:
    done = [0] * clients
    stop = time.monotonic() + seconds

    def client(index: int) -> None:
        while time.monotonic() < stop:
            with urllib.request.urlopen(url, timeout=10) as answer:
                answer.read()
            done[index] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.perf_counter() - started)


def form_of(opener: Any, url: str) -> dict[str, str]:
    with opener.open(url, timeout=10) as answer:
        page = answer.read().decode()
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', page))


async def post_to_visible(db: Path, base: str, trials: int) -> list[float]:
    """Seconds from the approval POST to the approval drawn on another terminal's app."""
    from runbook.tui.app import RunbookApp

    setup = engine_on(db)
    incidents = [submitted(setup) for _ in range(trials)]
    viewer = engine_on(db, "amara")
    results = []
    for incident_id in incidents:
        url = link_for(setup, incident_id, "elena", base)
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        form = form_of(opener, url)
        app = RunbookApp(viewer, cursor_blink=False, tick_every=None, open_incident=incident_id)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("4")
            for _ in range(400):
                await pilot.pause(0.02)
                if getattr(app.screen, "view", None) is not None:
                    break
            body = urllib.parse.urlencode({**form, "decision": "approve"}).encode()
            request = urllib.request.Request(
                url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
            )
            started = time.perf_counter()
            await asyncio.to_thread(lambda r=request, o=opener: o.open(r, timeout=10).read())
            while time.perf_counter() - started < 10:
                content = app.screen.query_one("#draft-detail").content
                parts = getattr(content, "renderables", [content])
                if any("approved by Elena Rossi" in getattr(p, "plain", "") for p in parts):
                    break
                await pilot.pause(0.01)
            else:
                print(f"  {incident_id}: the approval was not drawn within 10 s", flush=True)
            results.append(time.perf_counter() - started)
    return results


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "serve.db"
        engine = engine_on(db)
        incident_id = submitted(engine)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(db, port)
        try:
            url = link_for(engine, incident_id, "elena", base)
            pages_per_second(url, 1.0, 1)  # warm up
            one = pages_per_second(url, 5.0, 1)
            eight = pages_per_second(url, 5.0, 8)
            print(f"approval page: {one:.0f} pages/s (1 client), {eight:.0f} pages/s (8 clients)")
            delays = asyncio.run(post_to_visible(db, base, 10))
            print(
                f"POST to approval drawn on another terminal's app: median "
                f"{statistics.median(delays) * 1000:.0f} ms, worst {max(delays) * 1000:.0f} ms "
                "(goal < 1 s)"
            )
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")


if __name__ == "__main__":
    main()
