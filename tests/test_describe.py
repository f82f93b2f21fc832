"""Events in words: one describer (runbook.describe) for the app's timeline, ``runbook watch``
and the export, so a reviewer reads on paper what the operator read on screen."""

from __future__ import annotations

import json
import typing

from runbook.cli.db import _line
from runbook.describe import describe, knows, sentence, tone
from runbook.export import export_incident
from runbook.model import events as ev
from runbook.tui.data import load_incident
from tests.test_engine import SEV1_ACCOUNT


def test_every_event_type_has_words_of_its_own():
    union = typing.get_args(typing.get_args(ev.AnyEvent)[0])
    names = [cls.model_fields["type"].default for cls in union]
    assert len(names) == 34
    assert [name for name in names if not knows(name)] == []


def test_an_event_type_this_version_does_not_know_still_reads_as_words():
    name, details, category = describe("BudgetApproved", {"amount": 5}, str, str)
    assert (name, details, category) == ("Budget approved", "amount: 5", "other")
    assert sentence("BudgetApproved", {"amount": 5}, str) == "Budget approved: amount: 5"


def test_the_tone_says_failed_escalated_or_done():
    reached = {"person": "amara", "channel": "email", "ok": True}
    missed = {"person": "priya", "channel": "chat", "ok": False, "error": "HTTP 500"}
    assert tone("NotificationsSent", {"deliveries": [reached]}) == "good"
    assert tone("NotificationsSent", {"deliveries": [reached, missed]}) == "bad"
    assert tone("PostsPaused", {"posts": [], "failures": [{"id": "P1", "error": "x"}]}) == "bad"
    assert tone("EffectFailed", {"kind": "pause", "error": "down"}) == "bad"
    assert tone("EffectRequested", {"kind": "notify", "payload": {"escalation": {}}}) == ""
    assert tone("EffectRequested", {"kind": "notify", "payload": {"escalation": {"r": 1}}}) == (
        "warn"
    )
    assert tone("ActionRefused", {"action": "pause", "reason": "no level"}) == "warn"
    assert tone("NoteAdded", {"text": "called back"}) == ""


def test_the_timeline_the_watch_and_the_export_say_the_same_thing(engine_as):
    engine = engine_as("amara")
    incident = engine.declare("account-compromised", "Scam posts from our X account")
    engine.assess(incident.id, SEV1_ACCOUNT)
    engine.pause(incident.id)
    engine.note(incident.id, "Journalist from the Gazette called")
    view = load_incident(engine, incident.id, after_seq=0)
    on_screen = {line.seq: line.text for line in view.lines}
    exported = json.loads(export_incident(engine, incident.id, "json"))["timeline"]
    names = {person.id: person.name for person in engine.workspace.contacts.people}
    assert len(exported) == len(on_screen) >= 5
    for entry in exported:
        words = f"{entry['event']}: {entry['details']}" if entry["details"] else entry["event"]
        assert on_screen[entry["seq"]] == words
    for event in engine.timeline(incident.id):
        assert _line(event, names).endswith(on_screen[event.seq])
    assert on_screen[1].startswith('Incident declared: "Scam posts from our X account"')
    note = _line(engine.timeline(incident.id)[-1], names)
    assert " Amara Okafor " in note  # who, by name
    assert note.endswith(" Note: Journalist from the Gazette called")
