"""The team store on PostgreSQL: many writers, dropped connections, migrations, copy, watch.

Runs against the throwaway server ``./scripts/test`` starts (``RUNBOOK_TEST_PG_URL``); without
one every test here is skipped with the reason shown.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from runbook.engine import Engine
from runbook.model import events as ev
from runbook.store.chain import verify_rows
from runbook.store.postgres.schema import MIGRATIONS
from tests.conftest import ROOT
from tests.helpers_store import PG_SKIP, pg_url, with_search_path

pytestmark = pytest.mark.skipif(pg_url() is None, reason=PG_SKIP)

WRITERS = 8
COMMANDS = 200


@pytest.fixture
def pg() -> str:
    """A URL scoped to a fresh schema."""
    import psycopg

    url = pg_url()
    assert url is not None
    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    return with_search_path(url, schema)


def _engine(url: str, operator: str = "amara") -> Engine:
    from runbook.effects.sinks import drill_effects
    from runbook.loading import load_workspace
    from runbook.store import open_store

    workspace = load_workspace([ROOT / "playbooks", ROOT / "contacts"])
    return Engine(open_store(url), workspace, operator=operator, effects=drill_effects())


def _writer(url: str, incident_id: str, number: int, barrier) -> int:
    engine = _engine(url)
    engine.incident(incident_id)
    barrier.wait()
    for i in range(COMMANDS):
        engine.note(incident_id, f"writer {number} note {i}")
    engine.store.close()
    return number


def test_eight_processes_appending_to_one_incident_lose_nothing_and_duplicate_nothing(pg):
    engine = _engine(pg)
    incident = engine.declare("offensive-post", "Eight operators at once")
    context = multiprocessing.get_context("spawn")
    barrier = context.Manager().Barrier(WRITERS)
    with context.Pool(WRITERS) as pool:
        results = [pool.apply_async(_writer, (pg, incident.id, n, barrier)) for n in range(WRITERS)]
        assert sorted(r.get(timeout=600) for r in results) == list(range(WRITERS))
    rows = engine.store.rows(incident.id)
    assert [r["seq"] for r in rows] == list(range(1, WRITERS * COMMANDS + 2))
    notes = [e.text for e in engine.timeline(incident.id) if isinstance(e, ev.NoteAdded)]
    assert len(notes) == len(set(notes)) == WRITERS * COMMANDS
    assert verify_rows(incident.id, rows).ok


def test_a_backend_killed_mid_transaction_loses_nothing_and_the_append_is_retried(pg):
    import psycopg

    engine = _engine(pg)
    incident = engine.declare("offensive-post", "Connection drops")
    engine.note(incident.id, "committed before the drop")
    store = engine.store
    pid = store.connect().info.backend_pid
    blocker = psycopg.connect(pg)
    blocker.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (incident.id,))
    done = threading.Event()
    failure: list[BaseException] = []

    def append_note() -> None:
        try:
            engine.note(incident.id, "written across the drop")
        except BaseException as exc:  # reported below
            failure.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=append_note)
    thread.start()
    # Wait until the append is inside its transaction, queued on the incident's lock.
    with psycopg.connect(pg, autocommit=True) as watcher:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            waiting = watcher.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)
            ).fetchone()
            if waiting and waiting[0] == "Lock":
                break
            time.sleep(0.02)
        else:
            pytest.fail("the append never queued on the incident's lock")
    with psycopg.connect(pg, autocommit=True) as admin:
        killed = admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
    assert killed
    blocker.rollback()
    blocker.close()
    assert done.wait(30)
    thread.join()
    assert failure == []
    notes = [e.text for e in engine.timeline(incident.id) if isinstance(e, ev.NoteAdded)]
    assert notes == ["committed before the drop", "written across the drop"]
    assert engine.verify(incident.id).ok


def test_the_log_is_append_only_in_the_database_itself(pg):
    import psycopg

    engine = _engine(pg)
    incident = engine.declare("offensive-post", "Tamper attempt")
    with psycopg.connect(pg, autocommit=True) as connection:
        for sql in ("UPDATE events SET actor = 'mallory'", "DELETE FROM events", "TRUNCATE events"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                connection.execute(sql)
    assert len(engine.timeline(incident.id)) == 1


def test_migrations_are_versioned_and_applied_once(pg):
    from runbook.store.postgres import PostgresStore

    store = PostgresStore(pg)
    assert store.schema_version() == len(MIGRATIONS)
    assert store.migrate() == []
    store.close()


def _cli(*args: str, db: str, operator: str = "amara", timeout: int = 120):
    env = {
        **os.environ,
        "RUNBOOK_DB": db,
        "RUNBOOK_CONFIG": str(ROOT),
        "RUNBOOK_OPERATOR": operator,
    }
    return subprocess.run(
        [sys.executable, "-m", "runbook", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=timeout,
    )


def test_db_migrate_and_copy_move_a_history_with_hashes_verified(pg, tmp_path: Path):
    sqlite_db = str(tmp_path / "laptop.db")
    incident_id = _cli(
        "declare", "account-compromised", "--title", "Hacked", db=sqlite_db
    ).stdout.strip()
    assert _cli("note", incident_id, "First call with the platform", db=sqlite_db).returncode == 0
    assert _cli("report", "Seen on TikTok", db=sqlite_db).returncode == 0
    migrated = _cli("db", "migrate", db=pg)
    assert migrated.returncode == 0, migrated.stderr
    assert f"schema at version {len(MIGRATIONS)}" in migrated.stdout

    copied = _cli("db", "copy", "--from", sqlite_db, "--to", pg, db=pg)
    assert copied.returncode == 0, copied.stderr
    assert "all verified" in copied.stdout
    assert "intake log: 1 warning record(s) copied; verified" in copied.stdout
    repeated = _cli("db", "copy", "--from", sqlite_db, "--to", pg, db=pg)
    assert "intake log: 0 warning record(s) copied; verified" in repeated.stdout
    source = _cli("verify", incident_id, db=sqlite_db).stdout
    target = _cli("verify", incident_id, db=pg).stdout
    assert source == target, "same events, same head hash"

    back = str(tmp_path / "back.db")
    again = _cli("db", "copy", "--from", pg, "--to", back, db=back)
    assert again.returncode == 0, again.stderr
    assert _cli("verify", incident_id, db=back).stdout == source


def test_watch_follows_changes_made_elsewhere_within_a_second(pg):
    engine = _engine(pg)
    incident = engine.declare("offensive-post", "Watched")
    env = {**os.environ, "RUNBOOK_DB": pg, "RUNBOOK_CONFIG": str(ROOT), "RUNBOOK_OPERATOR": "amara"}
    watcher = subprocess.Popen(
        [sys.executable, "-m", "runbook", "watch", incident.id, "--timeout", "5"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        first = watcher.stdout.readline()
        assert 'Incident declared: "Watched"' in first
        engine.note(incident.id, "Journalist from the Gazette called")
        line = watcher.stdout.readline()  # "" if the watcher gave up (5 s quiet) first
        assert "Journalist from the Gazette called" in line
    finally:
        watcher.kill()
        watcher.wait()


def test_the_full_lifecycle_runs_on_the_team_store(pg, keyring):
    from tests.signing import approve_as, with_keys
    from tests.test_engine import SEV1_ACCOUNT

    engine = _engine(pg, "tom")
    engine.workspace = with_keys(engine.workspace, keyring)  # the contacts it is declared with
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)
    engine.pause(incident.id)
    engine.notify(incident.id)
    engine.start_draft(incident.id)
    incident = engine.submit(incident.id)
    assert incident.state == "in_review"
    for person in ("amara", "priya", "marcus", "daniel"):
        incident = approve_as(engine, person, keyring, incident.id)
    assert incident.state == "approved"
    incident = engine.resolve(incident.id, "Recovered")
    assert incident.state == "resolved"
    assert engine.verify(incident.id).ok
