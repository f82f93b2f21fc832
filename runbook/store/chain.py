"""The hash chain that makes the event log tamper-evident.

Each event's hash covers its envelope, its data (as canonical JSON) and the previous event's
hash. Rows are hashed exactly as stored, so verification needs no model and any flipped byte in
any column is found.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from runbook.errors import ActionRefused, IntegrityError, StoreError
from runbook.i18n import _
from runbook.model.events import EVENTS, AnyEvent, Event

HASHED = ("incident_id", "seq", "type", "at", "actor", "state", "command_id", "data")
COLUMNS = (
    "incident_id",
    "seq",
    "type",
    "at",
    "actor",
    "state",
    "command_id",
    "data",
    "prev_hash",
    "hash",
)
"""The stored columns, in the order :func:`from_tuples` expects them."""


def rows_to_import(
    incident_id: str, rows: Sequence[Mapping[str, Any]], have: Mapping[int, str]
) -> list[dict[str, Any]]:
    """The rows of another store's history of ``incident_id`` this store lacks (``have``: its
    seq -> hash), as stored columns, for ``db copy``; a different history is refused."""
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
    return fresh


def canonical(value: Any) -> str:
    """Canonical JSON: sorted keys, no spaces, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def row_hash(row: dict[str, Any], prev_hash: str) -> str:
    """The hash of a stored row given the previous event's hash."""
    parts = [prev_hash] + ["" if row[name] is None else str(row[name]) for name in HASHED]
    joined = "\x1f".join(parts)
    try:
        return hashlib.sha256(joined.encode("utf-8")).hexdigest()
    except UnicodeEncodeError as exc:  # a lone surrogate: bytes that were never UTF-8 text
        shown = "\\u" + format(ord(joined[exc.start]), "04x")
        raise ActionRefused(
            _(
                "the text holds %(char)s, which is not a Unicode character (bytes that were not "
                "UTF-8?); nothing was recorded",
                char=shown,
            )
        ) from None


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


def from_rows(rows: Sequence[Mapping[str, Any]]) -> list[AnyEvent]:
    """Typed events from stored rows (mappings with the :data:`COLUMNS` keys)."""
    return from_tuples([tuple(row[name] for name in COLUMNS) for row in rows])


def from_tuples(rows: Sequence[Sequence[Any]]) -> list[AnyEvent]:
    """Typed events from stored rows given as tuples in :data:`COLUMNS` order.

    This is the replay hot path: every ``data`` column is parsed in one ``json.loads`` call,
    timestamps with ``datetime.fromisoformat`` and the events validated in one call. A row
    that cannot be read raises :class:`~runbook.errors.IntegrityError` naming its seq.
    """
    if not rows:
        return []
    try:
        items = json.loads("[" + ",".join([row[7] for row in rows]) + "]")
    except (TypeError, ValueError):
        items = None
    if (
        not isinstance(items, list)
        or len(items) != len(rows)
        or not all(type(item) is dict for item in items)
    ):
        # A damaged ``data`` column: parse row by row to name it.
        items = [_data(row) for row in rows]
    fromisoformat = datetime.fromisoformat
    for item, (incident_id, seq, type_, at, actor, state, command_id, _proof, prev, hash_) in zip(
        items, rows, strict=True
    ):
        item["incident_id"] = incident_id
        item["seq"] = seq
        item["type"] = type_
        try:
            item["at"] = fromisoformat(at)
        except (TypeError, ValueError):
            item["at"] = at  # let validation name the problem
        item["actor"] = actor
        item["state"] = state
        item["command_id"] = command_id
        item["prev_hash"] = prev
        item["hash"] = hash_
    try:
        return EVENTS.validate_python(items)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = first.get("loc") or (0,)
        index = loc[0] if isinstance(loc[0], int) and loc[0] < len(rows) else 0
        row = rows[index]
        field = ".".join(str(part) for part in loc[2:]) or "type"
        raise IntegrityError(
            _(
                "incident %(id)s: event #%(seq)s (%(type)s) cannot be read (%(field)s: "
                "%(error)s); `runbook verify %(id)s` checks the log",
                id=row[0],
                seq=row[1],
                type=row[2],
                field=field,
                error=first.get("msg"),
            )
        ) from None


def _data(row: Sequence[Any]) -> dict[str, Any]:
    """One row's ``data`` as a dict (JSON text, or already a dict), or IntegrityError naming
    the row."""
    if isinstance(row[7], dict):
        return dict(row[7])
    try:
        item = json.loads(row[7])
    except (TypeError, ValueError):
        item = None
    if type(item) is not dict:
        raise IntegrityError(
            _(
                "incident %(id)s: event #%(seq)s holds unreadable data; `runbook verify %(id)s` "
                "checks the log",
                id=row[0],
                seq=row[1],
            )
        )
    return item


@dataclass(frozen=True)
class Verification:
    """The outcome of checking an incident's chain."""

    incident_id: str
    count: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str = ""
    signatures: int = 0
    """SSH signatures checked and good."""
    links: int = 0
    """Approval-link receipts checked and good."""
    links_unchecked: int = 0
    """Approval-link receipts this machine could not check (no link secret here)."""
    listing: tuple[str, ...] = ()
    """Where the store's incident list disagrees with the events (a cache gone wrong)."""
    witnessed: int = 0
    """Chain heads known from outside the database (the witness file, ``--head``) that the
    events agree with."""
    unwitnessed: str = ""
    """Why the events could not be compared with any witnessed head (a warning, not a
    failure: no witness file, or none of its heads is this incident's)."""

    @property
    def ok(self) -> bool:
        """True when every event verifies and the incident list agrees with them."""
        return self.first_bad_seq is None and not self.listing


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
