"""The embedded event store: one SQLite file, safe with several processes.

Every write is ``BEGIN IMMEDIATE`` (deferred transactions leak "database is locked" under
concurrent writers), the journal is WAL with ``synchronous=FULL`` so an acknowledged event
survives power loss, ``busy_timeout`` lets writers queue instead of failing, triggers make
the log append-only, and ``PRIMARY KEY (incident_id, seq)`` is the last line of defence
against two writers taking the same seq. A file is runbook's by its SQLite application id: a
file of another application, or with tables runbook did not make, is refused before anything
is written to it (:mod:`.schema`). SQLite's own errors are translated into
:class:`~runbook.errors.StoreError` messages a person can act on (:mod:`.errors`). The incident
list beside the log is kept by :mod:`.incident_list`.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from runbook.errors import ConcurrencyConflict, StoreError
from runbook.i18n import _
from runbook.model.events import Event
from runbook.model.intake import IntakeRecord
from runbook.store import intake
from runbook.store.chain import COLUMNS, from_tuples, rows_to_import, to_row
from runbook.store.claims import FileClaim, FileClaims
from runbook.store.listing import HEADS
from runbook.store.sqlite import incident_list
from runbook.store.sqlite.errors import explain, lenient
from runbook.store.sqlite.schema import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    check_ownership,
    create_tables,
)
from runbook.store.witness import Witness, location, witness_rows

T = TypeVar("T")

BUSY_TIMEOUT_MS = 30_000
"""How long a writer waits for another to finish before the store says it is busy."""

_COLUMNS = ", ".join(COLUMNS)


class SqliteStore:
    """Event store in one SQLite file (see module docstring)."""

    def __init__(self, path: str | Path) -> None:
        self.notice: Callable[[str], None] | None = None
        """Unused: a file does not lose its connection (see EventStore)."""
        self.path = Path(path)
        memory = str(path) == ":memory:"
        self.witness: Witness | None = None if memory else Witness(location(str(self.path)))
        """Where each append's chain head is written outside the file
        (:mod:`runbook.store.witness`)."""
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                str(self.path),
                timeout=BUSY_TIMEOUT_MS / 1000,
                isolation_level=None,
                check_same_thread=False,
            )
            self._db.row_factory = sqlite3.Row
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            fresh = check_ownership(self._db, self.path)  # before anything writes to the file
            mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise StoreError(
                    _(
                        "%(path)s: cannot use write-ahead logging (%(mode)s)",
                        path=self.path,
                        mode=mode,
                    )
                )
            self._db.execute("PRAGMA synchronous = FULL")
            self._db.execute("PRAGMA foreign_keys = ON")
            self._write(lambda: create_tables(self._db))
            if fresh:
                self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise StoreError(explain(self.path, exc)) from None
        except OSError as exc:
            raise StoreError(
                _("cannot open the incident store at %(path)s: %(exc)s", path=self.path, exc=exc)
            ) from None

    def command_use(self, command_id: str) -> tuple[str, str | None] | None:
        """Where a command id was first used: (incident id, the command recorded with it),
        or None when no event carries it (see EventStore)."""
        with self._lock:
            try:
                row = self._db.execute(
                    "SELECT incident_id, json_extract(data, '$.command') AS command FROM events "
                    "WHERE command_id = ? ORDER BY at, seq LIMIT 1",
                    (command_id,),
                ).fetchone()
            except sqlite3.DatabaseError as exc:
                raise StoreError(explain(self.path, exc)) from None
        return (row["incident_id"], row["command"]) if row else None

    def _write(self, work: Callable[[], T]) -> T:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreError(explain(self.path, exc)) from None
            try:
                result = work()
                self._db.execute("COMMIT")
            except BaseException:
                # SQLite may already have rolled back (disk full, I/O error); a failed COMMIT
                # leaves the transaction open, and the next BEGIN would fail forever.
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            return result

    def append(
        self,
        incident_id: str,
        expected_seq: int,
        events: list[Event],
    ) -> list[Event]:
        """Append after ``expected_seq`` or raise ConcurrencyConflict (see EventStore)."""
        for event in events:
            if event.incident_id != incident_id:
                raise ValueError(f"event of {event.incident_id} appended to {incident_id}")

        def work() -> list[dict[str, Any]]:
            head = self._db.execute(
                "SELECT seq, hash FROM events WHERE incident_id = ? ORDER BY seq DESC LIMIT 1",
                (incident_id,),
            ).fetchone()
            current, prev_hash = (head["seq"], head["hash"]) if head else (0, "")
            if current != expected_seq:
                winner = self._db.execute(
                    "SELECT type, actor, at FROM events WHERE incident_id = ? AND seq = ?",
                    (incident_id, expected_seq + 1),
                ).fetchone()
                who = (
                    f"{winner['type']} by {winner['actor']} at {winner['at']}"
                    if winner
                    else "unknown"
                )
                raise ConcurrencyConflict(incident_id, expected_seq + 1, who)
            rows = []
            for offset, event in enumerate(events, start=1):
                row = to_row(event, expected_seq + offset, prev_hash)
                prev_hash = row["hash"]
                rows.append(row)
            self._db.executemany(
                f"INSERT INTO events ({_COLUMNS}) VALUES "
                "(:incident_id, :seq, :type, :at, :actor, :state, :command_id, :data, "
                ":prev_hash, :hash)",
                rows,
            )
            incident_list.follow_rows(self._db, incident_id, rows)
            return rows

        try:
            rows = self._write(work)
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" not in str(exc):  # a constraint or trigger of the file refused it
                raise StoreError(explain(self.path, exc)) from None
            # Only reachable if another writer slipped past the seq check: same outcome.
            raise ConcurrencyConflict(incident_id, expected_seq + 1, "another writer") from None
        except sqlite3.DatabaseError as exc:
            raise StoreError(explain(self.path, exc)) from None
        witness_rows(self.witness, rows, self.notice)
        return [
            event.model_copy(
                update={"seq": row["seq"], "prev_hash": row["prev_hash"], "hash": row["hash"]}
            )
            for event, row in zip(events, rows, strict=True)
        ]

    def rows(self, incident_id: str, after_seq: int = 0) -> list[dict[str, Any]]:
        """The stored rows after ``after_seq`` in seq order. Bytes that are not UTF-8 (written
        into the file by hand) are read with a replacement character, so the row's hash no
        longer matches and ``verify`` names the event instead of failing to read it."""
        query = f"SELECT {_COLUMNS} FROM events WHERE incident_id = ? AND seq > ? ORDER BY seq"
        with self._lock:
            try:
                cursor = self._db.execute(query, (incident_id, after_seq))
                return [dict(row) for row in cursor.fetchall()]
            except sqlite3.OperationalError as exc:
                if "decode" not in str(exc):
                    raise StoreError(explain(self.path, exc)) from None
            except sqlite3.DatabaseError as exc:
                raise StoreError(explain(self.path, exc)) from None
            self._db.text_factory = lenient
            try:
                cursor = self._db.execute(query, (incident_id, after_seq))
                return [dict(row) for row in cursor.fetchall()]
            except sqlite3.DatabaseError as exc:
                raise StoreError(explain(self.path, exc)) from None
            finally:
                self._db.text_factory = str

    def load(
        self, incident_id: str, after_seq: int = 0, *, with_hashes: bool = True
    ) -> list[Event]:
        """Typed events after ``after_seq`` (plain tuples: the replay hot path).

        ``with_hashes=False`` leaves out every hash but the newest event's (a fold needs only
        the head): a third less to read and validate when replaying a long incident.
        """
        if with_hashes:
            columns = _COLUMNS
        else:
            columns = (
                "incident_id, seq, type, at, actor, state, command_id, data, '', "
                "CASE WHEN seq = (SELECT max(seq) FROM events WHERE incident_id = :id) "
                "THEN hash ELSE '' END"
            )
        with self._lock:
            try:
                cursor = self._db.cursor()
                cursor.row_factory = None
                rows = cursor.execute(
                    f"SELECT {columns} FROM events WHERE incident_id = :id AND seq > :after "
                    "ORDER BY seq",
                    {"id": incident_id, "after": after_seq},
                ).fetchall()
            except sqlite3.DatabaseError as exc:
                raise StoreError(explain(self.path, exc)) from None
        return list(from_tuples(rows))

    def incidents(self) -> list[dict[str, Any]]:
        """Every incident's summary, newest first."""
        with self._lock:
            try:
                rows = self._db.execute(
                    "SELECT * FROM incidents ORDER BY opened_at DESC, id"
                ).fetchall()
            except sqlite3.DatabaseError as exc:
                raise StoreError(explain(self.path, exc)) from None
        return [{**dict(row), "drill": bool(row["drill"])} for row in rows]

    def heads(self) -> dict[str, dict[str, Any]]:
        """Every incident in the log: id -> its newest event's seq, state and time (a skip
        scan of the primary key: one short lookup per incident, however long its log)."""
        with self._lock:
            try:
                rows = self._db.execute(HEADS).fetchall()
            except sqlite3.DatabaseError as exc:
                raise StoreError(explain(self.path, exc)) from None
        return {row["incident_id"]: dict(row) for row in rows}

    def rebuild_incidents(self) -> list[str]:
        """Rewrite the incident list from the logs (see EventStore)."""

        try:
            return self._write(lambda: incident_list.rebuild(self._db))
        except sqlite3.DatabaseError as exc:
            raise StoreError(explain(self.path, exc)) from None

    def change_token(self) -> int:
        """SQLite's ``data_version``: changes when another connection commits."""
        with self._lock:
            total = self._db.total_changes
            version = int(self._db.execute("PRAGMA data_version").fetchone()[0])
        return version * 1_000_003 + total

    def wait_for_change(self, token: int, timeout: float) -> int:
        """Poll until the store changes after ``token`` or ``timeout`` passes (SQLite has no
        notifications; polling ``data_version`` every 0.2 s is cheap)."""
        deadline = time.monotonic() + timeout
        while True:
            current = self.change_token()
            if current != token or time.monotonic() >= deadline:
                return current
            time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))

    def import_rows(self, incident_id: str, rows: list[dict[str, Any]]) -> int:
        """Write another store's rows exactly as they are (hashes kept) for ``db copy``.

        Rows already present and identical are skipped; a different history is refused.
        Returns how many rows were written.
        """

        def work() -> int:
            have = {
                seq: digest
                for seq, digest in self._db.execute(
                    "SELECT seq, hash FROM events WHERE incident_id = ?", (incident_id,)
                ).fetchall()
            }
            fresh = rows_to_import(incident_id, rows, have)
            self._db.executemany(
                f"INSERT INTO events ({_COLUMNS}) VALUES "
                f"({', '.join(':' + name for name in COLUMNS)})",
                fresh,
            )
            if fresh:
                incident_list.follow_rows(self._db, incident_id, fresh)
            return len(fresh)

        try:
            written = self._write(work)
        except sqlite3.DatabaseError as exc:
            raise StoreError(explain(self.path, exc)) from None
        witness_rows(self.witness, rows[-1:] if written else [], self.notice)
        return written

    def intake_append(self, records: list[IntakeRecord]) -> list[IntakeRecord]:
        """Append to the intake log (see :mod:`runbook.store.intake`)."""
        try:
            return self._write(lambda: intake.sqlite_append(self._db, records))
        except sqlite3.DatabaseError as exc:
            raise StoreError(explain(self.path, exc)) from None

    def intake_records(self, after_seq: int = 0) -> list[IntakeRecord]:
        """The intake log after ``after_seq`` (see :mod:`runbook.store.intake`)."""
        with self._lock:
            try:
                return intake.sqlite_records(self._db, after_seq)
            except sqlite3.DatabaseError as exc:
                raise StoreError(explain(self.path, exc)) from None

    def claim(self, effect_id: str) -> FileClaim | None:
        """Hold ``effect_id`` for this process while it performs it (a lock file beside the
        database); None when another live process holds it (see :mod:`.claims`)."""
        return FileClaims(self.path.with_name(self.path.name + ".effects")).claim(effect_id)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()
