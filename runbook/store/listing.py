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

from runbook.i18n import _

HEADS = """
WITH RECURSIVE ids(id) AS (
    SELECT min(incident_id) FROM events
    UNION ALL
    SELECT (SELECT min(incident_id) FROM events WHERE incident_id > ids.id)
    FROM ids WHERE ids.id IS NOT NULL
)
SELECT e.incident_id, e.seq, e.state, e.at,
    f.type AS first_type, f.data AS first_data, f.at AS first_at,
    (SELECT a.data FROM events a WHERE a.incident_id = ids.id AND a.type = 'SeverityAssessed'
        ORDER BY a.seq DESC LIMIT 1) AS level_data
FROM ids JOIN events e ON e.incident_id = ids.id
    AND e.seq = (SELECT max(seq) FROM events WHERE incident_id = ids.id)
LEFT JOIN events f ON f.incident_id = ids.id AND f.seq = 1
ORDER BY e.incident_id
"""
"""Each log's newest event (seq, state, time), its first (type, data, time) and its newest
severity assessment's data, by index lookups per incident (SQLite and PostgreSQL alike): which
incidents exist is read from the log, never from the list, and :func:`head_summary` gives
every listed column but ``state`` from them."""
LISTED = ("id", "playbook", "title", "level", "state", "drill", "opened_at", "updated_at", "events")
"""The columns of the incident list, in order."""
LISTED_FROM_HEADS = tuple(name for name in LISTED if name != "state")
"""The columns :func:`head_summary` gives (the state is checked apart)."""


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


def head_summary(head: Mapping[str, Any]) -> dict[str, Any]:
    """The listed columns a :data:`HEADS` row gives, as the log says them: all but ``state``
    (the newest event may carry none), to check a row of the incident list against."""
    first = {
        "incident_id": head["incident_id"],
        "seq": 1,
        "type": head.get("first_type") or "",
        "data": head.get("first_data"),
        "at": head.get("first_at"),
        "state": "",
    }
    summary = follow(None, first)
    if head.get("level_data") is not None:
        assessed = {**first, "seq": 2, "type": "SeverityAssessed", "data": head["level_data"]}
        summary = follow(summary, assessed)
    summary.pop("state")
    summary["updated_at"], summary["events"] = head["at"], head["seq"]
    return summary


def derive(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The summary of a whole log (None when it is empty)."""
    summary: dict[str, Any] | None = None
    for row in rows:
        summary = follow(summary, row)
    return summary


def disagreements(
    listed: Mapping[str, Any], derived: Mapping[str, Any], names: Iterable[str] = LISTED
) -> list[str]:
    """The fields (of ``names``) where the incident list's row differs from what the log
    says, in words."""
    found = []
    for name in names:
        have, want = listed.get(name), derived.get(name)
        if name == "drill":
            have, want = bool(have), bool(want)
        if have != want:
            found.append(
                _(
                    "%(name)s is %(have)s in the incident list but %(want)s in its events",
                    name=name,
                    have=repr(have),
                    want=repr(want),
                )
            )
    return found


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
