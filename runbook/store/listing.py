"""The incident list: each incident's summary, derived by the store from its own log.

Both stores keep a summary row per incident beside the events, so the board and ``runbook
list`` need not fold every incident. It is a cache, never an authority: the store writes it
from the events it appends (never from what a caller says), the engine checks it against each
log's head before trusting it (:meth:`EventStore.heads`), ``runbook verify`` compares it with
the fold, and ``runbook db rebuild`` rewrites it from the logs. The rules here are the
PostgreSQL trigger's too (schema migration 3), so both stores list the same thing:

* the first event opens the row: its time is ``opened_at``; a declaration gives the playbook,
  title and drill flag;
* every event sets ``state`` (when it carries one), ``updated_at`` and ``events`` (its seq);
* a severity assessment sets ``level``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

HEADS = """
WITH RECURSIVE ids(id) AS (
    SELECT min(incident_id) FROM events
    UNION ALL
    SELECT (SELECT min(incident_id) FROM events WHERE incident_id > ids.id)
    FROM ids WHERE ids.id IS NOT NULL
)
SELECT e.incident_id, e.seq, e.state, e.at
FROM ids JOIN events e ON e.incident_id = ids.id
    AND e.seq = (SELECT max(seq) FROM events WHERE incident_id = ids.id)
ORDER BY e.incident_id
"""
"""Each log's newest event (seq, state, time), one index lookup per incident (SQLite and
PostgreSQL alike): which incidents exist is read from the log, never from the list."""
LISTED = ("id", "playbook", "title", "level", "state", "drill", "opened_at", "updated_at", "events")
"""The columns of the incident list, in order."""


def follow(summary: dict[str, Any] | None, row: Mapping[str, Any]) -> dict[str, Any]:
    """The summary after the stored ``row`` (``summary``: before it; None for a first event)."""
    kind = row["type"]
    data: dict[str, Any] = {}
    if kind in ("IncidentDeclared", "SeverityAssessed"):
        try:
            parsed = json.loads(row["data"])
        except (TypeError, ValueError):
            parsed = {}
        data = parsed if isinstance(parsed, dict) else {}
    if summary is None or row["seq"] == 1:
        declared = kind == "IncidentDeclared"
        summary = {
            "id": row["incident_id"],
            "playbook": _text(data.get("playbook_id")) if declared else None,
            "title": (_text(data.get("title")) or "") if declared else "",
            "level": None,
            "state": row["state"] or "",
            "drill": bool(data.get("drill")) if declared else False,
            "opened_at": row["at"],
            "updated_at": row["at"],
            "events": row["seq"],
        }
    else:
        summary = {**summary}
        if row["state"]:
            summary["state"] = row["state"]
        summary["updated_at"] = row["at"]
        summary["events"] = row["seq"]
    if kind == "SeverityAssessed":
        summary["level"] = _text(data.get("level"))
    return summary


def derive(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The summary of a whole log (None when it is empty)."""
    summary: dict[str, Any] | None = None
    for row in rows:
        summary = follow(summary, row)
    return summary


def disagreements(listed: Mapping[str, Any], derived: Mapping[str, Any]) -> list[str]:
    """The fields where the incident list's row differs from what the log says, in words."""
    found = []
    for name in LISTED:
        have, want = listed.get(name), derived.get(name)
        if name == "drill":
            have, want = bool(have), bool(want)
        if have != want:
            found.append(f"{name} is {have!r} in the incident list but {want!r} in its events")
    return found


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
