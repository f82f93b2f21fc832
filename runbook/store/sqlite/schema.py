"""The SQLite file's shape: its tables and triggers, and how runbook knows a file is its own.

:data:`SCHEMA` is the event log (append-only by its triggers) and the incident list;
:func:`create_tables` makes them, with the intake log's (:mod:`runbook.store.intake`), in the
open transaction. A file is runbook's by its SQLite application id (:data:`APPLICATION_ID`):
:func:`check_ownership` refuses another application's file, or one holding tables runbook did
not make, before anything is written to it. Apart from :mod:`.store`, which reads and appends,
because this is what a file must be before the store may touch it.
"""

from __future__ import annotations

import sqlite3
from functools import lru_cache
from pathlib import Path

from runbook.errors import StoreError
from runbook.i18n import _
from runbook.store import intake

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

APPLICATION_ID = 0x52424B31
"""``PRAGMA application_id`` of runbook's files ("RBK1"): ``file`` and runbook know them."""
SCHEMA_VERSION = 1
"""``PRAGMA user_version`` of the store this runbook writes."""
OWN_TABLES = frozenset({"events", "incidents", "intake"})
"""Every table runbook makes in its file: a file with any other table is not runbook's."""


def check_ownership(db: sqlite3.Connection, path: Path) -> bool:
    """Refuse, before writing anything, a file that is not runbook's: another application's
    (its SQLite application id), or one holding tables runbook did not make; and one made
    by a newer runbook. True when the file is new (runbook marks it as its own)."""
    app_id = db.execute("PRAGMA application_id").fetchone()[0]
    version = db.execute("PRAGMA user_version").fetchone()[0]
    tables = {
        row[0]
        for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
            "AND name NOT LIKE 'sqlite_%'"
        )
    }
    if app_id not in (0, APPLICATION_ID):
        raise StoreError(
            _(
                "%(path)s belongs to another application (SQLite application id %(app_id)s), "
                "not runbook; nothing was changed: choose another --db",
                path=path,
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
                path=path,
                shown=shown,
            )
        )
    if app_id == APPLICATION_ID and version > SCHEMA_VERSION:
        raise StoreError(
            _(
                "%(path)s was made by a newer runbook (store version %(version)s); upgrade "
                "runbook to open it",
                path=path,
                version=version,
            )
        )
    if app_id == 0 and version != 0 and "events" not in tables:
        raise StoreError(
            _(
                "%(path)s is not a runbook incident store (another application set its "
                "version to %(version)s); nothing was changed: choose another --db",
                path=path,
                version=version,
            )
        )
    for table in sorted(tables & OWN_TABLES):
        columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
        if columns != _columns()[table]:
            raise StoreError(
                _(
                    "%(path)s is not a runbook incident store: its table %(table)s is not "
                    "runbook's (columns %(columns)s); nothing was changed: choose another --db",
                    path=path,
                    table=table,
                    columns=", ".join(columns[:8]) + (", ..." if len(columns) > 8 else ""),
                )
            )
    if app_id == 0 and tables and "events" not in tables:
        raise StoreError(
            _(
                "%(path)s is not a runbook incident store (it has no event log); nothing was "
                "changed: choose another --db",
                path=path,
            )
        )
    return bool(app_id == 0)


@lru_cache(maxsize=1)
def _columns() -> dict[str, list[str]]:
    """The columns of each of runbook's tables, in order, as :func:`create_tables` makes
    them (read from a scratch database in memory)."""
    scratch = sqlite3.connect(":memory:")
    try:
        create_tables(scratch)
        return {
            table: [row[1] for row in scratch.execute(f"PRAGMA table_info({table})")]
            for table in OWN_TABLES
        }
    finally:
        scratch.close()


# sqlite3 has no executescript inside an open transaction, so split statements ourselves.
def create_tables(db: sqlite3.Connection) -> None:
    """Make the event log, the incident list and the intake log when missing."""
    for statement in statements(SCHEMA + intake.SQLITE_SCHEMA):
        db.execute(statement)


def statements(script: str) -> list[str]:
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
