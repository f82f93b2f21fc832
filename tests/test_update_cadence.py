"""The update cadence and stakeholder updates on the shipped account-compromised playbook, on a
real SQLite file, driven by a simulated clock: once the holding statement is out each audience's
update falls due on its rhythm, the lead is reminded when it is due and the PR director told
when it stays overdue; the executive summary needs only the comms lead's approval and is sent
to the executive sponsor through notify, recorded with its audience and its due time.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from runbook.errors import ActionRefused
from runbook.model import events as ev
from tests.conftest import START, approvers_for
from tests.test_engine import _to_review


def write_update(engine, incident_id: str, template_id: str) -> str:  # noqa: ANN001
    """Start an update from its template and fill its <fields> in, as the lead does; its id."""
    draft_id = f"D{len(engine.incident(incident_id).drafts) + 1}"
    draft = engine.start_draft(incident_id, template_id).drafts[draft_id]
    filled = {
        variant: re.sub(r"<[^<>]+>", "the account is back in our hands", text)
        for variant, text in draft.variants.items()
    }
    engine.edit_draft(incident_id, draft_id, filled)
    return draft_id


def update_steps(engine, incident_id: str) -> list[ev.Event]:  # noqa: ANN001
    """What the clock did about updates (acknowledgement escalations left out)."""
    return [e for e in engine.tick_all(incident_id) if not isinstance(e, ev.Escalated)]


@pytest.fixture
def published(engine_as, workspace) -> str:
    """A SEV1 incident whose holding statement went out on X at START + 10m."""
    tom = engine_as("tom")
    incident_id = _to_review(tom)
    rule = workspace.playbook("account-compromised").approval["SEV1"]
    for person in approvers_for(workspace, rule.roles, exclude={"tom"}):
        engine_as(person).approve(incident_id)
    tom.clock.advance(timedelta(minutes=10))
    tom.publish(incident_id, on=["x"])
    return incident_id


def test_no_update_is_due_before_the_holding_statement_is_out(engine_as):
    tom = engine_as("tom")
    incident_id = _to_review(tom)
    tom.clock.advance(timedelta(hours=3))
    assert tom.update_schedule(incident_id) == []
    assert update_steps(tom, incident_id) == []


def test_each_audience_is_due_on_the_levels_rhythm_from_the_first_statement(engine_as, published):
    schedule = engine_as("tom").update_schedule(published)
    out = START + timedelta(minutes=10)
    assert [(d.audience, d.due_at - out) for d in schedule] == [
        ("executives", timedelta(minutes=30)),
        ("public", timedelta(minutes=60)),
        ("staff", timedelta(hours=2)),
    ]


def test_an_update_goes_from_due_to_overdue_to_escalated_on_the_clock(engine_as, published):
    tom = engine_as("tom")
    clock = tom.clock
    clock.advance(timedelta(minutes=29))
    assert update_steps(tom, published) == []
    assert tom.update_schedule(published)[0].state(clock.now()) == "upcoming"

    clock.advance(timedelta(minutes=1))
    due = update_steps(tom, published)
    assert [(type(e).__name__, e.audience) for e in due] == [("UpdateFellDue", "executives")]
    reminders = [m for m in tom.messages(published) if m.purpose == "update reminder"]
    assert {m.person for m in reminders} >= {"amara"}, "the comms lead is reminded"
    assert all("The update to executives is due now" in m.text for m in reminders)
    assert update_steps(tom, published) == [], "reminded once per due time"
    assert tom.update_schedule(published)[0].state(clock.now()) == "due"

    clock.advance(timedelta(minutes=15))
    assert tom.update_schedule(published)[0].state(clock.now()) == "overdue"
    escalated = update_steps(tom, published)
    assert [(type(e).__name__, e.audience, e.overdue) for e in escalated] == [
        ("UpdateEscalated", "executives", "15m")
    ]
    told = [m for m in tom.messages(published) if m.subject.startswith("OVERDUE")]
    assert told, "the PR director is told the update is overdue"
    assert {m.person for m in told} == set(
        tom.workspace.contacts.holders("pr_director", clock.now())
    )
    assert tom.update_schedule(published)[0].state(clock.now()) == "escalated"
    assert update_steps(tom, published) == []


def test_the_executive_summary_needs_one_approval_and_is_sent_to_the_executive_sponsor(
    engine_as, published
):
    tom = engine_as("tom")
    clock = tom.clock
    clock.advance(timedelta(minutes=25))
    draft_id = write_update(tom, published, "exec-summary")
    started = tom.incident(published).drafts[draft_id]
    assert started.audience == "internal"
    assert "Next update at: " in started.variants["email"]
    assert "UTC" in started.variants["email"].split("Next update at: ")[1]
    tom.submit(published)
    with pytest.raises(ActionRefused):
        engine_as("lucas").approve(published, draft_id)  # not a comms lead
    approved = engine_as("amara").approve(published, draft_id)
    assert draft_id in [d.draft_id for d in approved.drafts_approved()]

    clock.advance(timedelta(minutes=3))
    tom.publish(published, draft_id, on=["email"])
    sent = [e for e in tom.timeline(published) if isinstance(e, ev.UpdateSent)]
    assert [(e.audience, e.how, e.draft_id) for e in sent] == [("executives", "sent", draft_id)]
    assert sent[0].due_at == START + timedelta(minutes=40)
    assert sent[0].at == START + timedelta(minutes=38)
    updates = [m for m in tom.messages(published) if m.purpose == "stakeholder update"]
    sponsors = set(tom.workspace.contacts.holders("exec_sponsor", clock.now()))
    assert {m.person for m in updates} == sponsors
    assert updates[0].subject.startswith("Update: Executive summary")
    assert {d.audience: d.due_at for d in tom.update_schedule(published)}["executives"] == (
        sent[0].at + timedelta(minutes=30)
    )


@pytest.mark.parametrize("template_id", ["public-update", "exec-summary", "staff-update"])
def test_an_update_is_linted_like_any_draft_its_fill_in_fields_block_it(
    engine_as, published, template_id
):
    tom = engine_as("tom")
    draft_id = f"D{len(tom.incident(published).drafts) + 1}"
    tom.start_draft(published, template_id)
    with pytest.raises(ActionRefused, match="unfilled-field"):
        tom.submit(published, draft_id)
    draft = tom.incident(published).drafts[draft_id]
    assert draft.submitted_hash is None, "an unfinished update never reaches the approvers"
    assert all(f.matched.startswith("<") for f in tom.incident(published).blocking(draft))


def test_a_public_update_is_published_and_recorded_with_its_audience(engine_as, published):
    tom = engine_as("tom")
    draft_id = write_update(tom, published, "public-update")
    tom.submit(published)
    rule = tom.workspace.playbook("account-compromised").approval["SEV1"]
    for person in approvers_for(tom.workspace, rule.roles, exclude={"tom"}):
        engine_as(person).approve(published, draft_id)
    tom.publish(published, draft_id, on=["x"])
    sent = [e for e in tom.timeline(published) if isinstance(e, ev.UpdateSent)]
    assert [(e.audience, e.how) for e in sent] == [("public", "published")]


def test_the_board_and_the_incident_screen_count_down_to_each_update(engine_as, published):
    from runbook.tui.widgets.level_badge import tone_styles
    from tests.test_tui import make_app, run, settle

    tom = engine_as("tom")
    reached = [r.person for r in tom.incident(published).recipients.values() if not r.running]
    engine_as(reached[0]).ack(published)  # the acknowledgement target is met
    tom.clock.advance(timedelta(minutes=20))

    async def body() -> None:
        app = make_app(tom)
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(pilot)
            board = app.screen
            row = next(r for r in board.rows if r.id == published)
            assert str(board.target_cell(row, tom.clock.now())) == "exec upd in 10m"
            late = board.target_cell(row, tom.clock.now() + timedelta(minutes=15))
            assert str(late) == "exec upd 5m overdue"
            assert late.style == tone_styles(app)["bad"], "red when overdue"
            await pilot.press("enter")
            await settle(pilot)
            summary = str(app.screen.query_one("#incident-summary").render())
            assert "executives update in 10m" in summary
            assert "public update in 40m" in summary
            assert "staff update in 1:40" in summary or "staff update in 1h40m" in summary

    run(body)


def test_in_the_app_d_offers_the_update_due_first_and_starts_it(engine_as, published):
    from runbook.tui.screens.draft_editor import DraftEditor
    from runbook.tui.screens.pick import PickScreen
    from tests.test_tui import make_app, run, settle

    tom = engine_as("tom")
    tom.clock.advance(timedelta(minutes=20))  # the executive summary is due in 10m, first
    before = set(tom.incident(published).drafts)

    async def body() -> None:
        app = make_app(tom)
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("d")
            await settle(pilot)
            picker = app.screen
            assert isinstance(picker, PickScreen)
            offered = [item[0] for item in picker.items]
            assert {"public-update", "exec-summary", "staff-update"} <= set(offered)
            assert picker.highlight == "exec-summary", "the update due first"
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, DraftEditor)

    run(body)
    started = [d for d in tom.incident(published).drafts.values() if d.draft_id not in before]
    assert [(d.template_id, d.audience) for d in started] == [("exec-summary", "internal")]


def test_the_export_shows_each_update_against_its_due_time(engine_as, published, workspace):
    from runbook.export import FORMATS, build_report, render

    tom = engine_as("tom")
    tom.clock.advance(timedelta(minutes=25))
    draft_id = write_update(tom, published, "exec-summary")
    tom.submit(published)
    engine_as("amara").approve(published, draft_id)
    tom.publish(published, draft_id, on=["email"])  # at T+35m, due at T+40m
    tom.clock.advance(timedelta(minutes=60))
    tom.note(published, "Waiting on the platform")  # at T+95m: two updates are late

    report = build_report(tom.stored_rows(published), workspace.contacts)
    updates = [s for s in report.stages if s.stage.startswith("update:")]
    assert [(s.stage, s.elapsed, s.target, s.verdict) for s in updates] == [
        ("update:executives", "35m", "40m", "met (5m to spare)"),
        ("update:executives", None, "1h5m", "not reached (target 1h5m)"),
        ("update:public", None, "1h10m", "not reached (target 1h10m)"),
    ]
    for fmt in FORMATS:
        expected = "UpdateSent" if fmt == "csv" else "Update to executives"  # csv: the timeline
        assert expected in render(report, fmt), fmt

    french = build_report(tom.stored_rows(published), workspace.contacts, language="fr")
    text = render(french, "md")
    assert f"Point de situation pour la direction ({draft_id})" in text, "the audience in French"
    assert f"pour la direction : {draft_id} v2 envoyé" in text, "the timeline, in French"
    assert "executives" not in text.replace("update:executives", "")


def test_runbook_tick_and_status_say_each_update_due_on_the_command_line(
    run_cli, workspace, keyring, tmp_path
):
    from runbook.clock import SimulatedClock
    from runbook.effects.sinks import drill_effects
    from runbook.effects.ssh import Signer
    from runbook.engine import Engine
    from runbook.store.sqlite import SqliteStore
    from tests.test_engine import SEV1_ACCOUNT

    clock = SimulatedClock(datetime.now(UTC) - timedelta(minutes=90))  # the CLI: real time
    effects = drill_effects()

    def engine(person: str) -> Engine:
        made = Engine(
            SqliteStore(tmp_path / "cli.db"),
            workspace,
            operator=person,
            clock=clock,
            effects=effects,
        )
        made.signer = Signer(keyring[person], interactive=False) if person in keyring else None
        return made

    tom = engine("tom")
    incident_id = tom.declare("account-compromised", "Hacked brand account", drill=True).id
    tom.assess(incident_id, SEV1_ACCOUNT)
    tom.pause(incident_id)
    tom.notify(incident_id)
    tom.start_draft(incident_id)
    tom.submit(incident_id)
    rule = workspace.playbook("account-compromised").approval["SEV1"]
    for person in approvers_for(workspace, rule.roles, exclude={"tom"}):
        engine(person).approve(incident_id)
    tom.publish(incident_id, on=["x"])  # 90m ago: executives and public are overdue

    status = run_cli("status", incident_id, operator="tom", check=True).stdout
    assert "executives every 30m: due" in status
    assert "public every 1h: due" in status or "public every 60m: due" in status

    ticked = run_cli("tick", incident_id, operator="tom", check=True).stdout.splitlines()
    assert f"{incident_id}: the executives update is due; the lead is reminded" in ticked
    public = [line for line in ticked if line.startswith(f"{incident_id}: the public update is")]
    assert re.fullmatch(
        r".*: the public update is 3\dm overdue; escalated to pr_director", public[1]
    )
    assert not any("staff" in line for line in ticked), "the staff update is not due yet"
    again = run_cli("tick", incident_id, operator="tom", check=True).stdout
    assert " update " not in again, "each update is reminded and escalated once per due time"
