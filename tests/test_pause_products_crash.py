"""kill -9 while Hootsuite or Facebook Page posts are deleted to hold them, or recreated to
release them: no post is lost or duplicated, and the record tells the truth."""

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
from runbook.loading import Workspace, load_workspace
from runbook.model import events as ev
from runbook.store.sqlite import SqliteStore
from tests.conftest import ROOT
from tests.products import TOKENS, start_products
from tests.test_engine import SEV1_ACCOUNT

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import UTC, datetime
    from pathlib import Path
    from runbook.clock import SimulatedClock
    from runbook.effects import Effects
    from runbook.effects.scheduler import Schedulers
    from runbook.effects.scheduler.factory import build_scheduler
    from runbook.effects.scheduler.hootsuite import HootsuiteScheduler
    from runbook.effects.scheduler.meta import MetaScheduler
    from runbook.effects.sinks import DrillSink
    from runbook.engine import Engine
    from runbook.loading import load_workspace
    from runbook.model.schedulers import HootsuiteConfig, MetaConfig
    from runbook.store.sqlite import SqliteStore

    db, product, url, page, incident_id, kill_at, now = sys.argv[1:8]
    cls = {"hootsuite": HootsuiteScheduler, "meta": MetaScheduler}[product]
    holding = "_hold_one" if product == "hootsuite" else "_batch_delete"  # Meta: 50 at a time
    hold, recreate = getattr(cls, holding), cls._recreate_one

    def dying_hold(self, *args):
        if kill_at == "before_delete":
            os.kill(os.getpid(), signal.SIGKILL)
        done = hold(self, *args)
        if kill_at == "after_delete":
            os.kill(os.getpid(), signal.SIGKILL)
        return done

    def dying_recreate(self, *args):
        if kill_at == "before_recreate":
            os.kill(os.getpid(), signal.SIGKILL)
        done = recreate(self, *args)
        if kill_at == "after_recreate":
            os.kill(os.getpid(), signal.SIGKILL)
        return done

    setattr(cls, holding, dying_hold)
    cls._recreate_one = dying_recreate
    if product == "hootsuite":
        config = HootsuiteConfig(kind="hootsuite", base_url=url, token_env="HOOTSUITE_TOKEN",
                                 requests_per_second=1000, concurrency=1)
    else:
        config = MetaConfig(kind="meta", base_url=url, token_env="META_TOKEN", page_id=page,
                            concurrency=1)
    clock = SimulatedClock(datetime.fromisoformat(now))
    sink = DrillSink()
    scheduler = Schedulers([build_scheduler(product, config, Path(db).parent, clock)])
    workspace = load_workspace([Path("playbooks"), Path("contacts")])
    engine = Engine(SqliteStore(db), workspace, operator="amara", clock=clock,
                    effects=Effects(scheduler=scheduler, channels={}, publisher=sink,
                                    fallback=sink))
    if kill_at.endswith("_delete"):
        engine.pause(incident_id)
    else:
        engine.resolve(incident_id, "Account recovered.", resume="all")
    """
)
TEXT = {"hootsuite": "text", "meta": "message"}
"""Where each product keeps a post's text."""


@pytest.fixture
def workspace() -> Workspace:
    """The shipped configuration, exactly as the child process loads it: an incident pins its
    configuration, so both sides run under the same one."""
    return load_workspace([ROOT / "playbooks", ROOT / "contacts"])


@pytest.mark.parametrize("product", ["hootsuite", "meta"])
@pytest.mark.parametrize(
    "kill_at", ["before_delete", "after_delete", "before_recreate", "after_recreate"]
)
def test_a_kill_between_record_delete_and_recreate_never_loses_or_duplicates_a_post(
    workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kill_at: str, product: str
):
    for name, value in TOKENS.items():
        monkeypatch.setenv(name, value)
    clock = SimulatedClock(datetime.now(UTC).replace(microsecond=0))
    with ExitStack() as stack:
        products = start_products(stack, tmp_path, clock.now)
        products.fill(clock.now(), 3)
        fake = getattr(products, product)
        key = TEXT[product]
        texts = sorted(m[key] for m in fake.scheduled())
        db = tmp_path / "incidents.db"
        effects = products.effects(clock, only=(product,))
        engine = Engine(SqliteStore(db), workspace, operator="amara", clock=clock, effects=effects)
        stack.callback(engine.store.close)
        incident = engine.declare("account-compromised", "Hacked")
        engine.assess(incident.id, SEV1_ACCOUNT)
        if kill_at.endswith("_recreate"):
            engine.pause(incident.id)

        page = getattr(fake, "page_id", "")
        child = subprocess.run(
            [
                sys.executable,
                "-c",
                CHILD,
                str(db),
                product,
                fake.url,
                page,
                incident.id,
                kill_at,
                clock.now().isoformat(),
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=120,
        )
        assert child.returncode == -9
        left = sorted(m[key] for m in fake.scheduled())
        if kill_at.endswith("_delete"):
            deleted = {"hootsuite": 1, "meta": 3}[product]  # Meta deletes in one batch
            if kill_at == "before_delete":
                deleted = 0
            assert len(left) == 3 - deleted, "deleted before the kill"
            targeted = [e for e in engine.timeline(incident.id) if isinstance(e, ev.PauseTargeted)]
            assert {p["record"][key] for p in targeted[0].posts} == set(texts)
        else:
            recreated = 1 if kill_at == "after_recreate" else 0
            assert len(left) == recreated, "recreated before the kill"

        clock.advance(timedelta(minutes=5))  # past the child's clock: its step is stale
        assert engine.recover(incident.id) == 1
        if kill_at.endswith("_delete"):
            after = engine.incident(incident.id)
            assert len(after.paused_posts) == 3
            assert after.pause_unconfirmed() is None
            assert fake.scheduled() == []
            engine.resolve(incident.id, "Account recovered.", resume="all")

        made = Counter(m[key] for m in fake.scheduled())
        assert sorted(made) == texts, "nothing lost"
        assert set(made.values()) == {1}, "nothing duplicated"
        kinds = Counter(type(e).__name__ for e in engine.timeline(incident.id))
        assert kinds["PostsPaused"] == 1
        assert kinds["PostsResumed"] == 1
        assert engine.verify(incident.id).ok
