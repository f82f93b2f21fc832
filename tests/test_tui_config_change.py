"""In the app, an incident under another configuration than it pinned offers ``C`` (and only
then): a dialog shows what differs, as ``runbook config-change`` prints it, and records the
change with its reason through the engine; every other key is refused naming ``C``, never a
command of the command line. An empty reason records nothing; a claim is refused and the
refusal recorded, as from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Static

from runbook.loading import Workspace
from runbook.model import events as ev
from runbook.tui.data import next_step
from runbook.tui.screens.config_change import ConfigChangeScreen
from runbook.tui.screens.incident import IncidentScreen
from tests.test_config_pinned import LOGINS, engine_on, granted
from tests.test_identity import with_logins
from tests.test_tui import make_app, run, settle


@pytest.fixture
def team(workspace: Workspace) -> Workspace:
    return with_logins(workspace, LOGINS)


def _keys(screen: IncidentScreen) -> list[str]:
    return [key for key, _words in screen.help_lines()]


def test_the_app_offers_c_while_a_change_is_pending_and_records_it_with_its_reason(
    team: Workspace, db_path: Path, clock: Any
) -> None:
    incident_id = engine_on(team, db_path, clock, "tfletcher").declare("offensive-post", "P").id
    tom = engine_on(granted(team, "tom", "legal"), db_path, clock, "tfletcher")

    async def body() -> None:
        app = make_app(tom, open_incident=incident_id)
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, IncidentScreen)
            view = screen.view
            assert view is not None
            assert view.allowed == ["config_change"], "only the change, until it is recorded"
            assert screen.check_action("act", ("config_change",))
            assert "C" in _keys(screen)
            assert any("key C" in hint for _w, hint, _c in screen.palette_commands())
            words, actions = next_step(view)
            assert actions == ["config_change"]
            assert "C records the change" in words
            note = view.refusals["note"]
            assert "record the change first" in note
            assert "C record the change" in note
            assert "runbook" not in note

            await pilot.press("m")  # a note: refused, naming the key
            await settle(pilot)
            said = app.notices[-1][2]
            assert "C record the change" in said
            assert "runbook config-change" not in said

            await pilot.press("C")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, ConfigChangeScreen)
            differs = str(dialog.query_one("#config-differs", Static).render())
            assert "contacts changed since this incident was declared" in differs
            assert "tom +legal" in differs
            dialog.query_one("#config-why", Input).value = "legal joined the crisis cell"
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is screen
            view = screen.view
            assert view is not None
            assert view.config_changes == []
            assert "note" in view.allowed
            assert "config_change" not in view.allowed
            assert not screen.check_action("act", ("config_change",))
            assert "C" not in _keys(screen), "nothing pending: C is not offered"
            assert not any("key C" in hint for _w, hint, _c in screen.palette_commands())

    run(body)
    recorded = [e for e in tom.timeline(incident_id) if isinstance(e, ev.ConfigurationChanged)]
    assert len(recorded) == 1
    assert recorded[0].why == "legal joined the crisis cell"
    assert recorded[0].changes[0]["summary"] == ["tom +legal"]
    assert recorded[0].proof is not None
    assert recorded[0].proof.method == "login"
    tom.note(incident_id, "commands work again")


def test_an_empty_reason_is_refused_in_the_dialog_and_nothing_is_recorded(
    team: Workspace, db_path: Path, clock: Any
) -> None:
    incident_id = engine_on(team, db_path, clock, "tfletcher").declare("offensive-post", "E").id
    tom = engine_on(granted(team, "tom", "legal"), db_path, clock, "tfletcher")
    before = len(tom.timeline(incident_id))

    async def body() -> None:
        app = make_app(tom, open_incident=incident_id)
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot)
            await pilot.press("C")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, ConfigChangeScreen)
            dialog.query_one("#config-why", Input).value = "   "
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is dialog, "the dialog stays open"
            problem = str(dialog.query_one("#config-problem", Static).render())
            assert "Say why the configuration changed" in problem
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, IncidentScreen)
            assert app.screen.view is not None
            assert app.screen.view.allowed == ["config_change"]

    run(body)
    assert len(tom.timeline(incident_id)) == before, "nothing recorded"
    assert tom.config_changes(incident_id)


def test_a_claimed_person_pressing_c_is_refused_and_the_refusal_recorded(
    team: Workspace, db_path: Path, clock: Any
) -> None:
    incident_id = engine_on(team, db_path, clock, "tfletcher").declare("offensive-post", "C").id
    claimed = engine_on(
        granted(team, "marcus", "legal"), db_path, clock, "nobody", operator="marcus"
    )

    async def body() -> None:
        app = make_app(claimed, open_incident=incident_id)
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, IncidentScreen)
            assert screen.view is not None
            assert screen.view.allowed == []
            assert "C" in _keys(screen), "pending: listed with why not"
            assert "proven person" in screen.view.refusals["note"]
            assert "runbook config-change" not in screen.view.refusals["note"]
            await pilot.press("C")
            await settle(pilot)
            assert app.screen is screen, "no dialog: the engine refused"
            assert "proven person, not a claim" in app.notices[-1][2]

    run(body)
    timeline = claimed.timeline(incident_id)
    assert not [e for e in timeline if isinstance(e, ev.ConfigurationChanged)]
    refusals = [e for e in timeline if isinstance(e, ev.ActionRefused)]
    assert refusals[-1].action == "config_change"
    assert "proven person, not a claim" in refusals[-1].reason
