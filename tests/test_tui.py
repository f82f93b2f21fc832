"""The terminal UI driven by key presses only (Textual's ``run_test``/Pilot), on real SQLite.

Covers the whole lifecycle of a shipped playbook from the keyboard (declare, size, pause,
notify, acknowledge, draft, submit, approvals by other people, publish, resolve with the post
review, close), refusals shown as notifications, a failure shown and on the timeline, the
operator asked at first start, the keystrokes from launch to "posts paused" for a SEV1, and a
change made by another process (the CLI) appearing on the open incident screen.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from runbook.clock import SimulatedClock
from runbook.effects import Effects, Outcome, Post
from runbook.effects.sinks import DrillSink
from runbook.effects.ssh import Signer
from runbook.engine import Engine
from runbook.errors import EffectError
from runbook.loading import Workspace
from runbook.model import events as ev
from runbook.store.sqlite import SqliteStore
from runbook.tui.app import RunbookApp

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)


# -- helpers shared with the snapshot tests -------------------------------------------------


def calendar(count: int = 6) -> DrillSink:
    """A scheduler holding ``count`` posts (x, instagram, facebook), one an hour from 15:00."""
    sink = DrillSink()
    for index in range(count):
        post_id = f"POST-{index + 1}"
        channel = ("x", "instagram", "facebook")[index % 3]
        when = (START + timedelta(hours=index + 1)).isoformat()
        sink.posts[post_id] = Post(
            post_id, channel, when, f"Autumn collection teaser #{index + 1}", "scheduled", "drill"
        )
    return sink


def make_engine(
    db: Path,
    workspace: Workspace,
    clock: SimulatedClock,
    *,
    operator: str | None = "amara",
    scheduler: Any = None,
) -> Engine:
    """An engine on ``db`` whose effects stay in memory (a calendar of six posts)."""
    sink = calendar()
    effects = Effects(scheduler=scheduler or sink, channels={}, publisher=sink, fallback=sink)
    return Engine(SqliteStore(db), workspace, operator=operator, clock=clock, effects=effects)


def make_app(engine: Engine, **options: Any) -> RunbookApp:
    """The app as tests run it: no blinking, no escalation timer, a quick poll."""
    options.setdefault("poll_every", 0.2)
    options.setdefault("tick_every", None)
    return RunbookApp(engine, cursor_blink=False, **options)


def idle(app: RunbookApp) -> bool:
    """No worker running, no load under way, no command under way."""
    loading = any(getattr(screen, "_loading", False) for screen in app.screen_stack)
    running = any(worker.is_running for worker in app.workers)
    return not (loading or running or app.busy)


async def settle(pilot: Any, limit: float = 60.0) -> None:
    """Wait until the app has finished every load and command the last keys started."""
    app = pilot.app
    deadline = time.monotonic() + limit
    calm = 0
    while time.monotonic() < deadline:
        await pilot.pause(0.02)
        if idle(app):
            calm += 1
            if calm >= 2:
                return
        else:
            calm = 0
    raise AssertionError("the app did not settle")


def run(test: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run an async test body."""
    asyncio.run(test())


async def until(pilot: Any, condition: Callable[[], bool], limit: float = 30.0) -> None:
    """Wait until ``condition()`` holds (a change another terminal made reaching the app)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            if condition():
                await settle(pilot)
                return
        except (AttributeError, KeyError):
            pass
        await pilot.pause(0.05)
    raise AssertionError("the app never showed the change")


def become(app: RunbookApp, person: str, keyring: dict[str, Path]) -> None:
    """The app as ``person`` runs it on their own machine: their name and their SSH key."""
    app.engine.signer = Signer(keyring[person], interactive=False, person=person)
    app.set_operator(person)


def said(app: RunbookApp, words: str) -> bool:
    """True when a notification contained ``words``."""
    return any(words in message for _, _, message in app.notices)


async def type_keys(pilot: Any, text: str) -> None:
    """Type ``text`` key by key."""
    await pilot.press(*[("space" if char == " " else char) for char in text])


async def declare_sev1(pilot: Any, title: str = "Scams") -> int:
    """From the board: declare on account-compromised, answer the attacker is in control,
    set the level, confirm the offered pause. Returns the keystrokes, typing excluded."""
    keys = 0
    await pilot.press("n")
    keys += 1
    await settle(pilot)
    await type_keys(pilot, "acc")
    await pilot.press("enter")
    keys += 1
    await type_keys(pilot, title)
    await pilot.press("enter")
    keys += 1
    await settle(pilot)
    await pilot.press("3", "s")  # the attacker controls the account; set the level
    keys += 2
    await settle(pilot)
    await pilot.press("enter")  # the other questions: recorded as not known yet
    keys += 1
    await settle(pilot)
    await pilot.press("enter")  # the pause preview: hold them
    keys += 1
    await settle(pilot)
    return keys


# -- the lifecycle --------------------------------------------------------------------------


def test_full_lifecycle_driven_by_keys(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock, keyring: dict[str, Path]
) -> None:
    from runbook.tui.screens.board import BoardScreen
    from runbook.tui.screens.draft_editor import DraftEditor
    from runbook.tui.screens.incident import IncidentScreen
    from runbook.tui.screens.notify_preview import NotifyPreview
    from runbook.tui.screens.resolve import ResolveScreen

    engine = make_engine(tmp_path / "tui.db", workspace, clock)

    async def body() -> None:
        app = make_app(engine)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, BoardScreen)
            await declare_sev1(pilot)
            assert isinstance(app.screen, NotifyPreview)  # offered after the pause
            incident_id = app.screen.incident_id
            incident = engine.incident(incident_id)
            assert incident.level == "SEV1"
            assert len(incident.paused_posts) == 6
            await pilot.press("enter")  # notify
            await settle(pilot)
            assert isinstance(app.screen, IncidentScreen)
            incident = engine.incident(incident_id)
            assert incident.state == "notified"
            assert "tom" in incident.recipients

            clock.advance(timedelta(minutes=3))
            await pilot.press("enter")  # tick the highlighted checklist item
            await settle(pilot)
            assert len(engine.incident(incident_id).checked) == 1
            await pilot.press("m")
            await type_keys(pilot, "Call")
            await pilot.press("enter")
            await settle(pilot)
            assert engine.incident(incident_id).notes == 1

            await pilot.press("w")
            await type_keys(pilot, "to")
            await pilot.press("enter", "k")  # Tom acknowledges
            await settle(pilot)
            assert engine.incident(incident_id).recipients["tom"].acked_at is not None
            await pilot.press("w")
            await type_keys(pilot, "am")
            await pilot.press("enter")
            await settle(pilot)

            await pilot.press("d", "enter")  # start the holding statement
            await settle(pilot)
            assert isinstance(app.screen, DraftEditor)
            await type_keys(pilot, "NEW ")
            await pilot.press("ctrl+s")
            await settle(pilot)
            draft = engine.incident(incident_id).drafts["D1"]
            assert draft.version == 2
            assert next(iter(draft.variants.values())).startswith("NEW ")
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, IncidentScreen)

            await pilot.press("s")  # submit
            await settle(pilot)
            assert engine.incident(incident_id).state == "in_review"
            await pilot.press("y")  # the author may not approve
            await settle(pilot)
            assert said(app, "the author may not approve it (four-eyes rule)")
            refusals = [e for e in engine.timeline(incident_id) if isinstance(e, ev.ActionRefused)]
            assert refusals
            assert refusals[-1].action == "approve"
            await pilot.press("w")  # switching person to elena is a claim, not elena's approval
            await type_keys(pilot, "el")
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("y")
            await settle(pilot)
            assert said(app, "approvals need ssh-signature, link, db-role as proof")
            assert not engine.incident(incident_id).drafts["D1"].approvals
            refused = [e for e in engine.timeline(incident_id) if isinstance(e, ev.ActionRefused)]
            assert (refused[-1].action, refused[-1].actor) == ("approve", "elena")
            assert refused[-1].proof is not None
            assert refused[-1].proof.method == "claimed", "recorded as a claim, not as elena"
            await pilot.press("w")
            await type_keys(pilot, "am")
            await pilot.press("enter")
            await settle(pilot)
            # The approvers approve from their own terminals, signed with their own keys.
            for person in ("elena", "priya", "marcus", "daniel"):
                approver = make_engine(tmp_path / "tui.db", workspace, clock, operator=person)
                approver.signer = Signer(keyring[person], interactive=False)
                approver.approve(incident_id)
            await until(pilot, lambda: "publish" in app.screen.view.allowed)
            incident = engine.incident(incident_id)
            assert incident.state == "approved"
            assert {a.person for a in incident.drafts["D1"].current_approvals()} == {
                "elena",
                "priya",
                "marcus",
                "daniel",
            }

            await pilot.press("P", "ctrl+s")  # publish on every platform offered
            await settle(pilot)
            draft = engine.incident(incident_id).drafts["D1"]
            assert draft.published_hash == draft.content_hash

            await pilot.press("r")
            await settle(pilot)
            assert isinstance(app.screen, ResolveScreen)
            await type_keys(pilot, "Recovered")
            await pilot.press("tab", "space")  # keep the first post held
            await pilot.press("ctrl+s")
            await settle(pilot)
            incident = engine.incident(incident_id)
            assert incident.state == "resolved"
            assert list(incident.kept_posts) == ["POST-1"]
            assert len(incident.resumed_posts) == 5

            await pilot.press("c")
            await type_keys(pilot, "Done")
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("y")  # close although checklist items are not ticked
            await settle(pilot)
            assert engine.incident(incident_id).state == "closed"

            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, BoardScreen)
            assert incident_id not in app.screen.query_one("DataTable").rows
            await pilot.press("c")  # closed incidents on the toggle
            await settle(pilot)
            assert incident_id in app.screen.query_one("DataTable").rows
            errors = [n for n in app.notices if n[0] == "error"]
            assert errors == []

    run(body)


def test_sev1_posts_paused_within_seven_keystrokes(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock
) -> None:
    engine = make_engine(tmp_path / "tui.db", workspace, clock)

    async def body() -> None:
        app = make_app(engine)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            keys = await declare_sev1(pilot)
            (row,) = engine.incidents()
            incident = engine.incident(row["id"])
            assert incident.level == "SEV1"
            assert incident.pause_satisfied()
            assert len(incident.paused_posts) == 6
            assert keys <= 7

    run(body)


# -- refusals and failures -------------------------------------------------------------------


def test_refusals_are_explained_when_tried(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock
) -> None:
    engine = make_engine(tmp_path / "tui.db", workspace, clock)
    incident = engine.declare("offensive-post", "Tone-deaf post about the floods")

    async def body() -> None:
        app = make_app(engine, open_incident=incident.id)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("p")  # no level yet: explained and recorded, not performed
            await settle(pilot)
            assert said(app, "cannot pause scheduled posts")
            assert not engine.incident(incident.id).effects
            assert engine.incident(incident.id).refusals == 1, "recorded as the CLI's would be"
            await pilot.press("s")  # submit goes to the engine, which records the refusal
            await settle(pilot)
            assert said(app, "cannot submit a draft for approval")
            assert engine.incident(incident.id).refusals == 2
            await pilot.press("ctrl+p")
            await settle(pilot)
            await type_keys(pilot, "publish an approved")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await settle(pilot)
            assert said(app, "cannot publish an approved statement")

    run(body)


class BrokenScheduler:
    """Lists posts, then fails to hold them."""

    name = "broken"

    def __init__(self) -> None:
        self.inner = calendar()

    def list_posts(self) -> list[Post]:
        return self.inner.list_posts()

    def hold(self, post_ids: list[str], key: str) -> Outcome:
        raise EffectError("the scheduler answered 503 Service Unavailable", transient=True)

    def release(self, post_ids: list[str], key: str, new_times: dict[str, str]) -> Outcome:
        return self.inner.release(post_ids, key, new_times)

    def status(self, post_ids: list[str]) -> dict[str, str]:
        return self.inner.status(post_ids)


def test_a_failed_pause_is_told_and_on_the_timeline(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock
) -> None:
    from runbook.tui.widgets.timeline import Timeline

    engine = make_engine(tmp_path / "tui.db", workspace, clock, scheduler=BrokenScheduler())
    incident = engine.declare("account-compromised", "Scheduler login from abroad")
    engine.assess(
        incident.id,
        {"control": "attacker", "content": "scam", "reach": "low", "data": "none", "scope": "one"},
    )

    async def body() -> None:
        app = make_app(engine, open_incident=incident.id)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("p", "enter")
            await settle(pilot)
            assert said(app, "503 Service Unavailable")
            await pilot.press("escape")  # the notify preview offered next: not now
            await settle(pilot)
            lines = app.screen.query_one(Timeline).lines
            (failed,) = [line for line in lines if line.type == "EffectFailed"]
            assert failed.text.startswith("Step failed: pause: ")
            assert "503 Service Unavailable" in failed.text
            assert failed.tone == "bad"
            assert engine.incident(incident.id).failed_effects()
            assert "retry" in app.screen.view.allowed

    run(body)


def test_operator_is_asked_at_first_start(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock
) -> None:
    from runbook.tui.screens.person import PersonPicker

    engine = make_engine(tmp_path / "tui.db", workspace, clock, operator=None)

    async def body() -> None:
        app = make_app(engine)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, PersonPicker)
            await type_keys(pilot, "priya")
            await pilot.press("enter")
            await settle(pilot)
            assert engine.operator == "priya"
            assert "Priya Nair" in app.sub_title

    run(body)


# -- live updates ----------------------------------------------------------------------------


def test_a_note_from_another_process_appears_on_the_open_incident_screen(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock, config_dir: Path
) -> None:
    from runbook.tui.widgets.timeline import Timeline

    db = tmp_path / "shared.db"
    engine = make_engine(db, workspace, clock)
    incident = engine.declare("conduct-viral", "CEO reply going viral")
    # The other process runs under the same configuration (the workspace's test keys listed).
    env = {**os.environ, "RUNBOOK_CONFIG": str(config_dir)}
    env.pop("RUNBOOK_OPERATOR", None)

    async def body() -> None:
        app = make_app(engine, open_incident=incident.id, poll_every=0.5)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            timeline = app.screen.query_one(Timeline)
            shown = len(timeline.lines)
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "runbook",
                "--db",
                str(db),
                "--as",
                "amara",
                "note",
                incident.id,
                "Statement drafted in the crisis channel",
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            _, stderr = await process.communicate()
            assert process.returncode == 0, stderr
            # How fast it appears is measured in benchmarks/bench_tui.py; here it must appear.
            written = time.monotonic()
            while time.monotonic() - written < 60.0:
                if any("Statement drafted" in line.text for line in timeline.lines):
                    break
                await pilot.pause(0.05)
            else:
                pytest.fail("the note never appeared")
            assert len(timeline.lines) == shown + 1  # only the new event was appended
            assert [line.seq for line in timeline.lines] == list(range(1, len(timeline.lines) + 1))

    run(body)


def test_override_reject_help_and_a_missed_slot_at_resolve(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock, keyring: dict[str, Path]
) -> None:
    from runbook.tui.screens.help import HelpScreen, InfoScreen
    from runbook.tui.screens.resolve import ResolveScreen
    from runbook.tui.widgets.timeline import Timeline

    engine = make_engine(tmp_path / "tui.db", workspace, clock)
    incident = engine.declare("account-compromised", "Scams").id
    engine.assess(
        incident,
        {"control": "attacker", "content": "scam", "reach": "low", "data": "none", "scope": "one"},
    )
    engine.pause(incident)
    engine.notify(incident)
    engine.start_draft(incident)
    engine.edit_draft(incident, "D1", {"x": "Fake news. We are on it."})

    async def switch(pilot: Any, person: str) -> None:
        become(pilot.app, person, keyring)  # each at their own terminal, with their own key
        await settle(pilot)

    async def body() -> None:
        app = make_app(engine, open_incident=incident)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("4", "s")  # a blocking finding stops the submission
            await settle(pilot)
            assert said(app, "blocking finding")
            await pilot.press("o")  # amara may not override it
            await settle(pilot)
            assert said(app, "only someone holding pr_director may override")
            await switch(pilot, "marcus")
            await pilot.press("o", "enter")
            await type_keys(pilot, "Legal agreed")
            await pilot.press("enter")
            await settle(pilot)
            assert not engine.incident(incident).blocking(engine.incident(incident).drafts["D1"])
            await switch(pilot, "amara")
            await pilot.press("s")
            await settle(pilot)
            assert engine.incident(incident).state == "in_review"
            await switch(pilot, "elena")
            await pilot.press("x")
            await type_keys(pilot, "Too vague")
            await pilot.press("enter")
            await settle(pilot)
            assert engine.incident(incident).drafts["D1"].rejections[-1][2] == "Too vague"

            await pilot.press("question_mark")
            await settle(pilot)
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape", "1", "tab", "tab")
            await settle(pilot)
            assert isinstance(app.focused, Timeline)
            await pilot.press("enter")  # the newest entry in full
            await settle(pilot)
            assert isinstance(app.screen, InfoScreen)
            assert "Too vague" in app.screen.text
            await pilot.press("escape")

            clock.advance(timedelta(hours=2, minutes=30))  # 16:30: two slots passed while held
            await pilot.press("r")
            await settle(pilot)
            await type_keys(pilot, "Done")
            await pilot.press("ctrl+s")  # every post released: the missed slots are refused
            await settle(pilot)
            assert isinstance(app.screen, ResolveScreen)
            assert said(app, "missed its slot")
            await pilot.press("tab", "t", "enter")  # POST-1: the suggested new time
            await settle(pilot)
            await pilot.press("down", "n")  # POST-2: publish now
            await pilot.press("ctrl+s")
            await settle(pilot)
            resolved = engine.incident(incident)
            assert resolved.state == "resolved"
            assert resolved.resumed_posts["POST-1"]["new_time"].startswith("2026-11-21T17:30")
            assert "new_time" in resolved.resumed_posts["POST-2"]
            assert len(resolved.resumed_posts) == 6

    run(body)
