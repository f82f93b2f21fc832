"""Reading an incident's stored rows for an export, tolerantly.

The export works from the rows exactly as stored (so the hash chain can be embedded and checked
against the database) and must never refuse an incident because it holds an event type this
version does not know: such rows stay :class:`Record` objects with no typed ``event`` and are
rendered generically. Known types are validated in one batch call (the replay hot path).
"""

from __future__ import annotations

import json
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from runbook.errors import IntegrityError
from runbook.i18n import _
from runbook.model import events as ev
from runbook.store.chain import COLUMNS, to_row


def _known_types() -> frozenset[str]:
    union = typing.get_args(ev.AnyEvent)[0]
    return frozenset(cls.model_fields["type"].default for cls in typing.get_args(union))


KNOWN_TYPES = _known_types()
"""Event types this version of runbook can read as typed events."""
DATA_ONLY = frozenset({"NoteAdded", "ChecklistItemChecked", "ActionRefused"})
"""Types the report reads straight from their data: their fold changes nothing the report
uses, and skipping their validation keeps a 100,000-note incident fast."""


@dataclass(slots=True)
class Record:
    """One stored event: its row as written, its parsed data, and the typed event if known."""

    row: dict[str, Any]
    """The stored columns (``COLUMNS``), untouched: what the hash covers."""
    seq: int
    type: str
    at: datetime
    actor: str
    state: str
    data: dict[str, Any]
    """The event's own fields, parsed from the stored JSON."""
    event: ev.Event | None
    """The typed event; None for a type this version does not know (and for ``DATA_ONLY``)."""


def read_rows(rows: Sequence[Mapping[str, Any]]) -> list[Record]:
    """Records from stored rows (mappings with the ``COLUMNS`` keys), in seq order."""
    if not rows:
        return []
    plain = [
        row if type(row) is dict and row.keys() >= _COLUMN_SET else _plain(row) for row in rows
    ]
    datas = _parse_data(plain)
    records: list[Record] = []
    items: list[dict[str, Any]] = []
    typed_at: list[int] = []
    fromisoformat = datetime.fromisoformat
    for index, (row, data) in enumerate(zip(plain, datas, strict=True)):
        try:
            at = fromisoformat(str(row["at"]))
        except ValueError:
            raise IntegrityError(
                _(
                    "incident %(id)s: event #%(seq)s has an unreadable time (%(at)r); "
                    "`runbook verify %(id)s` checks the log",
                    id=row["incident_id"],
                    seq=row["seq"],
                    at=row["at"],
                )
            ) from None
        records.append(
            Record(
                row=row,
                seq=int(row["seq"]),
                type=str(row["type"]),
                at=at,
                actor=str(row["actor"]),
                state=str(row["state"] or ""),
                data=data,
                event=None,
            )
        )
        if row["type"] in KNOWN_TYPES and row["type"] not in DATA_ONLY:
            item = dict(data)
            item.update(
                incident_id=row["incident_id"],
                seq=row["seq"],
                type=row["type"],
                at=at,
                actor=row["actor"],
                state=row["state"] or "",
                command_id=row["command_id"],
                prev_hash=row["prev_hash"] or "",
                hash=row["hash"] or "",
            )
            items.append(item)
            typed_at.append(index)
    for index, event in zip(typed_at, _validate(items), strict=True):
        records[index].event = event
    return records


_COLUMN_SET = frozenset(COLUMNS)


def _plain(row: Mapping[str, Any]) -> dict[str, Any]:
    return {name: row.get(name) for name in COLUMNS}


def _parse_data(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every row's ``data`` in one ``json.loads`` call; row by row when one is damaged."""
    try:
        items = json.loads("[" + ",".join(str(row["data"]) for row in rows) + "]")
    except ValueError:
        items = None
    if isinstance(items, list) and len(items) == len(rows) and all(type(i) is dict for i in items):
        return items
    result = []
    for row in rows:
        try:
            item = json.loads(row["data"])
        except (TypeError, ValueError):
            item = None
        if type(item) is not dict:
            raise IntegrityError(
                f"incident {row['incident_id']}: event #{row['seq']} holds unreadable data; "
                f"`runbook verify {row['incident_id']}` checks the log"
            )
        result.append(item)
    return result


def _validate(items: list[dict[str, Any]]) -> list[ev.Event | None]:
    """Typed events; an item that fails validation (a changed model) becomes None."""
    try:
        return list(ev.EVENTS.validate_python(items))
    except ValidationError:
        pass
    result: list[ev.Event | None] = []
    for item in items:
        try:
            result.append(ev.EVENTS.validate_python([item])[0])
        except ValidationError:
            result.append(None)
    return result


def rows_from_events(events: Iterable[ev.Event]) -> list[dict[str, Any]]:
    """Stored rows for in-memory events (a drill run without a store), chained from seq 1."""
    rows = []
    prev = ""
    for seq, event in enumerate(events, start=1):
        row = to_row(event, seq, prev)
        prev = row["hash"]
        rows.append(row)
    return rows
