"""The inbox in the terminal UI, driven by keys (Pilot) on a real SQLite file: warnings shown on
the board (never as incidents), an incident declared from one with the suggested playbook and
the warning carried into its timeline, another dismissed with a reason, and a warning that
arrives while the board is open appearing on it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from runbook.clock import SimulatedClock
from runbook.loading import Workspace
from runbook.model import events as ev
from runbook.model.intake_formats import pagerduty
from runbook.store.sqlite import SqliteStore
from tests.test_tui import make_app, make_engine, run, said, settle, type_keys, until


def test_the_on_call_person_declares_from_one_warning_and_dismisses_another(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock
) -> None:
    from runbook.tui.screens.board import BoardScreen
    from runbook.tui.screens.inbox import InboxScreen
    from runbook.tui.screens.new_incident import NewIncidentScreen

    engine = make_engine(tmp_path / "inbox.db", workspace, clock)
    engine.report("Parody account mocking our \x1b[2J ad", "https://x.com/parody/1")
    clock.advance(timedelta(minutes=1))
    hacked = engine.report(
        "Our X account was hacked: it posts crypto scam links", "https://x.com/brand/status/9"
    )

    async def body() -> None:
        app = make_app(engine)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            board = app.screen
            assert isinstance(board, BoardScreen)
            assert board.rows == [], "warnings are not incidents"
            panel = str(board.query_one("#inbox-panel").render())
            assert "Inbox: 2 warning(s) waiting" in panel
            assert "\x1b" not in panel, "a warning's text is shown inert"

            await pilot.press("i")
            await settle(pilot)
            assert isinstance(app.screen, InboxScreen)
            assert app.screen.selected() == hacked.key, "newest first"
            detail = str(app.screen.query_one("#inbox-detail").render())
            assert "https://x.com/brand/status/9" in detail

            await pilot.press("d")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, NewIncidentScreen)
            assert dialog.suggested == "account-compromised"
            await pilot.press("enter")  # the suggested playbook
            await pilot.press("enter")  # the title: the warning's text
            await settle(pilot)

            declared = [w for w in engine.inbox() if w.status == "declared"]
            assert [w.key for w in declared] == [hacked.key]
            incident = engine.incident(declared[0].incident_id)
            assert incident.playbook.id == "account-compromised"
            linked = [e for e in engine.timeline(incident.id) if isinstance(e, ev.WarningLinked)]
            assert linked[0].summary.startswith("Our X account was hacked")
            assert linked[0].link == "https://x.com/brand/status/9"
            assert linked[0].actor == "amara"

            await pilot.press("escape")  # the questionnaire: later
            await settle(pilot)
            while not isinstance(app.screen, BoardScreen):
                await pilot.press("escape")
                await settle(pilot)
            await pilot.press("i")
            await settle(pilot)
            await pilot.press("x")
            await settle(pilot)
            await type_keys(pilot, "known parody account")
            await pilot.press("enter")
            await settle(pilot)
            dismissed = [w for w in engine.inbox() if w.status == "dismissed"]
            assert [(w.reason, w.decided_by) for w in dismissed] == [
                ("known parody account", "amara")
            ]
            assert engine.inbox(waiting_only=True) == []

    run(body)


def test_a_warning_posted_elsewhere_appears_on_the_open_board(
    tmp_path: Path, workspace: Workspace, clock: SimulatedClock
) -> None:
    engine = make_engine(tmp_path / "live.db", workspace, clock)

    async def body() -> None:
        app = make_app(engine)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert not app.screen.query_one("#inbox-panel").display
            await until(pilot, lambda: app._token is not None)  # the app watches the store
            other = SqliteStore(tmp_path / "live.db")  # the server's own connection
            event = {
                "routing_key": "k",
                "event_action": "trigger",
                "dedup_key": "recall-1",
                "payload": {
                    "summary": "Injury reports about our heater",
                    "source": "monitor",
                    "severity": "critical",
                },
            }
            other.intake_append([pagerduty(event, "pagerduty", clock.now(), "127.0.0.1")])
            other.close()
            await until(pilot, lambda: app.screen.query_one("#inbox-panel").display)
            assert "Injury reports about our heater" in str(
                app.screen.query_one("#inbox-panel").render()
            )
            assert said(app, "Injury reports about our heater (from pagerduty; i opens the inbox)")

    run(body)
