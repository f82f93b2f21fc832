"""The event store's contract, run against every backend, plus SQLite specifics and the chain.

Adding a backend is one entry in ``BACKENDS``: a function that, given a scratch folder, returns
a :class:`Backend` (how to open connections to one fresh store, and how to run SQL on it
behind the store's back).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from runbook.errors import ConcurrencyConflict, IntegrityError, StoreError
from runbook.model import events as ev
from runbook.store import EventStore, open_store
from runbook.store.chain import (
    COLUMNS,
    HASHED,
    from_rows,
    row_hash,
    to_row,
    verify_rows,
)
from runbook.store.sqlite import SqliteStore
from runbook.store.sqlite.store import BUSY_TIMEOUT_MS
from tests.helpers_store import (
    PG_SKIP,
    PLAYBOOK,
    T0,
    assessed,
    declared,
    note,
    pg_url,
    raw,
    with_search_path,
)

INC = "INC-TEST01"
OTHER = "INC-TEST02"


@dataclass
class Backend:
    """One fresh store of one kind, for the contract tests."""

    name: str
    connect: Callable[[], EventStore]
    """Open a new connection (a new store object) to the same store."""
    execute: Callable[[str, tuple[Any, ...]], None]
    """Run SQL (``?`` placeholders) on a raw connection, outside the store."""
    refused: tuple[type[BaseException], ...]
    """What that raw connection raises when the store refuses a change."""
    folder: Path
    """A scratch folder for the test."""
    opened: list[EventStore] = field(default_factory=list)

    def open(self) -> EventStore:
        store = self.connect()
        self.opened.append(store)
        return store

    def close(self) -> None:
        for store in self.opened:
            store.close()


def sqlite_backend(folder: Path) -> Backend:
    path = folder / "events.db"

    def execute(sql: str, params: tuple[Any, ...]) -> None:
        connection = raw(path)
        try:
            connection.execute(sql, params)
        finally:
            connection.close()

    return Backend(
        "sqlite", lambda: open_store(str(path)), execute, (sqlite3.IntegrityError,), folder
    )


def postgres_backend(folder: Path) -> Backend:
    """A fresh schema in the test PostgreSQL server (``RUNBOOK_TEST_PG_URL``)."""
    url = pg_url()
    if url is None:
        pytest.skip(PG_SKIP)
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:16]
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    scoped = with_search_path(url, schema)

    def execute(sql: str, params: tuple[Any, ...]) -> None:
        with psycopg.connect(scoped, autocommit=True) as connection:
            connection.execute(sql.replace("?", "%s"), params)

    return Backend(
        "postgres", lambda: open_store(scoped), execute, (psycopg.errors.RaiseException,), folder
    )


BACKENDS: dict[str, Callable[[Path], Backend]] = {
    "sqlite": sqlite_backend,
    "postgres": postgres_backend,
}
"""Every backend the contract runs against."""


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    made = BACKENDS[request.param](tmp_path)
    yield made
    made.close()


@pytest.fixture
def store(backend: Backend) -> EventStore:
    return backend.open()


def append_notes(
    store: EventStore, incident_id: str, texts: list[str], after: int = 0, **kw: Any
) -> list[ev.Event]:
    """Append one note per text, one append each, starting after seq ``after``."""
    appended: list[ev.Event] = []
    for offset, text in enumerate(texts):
        seq = after + offset
        event = note(incident_id, text, minute=seq, **kw)
        appended += store.append(incident_id, seq, [event])
    return appended


class TestStoreContract:
    """What every EventStore backend must do."""

    def test_appended_events_load_back_in_order_with_seq_1_to_n(self, store: EventStore) -> None:
        texts = [f"note {i}" for i in range(5)]
        append_notes(store, INC, texts)
        batch = [note(INC, "batch a", minute=10), note(INC, "batch b", minute=11)]
        store.append(INC, 5, batch)

        loaded = store.load(INC)

        assert [e.seq for e in loaded] == [1, 2, 3, 4, 5, 6, 7]
        assert [e.text for e in loaded] == [*texts, "batch a", "batch b"]
        assert all(isinstance(e, ev.NoteAdded) for e in loaded)
        assert loaded[6].at == T0 + timedelta(minutes=11)
        assert loaded[6].at.utcoffset() == timedelta(0)
        assert {e.actor for e in loaded} == {"amara"}

    def test_append_returns_the_events_as_stored_with_chained_hashes(
        self, store: EventStore
    ) -> None:
        appended = append_notes(store, INC, ["one", "two", "three"], command_id="cmd-1")

        assert appended == store.load(INC)
        assert [e.prev_hash for e in appended] == ["", appended[0].hash, appended[1].hash]
        assert len({e.hash for e in appended}) == 3
        assert all(len(e.hash) == 64 for e in appended)
        assert {e.command_id for e in appended} == {"cmd-1"}

    def test_load_after_seq_returns_only_later_events(self, store: EventStore) -> None:
        append_notes(store, INC, ["a", "b", "c", "d"])

        assert [e.text for e in store.load(INC, after_seq=2)] == ["c", "d"]
        assert store.load(INC, after_seq=4) == []

    def test_unknown_incident_loads_as_empty(self, store: EventStore) -> None:
        append_notes(store, INC, ["a"])

        assert store.load("INC-NOPE00") == []
        assert store.rows("INC-NOPE00") == []

    def test_each_incident_is_its_own_stream_numbered_from_1(self, store: EventStore) -> None:
        append_notes(store, INC, ["a", "b"])
        append_notes(store, OTHER, ["x"])
        append_notes(store, INC, ["c"], after=2)

        assert [(e.seq, e.text) for e in store.load(INC)] == [(1, "a"), (2, "b"), (3, "c")]
        assert [(e.seq, e.text) for e in store.load(OTHER)] == [(1, "x")]
        assert store.load(OTHER)[0].prev_hash == ""

    def test_stale_expected_seq_raises_conflict_naming_the_event_that_won(
        self, backend: Backend
    ) -> None:
        first, second = backend.open(), backend.open()
        append_notes(first, INC, ["declared"])
        winner = note(INC, "I was first", actor="elena", minute=5)
        first.append(INC, 1, [winner])

        with pytest.raises(ConcurrencyConflict) as caught:
            second.append(INC, 1, [note(INC, "too late", actor="tom")])

        message = str(caught.value)
        assert caught.value.seq == 2
        assert caught.value.incident_id == INC
        assert "#2" in message
        assert "NoteAdded" in message
        assert "elena" in message
        assert "tom" not in message

    def test_conflicting_append_writes_nothing(self, backend: Backend) -> None:
        first, second = backend.open(), backend.open()
        append_notes(first, INC, ["a", "b"])
        loser = [note(INC, "lost 1"), note(INC, "lost 2")]

        with pytest.raises(ConcurrencyConflict):
            second.append(INC, 1, loser)

        assert [e.text for e in first.load(INC)] == ["a", "b"]
        (listed,) = first.incidents()
        assert listed["events"] == 2
        assert listed["state"] == "declared"

    def test_expected_seq_beyond_the_head_is_a_conflict(self, store: EventStore) -> None:
        append_notes(store, INC, ["a"])

        with pytest.raises(ConcurrencyConflict) as caught:
            store.append(INC, 3, [note(INC, "from the future")])

        assert caught.value.seq == 4
        assert [e.seq for e in store.load(INC)] == [1]

    def test_update_of_a_stored_event_is_refused(self, backend: Backend) -> None:
        store = backend.open()
        append_notes(store, INC, ["original"])

        with pytest.raises(backend.refused, match="append-only"):
            backend.execute(
                "UPDATE events SET data = ? WHERE incident_id = ? AND seq = 1",
                ('{"text":"rewritten"}', INC),
            )

        assert store.load(INC)[0].text == "original"
        assert verify_rows(INC, store.rows(INC)).ok

    def test_delete_of_a_stored_event_is_refused(self, backend: Backend) -> None:
        store = backend.open()
        append_notes(store, INC, ["keep me", "and me"])

        with pytest.raises(backend.refused, match="append-only"):
            backend.execute("DELETE FROM events WHERE incident_id = ? AND seq = 2", (INC,))

        assert [e.text for e in store.load(INC)] == ["keep me", "and me"]

    def test_the_incident_list_follows_the_events_appended(self, store: EventStore) -> None:
        store.append(INC, 0, [declared(INC, "Offensive post on X")])
        (listed,) = store.incidents()
        assert listed == {
            "id": INC,
            "playbook": PLAYBOOK,
            "title": "Offensive post on X",
            "level": None,
            "state": "declared",
            "drill": False,
            "opened_at": T0.isoformat(),
            "updated_at": T0.isoformat(),
            "events": 1,
        }

        store.append(
            INC, 1, [assessed(INC, "L2", minute=2), note(INC, "c", minute=3, state="assessed")]
        )

        (listed,) = store.incidents()
        assert listed["events"] == 3
        assert listed["state"] == "assessed"
        assert listed["level"] == "L2"
        assert listed["updated_at"] == (T0 + timedelta(minutes=3)).isoformat()
        assert listed["title"] == "Offensive post on X"

    def test_incidents_are_listed_newest_first(self, store: EventStore) -> None:
        store.append(INC, 0, [declared(INC, "old")])
        store.append(OTHER, 0, [declared(OTHER, "new", minute=120, drill=True)])

        listed = store.incidents()

        assert [row["id"] for row in listed] == [OTHER, INC]
        assert [row["drill"] for row in listed] == [True, False]

    def test_heads_come_from_the_log_whatever_the_list_says(self, backend: Backend) -> None:
        store = backend.open()
        store.append(INC, 0, [declared(INC, "Hacked")])
        append_notes(store, INC, ["a", "b"], after=1)
        store.append(OTHER, 0, [declared(OTHER, "Leak")])
        backend.execute(
            "UPDATE incidents SET state = ?, events = ? WHERE id = ?", ("closed", 9, INC)
        )
        backend.execute("DELETE FROM incidents WHERE id = ?", (OTHER,))

        heads = store.heads()

        assert sorted(heads) == [INC, OTHER]
        assert (heads[INC]["seq"], heads[INC]["state"]) == (3, "declared")
        assert heads[OTHER]["seq"] == 1

    def test_rebuilding_the_list_restores_it_from_the_logs(self, backend: Backend) -> None:
        store = backend.open()
        store.append(INC, 0, [declared(INC, "Hacked"), assessed(INC, "L1", minute=1)])
        store.append(OTHER, 0, [declared(OTHER, "Leak")])
        before = store.incidents()
        backend.execute(
            "UPDATE incidents SET state = ?, level = ? WHERE id = ?", ("closed", None, INC)
        )
        backend.execute("DELETE FROM incidents WHERE id = ?", (OTHER,))
        backend.execute(
            "INSERT INTO incidents (id, title, state, drill, events) VALUES (?, ?, ?, ?, ?)",
            ("INC-GHOST1", "never happened", "paused", False, 4),
        )

        assert store.rebuild_incidents() == sorted([INC, OTHER, "INC-GHOST1"])
        assert store.incidents() == before
        assert store.rebuild_incidents() == []

    def test_change_token_changes_after_another_connection_writes(self, backend: Backend) -> None:
        watcher, writer = backend.open(), backend.open()
        append_notes(writer, INC, ["a"])
        before = watcher.change_token()
        assert watcher.change_token() == before  # stable while nobody writes

        append_notes(writer, INC, ["b"], after=1)
        after_one = watcher.change_token()
        append_notes(writer, OTHER, ["x"])
        after_two = watcher.change_token()

        assert before != after_one != after_two
        assert watcher.change_token() == after_two

    def test_change_token_changes_after_own_write(self, store: EventStore) -> None:
        before = store.change_token()
        append_notes(store, INC, ["a"])
        assert store.change_token() != before

    def test_stored_rows_verify_and_match_the_loaded_events(self, store: EventStore) -> None:
        appended = append_notes(store, INC, ["a", "b", 'ünïcødé ☕ "quoted"'])

        rows = store.rows(INC)
        result = verify_rows(INC, rows)

        assert result.ok, result.problem
        assert result.count == 3
        assert result.head_hash == appended[-1].hash == rows[-1]["hash"]
        assert from_rows(rows) == appended

    def test_waiting_for_a_change_returns_when_another_connection_writes(
        self, backend: Backend
    ) -> None:
        import threading

        watcher, writer = backend.open(), backend.open()
        token = watcher.change_token()
        timer = threading.Timer(0.3, lambda: append_notes(writer, INC, ["late"]))
        timer.start()
        try:
            assert watcher.wait_for_change(token, timeout=10.0) != token
        finally:
            timer.join()
        assert watcher.wait_for_change(watcher.change_token(), timeout=0.2) is not None

    def test_imported_rows_keep_their_hashes_and_a_different_history_is_refused(
        self, backend: Backend
    ) -> None:
        source = backend.open()
        append_notes(source, INC, ["a", "b", "c"])
        rows = source.rows(INC)
        target = backend.open()
        assert target.import_rows(INC, rows) == 0, "already there"
        elsewhere = SqliteStore(backend.folder / "elsewhere.db")
        append_notes(elsewhere, OTHER, ["x", "y", "z"])
        other = elsewhere.rows(OTHER)
        elsewhere.close()
        assert target.import_rows(OTHER, other) == 3
        assert [r["hash"] for r in target.rows(OTHER)] == [r["hash"] for r in other]
        assert {row["id"]: row["events"] for row in target.incidents()} == {INC: 3, OTHER: 3}
        forged = [dict(other[0], hash="0" * 64)]
        with pytest.raises(StoreError, match="different history"):
            target.import_rows(OTHER, forged)

    def test_events_survive_closing_and_reopening(self, backend: Backend) -> None:
        store = backend.open()
        appended = append_notes(store, INC, ["a", "b"])
        store.close()
        backend.opened.remove(store)

        assert backend.open().load(INC) == appended


class TestSqliteStore:
    """What only the embedded SQLite store promises."""

    def test_store_connection_uses_wal_synchronous_full_and_a_busy_timeout(
        self, tmp_path: Path
    ) -> None:
        store = SqliteStore(tmp_path / "events.db")
        try:
            connection = store._db  # the store's own connection: synchronous is per connection
            assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert connection.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
            assert connection.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS
        finally:
            store.close()

    def test_the_file_stays_in_wal_mode_for_every_connection(self, tmp_path: Path) -> None:
        SqliteStore(tmp_path / "events.db").close()
        connection = raw(tmp_path / "events.db")
        try:
            assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        finally:
            connection.close()

    def test_append_that_fails_part_way_writes_nothing_and_the_store_still_works(
        self, tmp_path: Path
    ) -> None:
        store = SqliteStore(tmp_path / "events.db")
        append_notes(store, INC, ["a"])
        sabotage = raw(tmp_path / "events.db")
        sabotage.execute(  # the list is written after the events, in the same transaction
            "CREATE TRIGGER broken BEFORE UPDATE ON incidents "
            "BEGIN SELECT RAISE(ABORT, 'the incident list is broken'); END"
        )
        sabotage.close()

        with pytest.raises(StoreError, match="incident list is broken"):
            store.append(INC, 1, [note(INC, "b"), note(INC, "c")])

        assert [e.seq for e in store.load(INC)] == [1]
        assert not store._db.in_transaction
        repair = raw(tmp_path / "events.db")
        repair.execute("DROP TRIGGER broken")
        repair.close()
        append_notes(store, INC, ["b"], after=1)
        assert [e.text for e in store.load(INC)] == ["a", "b"]
        assert store.incidents()[0]["events"] == 2

    def test_event_of_another_incident_is_not_appended(self, tmp_path: Path) -> None:
        store = SqliteStore(tmp_path / "events.db")

        with pytest.raises(ValueError, match=OTHER):
            store.append(INC, 0, [note(OTHER, "misfiled")])

        assert store.load(INC) == store.load(OTHER) == []

    @pytest.mark.parametrize(
        ("data", "expected"),
        [
            ('{"text": 42}', r"event #2 \(NoteAdded\) cannot be read \(text"),
            ('{"text":"x"', r"event #2 holds unreadable data"),
            ('{"text":"x"},{"text":"y"}', r"event #2 holds unreadable data"),
            ('{"text":"x","smuggled":1}', r"event #2 \(NoteAdded\) cannot be read \(smuggled"),
        ],
    )
    def test_loading_a_damaged_event_is_an_integrity_error_naming_it(
        self, tmp_path: Path, data: str, expected: str
    ) -> None:
        path = tmp_path / "events.db"
        store = SqliteStore(path)
        append_notes(store, INC, ["a", "b", "c"])
        connection = raw(path)
        connection.execute("DROP TRIGGER events_no_update")
        connection.execute("UPDATE events SET data = ? WHERE seq = 2", (data,))
        connection.close()

        with pytest.raises(IntegrityError, match=expected):
            store.load(INC)
        assert [e.seq for e in store.load(INC, after_seq=2)] == [3]

    def test_a_file_that_is_not_a_store_is_a_store_error(self, tmp_path: Path) -> None:
        path = tmp_path / "events.db"
        path.write_bytes(b"this is a spreadsheet, not a database\n" * 200)

        with pytest.raises(StoreError, match="not a runbook incident store or is damaged"):
            SqliteStore(path)

    def test_a_folder_that_cannot_be_created_is_a_store_error(self, tmp_path: Path) -> None:
        blocker = tmp_path / "file"
        blocker.write_text("")

        with pytest.raises(StoreError, match="cannot open the incident store"):
            SqliteStore(blocker / "sub" / "events.db")


class TestChain:
    """The hash chain over stored rows."""

    def rows(self, count: int) -> list[dict[str, Any]]:
        rows, prev = [], ""
        for seq in range(1, count + 1):
            row = to_row(note(INC, f"note {seq}", minute=seq), seq, prev)
            rows.append(row)
            prev = row["hash"]
        return rows

    @pytest.mark.parametrize("column", HASHED)
    def test_the_hash_covers_every_hashed_column(self, column: str) -> None:
        row = self.rows(1)[0]
        changed = {**row, column: "9" if column == "seq" else str(row[column]) + "x"}

        assert row_hash(changed, "") != row["hash"]

    def test_the_hash_covers_the_previous_hash(self) -> None:
        row = self.rows(1)[0]
        assert row_hash(row, "0" * 64) != row_hash(row, "")

    def test_stored_columns_are_the_envelope_plus_data(self) -> None:
        assert set(COLUMNS) == {*ev.ENVELOPE, "data"}
        assert set(self.rows(1)[0]) == set(COLUMNS)

    def test_a_missing_middle_event_is_named(self) -> None:
        rows = self.rows(6)
        del rows[3]

        result = verify_rows(INC, rows)

        assert result.first_bad_seq == 4
        assert "#4 is missing" in result.problem

    def test_a_relinked_event_is_named(self) -> None:
        rows = self.rows(5)
        rows[2] = {**rows[2], "prev_hash": rows[0]["hash"]}

        result = verify_rows(INC, rows)

        assert result.first_bad_seq == 3
        assert "#3 does not link to event #2" in result.problem
        assert result.head_hash == rows[1]["hash"]

    def test_an_intact_chain_verifies_with_its_head(self) -> None:
        rows = self.rows(4)
        result = verify_rows(INC, rows)
        assert (result.ok, result.count, result.head_hash) == (True, 4, rows[-1]["hash"])

    def test_from_rows_and_event_from_row_rebuild_the_event(self) -> None:
        rows = self.rows(2)

        events = from_rows(rows)

        assert [e.text for e in events] == ["note 1", "note 2"]
        assert events[1].hash == rows[1]["hash"]
        assert ev.event_from_row(rows[1]) == events[1]
