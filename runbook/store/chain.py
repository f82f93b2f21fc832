"""The hash chain that makes the event log tamper-evident.

Each event's hash covers its envelope, its data (as canonical JSON) and the previous event's
hash. Rows are hashed exactly as stored, so verification needs no model and any flipped byte in
any column is found.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from runbook.model.events import ENVELOPE, EVENTS, AnyEvent, Event

HASHED = ("incident_id", "seq", "type", "at", "actor", "state", "command_id", "data")


def canonical(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def row_hash(row: dict[str, Any], prev_hash: str) -> str:
    """The hash of a stored row given the previous event's hash."""
    parts = [prev_hash] + ["" if row[name] is None else str(row[name]) for name in HASHED]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def to_row(event: Event, seq: int, prev_hash: str) -> dict[str, Any]:
    """The stored form of ``event`` at ``seq``, hashed onto ``prev_hash``."""
    row = {
        "incident_id": event.incident_id,
        "seq": seq,
        "type": event.type,  # type: ignore[attr-defined]
        "at": event.at.isoformat(),
        "actor": event.actor,
        "state": event.state,
        "command_id": event.command_id,
        "data": canonical(event.data()),
        "prev_hash": prev_hash,
    }
    row["hash"] = row_hash(row, prev_hash)
    return row


def from_rows(rows: list[dict[str, Any]]) -> list[AnyEvent]:
    """Typed events from stored rows (one fast validation call)."""
    items = []
    for row in rows:
        item = json.loads(row["data"])
        for name in ENVELOPE:
            item[name] = row[name]
        items.append(item)
    return EVENTS.validate_python(items)


@dataclass(frozen=True)
class Verification:
    """The outcome of checking an incident's chain."""

    incident_id: str
    count: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        """True when every event verifies."""
        return self.first_bad_seq is None


def verify_rows(incident_id: str, rows: list[dict[str, Any]]) -> Verification:
    """Check seq order, links and hashes; name the first bad event."""
    prev = ""
    for index, row in enumerate(rows, start=1):
        seq = row.get("seq")
        if seq != index:
            return Verification(incident_id, len(rows), prev, index, f"event #{index} is missing")
        if row.get("prev_hash") != prev:
            return Verification(
                incident_id, len(rows), prev, seq, f"event #{seq} does not link to event #{seq - 1}"
            )
        if row_hash(row, prev) != row.get("hash"):
            return Verification(
                incident_id,
                len(rows),
                prev,
                seq,
                f"event #{seq} ({row.get('type')}) was changed after it was written",
            )
        try:
            json.loads(row["data"])
        except (TypeError, ValueError):
            return Verification(
                incident_id, len(rows), prev, seq, f"event #{seq} holds unreadable data"
            )
        prev = row["hash"]
    return Verification(incident_id, len(rows), prev)
