"""Helpers for the event-store tests (plain functions; deliberately not a conftest)."""

from __future__ import annotations

import functools
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from runbook.model import events as ev

REPO = Path(__file__).resolve().parent.parent
"""The source checkout: shipped playbooks and contacts live here."""
OPERATOR = "amara"
"""A person who exists in the shipped contacts."""
PLAYBOOK = "offensive-post"
T0 = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


@functools.cache
def workspace() -> Any:
    """The shipped playbooks and contacts, loaded once per test process."""
    from runbook.loading import load_workspace

    return load_workspace([REPO / "playbooks", REPO / "contacts"])


def engine(db: Path | str, operator: str = OPERATOR) -> Any:
    """An Engine on its own SqliteStore connection to ``db``."""
    from runbook.engine import Engine
    from runbook.store.sqlite import SqliteStore

    return Engine(SqliteStore(db), workspace(), operator=operator)


def note(
    incident_id: str,
    text: str,
    *,
    actor: str = OPERATOR,
    minute: int = 0,
    command_id: str | None = None,
    state: str = "declared",
) -> ev.NoteAdded:
    """A NoteAdded event (not yet appended)."""
    return ev.NoteAdded(
        incident_id=incident_id,
        at=T0 + timedelta(minutes=minute),
        actor=actor,
        state=state,
        command_id=command_id,
        text=text,
    )


def declared(
    incident_id: str, title: str, *, minute: int = 0, drill: bool = False
) -> ev.IncidentDeclared:
    """An IncidentDeclared event on :data:`PLAYBOOK` (not yet appended)."""
    return ev.IncidentDeclared(
        incident_id=incident_id,
        at=T0 + timedelta(minutes=minute),
        actor=OPERATOR,
        state="declared",
        title=title,
        playbook_id=PLAYBOOK,
        playbook_version=1,
        playbook={},
        drill=drill,
    )


def assessed(incident_id: str, level: str, *, minute: int = 0) -> ev.SeverityAssessed:
    """A SeverityAssessed event setting ``level`` (not yet appended)."""
    return ev.SeverityAssessed(
        incident_id=incident_id,
        at=T0 + timedelta(minutes=minute),
        actor=OPERATOR,
        state="assessed",
        answers={},
        score=0,
        level=level,
    )


def raw(db: Path | str) -> sqlite3.Connection:
    """A plain sqlite3 connection to the store file, bypassing the store (autocommit)."""
    connection = sqlite3.connect(str(db), isolation_level=None, timeout=30)
    connection.row_factory = sqlite3.Row
    return connection


def run_cli(
    *args: str, db: Path | str, operator: str = OPERATOR, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``python -m runbook ARGS`` from the repository root on store ``db``."""
    env = {
        **os.environ,
        "RUNBOOK_DB": str(db),
        "RUNBOOK_OPERATOR": operator,
        "RUNBOOK_CONFIG": str(REPO),
        "PYTHONIOENCODING": "utf-8",
    }
    return subprocess.run(
        [sys.executable, "-m", "runbook", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def flip_bit(text: str, index: int) -> str:
    """``text`` with the lowest bit of the character at ``index`` flipped."""
    changed = chr(ord(text[index]) ^ 1)
    return text[:index] + changed + text[index + 1 :]


def note_worker(
    db: str,
    incident_id: str,
    name: str,
    count: int,
    barrier: Any,
    results: Any,
    meet_every: int = 0,
) -> None:
    """A process that adds ``count`` notes through its own Engine once ``barrier`` opens.

    With ``meet_every`` > 0 the writers meet at ``barrier`` again after every ``meet_every``
    notes, so each stretch between meetings holds notes from every writer: the writers are
    guaranteed to contend, however the operating system schedules them.
    Puts ``(name, notes added, errors)`` on ``results``; never raises.
    """
    errors: list[str] = []
    done = 0
    try:
        worker = engine(db)
        barrier.wait(timeout=120)
        for index in range(count):
            if meet_every and index and index % meet_every == 0:
                barrier.wait(timeout=120)
            try:
                worker.note(incident_id, f"{name}-{index:04d}")
                done += 1
            except Exception as exc:  # report every failure, keep going
                errors.append(f"{type(exc).__name__}: {exc}")
        worker.store.close()
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    results.put((name, done, errors))


KILL_CHILD = """
import random, sys
from datetime import UTC, datetime
from runbook.model.events import NoteAdded
from runbook.store.sqlite import SqliteStore

db, incident_id, trial, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
rng = random.Random(seed)
store = SqliteStore(db)
rows = store.rows(incident_id)
head = rows[-1]["seq"] if rows else 0
print("ready", head, flush=True)
batch = 0
while True:
    size = rng.choice((1, 1, 1, 2, 3))
    command_id = f"{trial}-b{batch}"
    events = [
        NoteAdded(
            incident_id=incident_id,
            at=datetime.now(UTC),
            actor="amara",
            state="declared",
            command_id=command_id,
            text=f"{command_id}-{index}of{size}",
        )
        for index in range(1, size + 1)
    ]
    stored = store.append(incident_id, head, events)
    sys.stdout.write("".join(f"{event.seq} {event.text}\\n" for event in stored))
    sys.stdout.flush()
    head = stored[-1].seq
    batch += 1
"""
"""A process that appends batches of 1-3 notes forever, printing ``SEQ TEXT`` per event
once its append has returned (flushed), after a first ``ready HEAD`` line."""


PG_SKIP = (
    "no PostgreSQL test server: set RUNBOOK_TEST_PG_URL (./scripts/test starts one with "
    "scripts/pg-server)"
)


def pg_url() -> str | None:
    """The test PostgreSQL server's URL, or None when there is none."""
    import os

    return os.environ.get("RUNBOOK_TEST_PG_URL") or None


def with_search_path(url: str, schema: str) -> str:
    """``url`` with every connection's search_path set to ``schema``."""
    import urllib.parse

    option = urllib.parse.quote(f"-csearch_path={schema}")
    return f"{url}{'&' if '?' in url else '?'}options={option}"
