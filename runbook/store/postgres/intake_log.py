"""The intake log on the team store: appending warnings and reading them back.

Appends take a transaction-scoped advisory lock so two servers never take the same seq, chain
each record onto the previous one's hash and notify the listeners (the boards) like an event
append; the table itself refuses updates and deletes (migration 4).
"""

from __future__ import annotations

from typing import Any

import psycopg

from runbook.model.intake import IntakeRecord
from runbook.store import intake

Conn = psycopg.Connection[dict[str, Any]]


def append(conn: Conn, records: list[IntakeRecord], channel: str) -> list[IntakeRecord]:
    """Append ``records`` in this transaction; return them chained."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('runbook-intake'))")
    head = conn.execute("SELECT seq, hash FROM intake ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (head["seq"], head["hash"]) if head else (0, "")
    done = []
    for record in records:
        seq += 1
        chained = record.chained(seq, prev)
        conn.execute(
            "INSERT INTO intake (seq, type, at, source, key, record, prev_hash, hash) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            intake.columns(chained),
        )
        prev = chained.hash
        done.append(chained)
    conn.execute("SELECT pg_notify(%s, %s)", (channel, "intake"))
    return done


def records(conn: Conn, after_seq: int) -> list[IntakeRecord]:
    """The newest records after ``after_seq`` (at most ``intake.MAX_READ``), oldest first."""
    rows = conn.execute(
        "SELECT seq, record, prev_hash, hash FROM (SELECT * FROM intake WHERE seq > %s "
        "ORDER BY seq DESC LIMIT %s) newest ORDER BY seq",
        (after_seq, intake.MAX_READ),
    ).fetchall()
    return [intake.from_stored(r["seq"], r["record"], r["prev_hash"], r["hash"]) for r in rows]
