"""The incident list in the SQLite file: kept up to date by each append, rewritten from the
logs on ``runbook db rebuild``.

The list is a cache derived from the events (:mod:`runbook.store.listing`): in the file it is
written by the store itself, in the append's transaction (:func:`follow_rows`), where the team
store's database keeps it with a trigger. Apart from :mod:`.store` because it is the cache's
upkeep, not the log's.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from runbook.store.chain import COLUMNS
from runbook.store.listing import HEADS, derive, follow

_COLUMNS = ", ".join(COLUMNS)


def rebuild(db: sqlite3.Connection) -> list[str]:
    """Rewrite the incident list from the logs, inside the caller's transaction; return the
    ids whose row changed or was dropped (see EventStore)."""
    changed = []
    listed = {
        row["id"]: {**dict(row), "drill": bool(row["drill"])}
        for row in db.execute("SELECT * FROM incidents").fetchall()
    }
    for incident_id in db.execute(HEADS).fetchall():
        found = incident_id["incident_id"]
        derived = derive(
            dict(row)
            for row in db.execute(
                f"SELECT {_COLUMNS} FROM events WHERE incident_id = ? ORDER BY seq",
                (found,),
            )
        )
        assert derived is not None
        if listed.pop(found, None) != derived:
            upsert(db, derived)
            changed.append(found)
    for phantom in listed:
        db.execute("DELETE FROM incidents WHERE id = ?", (phantom,))
        changed.append(phantom)
    return sorted(changed)


def follow_rows(db: sqlite3.Connection, incident_id: str, rows: list[dict[str, Any]]) -> None:
    """Bring the incident's row of the list up to date after ``rows`` (inside the
    append's transaction)."""
    first = rows[0]["seq"]
    summary: dict[str, Any] | None = None
    if first > 1:
        found = db.execute("SELECT * FROM incidents WHERE id = ?", (incident_id,)).fetchone()
        summary = {**dict(found), "drill": bool(found["drill"])} if found else None
        if summary is None or summary["events"] != first - 1:  # the row was lost: rederive
            summary = derive(
                dict(row)
                for row in db.execute(
                    f"SELECT {_COLUMNS} FROM events WHERE incident_id = ? AND seq < ? ORDER BY seq",
                    (incident_id, first),
                )
            )
    for row in rows:
        summary = follow(summary, row)
    assert summary is not None
    upsert(db, summary)


def upsert(db: sqlite3.Connection, summary: dict[str, Any]) -> None:
    """Write ``summary`` as the incident's row of the list."""
    db.execute(
        "INSERT INTO incidents (id, playbook, title, level, state, drill, opened_at, "
        "updated_at, events) VALUES (:id, :playbook, :title, :level, :state, :drill, "
        ":opened_at, :updated_at, :events) ON CONFLICT(id) DO UPDATE SET "
        "playbook = excluded.playbook, title = excluded.title, level = excluded.level, "
        "state = excluded.state, drill = excluded.drill, opened_at = excluded.opened_at,"
        " updated_at = excluded.updated_at, events = excluded.events",
        {**summary, "drill": int(bool(summary.get("drill")))},
    )
