"""Once means once on the team store: an effect in flight is owned through a PostgreSQL
advisory lock on a connection of its own (free the moment its process dies), and an operator's
login may record runbook's delivery steps."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from runbook.engine import Engine
from runbook.model import events as ev
from runbook.store import open_store
from tests import kill_driver
from tests.conftest import ROOT
from tests.delivery_receivers import Hook, Mail
from tests.helpers_store import PG_SKIP, pg_url
from tests.test_engine import SEV1_ACCOUNT
from tests.test_team_store_access import team  # noqa: F401  (the fixture)

pytestmark = pytest.mark.skipif(pg_url() is None, reason=PG_SKIP)

HOLDER = """
import sys, time
from runbook.store import open_store
claim = open_store(sys.argv[1]).claim(sys.argv[2])
print("held" if claim else "busy", flush=True)
time.sleep(600)
"""


def test_an_operator_notifies_through_the_team_store_one_message_at_a_time(team):  # noqa: F811
    mail, hook = Mail(), Hook()
    try:
        engine = Engine(
            open_store(team.url("amara")),
            team.workspace,
            account="anyone",
            effects=kill_driver.effects(mail.port, hook.url),
        )
        incident_id = engine.declare("account-compromised", "Hacked").id
        engine.assess(incident_id, SEV1_ACCOUNT)
        engine.pause(incident_id)
        incident = engine.notify(incident_id)
        effect = next(e for e in incident.effects.values() if e.kind == "notify")
        assert effect.result == "ok"
        started = [e for e in engine.timeline(incident_id) if isinstance(e, ev.DeliveryStarted)]
        assert len(started) == len(effect.delivery_keys())
        assert all(mail.received[k] + hook.received[k] == 1 for k in effect.delivery_keys())
        engine.store.close()
    finally:
        mail.close()
        hook.close()


def test_an_effect_held_by_a_live_process_is_refused_and_free_once_it_is_killed(team):  # noqa: F811
    url = team.url("amara")
    effect_id = "INC-ABCDEF-notify-0123456789"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url, effect_id],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        store = open_store(url)
        assert store.claim(effect_id) is None, "its live holder owns it"
        other = store.claim("INC-ABCDEF-notify-other")
        assert other is not None
        other.release()
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
        taken = None
        deadline = time.monotonic() + 30
        while taken is None and time.monotonic() < deadline:
            taken = store.claim(effect_id)
            time.sleep(0.01)
        assert taken is not None, "the server let the killed process's claim go"
        taken.release()
        store.close()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
