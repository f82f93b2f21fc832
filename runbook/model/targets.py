"""Playbook targets against what an incident reached: one rule for the board, drills and reports.

A target (``targets.pause: 15m``) names a stage; it is met when the incident first reaches that
stage within the target time of the start (the declaration, or a drill's start). The board
counts down to the next target not met yet, the drill report and the export say met or missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from runbook.model.incident import Incident
from runbook.model.playbook import Playbook

TARGET_STAGES: dict[str, str] = {
    "acknowledge": "acknowledge",
    "assess": "assess",
    "pause": "pause",
    "notify": "notify",
    "first_statement": "approve",
    "resolve": "resolve",
}
"""Target name (a field of the playbook's ``targets``) -> the ``Incident.stage_reached`` entry
that meets it."""


@dataclass(frozen=True)
class TargetCheck:
    """One playbook target against the incident."""

    name: str
    """The target's name in the playbook (``pause``, ``first_statement``...)."""
    limit: timedelta
    """The target time from the start."""
    due: datetime
    """The start plus the limit."""
    reached: datetime | None
    """When the incident first reached the target's stage (None: not yet)."""

    @property
    def met(self) -> bool | None:
        """True when reached in time, False when reached late, None when not reached."""
        return None if self.reached is None else self.reached <= self.due


def target_checks(
    incident: Incident, *, start: datetime | None = None, playbook: Playbook | None = None
) -> list[TargetCheck]:
    """Every target the playbook sets, in :data:`TARGET_STAGES` order, from ``start`` (default:
    the declaration) with ``playbook`` (default: the one the incident pinned)."""
    playbook = playbook or incident.playbook
    start = start or incident.opened_at
    if playbook is None or start is None:
        return []
    checks = []
    for name, stage in TARGET_STAGES.items():
        limit = getattr(playbook.targets, name)
        if limit is not None:
            checks.append(
                TargetCheck(name, limit, start + limit, incident.stage_reached.get(stage))
            )
    return checks


def next_target(incident: Incident) -> TargetCheck | None:
    """The earliest target of an open incident whose stage is not reached yet (None if none)."""
    if not incident.is_open:
        return None
    pending = [check for check in target_checks(incident) if check.reached is None]
    return min(pending, key=lambda check: check.due) if pending else None
