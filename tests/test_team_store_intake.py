"""The intake log and the update cadence on the team store (a real PostgreSQL, operators with
least privilege): an operator's login appends warnings and reads the inbox, the database keeps
the log append-only, and runbook's own cadence steps (a reminder, an escalation, an update
sent) are accepted from an operator's login like its other system steps.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from runbook.clock import SimulatedClock
from runbook.effects.sinks import drill_effects
from runbook.engine import Engine
from runbook.model import events as ev
from runbook.store import open_store
from tests.helpers_store import PG_SKIP, pg_url
from tests.test_team_store_access import team  # noqa: F401  (the fixture)
from tests.test_update_cadence import write_update

pytestmark = pytest.mark.skipif(pg_url() is None, reason=PG_SKIP)


def test_an_operator_appends_warnings_the_inbox_groups_them_and_nobody_rewrites_them(team):  # noqa: F811
    tom = Engine(open_store(team.url("tom")), team.workspace, account="anyone")
    first = tom.report("Our X account posts crypto scam links", "https://x.com/brand/1")
    amara = Engine(open_store(team.url("amara")), team.workspace, account="anyone")
    assert [w.key for w in amara.inbox()] == [first.key]
    assert amara.inbox()[0].received_by == "tom (db-role)"
    amara.dismiss_warning(first.key, "a test by the security team")
    assert tom.inbox()[0].status == "dismissed"
    with pytest.raises(psycopg.Error, match="the intake log is append-only|permission denied"):
        with psycopg.connect(team.url("tom"), autocommit=True) as connection:
            connection.execute("UPDATE intake SET key = 'x'")
    with pytest.raises(psycopg.Error, match="append-only|permission denied"):
        with psycopg.connect(team.owner_url, autocommit=True) as connection:
            connection.execute("DELETE FROM intake")
    tom.store.close()
    amara.store.close()


def test_the_cadence_steps_are_accepted_from_an_operators_login(team):  # noqa: F811
    clock = SimulatedClock(datetime(2026, 11, 21, 14, 0, tzinfo=UTC))
    effects = drill_effects()

    def operator(person: str) -> Engine:
        store = open_store(team.url(person))
        return Engine(store, team.workspace, clock=clock, effects=effects, account="anyone")

    tom, amara = operator("tom"), operator("amara")
    incident_id = tom.declare("account-compromised", "Hacked").id
    tom.assess(incident_id, SEV1)
    tom.pause(incident_id)
    tom.notify(incident_id)
    write_update(tom, incident_id, "exec-summary")
    tom.submit(incident_id)
    amara.approve(incident_id)  # the comms lead alone approves the executive summary
    tom.publish(incident_id, on=["email"])
    clock.advance(timedelta(minutes=45))
    steps = [type(e).__name__ for e in tom.tick_all(incident_id) if not isinstance(e, ev.Escalated)]
    assert steps == ["UpdateFellDue", "UpdateEscalated"]  # the executives: due, then 15m late
    recorded = {type(e).__name__ for e in amara.timeline(incident_id)}
    assert {"UpdateSent", "UpdateFellDue", "UpdateEscalated"} <= recorded
    assert amara.verify(incident_id).ok
    tom.store.close()
    amara.store.close()


SEV1 = {
    "control": "attacker",
    "content": "scam",
    "reach": "viral",
    "data": "exposed",
    "scope": "several",
}
