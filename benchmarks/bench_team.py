"""20 simulated operators on one incident: SQLite and PostgreSQL side by side.

Each operator is a process with its own engine and connection; all start together, then each
records notes (an append after a fresh read of the incident) and reads the incident back.
Prints throughput (commands per second) and p50 / p99 latency of one command.
Then live updates (goal < 1 s): from one connection's note to another connection's
``wait_for_change`` returning, as ``runbook watch`` follows (PostgreSQL: LISTEN/NOTIFY;
SQLite: polling the file's data version).

Run: .venv/bin/python benchmarks/bench_team.py
PostgreSQL: set RUNBOOK_TEST_PG_URL, or have PostgreSQL installed: the benchmark then starts a
throwaway server with scripts/pg-server.
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OPERATORS = int(os.environ.get("BENCH_OPERATORS", "20"))
COMMANDS = 50


def _engine(db: str):  # noqa: ANN202
    from runbook.engine import Engine
    from runbook.loading import load_workspace
    from runbook.store import open_store

    workspace = load_workspace([ROOT / "playbooks", ROOT / "contacts"])
    return Engine(open_store(db), workspace, operator="amara")


def _operator(db: str, incident_id: str, number: int, barrier) -> list[float]:  # noqa: ANN001
    engine = _engine(db)
    engine.incident(incident_id)
    barrier.wait()
    latencies = []
    for i in range(COMMANDS):
        started = time.perf_counter()
        engine.note(incident_id, f"operator {number} note {i}")
        engine.incident(incident_id)
        latencies.append(time.perf_counter() - started)
    engine.store.close()
    return latencies


def run(db: str, label: str) -> None:
    engine = _engine(db)
    incident = engine.declare("offensive-post", f"{label} benchmark")
    context = multiprocessing.get_context("spawn")
    barrier = context.Manager().Barrier(OPERATORS + 1)
    with context.Pool(OPERATORS) as pool:
        jobs = [
            pool.apply_async(_operator, (db, incident.id, n, barrier)) for n in range(OPERATORS)
        ]
        barrier.wait()
        started = time.perf_counter()
        latencies = sorted(x for job in jobs for x in job.get(timeout=1200))
        elapsed = time.perf_counter() - started
    count = len(latencies)
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(count * 0.99) - 1] * 1000
    print(
        f"{label:10} {count} commands by {OPERATORS} operators in {elapsed:.2f} s: "
        f"{count / elapsed:7.0f} commands/s, p50 {p50:6.1f} ms, p99 {p99:7.1f} ms"
    )
    assert len(engine.store.rows(incident.id)) == count + 1


def follow(db: str, label: str, rounds: int = 20) -> None:
    """Seconds from a note committed on one connection to a follower on another seeing it."""
    import threading

    from runbook.store import open_store

    engine = _engine(db)
    incident = engine.declare("offensive-post", f"{label} live updates")
    ready, seen = threading.Event(), threading.Event()
    stop = threading.Event()
    seen_at: list[float] = []

    def follower() -> None:
        store = open_store(db)
        token = store.change_token()
        while not stop.is_set():
            ready.set()
            new = store.wait_for_change(token, 0.5)
            if new != token:
                token = new
                seen_at.append(time.perf_counter())
                seen.set()
        store.close()

    thread = threading.Thread(target=follower)
    thread.start()
    latencies = []
    for i in range(rounds):
        ready.wait(10)
        time.sleep(0.05)  # the follower is waiting
        ready.clear()
        seen.clear()
        started = time.perf_counter()
        engine.note(incident.id, f"live {i}")
        if not seen.wait(30):
            raise SystemExit(f"{label}: a change was never seen")
        latencies.append(seen_at[-1] - started)
    stop.set()
    thread.join()
    engine.store.close()
    latencies.sort()
    print(
        f"{label:10} live update (note -> another connection sees it): median "
        f"{statistics.median(latencies) * 1000:6.1f} ms, max {latencies[-1] * 1000:6.1f} ms "
        f"over {rounds} (goal < 1 s)"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        run(str(Path(folder) / "bench.db"), "SQLite")
        follow(str(Path(folder) / "bench.db"), "SQLite")
    url = os.environ.get("RUNBOOK_TEST_PG_URL")
    started_dir = None
    if not url:
        try:
            out = subprocess.run(
                [str(ROOT / "scripts" / "pg-server"), "start"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        except (subprocess.CalledProcessError, OSError) as exc:
            print(f"PostgreSQL  skipped: no server ({exc})")
            return
        values = dict(line.split(" ", 1)[1].split("=", 1) for line in out.splitlines())
        url, started_dir = values["RUNBOOK_TEST_PG_URL"], values["RUNBOOK_PG_DIR"]
    try:
        import psycopg

        schema = "bench_" + uuid.uuid4().hex[:8]
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{schema}"')
        run(f"{url}?options=-csearch_path%3D{schema}", "PostgreSQL")
        follow(f"{url}?options=-csearch_path%3D{schema}", "PostgreSQL")
    finally:
        if started_dir:
            subprocess.run([str(ROOT / "scripts" / "pg-server"), "stop", started_dir], check=False)


if __name__ == "__main__":
    main()
