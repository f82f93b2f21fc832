"""kill -9 while Hootsuite posts are deleted to hold them, or recreated to release them: no post
is lost or duplicated, and the record tells the truth."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections import Counter
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from runbook.clock import SimulatedClock
from runbook.engine import Engine
from runbook.model import events as ev
from runbook.store.sqlite import SqliteStore
from tests.conftest import ROOT
from tests.products import TOKENS, start_products
from tests.test_engine import SEV1_ACCOUNT

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from runbook.effects import Effects
    from runbook.effects.scheduler import Schedulers
    from runbook.effects.scheduler.hootsuite import HootsuiteScheduler
    from runbook.effects.scheduler.api import ApiClient
    from runbook.effects.sinks import DrillSink
    from runbook.engine import Engine
    from runbook.loading import load_workspace
    from runbook.store.sqlite import SqliteStore

    db, url, incident_id, kill_at = sys.argv[1:5]

    class Dying(HootsuiteScheduler):
        def _hold_one(self, post_id, key):
            done = super()._hold_one(post_id, key)
            if kill_at == "after_delete":
                os.kill(os.getpid(), signal.SIGKILL)
            return done

        def _recreate_one(self, post, new_times):
            done = super()._recreate_one(post, new_times)
            if kill_at == "after_recreate":
                os.kill(os.getpid(), signal.SIGKILL)
            return done

    client = ApiClient("Hootsuite", url, token_env="HOOTSUITE_TOKEN")
    sink = DrillSink()
    scheduler = Schedulers([Dying("hootsuite", client, concurrency=1)])
    workspace = load_workspace([Path("playbooks"), Path("contacts")])
    engine = Engine(SqliteStore(db), workspace, operator="amara",
                    effects=Effects(scheduler=scheduler, channels={}, publisher=sink,
                                    fallback=sink))
    if kill_at == "after_delete":
        engine.pause(incident_id)
    else:
        engine.resolve(incident_id, "Account recovered.", resume="all")
    """
)


@pytest.mark.parametrize("kill_at", ["after_delete", "after_recreate"])
def test_a_kill_between_record_delete_and_recreate_never_loses_or_duplicates_a_post(
    workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kill_at: str
):
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    clock = SimulatedClock(datetime.now(UTC).replace(microsecond=0))
    with ExitStack() as stack:
        products = start_products(stack, tmp_path, clock.now)
        products.fill(clock.now(), 3)
        texts = sorted(m["text"] for m in products.hootsuite.scheduled())
        db = tmp_path / "incidents.db"
        effects = products.effects(clock, only=("hootsuite",))
        engine = Engine(SqliteStore(db), workspace, operator="amara", clock=clock, effects=effects)
        stack.callback(engine.store.close)
        incident = engine.declare("account-compromised", "Hacked")
        engine.assess(incident.id, SEV1_ACCOUNT)
        if kill_at == "after_recreate":
            engine.pause(incident.id)

        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(db), products.hootsuite.url, incident.id, kill_at],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=120,
        )
        assert child.returncode == -9
        left = sorted(m["text"] for m in products.hootsuite.scheduled())
        if kill_at == "after_delete":
            assert len(left) == 2, "one message was deleted before the kill"
            targeted = [e for e in engine.timeline(incident.id) if isinstance(e, ev.PauseTargeted)]
            assert {p["record"]["text"] for p in targeted[0].posts} == set(texts)
        else:
            assert len(left) == 1, "one message was recreated before the kill"

        clock.advance(timedelta(minutes=5))  # past the child's clock: its step is stale
        assert engine.recover(incident.id) == 1
        if kill_at == "after_delete":
            after = engine.incident(incident.id)
            assert len(after.paused_posts) == 3
            assert after.pause_unconfirmed() is None
            assert products.hootsuite.scheduled() == []
            engine.resolve(incident.id, "Account recovered.", resume="all")

        made = Counter(m["text"] for m in products.hootsuite.scheduled())
        assert sorted(made) == texts, "nothing lost"
        assert set(made.values()) == {1}, "nothing duplicated"
        assert len(products.hootsuite.requests("POST", "/v1/messages")) == 3
        kinds = Counter(type(e).__name__ for e in engine.timeline(incident.id))
        assert kinds["PostsPaused"] == 1
        assert kinds["PostsResumed"] == 1
        assert engine.verify(incident.id).ok
