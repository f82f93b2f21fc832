"""The intake log and the inbox: warnings that reach the comms team before any incident.

The organisation's reporting rule (an employee who sees something worrying reports it to the
comms team instead of answering) and the alerts of paging and listening tools arrive through
``runbook serve`` or ``runbook report``. Each arrival, each decision on a warning and each
refused post is an :class:`IntakeRecord`: a fact in the past tense, appended to the store's
intake log (never changed, hash-chained like the event log), with who sent it and how that was
proven. The inbox is a fold over that log (:func:`inbox`): repeats with the same key are one
warning with a count. A warning never becomes an incident by itself: only the on-call person
declares one from it (or dismisses it with a reason).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from runbook.i18n import _

IntakeType = Literal[
    "WarningReceived",
    "WarningAcknowledged",
    "WarningResolved",
    "WarningDismissed",
    "IncidentDeclaredFromWarning",
    "IntakeRefused",
]
"""What an intake record says happened."""

MAX_BODY = 65_536
"""Bytes a warning's POST may have (PagerDuty's own limit is 512 KB; a warning needs little)."""
MAX_SUMMARY = 1024
"""Characters of a warning's summary (PagerDuty's limit)."""
MAX_TEXT = 4000
"""Characters of a report's text or a dismissal's reason."""
MAX_LINK = 2000
"""Characters of a link."""
MAX_KEY = 255
"""Characters of a grouping key (PagerDuty's ``dedup_key`` limit)."""
MAX_DETAILS = 20
"""Detail fields kept from a post (each value cut to :data:`MAX_DETAIL`)."""
MAX_DETAIL = 300
"""Characters of one detail value."""


class IntakeRecord(BaseModel):
    """One fact of the intake log (see module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int = 0
    """Position in the intake log, 1..n (set when appended)."""
    type: IntakeType
    """What happened."""
    at: datetime
    """When (UTC)."""
    source: str = Field(max_length=80)
    """Where it came from: ``pagerduty``, ``webhook:<name>``, ``report``, or ``inbox`` for a
    decision taken on the inbox."""
    key: str = Field(default="", max_length=MAX_KEY + 200)
    """The warning it is about: repeats with the same key are grouped ("" when refused)."""
    actor: str = Field(max_length=120)
    """Who: the sending source's name, or the person who reported or decided."""
    proof: str = Field(max_length=120)
    """How that was proven: ``token:<source>``, ``login``, ``db-role``, ``claimed``, or
    ``none`` for a refused post."""
    summary: str = Field(default="", max_length=MAX_TEXT)
    """What the warning says (a report's text, an alert's summary)."""
    link: str = Field(default="", max_length=MAX_LINK)
    """Where to see it."""
    severity: str = Field(default="", max_length=20)
    """The sender's severity (``critical``, ``error``, ``warning``, ``info``)."""
    details: dict[str, str] = Field(default={}, max_length=MAX_DETAILS)
    """A few fields of the sender's payload, cut short (component, group, class...)."""
    reason: str = Field(default="", max_length=MAX_TEXT)
    """Why it was dismissed, or why a post was refused."""
    status: int = 0
    """The HTTP status a refused post got."""
    incident_id: str = Field(default="", max_length=20)
    """The incident declared from the warning."""
    client: str = Field(default="", max_length=64)
    """The sender's address, as the server saw it."""
    prev_hash: str = ""
    """Hash of the previous record ("" for the first)."""
    hash: str = ""
    """Hash of this record and ``prev_hash`` (set when appended)."""

    def content(self) -> str:
        """The record as canonical JSON, without its place in the chain."""
        data = self.model_dump(mode="json", exclude={"seq", "prev_hash", "hash"})
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def chained(self, seq: int, prev_hash: str) -> IntakeRecord:
        """This record at ``seq``, hashed onto ``prev_hash``."""
        digest = hashlib.sha256(f"{prev_hash}\x1f{seq}\x1f{self.content()}".encode()).hexdigest()
        return self.model_copy(update={"seq": seq, "prev_hash": prev_hash, "hash": digest})


def chain_problem(records: list[IntakeRecord]) -> str:
    """The first record whose hash, place or link to the previous one is wrong ("" when
    intact). ``records`` may start after the first record (the newest part of a long log)."""
    if not records:
        return ""
    prev = records[0].prev_hash if records[0].seq > 1 else ""
    for expected, record in enumerate(records, start=records[0].seq):
        if record.seq != expected:
            return _("intake record #%(seq)s is missing", seq=expected)
        if record.prev_hash != prev or record.chained(record.seq, prev).hash != record.hash:
            return _("intake record #%(seq)s was altered or is out of order", seq=record.seq)
        prev = record.hash
    return ""


Status = Literal["new", "acknowledged", "resolved", "dismissed", "declared"]


@dataclass
class Warning:
    """A warning on the inbox: every record with one key, folded."""

    key: str
    source: str
    summary: str
    link: str
    severity: str
    first_at: datetime
    last_at: datetime
    received_by: str
    """Who sent it first and how that was proven (``pagerduty (token:pagerduty)``)."""
    count: int = 1
    """How many times it arrived (repeats of the same key)."""
    status: Status = "new"
    reason: str = ""
    """Why it was dismissed."""
    decided_by: str = ""
    incident_id: str = ""
    details: dict[str, str] = field(default_factory=dict)

    @property
    def waiting(self) -> bool:
        """Still for the on-call person to decide (not dismissed, no incident yet)."""
        return self.status in ("new", "acknowledged", "resolved")


def inbox(records: list[IntakeRecord]) -> list[Warning]:
    """Every warning in the log, newest arrival first (refused posts are not warnings)."""
    found: dict[str, Warning] = {}
    for record in records:
        if record.type == "IntakeRefused" or not record.key:
            continue
        warning = found.get(record.key)
        if record.type == "WarningReceived":
            if warning is None:
                found[record.key] = Warning(
                    key=record.key,
                    source=record.source,
                    summary=record.summary,
                    link=record.link,
                    severity=record.severity,
                    first_at=record.at,
                    last_at=record.at,
                    received_by=f"{record.actor} ({record.proof})",
                    details=dict(record.details),
                )
                continue
            warning.count += 1
            warning.last_at = record.at
            warning.summary = record.summary or warning.summary
            warning.link = record.link or warning.link
            warning.severity = record.severity or warning.severity
            if warning.status in ("acknowledged", "resolved"):
                warning.status = "new"  # triggered again
            continue
        if warning is None:
            continue  # a decision on a key never received: nothing to show
        if record.type == "WarningAcknowledged" and warning.status == "new":
            warning.status = "acknowledged"
        elif record.type == "WarningResolved" and warning.waiting:
            warning.status = "resolved"
        elif record.type == "WarningDismissed":
            warning.status, warning.reason = "dismissed", record.reason
            warning.decided_by = record.actor
        elif record.type == "IncidentDeclaredFromWarning":
            warning.status, warning.incident_id = "declared", record.incident_id
            warning.decided_by = record.actor
    return sorted(found.values(), key=lambda w: (w.last_at, w.key), reverse=True)


def cut(text: Any, limit: int) -> str:
    """``text`` as a string of at most ``limit`` characters (an ellipsis when cut)."""
    value = text if isinstance(text, str) else json.dumps(text, ensure_ascii=False)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def suggest(playbooks: dict[str, Any], text: str) -> str | None:
    """The playbook whose keywords (then title words) the warning's text mentions most; None
    when nothing matches. ``playbooks``: id -> :class:`~runbook.model.playbook.Playbook`."""
    words = set(_words(text))
    best: tuple[int, str] | None = None
    for playbook_id in sorted(playbooks):
        playbook = playbooks[playbook_id]
        keywords = {w for keyword in playbook.keywords for w in _words(keyword)}
        score = 3 * len(words & keywords) + len(words & set(_words(playbook.title)) - _COMMON)
        if score and (best is None or score > best[0]):
            best = (score, playbook_id)
    return best[1] if best else None


_COMMON = {"a", "an", "the", "of", "or", "and", "on", "in", "is", "to", "by", "our", "post"}


def _words(text: str) -> list[str]:
    out, current = [], []
    for char in text.lower():
        if char.isalnum():
            current.append(char)
        elif current:
            out.append("".join(current))
            current = []
    if current:
        out.append("".join(current))
    return out
