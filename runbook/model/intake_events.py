"""Events of warnings and stakeholder updates on an incident's timeline: the warning an incident
was declared from, and each update that fell due, was escalated, or went out (see
:mod:`runbook.model.events` for the whole union).
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from runbook.model.event_base import Event


class WarningLinked(Event):
    """The warning the incident was declared from, carried into its timeline as received."""

    type: Literal["WarningLinked"] = "WarningLinked"
    key: str
    """The warning's key in the intake log."""
    source: str
    """Where it came from (``pagerduty``, ``webhook:brandwatch``, ``report``)."""
    received_by: str
    """Who sent it and how that was proven (``pagerduty (token:pagerduty)``)."""
    summary: str
    """What the warning said."""
    link: str = ""
    """Where to see it."""
    first_at: datetime
    """When it first arrived."""
    count: int = 1
    """How many times it arrived before the incident was declared."""


class UpdateSent(Event):
    """A stakeholder update reached its audience (published, posted by hand, or delivered to
    at least one person), with when it was due."""

    type: Literal["UpdateSent"] = "UpdateSent"
    audience: str
    """Who it reached: ``public``, ``staff``, ``executives`` or ``customers``."""
    draft_id: str
    """The draft that went out."""
    version: int
    """Its version."""
    template_id: str
    """The update template it was written from."""
    how: str
    """``published``, ``posted by hand`` or ``sent``."""
    due_at: datetime | None = None
    """When this audience's update was due (None: before the cadence started)."""
    effect_id: str = ""
    """The intent that sent or published it ("" when posted by hand)."""


class UpdateFellDue(Event):
    """An audience's update fell due: the roles the playbook names are reminded (intent)."""

    type: Literal["UpdateFellDue"] = "UpdateFellDue"
    audience: str
    """Whose update is due."""
    due_at: datetime
    """When it was due."""
    effect_id: str
    """The intent reminding the roles the playbook names."""


class UpdateEscalated(Event):
    """An audience's update stayed overdue: escalated like an unacknowledged notification."""

    type: Literal["UpdateEscalated"] = "UpdateEscalated"
    audience: str
    """Whose update is overdue."""
    due_at: datetime
    """When it was due."""
    overdue: str
    """How long it had been overdue (``15m``)."""
    to_roles: list[str]
    """The roles told."""
    effect_id: str
    """The intent telling them."""
