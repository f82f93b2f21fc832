"""The terminal UI's export, publish-by-hand, retry of interrupted steps and the drill
facilitator's view, driven by key presses (``run_test``/Pilot) on real SQLite files with a
simulated clock (no real waiting: the drill clock moves by ``n``, never by sleeping).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from runbook.clock import SimulatedClock
from runbook.drill.files import load_scenario
from runbook.drill.session import DrillSession
from runbook.loading import Workspace
from runbook.model import events as ev
from runbook.store.sqlite import SqliteStore
from runbook.tui.app import RunbookApp
from tests.conftest import ROOT
from tests.crash import pause_intent_left_unperformed
from tests.signing import approve_as
from tests.test_engine import SEV1_ACCOUNT
from tests.test_tui import become, make_app, make_engine, run, said, settle, type_keys, until

SCAM = ROOT / "playbooks" / "drills" / "account-compromised-scam.yaml"


# -- export ----------------------------------------------------------------------------------


def test_export_from_the_incident_screen_by_keys(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runbook.tui.screens.export import ExportScreen
    from runbook.tui.screens.incident import IncidentScreen

    monkeypatch.chdir(tmp_path)
    engine = make_engine(tmp_path / "tui.db", workspace, clock)
    incident = engine.declare("offensive-post", "Tone-deaf post about the floods")
    engine.note(incident.id, "Screenshot saved by Amara")

    async def body() -> None:
        app = make_app(engine, open_incident=incident.id)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("X")
            await settle(pilot)
            assert isinstance(app.screen, ExportScreen)
            assert app.screen.query_one("#path").value == f"./{incident.id}-timeline.html"
            await pilot.press("down", "enter")  # markdown: the suffix follows
            assert app.screen.query_one("#path").value == f"./{incident.id}-timeline.md"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, IncidentScreen)
            written = tmp_path / f"{incident.id}-timeline.md"
            text = written.read_text(encoding="utf-8")
            assert "Tone-deaf post about the floods" in text
            assert "## Stage times" in text
            assert "## Timeline" in text
            assert "Screenshot saved by Amara" in text
            assert said(app, f"md export written to {written}")

            # the default: html, in the operator's time zone (Amara: Europe/London)
            await pilot.press("X")
            await settle(pilot)
            assert app.screen.query_one("#tz").value == "Europe/London"
            await pilot.press("ctrl+s")
            await settle(pilot)
            html = (tmp_path / f"{incident.id}-timeline.html").read_text(encoding="utf-8")
            assert "Tone-deaf post about the floods" in html
            assert "Europe/London" in html

            # a bad zone and an unwritable folder: one line each, the form stays open
            await pilot.press("X")
            await settle(pilot)
            await pilot.press("tab")  # the zone (its text selected: typing replaces it)
            await type_keys(pilot, "Mars/Olympus")
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, ExportScreen)
            assert said(app, "unknown time zone 'Mars/Olympus'")
            await pilot.press("ctrl+u")
            await type_keys(pilot, "UTC")
            await pilot.press("tab", "space", "tab")  # redact names; on to the path
            await type_keys(pilot, "missing/folder/out.html")
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, ExportScreen)
            assert said(app, "cannot write missing/folder/out.html")
            errors = [message for kind, _, message in app.notices if kind == "error"]
            assert all("\n" not in message and "Traceback" not in message for message in errors)
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, IncidentScreen)

    run(body)


# -- publish ---------------------------------------------------------------------------------


def approved(engine: Any, title: str, keyring: dict[str, Path]) -> str:
    """An incident whose holding statement D1 is approved by the four roles SEV1 needs, each
    signed with the approver's own key."""
    incident = engine.declare("account-compromised", title).id
    engine.assess(incident, SEV1_ACCOUNT)
    engine.pause(incident)
    engine.notify(incident)
    engine.start_draft(incident)
    engine.submit(incident, "D1")
    for person in ("elena", "priya", "marcus", "daniel"):
        approve_as(engine, person, keyring, incident, "D1")
    assert engine.incident(incident).state == "approved"
    return incident


def test_publish_chooses_platforms_and_a_post_made_by_hand_is_only_recorded(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock, keyring: dict[str, Path]
) -> None:
    from runbook.tui.screens.incident import IncidentScreen
    from runbook.tui.screens.publish import PublishScreen

    engine = make_engine(tmp_path / "tui.db", workspace, clock)
    incident = approved(engine, "Scam DMs from our account", keyring)
    found = engine.incident(incident)
    order = found.playbook.draft_template("holding").platforms
    variants = sorted(found.drafts["D1"].variants, key=lambda key: order.index(key))
    assert variants[0] == "x", "the dialog lists platforms as the playbook does"
    sink = engine.effects.publisher
    sent_before = len(sink.published)
    url = "https://www.linkedin.com/feed/update/1"

    async def body() -> None:
        app = make_app(engine, open_incident=incident)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("P")
            await settle(pilot)
            assert isinstance(app.screen, PublishScreen)
            await pilot.press("enter")  # untick the first platform (the hacked account)
            await pilot.press("tab")  # the first platform's URL box: nothing there
            await pilot.press("tab", "tab")  # the second platform's URL: posted by hand
            await type_keys(pilot, url)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert isinstance(app.screen, IncidentScreen)

    run(body)
    draft = engine.incident(incident).drafts["D1"]
    assert draft.published[variants[1]][:2] == ("by hand", url)
    assert variants[0] not in draft.published, "left out: not published"
    assert draft.unpublished() == [variants[0]]
    sent = sink.published[sent_before:]
    assert [sorted(s["variants"]) for s in sent] == [sorted(variants[2:])]
    posted = [e for e in engine.timeline(incident) if isinstance(e, ev.StatementPostedByHand)]
    assert [(e.variant, e.url) for e in posted] == [(variants[1], url)]


def test_publish_through_the_publisher_on_every_platform_by_default(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock, keyring: dict[str, Path]
) -> None:
    engine = make_engine(tmp_path / "tui.db", workspace, clock)
    incident = approved(engine, "Scam DMs from our account", keyring)

    async def body() -> None:
        app = make_app(engine, open_incident=incident)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("P", "ctrl+s")
            await settle(pilot)

    run(body)
    draft = engine.incident(incident).drafts["D1"]
    assert draft.published_hash == draft.content_hash
    assert draft.unpublished() == []
    assert {how for how, _, _ in draft.published.values()} == {"publisher"}


# -- retry -----------------------------------------------------------------------------------


def test_retry_reruns_an_interrupted_step_first(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock
) -> None:
    engine = make_engine(tmp_path / "tui.db", workspace, clock)
    incident_id = engine.declare("account-compromised", "Hacked").id
    engine.assess(incident_id, SEV1_ACCOUNT)
    # Record the pause's intent without performing it, as a crash right after the append would.
    pause_intent_left_unperformed(engine, incident_id, "crash-1")
    assert engine.incident(incident_id).pending_effects("pause")

    async def body() -> None:
        app = make_app(engine, open_incident=incident_id)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("t")
            await settle(pilot)
            assert said(app, "Re-ran 1 interrupted step(s).")

    run(body)
    incident = engine.incident(incident_id)
    assert not incident.pending_effects()
    assert len(incident.paused_posts) == 6
    paused = [e for e in engine.timeline(incident_id) if isinstance(e, ev.PostsPaused)]
    assert len(paused) == 1
    assert incident.refusals == 0


# -- the drill facilitator ---------------------------------------------------------------------


def facilitated(tmp_path: Path, workspace: Workspace, **options: Any) -> RunbookApp:
    """The app in drill mode on the account-compromised scenario (clock standing still)."""
    scenario = load_scenario(SCAM, workspace)
    session = DrillSession.open(workspace, scenario, SqliteStore(tmp_path / "drill.db"))
    options.setdefault("poll_every", 0.2)
    options.setdefault("tick_every", None)
    return RunbookApp(
        session.participant_engine("amara"), drill=session, cursor_blink=False, **options
    )


def shown(app: RunbookApp, widget_id: str) -> str:
    """The plain text a facilitator panel shows."""
    from rich.console import Console

    console = Console(width=200, record=True, color_system=None)
    console.print(app.screen.query_one(widget_id).content)
    return console.export_text()


def test_facilitator_runs_the_clock_releases_injects_and_scores_live(
    tmp_path: Path,
    workspace: Workspace,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    from runbook.tui.screens.facilitator import FacilitatorScreen
    from runbook.tui.screens.incident import IncidentScreen
    from runbook.tui.screens.questionnaire import Questionnaire

    monkeypatch.chdir(tmp_path)
    app = facilitated(tmp_path, workspace, drill_every=0.5)
    session = app.drill
    request.addfinalizer(session.store.close)

    async def body() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, FacilitatorScreen)
            assert "(upcoming)" in shown(app, "#drill-feed-lines")
            await pilot.press("enter")  # nothing to open yet
            assert said(app, "The drill has not started")

            await pilot.press("space")  # start: the drill incident is declared at T+0
            await settle(pilot)
            assert session.declared
            assert session.running
            assert app.engine.clock is session.clock
            await pilot.press("0")  # x10
            await settle(pilot)
            assert session.speed == 10
            assert session.clock.speed == 10
            await pilot.press("space")  # pause
            await settle(pilot)
            assert not session.running
            assert "paused" in shown(app, "#drill-clock")
            assert "×10" in shown(app, "#drill-clock")
            assert said(app, "T+0 message: Tom (social media)")

            await pilot.press("n")  # jump to T+3m: the follower's post is released
            await settle(pilot)
            assert [i.inject.id for i in session.feed()] == ["first-report", "follower-post"]
            feed = shown(app, "#drill-feed-lines")
            assert "T+3m social_post" in feed
            assert "@trailrunner_jo" in feed.split("(upcoming)")[0]
            assert said(app, "T+3m social_post: @trailrunner_jo")
            assert "T+03:00" in shown(app, "#drill-clock")
            status = shown(app, "#drill-status-table")
            assert "PENDING" in status
            assert "MET" not in status

            await pilot.press("enter")  # the participants' incident screen, on the drill engine
            await settle(pilot)
            assert isinstance(app.screen, IncidentScreen)
            assert app.screen.incident_id == session.incident_id
            assert app.screen.view.incident.drill
            await pilot.press("a")
            await settle(pilot)
            assert isinstance(app.screen, Questionnaire)
            await pilot.press("3", "s")  # the attacker is in control: set the level
            await settle(pilot)
            await pilot.press("enter")  # the unanswered questions: not known yet
            await settle(pilot)
            await pilot.press("escape")  # the pause offered next: not now
            await settle(pilot)
            await pilot.press("X", "ctrl+s")  # a drill export keeps its [DRILL] marking
            await settle(pilot)
            exported = tmp_path / f"{session.incident_id}-timeline.html"
            assert "[DRILL]" in exported.read_text(encoding="utf-8")

            await pilot.press("f")  # back to the facilitator
            await settle(pilot)
            assert isinstance(app.screen, FacilitatorScreen)
            status = shown(app, "#drill-status-table")
            sized = next(line for line in status.splitlines() if "sized" in line)
            assert "MET" in sized
            assert "took 3m" in sized
            assert next(s for s in session.status() if s.id == "sized").status == "met"

            await pilot.press("b")  # the board shows the drill incident, marked
            await settle(pilot)
            table = app.screen.query_one("DataTable")
            assert session.incident_id in table.rows
            assert "DRILL" in str(table.get_row(session.incident_id)[3])

    run(body)


def test_drill_tui_opens_the_facilitator_on_the_sessions_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``runbook drill SCENARIO --tui``: the app gets the session (its engine on the simulated
    clock); when it closes the drill is finished and scored. The terminal part is replaced by
    a facilitator who jumps to the next inject and quits."""
    from click.testing import CliRunner

    import runbook.cli.drill  # noqa: F401  (registers the command)
    from runbook.cli import cli

    seen: dict[str, Any] = {}

    def facilitate(app: RunbookApp) -> None:
        session = app.drill
        seen["same clock"] = app.engine.clock is session.clock
        seen["operator"] = app.engine.operator
        session.jump_to_next_inject()
        seen["released"] = [item.inject.id for item in session.feed()]
        seen["drill"] = app.engine.incident(session.incident_id).drill

    monkeypatch.setattr(RunbookApp, "run", facilitate)
    report = tmp_path / "score.md"
    db = tmp_path / "drill.db"
    runner = CliRunner()
    common = ["--config", str(ROOT), "--db", str(db), "--as", "amara", "drill", str(SCAM)]
    result = runner.invoke(cli, [*common, "--tui", "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert seen == {
        "same clock": True,
        "operator": "amara",
        "released": ["first-report", "follower-post"],
        "drill": True,
    }
    assert "[DRILL] account-compromised-scam:" in result.output
    assert "report written to" in result.output
    assert "[DRILL]" in report.read_text(encoding="utf-8")
    assert db.exists()  # --db given: the drill incident stays in that store

    refused = runner.invoke(cli, [*common, "--tui", "--responses", str(SCAM)])
    assert refused.exit_code == 2
    assert "--tui runs the drill live" in refused.output


# -- the footer ------------------------------------------------------------------------------


def test_the_footer_is_rebuilt_only_when_the_keys_it_shows_change(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock
) -> None:
    from runbook.tui.widgets.footer import Footer

    db = tmp_path / "tui.db"
    engine = make_engine(db, workspace, clock)
    incident = engine.declare("account-compromised", "Scam posts from our X account")
    other = make_engine(db, workspace, clock)  # another terminal

    async def body() -> None:
        app = make_app(engine, open_incident=incident.id)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            footer = app.screen.query_one(Footer)
            keys = list(footer.query("FooterKey"))
            assert "m" in [key.key for key in keys]
            assert "p" not in [key.key for key in keys]  # no level yet: nothing to pause
            await pilot.press("m")
            await settle(pilot)
            await pilot.press("escape")  # the note form closes: the same keys come back
            await settle(pilot)
            assert list(footer.query("FooterKey")) == keys  # the same widgets, not rebuilt
            other.assess(incident.id, SEV1_ACCOUNT)  # now pausing is allowed
            for _ in range(600):
                if "p" in [key.key for key in footer.query("FooterKey")]:
                    break
                await pilot.pause(0.1)
            else:
                pytest.fail("the footer never offered the pause key")

    run(body)
    other.store.close()


# -- proofs on screen ---------------------------------------------------------------------------


def shown_text(widget: Any) -> str:
    """The plain text a Static widget shows (rich Text or a Group of them)."""
    content = widget.content
    parts = getattr(content, "renderables", [content])
    return "\n".join(getattr(part, "plain", str(part)) for part in parts)


def test_approvals_show_who_how_and_when_and_an_attestation_does_not_count(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock, keyring: dict[str, Path]
) -> None:
    engine = make_engine(tmp_path / "tui.db", workspace, clock)
    incident = engine.declare("account-compromised", "Scam DMs").id
    engine.assess(incident, SEV1_ACCOUNT)
    engine.pause(incident)
    engine.notify(incident)
    engine.start_draft(incident)
    engine.submit(incident, "D1")
    approve_as(engine, "elena", keyring, incident, "D1")

    async def body() -> None:
        app = make_app(engine, open_incident=incident)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert "amara" in app.sub_title
            assert "claimed" in app.sub_title
            become(app, "amara", keyring)  # amara's own key signs her attestation
            await settle(pilot)
            assert "signs with SSH key" in app.sub_title
            await pilot.press("4", "Y")  # the drafts tab; record an approval given by phone
            await settle(pilot)
            await type_keys(pilot, "dan")
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("enter")  # "by phone"
            await settle(pilot)
            detail = shown_text(app.screen.query_one("#draft-detail"))
            assert "approved by Elena Rossi (comms_lead)" in detail
            assert "SSH signature SHA256:" in detail
            assert "attested by amara (by phone)" in detail
            assert "does not count: attested by amara, not given by daniel" in detail
            attested = [e for e in engine.timeline(incident) if isinstance(e, ev.ApprovalAttested)]
            assert [(e.actor, e.person, e.how) for e in attested] == [
                ("amara", "daniel", "by phone")
            ]

    run(body)


def test_an_approval_by_another_process_before_the_apps_first_poll_is_drawn(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock, keyring: dict[str, Path]
) -> None:
    """Elena approves (on her phone, through the server) after the drafts tab was drawn and
    before the app first read the store's change counter: the app still draws it."""
    engine = make_engine(tmp_path / "tui.db", workspace, clock)
    incident = engine.declare("account-compromised", "Scam DMs").id
    engine.assess(incident, SEV1_ACCOUNT)
    engine.pause(incident)
    engine.notify(incident)
    engine.start_draft(incident)
    engine.submit(incident, "D1")
    elsewhere = make_engine(tmp_path / "tui.db", workspace, clock, operator="tom")

    async def body() -> None:
        app = make_app(engine, open_incident=incident, poll_every=None)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("4")
            await settle(pilot)
            assert "approved by Elena Rossi" not in shown_text(
                app.screen.query_one("#draft-detail")
            )
            approve_as(elsewhere, "elena", keyring, incident, "D1")
            app.poll()  # the app's first look at the store's change counter
            await settle(pilot)
            await until(
                pilot,
                lambda: (
                    "approved by Elena Rossi" in shown_text(app.screen.query_one("#draft-detail"))
                ),
            )

    run(body)
    elsewhere.store.close()


def test_a_refusal_points_to_keys_in_the_app_and_is_recorded_as_from_the_cli(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock, config_dir: Path
) -> None:
    import os
    import subprocess
    import sys

    engine = make_engine(tmp_path / "tui.db", workspace, clock)
    incident = engine.declare("account-compromised", "Scams").id
    engine.assess(incident, SEV1_ACCOUNT)
    engine.pause(incident)
    engine.notify(incident)
    engine.start_draft(incident)
    engine.edit_draft(incident, "D1", {"x": "Fake news. We are on it."})

    async def body() -> None:
        app = make_app(engine, open_incident=incident)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("s")  # a blocking finding stops the submission
            await settle(pilot)
            assert said(app, "(e edits the text, o overrides)")
            assert not said(app, "runbook lint")

    run(body)
    env = {
        **os.environ,
        "RUNBOOK_DB": str(tmp_path / "tui.db"),
        "RUNBOOK_CONFIG": str(config_dir),
        "RUNBOOK_OPERATOR": "amara",
    }
    result = subprocess.run(
        [sys.executable, "-m", "runbook", "submit", incident],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 1
    assert f"(runbook lint {incident})" in result.stderr
    assert "o overrides" not in result.stderr
    refused = [e for e in engine.timeline(incident) if isinstance(e, ev.ActionRefused)]
    assert len(refused) == 2
    assert refused[0].reason == refused[1].reason, "recorded the same way from app and CLI"
    assert "runbook lint" not in refused[0].reason
    assert "o overrides" not in refused[0].reason


# -- the stress path at 80x24 ---------------------------------------------------------------


def test_the_stress_path_at_80x24_editor_timeline_and_resolve_show_what_matters(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock
) -> None:
    from textual.widgets import Input, TextArea

    from runbook.tui.screens.confirm import ConfirmScreen
    from runbook.tui.screens.draft_editor import DraftEditor
    from runbook.tui.screens.incident import IncidentScreen
    from runbook.tui.screens.resolve import ResolveScreen

    engine = make_engine(tmp_path / "tui.db", workspace, clock)
    incident = engine.declare("account-compromised", "Scams").id
    engine.assess(incident, SEV1_ACCOUNT)
    engine.pause(incident)
    engine.notify(incident)
    engine.start_draft(incident)
    draft = engine.incident(incident).drafts["D1"]
    last = sorted(draft.variants)[-1]
    engine.edit_draft(incident, "D1", {last: "Fake news. We are on it."})  # a blocking finding
    engine.note(incident, "A long note " + "that goes on and on " * 12 + "THE END")

    async def body() -> None:
        app = make_app(engine, open_incident=incident)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, IncidentScreen)
            words = shown_text(screen.query_one("#next-step"))
            assert "blocking finding" in words
            assert "e edits" in words

            # The highlighted timeline entry is shown in full, wrapped, under the timeline.
            screen.query_one("Timeline").focus()
            await pilot.press("end")
            await settle(pilot)
            detail = screen.query_one("#timeline-detail")
            assert detail.display
            assert shown_text(detail).endswith("THE END")

            # The editor opens on the variant that needs attention; ctrl+a selects it all.
            await pilot.press("e")
            await settle(pilot)
            editor = app.screen
            assert isinstance(editor, DraftEditor)
            area = editor.focused
            assert isinstance(area, TextArea)
            assert area.text == "Fake news. We are on it."
            await pilot.press("ctrl+a")
            assert area.selected_text == "Fake news. We are on it."
            await type_keys(pilot, "We are looking into it")
            await pilot.press("escape")  # unsaved: asked, and enter keeps editing
            await settle(pilot)
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is editor
            assert area.text == "We are looking into it"
            await pilot.press("ctrl+s", "escape")
            await settle(pilot)

            # The resolve summary box is tall enough to show what is typed.
            await pilot.press("r")
            await settle(pilot)
            assert isinstance(app.screen, ResolveScreen)
            await type_keys(pilot, "Recovered")
            box = app.screen.query_one("#resolve-summary", Input)
            assert box.value == "Recovered"
            from tests.test_tui_snapshots import frame_text

            assert "Recovered" in frame_text(app.export_screenshot()), "what is typed shows"

    run(body)


def test_a_long_wait_before_trying_again_is_shown_in_the_app(workspace, clock, tmp_path):
    from runbook.effects.notify.webhook import ChatWebhook
    from runbook.model.contacts import WebhookChannel
    from tests.test_cli_failures import Hook

    hook = Hook(429, **{"Retry-After": "1"})
    engine = make_engine(tmp_path / "waits.db", workspace, clock)
    settings = WebhookChannel(kind="webhook", url_env="RUNBOOK_TEST_HOOK")
    engine.effects.channels = {
        "chat": ChatWebhook("chat", settings, environ={"RUNBOOK_TEST_HOOK": hook.url})
    }
    incident_id = engine.declare("account-compromised", "Hacked").id
    engine.assess(incident_id, SEV1_ACCOUNT)

    async def body() -> None:
        app = make_app(engine, open_incident=incident_id)
        async with app.run_test() as pilot:
            await settle(pilot)
            app.run_worker(lambda: engine.notify(incident_id), thread=True)
            await until(pilot, lambda: said(app, "waiting 1 s to try the chat message to "))
            notice = next(m for _, _, m in app.notices if "waiting 1 s" in m)
            assert "(chat asked to wait 1 s); attempt 2 of 4 at " in notice
            assert notice.endswith(" UTC")

    try:
        run(body)
    finally:
        hook.close()
