"""kill -9 during a pause against a real file calendar: one effective pause, an honest timeline."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from runbook.clock import SimulatedClock
from runbook.effects import Effects
from runbook.effects.scheduler import Schedulers, file_calendar
from runbook.effects.scheduler.file_calendar import FileCalendar
from runbook.effects.sinks import DrillSink
from runbook.engine import Engine
from runbook.loading import Workspace, load_workspace
from runbook.model import events as ev
from runbook.store.sqlite import SqliteStore
from tests.conftest import ROOT
from tests.test_engine import SEV1_ACCOUNT

CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from runbook.effects import Effects
    from runbook.effects.scheduler import Schedulers
    from runbook.effects.scheduler.file_calendar import FileCalendar
    from runbook.effects.sinks import DrillSink
    from runbook.engine import Engine
    from runbook.loading import load_workspace
    from runbook.store.sqlite import SqliteStore

    db, calendar, incident_id, kill_at = sys.argv[1:5]

    class Dying(FileCalendar):
        def list_posts(self):
            if kill_at == "before_call":
                os.kill(os.getpid(), signal.SIGKILL)
            return super().list_posts()

        def hold(self, post_ids, key):
            outcome = super().hold(post_ids, key)
            if kill_at == "after_call":
                os.kill(os.getpid(), signal.SIGKILL)
            return outcome

    workspace = load_workspace([Path("playbooks"), Path("contacts")])
    sink = DrillSink()
    scheduler = Schedulers([Dying("calendar", Path(calendar))])
    engine = Engine(SqliteStore(db), workspace, operator="amara",
                    effects=Effects(scheduler=scheduler, channels={}, publisher=sink,
                                    fallback=sink))
    engine.pause(incident_id)
    """
)


def write_calendar(path: Path, count: int) -> None:
    start = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "channel", "scheduled_at", "text", "status"])
        channels = ["x", "instagram", "linkedin", "facebook"]
        for i in range(count):
            when = (start + timedelta(hours=i)).isoformat()
            writer.writerow([f"post-{i}", channels[i % 4], when, f"Post number {i}", "scheduled"])


def statuses(path: Path) -> dict[str, str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["id"]: row["status"] for row in csv.DictReader(handle)}


@pytest.fixture
def workspace() -> Workspace:
    """The shipped configuration, exactly as the child process loads it: an incident pins its
    configuration, so both sides run under the same one."""
    return load_workspace([ROOT / "playbooks", ROOT / "contacts"])


@pytest.mark.parametrize("kill_at", ["before_call", "after_call"])
def test_a_pause_killed_mid_way_is_completed_once_on_recovery(
    workspace, tmp_path: Path, kill_at: str
):
    calendar = tmp_path / "calendar.csv"
    write_calendar(calendar, 40)
    db = tmp_path / "incidents.db"
    clock = SimulatedClock(datetime.now(UTC))
    sink = DrillSink()
    effects = Effects(
        scheduler=Schedulers([FileCalendar("calendar", calendar)]),
        channels={},
        publisher=sink,
        fallback=sink,
    )
    engine = Engine(SqliteStore(db), workspace, operator="amara", clock=clock, effects=effects)
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)

    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), str(calendar), incident.id, kill_at],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert child.returncode == -9
    before = engine.incident(incident.id)
    assert before.pending_effects("pause"), "the intent was recorded, the result was not"
    expected_held = "held" if kill_at == "after_call" else "scheduled"
    assert set(statuses(calendar).values()) == {expected_held}

    clock.advance(timedelta(minutes=5))
    assert engine.recover(incident.id) == 1
    after = engine.incident(incident.id)
    assert after.pause_satisfied()
    assert after.pause_unconfirmed() is None
    assert len(after.paused_posts) == 40
    assert set(statuses(calendar).values()) == {"held"}
    kinds = [type(e).__name__ for e in engine.timeline(incident.id)]
    assert kinds.count("PostsPaused") == 1
    assert kinds.count("EffectRequested") == 1
    assert kinds.count("PauseTargeted") == 1
    paused = next(e for e in engine.timeline(incident.id) if isinstance(e, ev.PostsPaused))
    assert paused.failures == []
    assert engine.verify(incident.id).ok


def test_a_ten_thousand_post_calendar_is_paused_and_released(workspace, tmp_path: Path):
    calendar = tmp_path / "calendar.csv"
    write_calendar(calendar, 10_000)
    sink = DrillSink()
    clock = SimulatedClock(datetime(2026, 12, 1, tzinfo=UTC))
    engine = Engine(
        SqliteStore(tmp_path / "db.sqlite"),
        workspace,
        operator="amara",
        clock=clock,
        effects=Effects(
            scheduler=Schedulers([FileCalendar("calendar", calendar)]),
            channels={},
            publisher=sink,
            fallback=sink,
        ),
    )
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)
    incident = engine.pause(incident.id)
    assert len(incident.paused_posts) == 10_000
    assert set(statuses(calendar).values()) == {"held"}
    incident = engine.resolve(incident.id, "Recovered", resume="all")
    assert len(incident.resumed_posts) == 10_000
    assert set(statuses(calendar).values()) == {"scheduled"}


def test_a_calendar_edited_by_someone_else_mid_pause_is_not_overwritten(
    workspace, tmp_path: Path, monkeypatch
):
    calendar = tmp_path / "calendar.csv"
    write_calendar(calendar, 10)
    sink = DrillSink()
    adapter = FileCalendar("calendar", calendar)
    clock = SimulatedClock(datetime(2026, 12, 1, tzinfo=UTC))
    engine = Engine(
        SqliteStore(tmp_path / "db.sqlite"),
        workspace,
        operator="amara",
        clock=clock,
        effects=Effects(
            scheduler=Schedulers([adapter]), channels={}, publisher=sink, fallback=sink
        ),
    )
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)
    real_fsync = os.fsync
    edits = []

    def someone_saves_meanwhile(fd):
        real_fsync(fd)
        if not edits:
            edits.append(True)
            with calendar.open("a", encoding="utf-8") as handle:
                handle.write("post-extra,x,2027-02-01T09:00:00+00:00,Added by Sam,scheduled\n")

    monkeypatch.setattr(file_calendar.os, "fsync", someone_saves_meanwhile)
    incident = engine.pause(incident.id)
    problem = incident.pause_unconfirmed()
    assert problem is not None
    assert "changed by someone else" in problem
    assert "Added by Sam" in calendar.read_text(encoding="utf-8")
    monkeypatch.setattr(file_calendar.os, "fsync", real_fsync)
    incident = engine.retry(incident.id)
    assert incident.pause_unconfirmed() is None
    assert "post-extra" in incident.paused_posts, "the retry lists the calendar again"
