"""An incident run by the real Engine on a simulated clock, exported and checked end to end."""

from __future__ import annotations

import json
from datetime import timedelta

from runbook.export import FORMATS, build_report, export_incident, render
from runbook.export.verify import compare_with_store, verify_export
from tests.conftest import approvers_for

SEV1 = {
    "control": "attacker",
    "content": "scam",
    "reach": "viral",
    "data": "exposed",
    "scope": "several",
}


def test_an_incident_run_by_the_engine_exports_with_a_verified_chain_and_its_stage_times(
    engine_as, workspace, clock
):
    tom = engine_as("tom")
    incident = tom.declare("account-compromised", "X account posting scams", drill=True)
    clock.advance(timedelta(minutes=4))
    tom.assess(incident.id, SEV1)
    clock.advance(timedelta(minutes=2))
    tom.pause(incident.id)
    clock.advance(timedelta(minutes=3))
    notified = tom.notify(incident.id)
    clock.advance(timedelta(minutes=6))
    first = next(r.person for r in notified.recipients.values() if not r.running)
    engine_as(first).ack(incident.id)
    tom.note(incident.id, "Customer care briefed; call Priya on +44 7700 900476 if needed.")
    clock.advance(timedelta(minutes=5))
    tom.start_draft(incident.id)
    tom.submit(incident.id)
    rule = workspace.playbook("account-compromised").approval["SEV1"]
    for minute, person in enumerate(approvers_for(workspace, rule.roles, exclude={"tom"})):
        clock.advance(timedelta(minutes=3 + minute))
        engine_as(person).approve(incident.id)
    clock.advance(timedelta(minutes=2))
    tom.publish(incident.id, on=list(tom.incident(incident.id).drafts["D1"].variants))
    clock.advance(timedelta(hours=1))
    tom.resolve(incident.id, "Account recovered.")

    rows = tom.store.rows(incident.id)
    report = build_report(rows, workspace.contacts, tz="Europe/London")
    verified = tom.verify(incident.id)
    assert report.chain.verified
    assert (report.chain.count, report.chain.head_hash) == (verified.count, verified.head_hash)
    assert report.incident.marking == "[DRILL]"
    assert [e.seq for e in report.timeline] == list(range(1, len(rows) + 1))

    stages = {m.stage: m for m in report.stages}
    assert (stages["assess"].elapsed, stages["assess"].status) == ("4m", "met")
    assert stages["pause"].elapsed == "6m"
    assert stages["notify"].elapsed == "9m"
    assert (stages["acknowledge"].elapsed, stages["acknowledge"].status) == ("15m", "missed")
    assert stages["acknowledge"].verdict == "missed by 10m"
    assert stages["first_statement"].status in ("met", "missed")
    assert stages["resolve"].status == "met"

    (draft,) = report.drafts
    assert draft.status == "published"
    assert [s.action for s in draft.history][:2] == ["started", "submitted"]
    assert len(draft.approved_by) == len(rule.roles)
    people = {p.person for p in report.people}
    assert {"tom", first, *approvers_for(workspace, rule.roles, exclude={"tom"})} <= people

    note = next(e for e in report.timeline if e.type == "NoteAdded")
    assert note.details == "Customer care briefed; call Priya on [phone redacted] if needed."

    for fmt in FORMATS:
        text = export_incident(tom, incident.id.lower(), fmt, tz="Europe/London")
        assert "+44 7700 900476" not in text
        assert incident.id in text
    document = json.loads(render(report, "json"))
    check = verify_export(document)
    assert check.ok, check.problem
    assert check.unchecked == [note.seq], "only the scrubbed note cannot be rechecked"
    assert compare_with_store(check, rows) == ""


def test_a_pause_held_by_hand_is_reported_as_such_never_as_met(workspace, db_path, clock):
    import io

    from runbook.effects.sinks import console_effects
    from runbook.engine import Engine
    from runbook.store.sqlite import SqliteStore
    from tests.test_engine import SEV1_ACCOUNT

    engine = Engine(
        SqliteStore(db_path),
        workspace,
        operator="amara",
        clock=clock,
        effects=console_effects(io.StringIO()),
    )
    incident = engine.declare("account-compromised", "Hacked")
    engine.assess(incident.id, SEV1_ACCOUNT)
    clock.advance(timedelta(minutes=4))
    engine.pause(incident.id, by_hand="Hootsuite")
    report = build_report(engine.stored_rows(incident.id), workspace.contacts)
    (pause,) = [m for m in report.stages if m.stage == "pause"]
    assert pause.status == "held_by_hand"
    assert pause.verdict.startswith("held by hand in Hootsuite (confirmed by Amara Okafor)")
    assert "met" not in pause.verdict
    md = render(report, "md")
    assert "held by hand in Hootsuite (confirmed by Amara Okafor)" in md
    assert "Posts held by hand" in md
