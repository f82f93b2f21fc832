"""The event store under stress: concurrent processes, SIGKILL, tampering, racing engines."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from runbook.engine import Engine
from runbook.errors import ActionRefused, ConcurrencyConflict
from runbook.model import events as ev
from runbook.store.chain import verify_rows
from runbook.store.sqlite import SqliteStore
from tests.helpers_store import (
    KILL_CHILD,
    PLAYBOOK,
    REPO,
    engine,
    flip_bit,
    note_worker,
    raw,
    run_cli,
    workspace,
)

KILL_TRIALS = int(os.environ.get("RUNBOOK_KILL_TRIALS", "50"))
TRIALS_PER_DB = 5
TAMPERED_COLUMNS = ("data", "actor", "at", "type", "hash")


def stored_rows(db: Path, incident_id: str) -> list[dict[str, Any]]:
    store = SqliteStore(db)
    try:
        return store.rows(incident_id)
    finally:
        store.close()


# -- two processes, one incident ---------------------------------------------------------


@pytest.mark.slow
def test_two_processes_adding_200_notes_each_to_one_incident_lose_nothing(
    tmp_path: Path,
) -> None:
    db = tmp_path / "events.db"
    declarer = engine(db)
    incident_id = declarer.declare(PLAYBOOK, "Two writers").id
    declarer.store.close()
    count, meet_every = 200, 20
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    workers = [
        context.Process(
            target=note_worker,
            args=(str(db), incident_id, name, count, barrier, results, meet_every),
        )
        for name in ("left", "right")
    ]
    try:
        for worker in workers:
            worker.start()
        reports = [results.get(timeout=300) for _ in workers]
        for worker in workers:
            worker.join(timeout=60)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.kill()
                worker.join()

    errors = [error for _, _, found in reports for error in found]
    assert errors == []
    assert not any("locked" in error for error in errors)
    assert sorted((name, done) for name, done, _ in reports) == [("left", 200), ("right", 200)]
    assert [worker.exitcode for worker in workers] == [0, 0]
    rows = stored_rows(db, incident_id)
    assert [row["seq"] for row in rows] == list(range(1, 2 * count + 2))
    notes = [json.loads(row["data"])["text"] for row in rows if row["type"] == "NoteAdded"]
    assert len(notes) == 2 * count
    expected = {f"{name}-{index:04d}" for name in ("left", "right") for index in range(count)}
    assert set(notes) == expected
    writers = [text.split("-")[0] for text in notes]
    switches = sum(1 for a, b in zip(writers, writers[1:], strict=False) if a != b)
    # Both writers add notes between every two meetings, so each of the 10 stretches holds
    # at least one hand-over from one writer to the other.
    assert switches >= count // meet_every, "the two writers did not overlap: nothing was tested"
    for name in ("left", "right"):  # each writer's own notes keep their order
        mine = [text for text in notes if text.startswith(name)]
        assert mine == sorted(mine)
    assert len({row["command_id"] for row in rows[1:]}) == 2 * count
    result = verify_rows(incident_id, rows)
    assert result.ok, result.problem
    store = SqliteStore(db)
    (listed,) = store.incidents()
    store.close()
    assert listed["events"] == 2 * count + 1


# -- SIGKILL while appending -------------------------------------------------------------


def kill_trial(db: Path, incident_id: str, trial: int, rng: random.Random) -> dict[int, str]:
    """Run the appending child, SIGKILL it after a random delay; return what it acknowledged."""
    child = subprocess.Popen(
        [sys.executable, "-c", KILL_CHILD, str(db), incident_id, f"t{trial}", str(trial)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready = child.stdout.readline() if child.stdout else ""
        assert ready.startswith("ready "), child.communicate(timeout=30)
        time.sleep(rng.uniform(0, 0.15))
        os.kill(child.pid, signal.SIGKILL)
        out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL, err
    acknowledged = {}
    for line in out.splitlines(keepends=True):
        if line.endswith("\n"):  # a line cut short by the kill was never acknowledged
            seq, text = line.split()
            acknowledged[int(seq)] = text
    return acknowledged


@pytest.mark.slow
def test_sigkill_at_random_points_never_loses_an_acknowledged_event(tmp_path: Path) -> None:
    rng = random.Random(20250314)
    incident_id = "INC-KILL00"
    acknowledged_total = 0
    for trial in range(KILL_TRIALS):
        db = tmp_path / f"kill-{trial // TRIALS_PER_DB}.db"
        acknowledged = kill_trial(db, incident_id, trial, rng)
        acknowledged_total += len(acknowledged)

        rows = stored_rows(db, incident_id)
        result = verify_rows(incident_id, rows)
        assert result.ok, f"trial {trial}: {result.problem}"
        by_seq = {row["seq"]: json.loads(row["data"])["text"] for row in rows}
        missing = {seq: text for seq, text in acknowledged.items() if by_seq.get(seq) != text}
        assert missing == {}, f"trial {trial}: acknowledged but not stored"
        # Every batch is all or nothing: "<batch>-<i>of<size>".
        sizes = Counter(text.rsplit("-", 1)[0] for text in by_seq.values())
        for text in by_seq.values():
            batch, part = text.rsplit("-", 1)
            assert sizes[batch] == int(part.split("of")[1]), f"trial {trial}: {batch} torn"
    assert acknowledged_total > KILL_TRIALS  # the children did get to append


# -- tampering ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def twenty_events(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A store holding one 20-event incident (declared, checks, notes)."""
    db = tmp_path_factory.mktemp("tamper") / "template.db"
    writer = engine(db)
    incident_id = writer.declare(PLAYBOOK, "Offensive post on X").id
    for item in ("screenshot-evidence", "find-all-copies", "who-approved-it"):
        writer.check(incident_id, item)
    for index in range(15):
        writer.note(incident_id, f"note {index}: reach ≈ {index * 1000} «views» ☕")
    writer.note(incident_id, "last note")
    assert writer.incident(incident_id).seq == 20
    writer.store.close()
    return db, incident_id


@pytest.fixture
def tamper_db(twenty_events: tuple[Path, str], tmp_path: Path) -> tuple[Path, str]:
    """A private copy of the 20-event store."""
    template, incident_id = twenty_events
    db = tmp_path / "events.db"
    source, target = sqlite3.connect(template), sqlite3.connect(db)
    source.backup(target)
    source.close()
    target.close()
    return db, incident_id


def tamper(db: Path, incident_id: str, seq: int, column: str, value: Any) -> None:
    """Change a stored event as an attacker with the file would: drop the trigger first
    (opening the store re-creates it)."""
    connection = raw(db)
    try:
        connection.execute("DROP TRIGGER IF EXISTS events_no_update")
        connection.execute(
            f"UPDATE events SET {column} = ? WHERE incident_id = ? AND seq = ?",
            (value, incident_id, seq),
        )
    finally:
        connection.close()


def test_a_flipped_bit_in_any_column_of_any_event_is_located(
    tamper_db: tuple[Path, str],
) -> None:
    db, incident_id = tamper_db
    original = stored_rows(db, incident_id)
    assert len(original) == 20
    rng = random.Random(7)
    checked = 0
    for row in original:
        seq = row["seq"]
        for column in TAMPERED_COLUMNS:
            index = rng.randrange(len(row[column]))
            tamper(db, incident_id, seq, column, flip_bit(row[column], index))

            result = verify_rows(incident_id, stored_rows(db, incident_id))

            where = f"seq {seq} column {column} char {index}"
            assert result.first_bad_seq == seq, where
            assert re.search(rf"event #{seq}\b", result.problem), (where, result.problem)
            assert result.head_hash == (original[seq - 2]["hash"] if seq > 1 else ""), where
            tamper(db, incident_id, seq, column, row[column])
            checked += 1
    assert checked == 100
    assert verify_rows(incident_id, stored_rows(db, incident_id)).ok


@pytest.mark.parametrize(
    ("seq", "column"),
    [(1, "data"), (7, "actor"), (10, "type"), (13, "at"), (20, "hash")],
)
def test_runbook_verify_exits_1_naming_the_tampered_event(
    tamper_db: tuple[Path, str], seq: int, column: str
) -> None:
    db, incident_id = tamper_db
    row = stored_rows(db, incident_id)[seq - 1]
    tamper(db, incident_id, seq, column, flip_bit(row[column], len(row[column]) // 2))

    result = run_cli("verify", incident_id, db=db)

    assert result.returncode == 1, result
    assert "TAMPERED OR DAMAGED" in result.stderr
    assert re.search(rf"event #{seq} \(", result.stderr), result.stderr
    assert f"verified up to event #{seq - 1}," in result.stderr
    assert result.stdout == ""


def test_runbook_verify_json_reports_the_first_bad_seq(tamper_db: tuple[Path, str]) -> None:
    db, incident_id = tamper_db
    row = stored_rows(db, incident_id)[10]
    tamper(db, incident_id, 11, "data", row["data"].replace("note", "NOTE", 1))

    result = run_cli("verify", incident_id, "--json", db=db)

    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert (report["ok"], report["first_bad_seq"], report["events"]) == (False, 11, 20)


def test_runbook_verify_names_a_deleted_middle_event_as_missing(
    tamper_db: tuple[Path, str],
) -> None:
    db, incident_id = tamper_db
    connection = raw(db)
    connection.execute("DROP TRIGGER events_no_delete")
    connection.execute("DELETE FROM events WHERE incident_id = ? AND seq = 8", (incident_id,))
    connection.close()

    result = run_cli("verify", incident_id, db=db)

    assert result.returncode == 1
    assert "event #8 is missing" in result.stderr


def test_runbook_verify_of_an_intact_log_prints_count_and_head(
    tamper_db: tuple[Path, str],
) -> None:
    db, incident_id = tamper_db
    head = stored_rows(db, incident_id)[-1]["hash"]

    result = run_cli("verify", incident_id, db=db)

    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"{incident_id}: ok, 20 events, head {head}; 0 signature(s) and 0 link receipt(s) checked\n"
    )


def test_deleting_the_newest_events_is_detected(tamper_db: tuple[Path, str]) -> None:
    db, incident_id = tamper_db
    connection = raw(db)
    connection.execute("DROP TRIGGER events_no_delete")
    connection.execute("DELETE FROM events WHERE incident_id = ? AND seq > 18", (incident_id,))
    connection.close()

    result = run_cli("verify", incident_id, db=db)

    assert result.returncode == 1


# -- racing engines ----------------------------------------------------------------------


class RacingStore:
    """A store that lets a rival write just before each of the next ``races`` appends, so the
    append loses the race exactly as it would to another process."""

    def __init__(self, inner: SqliteStore, rival: Callable[[], object], races: int = 1) -> None:
        self.inner = inner
        self.rival = rival
        self.races = races
        self.appends = 0
        self.conflicts: list[ConcurrencyConflict] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def append(self, *args: Any, **kwargs: Any) -> list[ev.Event]:
        self.appends += 1
        if self.races > 0:
            self.races -= 1
            self.rival()
        try:
            return self.inner.append(*args, **kwargs)
        except ConcurrencyConflict as conflict:
            self.conflicts.append(conflict)
            raise


@pytest.fixture
def incident(tmp_path: Path) -> Iterator[tuple[Path, str, Engine]]:
    """A declared incident, and engine A (amara) on its store."""
    db = tmp_path / "events.db"
    first = engine(db)
    yield db, first.declare(PLAYBOOK, "Racing engines").id, first
    first.store.close()


def racing_engine(db: Path, rival: Callable[[], object], races: int) -> Engine:
    """Engine B (elena) whose appends lose ``races`` races to ``rival``."""
    return Engine(RacingStore(SqliteStore(db), rival, races), workspace(), operator="elena")


def note_texts(db: Path, incident_id: str) -> list[str]:
    return [
        json.loads(row["data"])["text"]
        for row in stored_rows(db, incident_id)
        if row["type"] == "NoteAdded"
    ]


def test_a_command_that_loses_races_retries_on_fresh_state_and_is_recorded_once(
    incident: tuple[Path, str, Engine],
) -> None:
    db, incident_id, first = incident
    rivals = iter(range(1, 10))
    second = racing_engine(db, lambda: first.note(incident_id, f"A {next(rivals)}"), races=3)
    assert second.incident(incident_id).seq == 1  # B caches its fold...
    first.note(incident_id, "A 0")  # ...which goes stale

    result = second.note(incident_id, "from B")

    store = second.store
    assert isinstance(store, RacingStore)
    assert (store.appends, len(store.conflicts)) == (4, 3)
    assert all("NoteAdded by amara" in str(conflict) for conflict in store.conflicts)
    assert note_texts(db, incident_id) == ["A 0", "A 1", "A 2", "A 3", "from B"]
    assert (result.seq, result.notes) == (6, 5)
    rows = stored_rows(db, incident_id)
    assert [row["seq"] for row in rows] == [1, 2, 3, 4, 5, 6]
    assert rows[-1]["actor"] == "elena"
    assert verify_rows(incident_id, rows).ok


def test_a_retried_command_is_checked_again_on_fresh_state(
    incident: tuple[Path, str, Engine],
) -> None:
    db, incident_id, first = incident

    def close_it() -> None:
        first.resolve(incident_id, "False alarm")
        first.close(incident_id, leave_open=True)

    second = racing_engine(db, close_it, races=1)

    with pytest.raises(ActionRefused, match="closed"):
        second.note(incident_id, "too late")

    assert note_texts(db, incident_id) == []
    assert stored_rows(db, incident_id)[-1]["type"] == "IncidentClosed"


def test_a_command_repeated_with_its_command_id_is_recorded_once(
    incident: tuple[Path, str, Engine],
) -> None:
    db, incident_id, first = incident
    second = engine(db, operator="elena")

    first.note(incident_id, "only once", command_id="cmd-note-1")
    first.note(incident_id, "only once", command_id="cmd-note-1")
    again = second.note(incident_id, "only once", command_id="cmd-note-1")
    second.store.close()

    assert note_texts(db, incident_id) == ["only once"]
    assert again.notes == 1
    ids = [row["command_id"] for row in stored_rows(db, incident_id)]
    assert ids.count("cmd-note-1") == 1


def test_a_command_id_recorded_by_the_winner_of_a_race_is_not_recorded_again(
    incident: tuple[Path, str, Engine],
) -> None:
    db, incident_id, first = incident
    second = racing_engine(
        db, lambda: first.note(incident_id, "same", command_id="cmd-race"), races=1
    )

    result = second.note(incident_id, "same", command_id="cmd-race")

    assert len(second.store.conflicts) == 1
    assert note_texts(db, incident_id) == ["same"]
    assert result.notes == 1
    assert [row["actor"] for row in stored_rows(db, incident_id)] == ["amara", "amara"]


@pytest.mark.slow
def test_runbook_note_repeated_with_command_id_is_recorded_once(
    incident: tuple[Path, str, Engine],
) -> None:
    db, incident_id, _ = incident
    for _ in range(2):
        result = run_cli("--command-id", "cli-note-1", "note", incident_id, "from the CLI", db=db)
        assert result.returncode == 0, result.stderr

    assert note_texts(db, incident_id) == ["from the CLI"]


def test_declare_repeated_with_its_command_id_opens_one_incident(tmp_path: Path) -> None:
    writer = engine(tmp_path / "events.db")

    first = writer.declare(PLAYBOOK, "Once", command_id="cmd-declare-1")
    second = writer.declare(PLAYBOOK, "Once", command_id="cmd-declare-1")

    assert second.id == first.id
    assert len(writer.incidents()) == 1
