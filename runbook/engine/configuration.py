"""The commands about the configuration an incident runs under: what differs from what it
pinned, and recording a change (the rules: :mod:`runbook.engine.pinning`)."""

from __future__ import annotations

from functools import partial

from runbook.engine import pinning
from runbook.engine.core import EngineCore
from runbook.model.config_pins import Change
from runbook.model.incident import Incident


class ConfigurationCommands(EngineCore):
    """Configuration drift and changes; :class:`runbook.engine.commands.Engine` has them."""

    def config_changes(self, incident_id: str) -> list[Change]:
        """Each file of the configuration loaded now that differs from what the incident
        pinned (empty: it runs under this configuration); records nothing."""
        return pinning.changes(self, self.incident(incident_id))

    def config_change(
        self, incident_id: str, why: str, *, command_id: str | None = None
    ) -> Incident:
        """Record that the incident now runs under the configuration loaded now, and why
        (refused for a claim, or when nothing differs)."""
        build = partial(pinning.record_change, self, why)
        return self.run(incident_id, pinning.ACTION, build, command_id=command_id)
