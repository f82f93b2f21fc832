"""Checking a JSON export on its own: ``runbook verify --export FILE``.

Every timeline entry of a JSON export embeds the stored record its hash covers, so the chain can
be recomputed from the file alone: seq order, each ``prev_hash`` link, each hash, the head and
count the export states, and that each row's shown type, time and state agree with its record.
Events whose record was redacted (contact details scrubbed, or people shown by role) can only
be link-checked; they are listed. Given the database too, the export's head must be the hash the
database holds at the same seq, and every field the export shows (title, level, names, roles,
drafts, redaction marks, timeline text) must be what the database rebuilds for the same events,
time zone, redaction and language: the first field that differs is named
(:func:`first_difference`). The redaction marks (``[email redacted]``) are the same in every
language: this check finds them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from runbook.errors import RunbookError
from runbook.export.redact import EMAIL_MARK, PHONE_MARK, SECRET_MARK
from runbook.i18n import _
from runbook.store.chain import canonical, row_hash

MARKS = (EMAIL_MARK, PHONE_MARK, SECRET_MARK)


@dataclass
class ExportCheck:
    """The outcome of checking an exported chain."""

    incident_id: str
    count: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str = ""
    unchecked: list[int] = field(default_factory=list)
    """Seqs of redacted events whose hash could not be recomputed."""

    @property
    def ok(self) -> bool:
        """True when nothing was found wrong."""
        return self.first_bad_seq is None and not self.problem


def load_export(path: Path) -> dict[str, Any]:
    """The JSON export at ``path``, or a RunbookError saying why it is not one."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise RunbookError(
            _("cannot read %(path)s: %(error)s", path=path, error=exc.strerror or exc)
        ) from None
    except UnicodeDecodeError:
        raise RunbookError(
            _("%(path)s is not a runbook JSON export (not UTF-8 text)", path=path)
        ) from None
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise RunbookError(
            _(
                "%(path)s is not a runbook JSON export (%(error)s); export with --format json",
                path=path,
                error=exc,
            )
        ) from None
    if not isinstance(document, dict) or "format_version" not in document:
        raise RunbookError(
            _(
                "%(path)s is not a runbook JSON export (no format_version); export with "
                "--format json",
                path=path,
            )
        )
    if not str(document["format_version"]).startswith("1."):
        raise RunbookError(
            _(
                "%(path)s is export format %(version)s; this runbook reads 1.x",
                path=path,
                version=document["format_version"],
            )
        )
    return document


def verify_export(document: dict[str, Any]) -> ExportCheck:
    """Recompute the chain embedded in an export; name the first bad event."""
    incident = document.get("incident") or {}
    incident_id = str(incident.get("id", "?"))
    timeline = document.get("timeline")
    chain = document.get("chain") or {}
    if not isinstance(timeline, list):
        return ExportCheck(incident_id, 0, "", problem=_("the export has no timeline"))
    check = ExportCheck(incident_id, len(timeline), "")
    names = bool((document.get("redaction") or {}).get("names"))
    prev = ""
    for index, entry in enumerate(timeline, start=1):
        problem = _entry_problem(entry, index, prev, incident_id, names)
        if problem:
            check.first_bad_seq, check.problem, check.head_hash = index, problem, prev
            return check
        if entry.get("redacted"):
            check.unchecked.append(index)
        prev = str(entry["hash"])
    check.head_hash = prev
    if chain.get("count") != len(timeline):
        check.problem = _(
            "the export says %(said)s events but holds %(held)s",
            said=chain.get("count"),
            held=len(timeline),
        )
    elif chain.get("head_hash") != prev:
        check.problem = _("the export's stated head hash is not the hash of its last event")
    elif chain.get("head", f"{incident_id}#{len(timeline)}:{prev}") != (
        f"{incident_id}#{len(timeline)}:{prev}"
    ):
        check.problem = _("the export's witnessed head is not its last event")
    return check


def _entry_problem(entry: Any, seq: int, prev: str, incident_id: str, names: bool) -> str:
    if not isinstance(entry, dict) or not isinstance(entry.get("record"), dict):
        return _("event #%(seq)s has no stored record", seq=seq)
    record = entry["record"]
    label = _("event #%(seq)s (%(type)s)", seq=seq, type=record.get("type", "?"))
    if entry.get("seq") != seq:
        return _(
            "event #%(seq)s is missing (found #%(found)s in its place)",
            seq=seq,
            found=entry.get("seq"),
        )
    if entry.get("prev_hash") != prev:
        return _("event #%(seq)s does not link to event #%(prev)s", seq=seq, prev=seq - 1)
    if record.get("incident_id") != incident_id:
        return _(
            "%(event)s belongs to %(other)s, not %(incident)s",
            event=label,
            other=record.get("incident_id"),
            incident=incident_id,
        )
    if (
        entry.get("redacted")
        and not names
        and not any(mark in json.dumps(record, ensure_ascii=False) for mark in MARKS)
    ):
        return _("%(event)s is marked redacted but nothing in it was redacted", event=label)
    if not entry.get("redacted"):
        try:
            data = canonical(record["data"])
            row = {
                "incident_id": record["incident_id"],
                "seq": seq,
                "type": record["type"],
                "at": record["at"],
                "actor": record["actor"],
                "state": record["state"],
                "command_id": record.get("command_id"),
                "data": data,
            }
        except (KeyError, TypeError, ValueError):
            return _("%(event)s has an incomplete stored record", event=label)
        if row_hash(row, prev) != entry.get("hash"):
            return _("%(event)s was changed after it was written", event=label)
    if entry.get("type") != record.get("type") or entry.get("state") != record.get("state"):
        return _("%(event)s: the row shown does not match its stored record", event=label)
    if not _same_time(entry.get("at"), record.get("at")):
        return _("%(event)s: the time shown does not match its stored record", event=label)
    return ""


def _same_time(shown: Any, stored: Any) -> bool:
    try:
        a = datetime.fromisoformat(str(shown).replace("Z", "+00:00"))
        b = datetime.fromisoformat(str(stored))
    except ValueError:
        return False
    return a == b


def compare_with_store(check: ExportCheck, rows: list[dict[str, Any]]) -> str:
    """Why the export does not match the database's rows, or ``""`` when it does."""
    if not rows:
        return _("the database holds no incident %(id)s", id=check.incident_id)
    if len(rows) < check.count:
        return _(
            "the export holds %(count)s events but the database only %(stored)s",
            count=check.count,
            stored=len(rows),
        )
    stored = rows[check.count - 1]["hash"] if check.count else ""
    if stored != check.head_hash:
        return _(
            "the export's head (event #%(seq)s) is not the hash the database holds for that event",
            seq=check.count,
        )
    return ""


IGNORED = frozenset({"generated_at"})
"""Fields that differ between two exports of the same record (when each was written)."""


def first_difference(shown: Any, stored: Any, path: str = "") -> str:
    """The first field where the export file (``shown``) differs from the export rebuilt from
    the database (``stored``), in document order, as one line; ``""`` when none does."""
    if isinstance(shown, dict) and isinstance(stored, dict):
        for key in [*stored, *(k for k in shown if k not in stored)]:
            if key in IGNORED and not path:
                continue
            where = f"{path}.{key}" if path else str(key)
            if key not in shown:
                return _("%(field)s is missing from the export", field=where)
            if key not in stored:
                return _("%(field)s is in the export but not in the database's record", field=where)
            found = first_difference(shown[key], stored[key], where)
            if found:
                return found
        return ""
    if isinstance(shown, list) and isinstance(stored, list):
        for index, (a, b) in enumerate(zip(shown, stored, strict=False)):
            found = first_difference(a, b, f"{path}[{index}]")
            if found:
                return found
        if len(shown) != len(stored):
            return _(
                "%(field)s has %(shown)s entries in the export, %(stored)s in the database",
                field=path,
                shown=len(shown),
                stored=len(stored),
            )
        return ""
    if shown != stored:
        return _(
            "%(field)s: the export says %(shown)s, the database %(stored)s",
            field=path,
            shown=_short(shown),
            stored=_short(stored),
        )
    return ""


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."
