"""Event-store figures: append rate, replay time of a 100,000-event incident, CLI start-up.

Run from the repository root: ``.venv/bin/python benchmarks/bench_store.py``. It prints
figures and the goals they are measured against; it asserts nothing.
"""

from __future__ import annotations

import argparse
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from runbook.engine import Engine
from runbook.loading import load_workspace
from runbook.model import events as ev
from runbook.model.fold import fold
from runbook.store.chain import COLUMNS, to_row, verify_rows
from runbook.store.sqlite import SqliteStore
from runbook.store.sqlite.schema import SCHEMA, statements

REPO = Path(__file__).resolve().parent.parent
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
INSERT = (
    f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES "
    f"({', '.join(':' + name for name in COLUMNS)})"
)


def best(runs: int, work: Callable[[], object]) -> float:
    """The fastest of ``runs`` timings of ``work``, in seconds."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times)


def notes(incident_id: str, count: int) -> list[ev.NoteAdded]:
    return [
        ev.NoteAdded(
            incident_id=incident_id,
            at=START + timedelta(seconds=i),
            actor="amara",
            state="declared",
            command_id=f"cmd-{i:08d}",
            text=f"note {i}: the post has been shared {i * 7} times",
        )
        for i in range(count)
    ]


def bench_append(folder: Path, count: int, rounds: int) -> None:
    """SqliteStore.append (one event each) vs a raw insert loop with the same settings.

    fsync times are noisy, so the two alternate for ``rounds`` rounds (fresh files each) and
    the best round of each counts.
    """
    incident_id = "INC-BENCH1"
    events = notes(incident_id, count)
    rows, prev = [], ""
    for seq, event in enumerate(events, start=1):
        row = to_row(event, seq, prev)
        prev = row["hash"]
        rows.append(row)

    def with_store(path: Path) -> float:
        store = SqliteStore(path)
        started = time.perf_counter()
        for seq, event in enumerate(events):
            store.append(incident_id, seq, [event])
        seconds = time.perf_counter() - started
        store.close()
        return seconds

    def with_raw(path: Path) -> float:
        raw = sqlite3.connect(path, isolation_level=None)
        raw.execute("PRAGMA journal_mode = WAL")
        raw.execute("PRAGMA synchronous = FULL")
        for statement in statements(SCHEMA):
            raw.execute(statement)
        started = time.perf_counter()
        for row in rows:
            raw.execute("BEGIN IMMEDIATE")
            raw.execute(INSERT, row)
            raw.execute("COMMIT")
        seconds = time.perf_counter() - started
        raw.close()
        return seconds

    store_times, raw_times = [], []
    for round_ in range(rounds):
        store_times.append(with_store(folder / f"store-{round_}.db"))
        raw_times.append(with_raw(folder / f"raw-{round_}.db"))
    store_rate, raw_rate = count / min(store_times), count / min(raw_times)
    print(
        f"append, {count} events, one per append (WAL, synchronous=FULL, BEGIN IMMEDIATE), "
        f"best of {rounds}"
    )
    print(f"  SqliteStore.append    {store_rate:9.0f} events/s  ({min(store_times) * 1e3:.0f} ms)")
    print(f"  raw sqlite3 insert    {raw_rate:9.0f} events/s  ({min(raw_times) * 1e3:.0f} ms)")
    print(f"  ratio store/raw       {store_rate / raw_rate:9.2f}        (goal >= 0.5)")


def build_incident(path: Path, workspace: object, count: int) -> str:
    """Declare an incident, then insert ``count - 1`` chained events in one transaction."""
    engine = Engine(SqliteStore(path), workspace, operator="amara")  # type: ignore[arg-type]
    incident_id = engine.declare("offensive-post", "Replay benchmark").id
    engine.store.close()
    raw = sqlite3.connect(path, isolation_level=None)
    prev = raw.execute(
        "SELECT hash FROM events WHERE incident_id = ? AND seq = 1", (incident_id,)
    ).fetchone()[0]
    common = {"incident_id": incident_id, "actor": "amara", "state": "declared"}
    rows = []
    for seq in range(2, count + 1):
        at = START + timedelta(seconds=seq)
        command_id = f"cmd-{seq:08d}"
        kind = seq % 10
        event: ev.Event
        if kind == 0:
            event = ev.ChecklistItemChecked(
                **common,
                at=at,
                command_id=command_id,
                item_id="screenshot-evidence",
                stage="assess",
                text="Screenshot the post",
            )
        elif kind == 1:
            event = ev.Acknowledged(**common, at=at, command_id=command_id, person="elena")
        elif kind == 2:
            event = ev.ActionRefused(
                **common, at=at, command_id=None, action="publish", reason="not approved"
            )
        else:
            event = ev.NoteAdded(
                **common, at=at, command_id=command_id, text=f"note {seq}: reach {seq * 13}"
            )
        row = to_row(event, seq, prev)
        prev = row["hash"]
        rows.append(row)
    raw.execute("BEGIN IMMEDIATE")
    raw.executemany(INSERT, rows)
    raw.execute(
        "UPDATE incidents SET events = ? WHERE id = ?", (count, incident_id)
    )  # the incidents table is a summary, not part of the log
    raw.execute("COMMIT")
    raw.close()
    return incident_id


def bench_replay(folder: Path, count: int) -> None:
    """Engine.incident on a fresh Engine: store.load + fold (+ the engine's copy)."""
    workspace = load_workspace([REPO / "playbooks", REPO / "contacts"])
    path = folder / "replay.db"
    started = time.perf_counter()
    incident_id = build_incident(path, workspace, count)
    print(f"replay of a {count}-event incident (built in {time.perf_counter() - started:.1f} s)")

    def fresh_engine_fold() -> None:
        engine = Engine(SqliteStore(path), workspace, operator="amara")
        incident = engine.incident(incident_id)
        assert incident.seq == count
        engine.store.close()

    store = SqliteStore(path)
    loaded: list[ev.Event] = []
    load = best(3, lambda: loaded.__setitem__(slice(None), store.load(incident_id)))
    folding = best(3, lambda: fold(incident_id, loaded))
    rows = best(3, lambda: store.rows(incident_id))
    verify = best(3, lambda: verify_rows(incident_id, store.rows(incident_id)))
    store.close()
    total = best(3, fresh_engine_fold)
    print(f"  Engine.incident (fresh engine)  {total * 1e3:7.0f} ms   (goal < 1000 ms)")
    print(f"    store.load                    {load * 1e3:7.0f} ms")
    print(f"    fold                          {folding * 1e3:7.0f} ms")
    print(f"  store.rows                      {rows * 1e3:7.0f} ms")
    print(f"  store.rows + verify_rows        {verify * 1e3:7.0f} ms   (runbook verify)")


def bench_help() -> None:
    """Start-up time of ``runbook --help`` (a fresh interpreter each time)."""
    command = [sys.executable, "-m", "runbook", "--help"]

    def run() -> None:
        subprocess.run(command, cwd=REPO, capture_output=True, check=True)

    print(f"runbook --help, best of 5             {best(5, run) * 1e3:7.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appends", type=int, default=2000, help="events appended (2000)")
    parser.add_argument("--rounds", type=int, default=3, help="append rounds, best counts (3)")
    parser.add_argument("--events", type=int, default=100_000, help="replayed events (100000)")
    args = parser.parse_args()
    print(f"sqlite {sqlite3.sqlite_version}, python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="runbook-bench-") as folder:
        bench_append(Path(folder), args.appends, args.rounds)
        bench_replay(Path(folder), args.events)
    bench_help()


if __name__ == "__main__":
    main()
