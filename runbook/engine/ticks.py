"""What the clock calls for: escalations and update reminders, recovery, and the updates due.

``runbook tick``, the app's timer and ``retry`` call these: runbook's own steps, recorded
through :meth:`~runbook.engine.runner.Runner.record_steps` (no operator decides them), under
the configuration the incident pinned only (:mod:`runbook.engine.pinning`). The escalations
are decided in :mod:`runbook.engine.resolution`, the update reminders in
:mod:`runbook.engine.cadence`, which also says when an intent that was performed is an update
sent to its audience (the clock of that audience starts again). Separate from the operator's
commands (:mod:`runbook.engine.commands`): these are the steps runbook takes by itself.
"""

from __future__ import annotations

from functools import partial

from runbook.engine import cadence, pinning, resolution
from runbook.engine.core import EngineCore
from runbook.model import events as ev
from runbook.model.incident import Incident
from runbook.model.updates import UpdateDue


class ClockCommands(EngineCore):
    """Ticks, recovery and the update schedule; :class:`runbook.engine.commands.Engine` has
    them."""

    # -- the clock -------------------------------------------------------------------------
    def tick(self, incident_id: str) -> list[ev.Escalated]:
        """Escalate every notify rule whose acknowledgement time ran out (engine clock), and
        remind or escalate updates that fell due (see :meth:`tick_all`); the escalations."""
        return [e for e in self.tick_all(incident_id) if isinstance(e, ev.Escalated)]

    def tick_all(self, incident_id: str) -> list[ev.Event]:
        """What the clock calls for now: escalations of unacknowledged notifications, and the
        updates that fell due (the lead reminded) or stayed overdue (escalated)."""

        pinning.refuse_if_changed(self, self.incident(incident_id))

        def steps(incident: Incident) -> list[ev.Event]:
            return resolution.escalations(self, incident) + cadence.reminders(self, incident)

        incident, recorded = self.record_steps(incident_id, steps)
        self.perform_all(incident.id, recorded)
        return [e for e in recorded if not isinstance(e, ev.EffectRequested)]

    def recover(self, incident_id: str) -> int:
        """Perform intents whose performer is gone (see :class:`Performing`), under the
        configuration the incident pinned only."""
        pinning.refuse_if_changed(self, self.incident(incident_id))
        return super().recover(incident_id)

    def update_schedule(self, incident_id: str) -> list[UpdateDue]:
        """When each audience's next update is due (the board and incident screen count down)."""
        return self.incident(incident_id).update_schedule()

    def perform(self, incident_id: str, effect_id: str) -> bool:
        """Perform one intent and record its result; an update that went out is recorded as
        sent to its audience (``UpdateSent``), once."""
        performed = super().perform(incident_id, effect_id)
        sent = partial(cadence.went_out, self, effect_id)
        self.record_steps(incident_id, sent, marker=f"update-sent:{effect_id}")
        return performed
