"""A whole SEV1 incident from the keyboard at 80x24, on the shipped demo configuration.

The shipped playbooks and contacts as a newcomer gets them (console channels, the demo content
calendar written on first use), with the test's SSH keys for the approvers and this machine's
login mapped to Amara (so she needs no --as). Amara runs the incident in the app by keys only;
the people who must approve sign from their own terminals. The keys are counted (typing apart)
and the timeline's words are checked for each point of a truthful record: answers as given,
the pause made by runbook, escalations called escalations and stopped by an acknowledgement,
nobody paged about their own incident, publications exactly where chosen, checklist items left
open named at closing, and every message readable in the Messages view.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from runbook.clock import SimulatedClock
from runbook.effects.ssh import Signer
from runbook.effects.wiring import build_effects
from runbook.engine import Engine
from runbook.engine.identity import os_account
from runbook.loading import load_workspace
from runbook.model import events as ev
from runbook.store.sqlite import SqliteStore
from runbook.tui.app import RunbookApp
from tests.test_engine import SEV1_ACCOUNT
from tests.test_tui import run, settle, type_keys, until
from tests.test_tui_snapshots import frame_text

MORNING = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
"""A Friday morning when Amara is the comms person on call (the shipped rotation)."""
LAUNCH_TO_PAUSED = 8
"""Keys from launch to every scheduled post held (README: "First hour")."""
WHOLE_INCIDENT = 23
"""Keys for the whole incident, launch to closed (README; goal: at most 30)."""


def demo_config(tmp_path: Path, config_dir: Path) -> Path:
    """The shipped configuration with the test keys, this login mapped to Amara."""
    folder = tmp_path / "demo"
    shutil.copytree(config_dir / "playbooks", folder / "playbooks")
    shutil.copytree(config_dir / "contacts", folder / "contacts")
    team = folder / "contacts" / "team.yaml"
    text = team.read_text(encoding="utf-8")
    text = re.sub(r"^(\s*)- id: amara$", rf"\g<0>\n\1  logins: [{os_account()}]", text, flags=re.M)
    team.write_text(text, encoding="utf-8")
    return folder


class Keys:
    """Presses keys and counts them (typing is counted apart)."""

    def __init__(self, pilot: Any) -> None:
        self.pilot = pilot
        self.count = 0
        self.typed: list[str] = []

    async def press(self, *keys: str) -> None:
        self.count += len(keys)
        await self.pilot.press(*keys)
        await settle(self.pilot)

    async def type(self, text: str) -> None:
        self.typed.append(text)
        await type_keys(self.pilot, text)


def on_screen(app: RunbookApp) -> str:
    """The characters the app draws now."""
    return frame_text(app.export_screenshot())


def lines(engine: Engine, incident_id: str) -> list[str]:
    """The timeline as the app writes it (type name and words)."""
    from runbook.describe import sentence

    return [sentence(e.type, e.data(), str) for e in engine.timeline(incident_id)]


def test_a_whole_sev1_incident_by_keys_at_80x24_on_the_demo_configuration(
    tmp_path: Path, config_dir: Path, keyring: dict[str, Path]
) -> None:
    from runbook.tui.screens.incident import IncidentScreen

    config = demo_config(tmp_path, config_dir)
    workspace = load_workspace([config / "playbooks", config / "contacts"])
    clock = SimulatedClock(MORNING)
    db = tmp_path / "demo.db"
    effects = build_effects(workspace, config / "contacts", clock)
    engine = Engine(SqliteStore(db), workspace, clock=clock, effects=effects)
    assert engine.identity().method == "login", "the login proves Amara: no --as, no question"

    def elsewhere(person: str) -> Engine:
        """``person`` at their own terminal, with their own key."""
        other = Engine(SqliteStore(db), workspace, operator=person, clock=clock, effects=effects)
        other.signer = Signer(keyring[person], interactive=False)
        return other

    async def body() -> None:
        app = RunbookApp(engine, cursor_blink=False, poll_every=0.2, tick_every=None)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert "Amara Okafor (amara) · proven by login" in app.sub_title
            keys = Keys(pilot)

            # Declare, size the crisis, pause: the hint's own example finds the playbook.
            await keys.press("n")
            await keys.type("hacked")
            await keys.press("enter")
            await keys.type("Scam DMs from our X account")
            await keys.press("enter")
            await keys.press("3", "4")  # the attacker is in control; posting scams
            await keys.press("s")  # set the level: three questions still unanswered
            await keys.press("enter")  # ... recorded as not known yet
            shown = on_screen(app)
            assert "Pause posts" in shown, "the preview's buttons fit at 80x24"
            assert "20 Nov 12:00" in shown, "each post's time, in a few characters"
            await keys.press("enter")  # the pause preview: hold the posts
            (row,) = engine.incidents()
            incident_id = row["id"]
            incident = engine.incident(incident_id)
            assert incident.level == "SEV1"
            assert incident.pause_satisfied()
            assert len(incident.paused_posts) == 40, "the demo calendar's posts are held"
            assert keys.count == LAUNCH_TO_PAUSED

            # Notify (offered next): the person running it is never messaged.
            shown = on_screen(app)
            assert "7 people" in shown, "Amara, running it, is not counted as messaged"
            assert "not messaged: running it" in shown
            await keys.press("enter")
            assert isinstance(app.screen, IncidentScreen)
            incident = engine.incident(incident_id)
            assert incident.recipients["amara"].running
            assert all(m.person != "amara" for m in engine.messages(incident_id))

            # Nobody acknowledges: escalation; an acknowledgement stops it.
            clock.advance(timedelta(minutes=11))
            app.tick()
            await until(pilot, lambda: bool(engine.incident(incident_id).escalations))
            elsewhere("priya").ack(incident_id)
            elsewhere("lucas").ack(incident_id)
            elsewhere("marcus").ack(incident_id)
            await pilot.press("2")  # a look at the people (Amara, running it, not counted)
            await until(pilot, lambda: "Notified 7 · acknowledged 3" in on_screen(app))
            await pilot.press("1")
            sent = len(engine.messages(incident_id))
            for _ in range(4):  # 51 minutes in: the demo's first post (12:00) still ahead
                clock.advance(timedelta(minutes=10))
                app.tick()
                await settle(pilot)
            later = engine.messages(incident_id)[sent:]
            assert [m.purpose for m in later] == [], "acknowledged: nothing more is sent"

            # Draft and submit the holding statement.
            await keys.press("d")
            await keys.press("enter")  # the first template: the holding statement
            await keys.press("escape")  # the editor opened on it; the text is fine
            await keys.press("s")
            assert engine.incident(incident_id).state == "in_review"
            shown = on_screen(app)
            assert "Waiting for approval from comms_lead, security_lead, pr_director, legal" in (
                shown
            ), "the next step is shown whole at 80 columns"
            assert "links sent" not in shown, "the console channels send no approval link"

            # The approvers sign from their own terminals; the app shows it.
            for person in ("elena", "priya", "marcus", "daniel"):
                elsewhere(person).approve(incident_id)
            await until(pilot, lambda: "publish" in app.screen.view.allowed)

            # Publish where chosen: the compromised X account left out.
            await keys.press("P")
            shown = on_screen(app)
            assert "ctrl+s publishes" in shown, "the publish form's keys fit at 80x24"
            assert "Bluesky (bluesky)" in shown, "every platform's row fits"
            await keys.press("enter")  # untick X
            await keys.press("ctrl+s")
            draft = engine.incident(incident_id).drafts["D1"]
            assert "x" not in draft.published
            assert draft.published, "published on the other platforms"

            # Messages view: every notification, escalation and approval request.
            await keys.press("5")
            panel = app.screen.query_one("MessagesPanel")
            assert len(panel.sent) == len(engine.messages(incident_id))

            # Resolve: release the held posts, stand everyone down.
            await keys.press("r")
            assert "enter resolves" in on_screen(app), "the resolve form's keys fit at 80x24"
            await keys.type("Account recovered; statement published on LinkedIn.")
            await keys.press("ctrl+s")
            incident = engine.incident(incident_id)
            assert incident.state == "resolved"
            assert len(incident.resumed_posts) == 40

            # Close: the unticked checklist items are confirmed as left open.
            await keys.press("c")
            await keys.type("Review booked for Monday")
            await keys.press("enter")
            shown = on_screen(app)
            assert "17 checklist item(s) not ticked" in shown
            assert "close, leave them open" in shown, "the buttons stay under a long list"
            await keys.press("y")
            assert engine.incident(incident_id).state == "closed"
            await keys.press("escape")
            assert keys.count == WHOLE_INCIDENT
            assert keys.count <= 30
            errors = [message for kind, _, message in app.notices if kind == "error"]
            assert errors == []

        words = lines(engine, incident_id)
        assessed = next(w for w in words if w.startswith("Severity assessed"))
        for answer in ("control=attacker", "content=scam", "reach=unknown", "data=unknown"):
            assert answer in assessed, "exactly the answers given, nothing invented"
        assert "scope=unknown" in assessed
        assert any(w.startswith("Posts paused: 40 post(s) held") for w in words)
        assert any("not messaged, running the incident: amara" in w for w in words)
        escalations = [w for w in words if w.startswith(("Escalated", "Escalation"))]
        assert escalations
        assert not any("stand-down" in w.lower() for w in escalations)
        stand_downs = [w for w in words if "Stand-down" in w]
        resolved_at = next(i for i, w in enumerate(words) if w.startswith("Incident resolved"))
        assert stand_downs
        assert all(words.index(w) > resolved_at - 3 for w in stand_downs)
        published = next(w for w in words if w.startswith("Statement published"))
        assert " x" not in published.split(" on ", 1)[1]
        closed = next(w for w in words if w.startswith("Incident closed"))
        assert "left open" in closed
        messages = engine.messages(incident_id)
        purposes = {m.purpose for m in messages}
        assert {"notification", "escalation", "approval request", "stand-down"} <= purposes
        assert all(m.text for m in messages)
        timeline = engine.timeline(incident_id)
        assert all(e.proof is not None for e in timeline)
        by_amara = [e for e in timeline if e.actor == "amara"]
        assert {e.proof.method for e in by_amara if e.proof} == {"login"}
        approvals = [e for e in timeline if isinstance(e, ev.DraftApproved)]
        assert {e.proof.method for e in approvals if e.proof} == {"ssh-signature"}

    run(body)


def test_a_refusal_in_the_app_names_keys_and_is_recorded_as_from_the_command_line(
    tmp_path: Path, workspace: Any
) -> None:
    """Submitting (a key without a form) and publishing (a key with one) before anything is
    drafted: the app names the keys allowed now (never a command or an action's id), the
    command line its commands; the timeline records the same refusals from both."""
    from runbook.errors import ActionRefused
    from tests.test_tui import make_app, make_engine

    clock = SimulatedClock(MORNING)
    engine = make_engine(tmp_path / "refusals.db", workspace, clock)
    incident_id = engine.declare("account-compromised", "Scam DMs").id

    async def body() -> None:
        app = make_app(engine, open_incident=incident_id)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            for key in ("s", "P"):
                await pilot.press(key)
                await settle(pilot)
            warned = [message for kind, _, message in app.notices if kind == "warning"]
            assert len(warned) == 2
            assert warned[0].startswith("cannot submit a draft for approval while incident ")
            assert warned[1].startswith("cannot publish an approved statement while incident ")
            for said in warned:
                assert said.endswith("(allowed now: a level, enter tick, m note, r resolve)")
                assert "assess" not in said

    run(body)
    with pytest.raises(ActionRefused, match=r"\(allowed now: assess, check, note, resolve\)$"):
        engine.submit(incident_id)
    with pytest.raises(ActionRefused, match=r"\(allowed now: assess, check, note, resolve\)$"):
        engine.publish(incident_id)
    refused = [e for e in engine.timeline(incident_id) if isinstance(e, ev.ActionRefused)]
    assert [e.action for e in refused] == ["submit", "publish", "submit", "publish"]
    assert [e.reason for e in refused[:2]] == [e.reason for e in refused[2:]]
    assert all("allowed now" not in e.reason for e in refused), "the same from every surface"


def test_without_a_scheduler_the_app_asks_for_the_tool_and_records_a_pause_held_by_hand(
    tmp_path: Path, config_dir: Path
) -> None:
    """No scheduler configured: the pause preview asks which tool the posts were held in;
    the record says held by hand in that tool, confirmed by Amara, never a pause runbook
    made; the posts tab says so too."""
    config = demo_config(tmp_path, config_dir)
    (config / "contacts" / "demo-calendar.yaml").unlink()
    workspace = load_workspace([config / "playbooks", config / "contacts"])
    clock = SimulatedClock(MORNING)
    effects = build_effects(workspace, config / "contacts", clock)
    engine = Engine(SqliteStore(tmp_path / "hand.db"), workspace, clock=clock, effects=effects)
    incident_id = engine.declare("account-compromised", "Scam DMs").id
    engine.assess(incident_id, SEV1_ACCOUNT)

    async def body() -> None:
        app = RunbookApp(engine, cursor_blink=False, poll_every=0.2, tick_every=None)
        app.open_incident = incident_id
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("p")
            await settle(pilot)
            shown = on_screen(app)
            assert "no scheduler is configured" in shown
            assert "Held by hand" in shown
            await pilot.press("enter")  # nothing named yet: asked again, nothing recorded
            await settle(pilot)
            assert any("Name the tool" in message for _, _, message in app.notices)
            assert not engine.incident(incident_id).held_by_hand
            await type_keys(pilot, "Hootsuite")
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("escape")  # notify is offered next: not now
            await pilot.press("3")
            await settle(pilot)
            assert "held by hand in Hootsuite (confirmed by Amara" in on_screen(app)

    run(body)
    incident = engine.incident(incident_id)
    assert incident.pause_satisfied()
    assert not incident.effects, "runbook sent nothing to any scheduler"
    (held,) = [e for e in engine.timeline(incident_id) if isinstance(e, ev.PostsHeldByHand)]
    assert (held.tool, held.actor) == ("Hootsuite", "amara")
