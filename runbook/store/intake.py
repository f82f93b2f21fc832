"""The intake log beside the event log: every warning received, every decision on one, every
refused post, in order, append-only and hash-chained.

A warning is evidence before it is an incident: it is written to the same store as the
incidents (so it survives a crash of the server and every board reads it), never changed
(triggers refuse UPDATE and DELETE), and each record is chained to the previous one by hash
(:meth:`~runbook.model.intake.IntakeRecord.chained`). :class:`IntakeLog` is the port the
stores implement (SQLite here; PostgreSQL in its migration 4 and
:class:`~runbook.store.postgres.PostgresStore`).
"""

from __future__ import annotations

import sqlite3
from typing import Protocol

from runbook.errors import StoreError
from runbook.i18n import _
from runbook.model.intake import IntakeRecord

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS intake (
    seq INTEGER PRIMARY KEY CHECK (seq >= 1),
    type TEXT NOT NULL,
    at TEXT NOT NULL,
    source TEXT NOT NULL,
    key TEXT NOT NULL,
    record TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS intake_key ON intake (key);
CREATE TRIGGER IF NOT EXISTS intake_no_update BEFORE UPDATE ON intake
BEGIN SELECT RAISE(ABORT, 'the intake log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS intake_no_delete BEFORE DELETE ON intake
BEGIN SELECT RAISE(ABORT, 'the intake log is append-only'); END;
"""

MAX_READ = 100_000
"""Records read at most at once (the newest ones)."""


class IntakeLog(Protocol):
    """A store that keeps the intake log."""

    def intake_append(self, records: list[IntakeRecord]) -> list[IntakeRecord]:
        """Append ``records`` in order; return them with seq and hashes set."""
        ...

    def intake_records(self, after_seq: int = 0) -> list[IntakeRecord]:
        """The records after ``after_seq``, oldest first."""
        ...


def intake_of(store: object) -> IntakeLog:
    """The store's intake log, or a StoreError saying this store has none."""
    if not hasattr(store, "intake_append"):
        raise StoreError(_("this incident store keeps no intake log"))
    return store  # type: ignore[return-value]


def columns(record: IntakeRecord) -> tuple[int, str, str, str, str, str, str, str]:
    """The stored columns of a chained record, in the table's order."""
    return (
        record.seq,
        record.type,
        record.at.isoformat(),
        record.source,
        record.key,
        record.content(),
        record.prev_hash,
        record.hash,
    )


def from_stored(seq: int, content: str, prev_hash: str, digest: str) -> IntakeRecord:
    """A record as stored (its content, then its place in the chain)."""
    return IntakeRecord.model_validate_json(content).model_copy(
        update={"seq": seq, "prev_hash": prev_hash, "hash": digest}
    )


def sqlite_append(db: sqlite3.Connection, records: list[IntakeRecord]) -> list[IntakeRecord]:
    """Append inside the caller's write transaction (``BEGIN IMMEDIATE``)."""
    head = db.execute("SELECT seq, hash FROM intake ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (head[0], head[1]) if head else (0, "")
    done = []
    for record in records:
        seq += 1
        chained = record.chained(seq, prev)
        db.execute(
            "INSERT INTO intake (seq, type, at, source, key, record, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            columns(chained),
        )
        prev = chained.hash
        done.append(chained)
    return done


def sqlite_records(db: sqlite3.Connection, after_seq: int = 0) -> list[IntakeRecord]:
    """Records after ``after_seq`` (at most :data:`MAX_READ`, the newest)."""
    rows = db.execute(
        "SELECT seq, record, prev_hash, hash FROM (SELECT * FROM intake WHERE seq > ? "
        "ORDER BY seq DESC LIMIT ?) ORDER BY seq",
        (after_seq, MAX_READ),
    ).fetchall()
    return [from_stored(row[0], row[1], row[2], row[3]) for row in rows]
