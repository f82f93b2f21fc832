"""The embedded event store: one SQLite file, safe with several processes.

Every write is ``BEGIN IMMEDIATE`` (deferred transactions leak "database is locked" under
concurrent writers), the journal is WAL with ``synchronous=FULL`` so an acknowledged event
survives power loss, ``busy_timeout`` lets writers queue instead of failing, triggers make
the log append-only, and ``PRIMARY KEY (incident_id, seq)`` is the last line of defence
against two writers taking the same seq. A file is runbook's by its SQLite application id: a
file of another application, or with tables runbook did not make, is refused before anything
is written to it. SQLite's own errors are translated into
:class:`~runbook.errors.StoreError` messages a person can act on.
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
from runbook.store.chain import COLUMNS, from_tuples, to_row
from runbook.store.claims import FileClaim, FileClaims
from runbook.store.listing import HEADS, derive, follow
from runbook.store.witness import Witness, location, witness_rows

T = TypeVar("T")

BUSY_TIMEOUT_MS = 30_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    incident_id TEXT NOT NULL,
    seq INTEGER NOT NULL CHECK (seq >= 1),
    type TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    state TEXT NOT NULL,
    command_id TEXT,
    data TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (incident_id, seq)
) WITHOUT ROWID;
CREATE TRIGGER IF NOT EXISTS events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE INDEX IF NOT EXISTS events_by_command ON events (command_id)
    WHERE command_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS incidents (
    id TEXT PRIMARY KEY,
    playbook TEXT,
    title TEXT NOT NULL,
    level TEXT,
    state TEXT NOT NULL,
    drill INTEGER NOT NULL DEFAULT 0,
    opened_at TEXT,
    updated_at TEXT,
    events INTEGER NOT NULL
);
"""

_COLUMNS = ", ".join(COLUMNS)
APPLICATION_ID = 0x52424B31
"""``PRAGMA application_id`` of runbook's files ("RBK1"): ``file`` and runbook know them."""
SCHEMA_VERSION = 1
"""``PRAGMA user_version`` of the store this runbook writes."""
OWN_TABLES = frozenset({"events", "incidents", "intake"})
"""Every table runbook makes in its file: a file with any other table is not runbook's."""


class SqliteStore:
    """Event store in one SQLite file (see module docstring)."""

    def __init__(self, path: str | Path) -> None:
        self.notice: Callable[[str], None] | None = None
        """Unused: a file does not lose its connection (see EventStore)."""
        self.path = Path(path)
        memory = str(path) == ":memory:"
        self.witness: Witness | None = None if memory else Witness(location(str(self.path)))
        """Where each append's chain head is written outside the file (:mod:`.witness`)."""
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
            fresh = self._check_ownership()  # before anything writes to the file
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
            self._write(self._schema)
            if fresh:
                self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise StoreError(_explain(self.path, exc)) from None
        except OSError as exc:
            raise StoreError(
                _("cannot open the incident store at %(path)s: %(exc)s", path=self.path, exc=exc)
            ) from None

    def _check_ownership(self) -> bool:
        """Refuse, before writing anything, a file that is not runbook's: another application's
        (its SQLite application id), or one holding tables runbook did not make; and one made
        by a newer runbook. True when the file is new (runbook marks it as its own)."""
        app_id = self._db.execute("PRAGMA application_id").fetchone()[0]
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        tables = {
            row[0]
            for row in self._db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        }
        if app_id not in (0, APPLICATION_ID):
            raise StoreError(
                _(
                    "%(path)s belongs to another application (SQLite application id %(app_id)s), "
                    "not runbook; nothing was changed: choose another --db",
                    path=self.path,
                    app_id=format(app_id, "#x"),
                )
            )
        foreign = sorted(tables - OWN_TABLES)
        if foreign:
            shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
            raise StoreError(
                _(
                    "%(path)s is not a runbook incident store: it holds tables runbook did not "
                    "make (%(shown)s); nothing was changed: choose another --db",
                    path=self.path,
                    shown=shown,
                )
            )
        if app_id == APPLICATION_ID and version > SCHEMA_VERSION:
            raise StoreError(
                _(
                    "%(path)s was made by a newer runbook (store version %(version)s); upgrade "
                    "runbook to open it",
                    path=self.path,
                    version=version,
                )
            )
        if app_id == 0 and tables and "events" not in tables:
            raise StoreError(
                _(
                    "%(path)s is not a runbook incident store (it has no event log); nothing was "
                    "changed: choose another --db",
                    path=self.path,
                )
            )
        return bool(app_id == 0)

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
                raise StoreError(_explain(self.path, exc)) from None
        return (row["incident_id"], row["command"]) if row else None

    # sqlite3 has no executescript inside an open transaction, so split statements ourselves.
    def _schema(self) -> None:
        for statement in _statements(SCHEMA + intake.SQLITE_SCHEMA):
            self._db.execute(statement)

    def _write(self, work: Callable[[], T]) -> T:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreError(_explain(self.path, exc)) from None
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
            self._list(incident_id, rows)
            return rows

        try:
            rows = self._write(work)
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" not in str(exc):  # a constraint or trigger of the file refused it
                raise StoreError(_explain(self.path, exc)) from None
            # Only reachable if another writer slipped past the seq check: same outcome.
            raise ConcurrencyConflict(incident_id, expected_seq + 1, "another writer") from None
        except sqlite3.DatabaseError as exc:
            raise StoreError(_explain(self.path, exc)) from None
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
                    raise StoreError(_explain(self.path, exc)) from None
            except sqlite3.DatabaseError as exc:
                raise StoreError(_explain(self.path, exc)) from None
            self._db.text_factory = _lenient
            try:
                cursor = self._db.execute(query, (incident_id, after_seq))
                return [dict(row) for row in cursor.fetchall()]
            except sqlite3.DatabaseError as exc:
                raise StoreError(_explain(self.path, exc)) from None
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
                raise StoreError(_explain(self.path, exc)) from None
        return list(from_tuples(rows))

    def incidents(self) -> list[dict[str, Any]]:
        """Every incident's summary, newest first."""
        with self._lock:
            try:
                rows = self._db.execute(
                    "SELECT * FROM incidents ORDER BY opened_at DESC, id"
                ).fetchall()
            except sqlite3.DatabaseError as exc:
                raise StoreError(_explain(self.path, exc)) from None
        return [{**dict(row), "drill": bool(row["drill"])} for row in rows]

    def heads(self) -> dict[str, dict[str, Any]]:
        """Every incident in the log: id -> its newest event's seq, state and time (a skip
        scan of the primary key: one short lookup per incident, however long its log)."""
        with self._lock:
            try:
                rows = self._db.execute(HEADS).fetchall()
            except sqlite3.DatabaseError as exc:
                raise StoreError(_explain(self.path, exc)) from None
        return {row["incident_id"]: dict(row) for row in rows}

    def rebuild_incidents(self) -> list[str]:
        """Rewrite the incident list from the logs (see EventStore)."""

        def work() -> list[str]:
            changed = []
            listed = {
                row["id"]: {**dict(row), "drill": bool(row["drill"])}
                for row in self._db.execute("SELECT * FROM incidents").fetchall()
            }
            for incident_id in self._db.execute(HEADS).fetchall():
                found = incident_id["incident_id"]
                derived = derive(
                    dict(row)
                    for row in self._db.execute(
                        f"SELECT {_COLUMNS} FROM events WHERE incident_id = ? ORDER BY seq",
                        (found,),
                    )
                )
                assert derived is not None
                if listed.pop(found, None) != derived:
                    self._upsert(derived)
                    changed.append(found)
            for phantom in listed:
                self._db.execute("DELETE FROM incidents WHERE id = ?", (phantom,))
                changed.append(phantom)
            return sorted(changed)

        try:
            return self._write(work)
        except sqlite3.DatabaseError as exc:
            raise StoreError(_explain(self.path, exc)) from None

    def _list(self, incident_id: str, rows: list[dict[str, Any]]) -> None:
        """Bring the incident's row of the list up to date after ``rows`` (inside the
        append's transaction)."""
        first = rows[0]["seq"]
        summary: dict[str, Any] | None = None
        if first > 1:
            found = self._db.execute(
                "SELECT * FROM incidents WHERE id = ?", (incident_id,)
            ).fetchone()
            summary = {**dict(found), "drill": bool(found["drill"])} if found else None
            if summary is None or summary["events"] != first - 1:  # the row was lost: rederive
                summary = derive(
                    dict(row)
                    for row in self._db.execute(
                        f"SELECT {_COLUMNS} FROM events WHERE incident_id = ? AND seq < ? "
                        "ORDER BY seq",
                        (incident_id, first),
                    )
                )
        for row in rows:
            summary = follow(summary, row)
        assert summary is not None
        self._upsert(summary)

    def _upsert(self, summary: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT INTO incidents (id, playbook, title, level, state, drill, opened_at, "
            "updated_at, events) VALUES (:id, :playbook, :title, :level, :state, :drill, "
            ":opened_at, :updated_at, :events) ON CONFLICT(id) DO UPDATE SET "
            "playbook = excluded.playbook, title = excluded.title, level = excluded.level, "
            "state = excluded.state, drill = excluded.drill, opened_at = excluded.opened_at,"
            " updated_at = excluded.updated_at, events = excluded.events",
            {**summary, "drill": int(bool(summary.get("drill")))},
        )

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
            fresh = []
            for row in rows:
                if row["seq"] in have:
                    if have[row["seq"]] != row["hash"]:
                        raise StoreError(
                            _(
                                "%(incident_id)s already exists in the destination with a "
                                "different history (event #%(seq)s)",
                                incident_id=incident_id,
                                seq=row["seq"],
                            )
                        )
                    continue
                fresh.append({name: row[name] for name in COLUMNS})
            self._db.executemany(
                f"INSERT INTO events ({_COLUMNS}) VALUES "
                f"({', '.join(':' + name for name in COLUMNS)})",
                fresh,
            )
            if fresh:
                self._list(incident_id, fresh)
            return len(fresh)

        try:
            written = self._write(work)
        except sqlite3.DatabaseError as exc:
            raise StoreError(_explain(self.path, exc)) from None
        witness_rows(self.witness, rows[-1:] if written else [], self.notice)
        return written

    def intake_append(self, records: list[IntakeRecord]) -> list[IntakeRecord]:
        """Append to the intake log (see :mod:`runbook.store.intake`)."""
        try:
            return self._write(lambda: intake.sqlite_append(self._db, records))
        except sqlite3.DatabaseError as exc:
            raise StoreError(_explain(self.path, exc)) from None

    def intake_records(self, after_seq: int = 0) -> list[IntakeRecord]:
        """The intake log after ``after_seq`` (see :mod:`runbook.store.intake`)."""
        with self._lock:
            try:
                return intake.sqlite_records(self._db, after_seq)
            except sqlite3.DatabaseError as exc:
                raise StoreError(_explain(self.path, exc)) from None

    def claim(self, effect_id: str) -> FileClaim | None:
        """Hold ``effect_id`` for this process while it performs it (a lock file beside the
        database); None when another live process holds it (see :mod:`.claims`)."""
        return FileClaims(self.path.with_name(self.path.name + ".effects")).claim(effect_id)

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._db.close()


def _lenient(raw: bytes) -> str:
    """Text read from the file, with a replacement character for bytes that are not UTF-8."""
    return raw.decode("utf-8", "replace")


def _statements(script: str) -> list[str]:
    """Split the schema script into statements (triggers keep their inner semicolons)."""
    statements, current = [], []
    for line in script.strip().splitlines():
        current.append(line)
        text = "\n".join(current).strip()
        if text.endswith(";") and (
            not text.upper().startswith("CREATE TRIGGER") or text.endswith("END;")
        ):
            statements.append(text)
            current = []
    return statements


def _explain(path: Path, exc: sqlite3.DatabaseError) -> str:
    """A message a comms person can act on, for an SQLite error."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return _(
            "the incident store %(path)s is busy (another program is writing); try again",
            path=path,
        )
    if "not a database" in text or "malformed" in text:
        return _(
            "%(path)s is not a runbook incident store or is damaged (%(error)s)",
            path=path,
            error=text,
        )
    if "disk is full" in text or "disk I/O" in text:
        return _(
            "cannot write the incident store %(path)s: %(error)s; check the disk",
            path=path,
            error=text,
        )
    if "readonly" in text or "read-only" in text:
        return _("the incident store %(path)s is read-only; check its permissions", path=path)
    if "unable to open" in text:
        return _("cannot open the incident store at %(path)s", path=path)
    if "intake log is append-only" in text:
        return _("the intake log is append-only: warnings cannot be changed or deleted")
    if "append-only" in text:
        return _("the event log is append-only: events cannot be changed or deleted")
    return _("incident store %(path)s: %(error)s", path=path, error=text)
