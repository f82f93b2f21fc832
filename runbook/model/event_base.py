"""The envelope every event has: incident id, seq, time, actor, state, the command that caused
it, its place in the hash chain, and how the actor was proven (see :mod:`runbook.model.events`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, field_serializer

from runbook.model.proof import Proof

ENVELOPE = ("incident_id", "seq", "type", "at", "actor", "state", "command_id", "prev_hash", "hash")
"""Fields every event has; the rest is the event's ``data``."""


class Event(BaseModel):
    """Base of every event: the envelope."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    incident_id: str
    """The incident this event belongs to."""
    seq: int = 0
    """Position in the incident's stream, 1..n with no gaps (set when appended)."""
    at: datetime
    """When it happened (UTC)."""
    actor: str
    """Who did it (a person id from contacts, or ``runbook`` for automatic steps)."""
    state: str = ""
    """The incident's lifecycle state after this event."""
    command_id: str | None = None
    """The command that produced it; a retried command never appends twice."""
    command: str | None = None
    """The command line an operator's own ``--command-id`` was given with (its name and a hash
    of its arguments): the same id given to another command is refused. Part of the event's
    data, so covered by the hash chain; None for every other command."""
    prev_hash: str = ""
    """Hash of the previous event (empty for the first)."""
    hash: str = ""
    """Hash of this event's content and ``prev_hash`` (set when appended)."""
    proof: Proof | None = None
    """How the actor was proven (login, ssh-signature, db-role, link, claimed, or system for
    runbook's own steps). Part of the event's data, so covered by the hash chain; None only in
    events recorded before proofs existed."""

    @field_serializer("proof")
    def _compact_proof(self, proof: Proof | None) -> dict[str, str] | None:
        return proof.compact() if proof is not None else None

    def data(self) -> dict[str, Any]:
        """The event's own fields (everything but the envelope), JSON-ready."""
        data = self.model_dump(mode="json", exclude=set(ENVELOPE))
        if data.get("proof") is None:
            data.pop("proof", None)
        for optional in ("command", "stand_ins"):  # left out when empty: older hashes hold
            if not data.get(optional, True):
                data.pop(optional, None)
        return data
