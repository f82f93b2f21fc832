"""Leave the record as a crash would: an intent appended and never performed."""

from __future__ import annotations

from runbook.engine import Engine
from runbook.engine.incidents import pause_intent
from runbook.model import events as ev


def pause_intent_left_unperformed(engine: Engine, incident_id: str, marker: str) -> ev.Event:
    """Append the incident's pause intent (state ``paused``) without performing it, as a
    process killed right after the append would leave it; returns the intent."""
    incident = engine.incident(incident_id)
    intent = pause_intent(engine, incident)
    recorded = engine.append(incident, engine.context(incident), [intent], "paused", marker)
    engine.performing.drop(recorded)  # the killed process's claim died with it
    return intent
