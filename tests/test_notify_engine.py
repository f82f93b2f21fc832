"""Notification through the engine against a real SMTP server and a real webhook receiver."""

from __future__ import annotations

import base64
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from runbook.effects import Effects
from runbook.effects.notify.fanout import build_channels
from runbook.effects.sinks import DrillSink
from runbook.engine import Engine
from runbook.errors import ActionRefused
from runbook.model import contacts as spec_channels
from runbook.model import events as ev
from runbook.store.sqlite import SqliteStore
from tests.conftest import ROOT
from tests.test_engine import SEV1_ACCOUNT
from tests.test_notify_channels import MailServer

PASSWORD = "s3cr3t-P@ss"
HOOK_SECRET = "T0KEN-SECRET"


class Receiver:
    """A webhook receiver on 127.0.0.1 that honours Idempotency-Key and can be slow.

    After the first ``fast`` requests, each one waits ``delay`` seconds or until ``release``
    is set, whichever comes first.
    """

    def __init__(self, delay: float = 0.0, fast: int = 10**9) -> None:
        self.requests: list[dict] = []
        self.delay = delay
        self.fast = fast
        self.release = threading.Event()
        self.arrived = 0
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                with outer.lock:
                    outer.arrived += 1
                    slow = outer.arrived > outer.fast
                if slow:
                    outer.release.wait(outer.delay)
                with outer.lock:
                    outer.requests.append(
                        {"key": self.headers.get("Idempotency-Key"), "body": body}
                    )
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.request_queue_size = 64
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hooks/{HOOK_SECRET}"

    def keys(self) -> list[str]:
        with self.lock:
            return [r["key"] for r in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def mail():
    server = MailServer()
    server.start()
    yield server
    server.stop()


def real_effects(mail: MailServer, receiver: Receiver) -> Effects:
    environ = {
        "RUNBOOK_SMTP_USER": "crisis-bot",
        "RUNBOOK_SMTP_PASSWORD": PASSWORD,
        "RUNBOOK_CHAT_WEBHOOK_URL": receiver.url,
    }
    channels = build_channels(
        {
            "email": mail.channel(
                username_env="RUNBOOK_SMTP_USER", password_env="RUNBOOK_SMTP_PASSWORD"
            ),
            "chat": spec_channels.WebhookChannel(
                kind="webhook", url_env="RUNBOOK_CHAT_WEBHOOK_URL"
            ),
        },
        environ=environ,
    )
    sink = DrillSink()
    return Effects(scheduler=sink, channels=channels, publisher=sink)


@pytest.fixture
def engine_for(workspace, db_path, clock, mail, receiver):
    effects = real_effects(mail, receiver)
    made = []

    def make(person: str = "amara") -> Engine:
        engine = Engine(
            SqliteStore(db_path), workspace, operator=person, clock=clock, effects=effects
        )
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.store.close()


def _declared_sev1(engine: Engine) -> str:
    incident = engine.declare("account-compromised", "Hacked X account posting scams")
    engine.assess(incident.id, SEV1_ACCOUNT)
    engine.pause(incident.id)
    return incident.id


def test_each_person_gets_one_email_and_one_chat_message_listing_their_roles(
    engine_for, mail, receiver, workspace
):
    engine = engine_for()
    incident_id = _declared_sev1(engine)
    incident = engine.notify(incident_id)
    running = {r.person for r in incident.recipients.values() if r.running}
    assert running == {engine.actor()}, "whoever runs the incident is not messaged about it"
    people = set(incident.recipients) - running
    assert people
    emails = mail.handler.parsed()
    addresses = [parseaddr(m["To"])[1] for m in emails]
    assert len(addresses) == len(set(addresses)) == len(people)
    expected = {workspace.contacts.person(p).email for p in people}
    assert set(addresses) == expected
    for message in emails:
        assert "SEV1" in message["Subject"]
        assert "Hacked X account posting scams" in message["Subject"]
        body = message.get_content()
        assert f"runbook ack {incident_id} --as" in body
        assert "Playbook: Brand social account compromised" in body
    assert len(receiver.requests) == len(people)
    multi = [r for r in incident.recipients.values() if len(r.roles) > 1 and not r.running]
    for recipient in multi:
        email = workspace.contacts.person(recipient.person).email
        (body,) = [m.get_content() for m in emails if parseaddr(m["To"])[1] == email]
        for role in recipient.roles:
            assert role in body


def test_a_failed_delivery_is_shown_and_retry_sends_only_what_was_not_delivered(
    engine_for, mail, receiver
):
    engine = engine_for()
    incident_id = _declared_sev1(engine)
    mail.stop()
    incident = engine.notify(incident_id)
    failed = [r for r in incident.recipients.values() if "email" in r.failed]
    assert failed, "people not reached by email are shown"
    messaged = [r for r in incident.recipients.values() if not r.running]
    assert all("chat" in r.delivered for r in messaged)
    assert incident.failed_effects()[0].kind == "notify"
    chat_before = len(receiver.requests)
    mail.start()
    incident = engine.retry(incident_id)
    assert not incident.failed_effects()
    assert len(mail.handler.envelopes) == len(messaged)
    assert len(receiver.requests) == chat_before, "chat messages already delivered are not resent"


def test_nobody_acknowledging_escalates_under_the_engine_clock(engine_for, clock, workspace):
    engine = engine_for()
    incident_id = _declared_sev1(engine)
    incident = engine.notify(incident_id)
    playbook = workspace.playbook("account-compromised")
    rule = next(r for r in playbook.notify_rules_for("SEV1") if r.escalate_to)
    assert engine.tick(incident_id) == []
    clock.advance(rule.ack_within - timedelta(seconds=1))
    assert [e for e in engine.tick(incident_id) if e.rule_id == rule.id] == []
    clock.advance(timedelta(seconds=1))
    escalated = [e for e in engine.tick(incident_id) if e.rule_id == rule.id]
    assert escalated[0].round == 1
    assert escalated[0].to_roles == list(rule.escalate_to)
    incident = engine.incident(incident_id)
    holders = {
        p for role in rule.escalate_to for p in workspace.contacts.holders(role, clock.now())
    }
    assert holders <= set(incident.recipients)
    someone = next(r.person for r in incident.recipients.values() if rule.id in r.rules)
    engine_for(someone).ack(incident_id)
    clock.advance(rule.ack_within * 5)
    again = [e for e in engine.tick(incident_id) if e.rule_id == rule.id]
    assert again == [], "an acknowledgement stops further escalation of that rule"


def test_escalation_rounds_are_bounded(engine_for, clock):
    engine = engine_for()
    incident_id = _declared_sev1(engine)
    engine.notify(incident_id)
    for _ in range(10):
        clock.advance(timedelta(hours=1))
        engine.tick(incident_id)
    rounds = {}
    for event in engine.timeline(incident_id):
        if isinstance(event, ev.Escalated):
            rounds[event.rule_id] = max(rounds.get(event.rule_id, 0), event.round)
    assert rounds
    assert max(rounds.values()) == 3


def test_a_role_nobody_holds_is_refused_at_notify_time(engine_for, workspace, monkeypatch):
    engine = engine_for()
    incident_id = _declared_sev1(engine)
    monkeypatch.setattr(type(workspace.contacts), "holders", lambda self, role, at: [])
    with pytest.raises(ActionRefused, match="nobody in contacts holds role"):
        engine.notify(incident_id)


def _secret_forms(secret: str) -> list[str]:
    return [
        secret,
        base64.b64encode(secret.encode()).decode(),
        base64.b64encode(f"\0crisis-bot\0{secret}".encode()).decode(),
        urllib.parse.quote(secret),
        urllib.parse.quote_plus(secret),
        json.dumps(secret)[1:-1],
    ]


def test_secrets_never_reach_the_event_log_the_exports_or_the_terminal(
    engine_for, mail, receiver, db_path, capfd
):
    engine = engine_for()
    incident_id = _declared_sev1(engine)
    mail.stop()  # failures carry error messages: they must not carry secrets either
    engine.notify(incident_id)
    mail.start()
    engine.retry(incident_id)
    engine.resolve(incident_id, "Recovered")
    raw = "\n".join(
        " ".join(str(v) for v in row)
        for row in sqlite3.connect(db_path).execute("SELECT * FROM events")
    )
    from runbook.export import export_incident

    exports = "\n".join(
        export_incident(engine, incident_id, fmt) for fmt in ("md", "json", "csv", "html")
    )
    assert incident_id in exports
    out, err = capfd.readouterr()
    for secret in (PASSWORD, receiver.url, HOOK_SECRET):
        for form in _secret_forms(secret):
            assert form not in raw
            assert form not in exports
            assert form not in out + err


KILLED_CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from runbook.effects import Effects
    from runbook.effects.notify.fanout import build_channels
    from runbook.effects.sinks import DrillSink
    from runbook.engine import Engine
    from runbook.loading import load_workspace
    from runbook.model import contacts as spec_channels
    from runbook.store.sqlite import SqliteStore

    db, url, incident_id = sys.argv[1:4]
    workspace = load_workspace([Path("playbooks"), Path("contacts")])
    hook = spec_channels.WebhookChannel(kind="webhook", url_env="HOOK")
    channels = build_channels({"email": hook, "chat": hook}, environ={"HOOK": url})
    sink = DrillSink()
    engine = Engine(SqliteStore(db), workspace, operator="amara",
                    effects=Effects(scheduler=sink, channels=channels, publisher=sink))
    engine.notify(incident_id)
    """
)


def test_a_kill_during_the_fan_out_never_sends_a_delivery_twice(db_path, clock):
    from runbook.loading import load_workspace

    # The configuration the child loads: an incident pins it, so both run under the same one.
    workspace = load_workspace([ROOT / "playbooks", ROOT / "contacts"])
    receiver = Receiver(delay=300.0, fast=6)  # the slow ones stay in flight until released
    try:
        sink = DrillSink()
        engine = Engine(
            SqliteStore(db_path),
            workspace,
            operator="amara",
            clock=clock,
            effects=Effects(scheduler=sink, channels={}, publisher=sink, fallback=sink),
        )
        incident_id = _declared_sev1(engine)
        child = subprocess.Popen(
            [sys.executable, "-c", KILLED_CHILD, str(db_path), receiver.url, incident_id],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )

        def recorded() -> set[str]:
            return {
                key
                for e in engine.incident(incident_id).effects.values()
                for key, d in e.deliveries.items()
                if d.get("ok")
            }

        deadline = time.monotonic() + 120
        while not recorded() and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.05)  # the child records the fast deliveries; the slow ones wait
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        receiver.release.set()  # the killed child's requests finish; the restart is not held
        recorded_before = recorded()
        hook = spec_channels.WebhookChannel(kind="webhook", url_env="HOOK")
        engine.effects = Effects(
            scheduler=sink,
            channels=build_channels({"email": hook, "chat": hook}, environ={"HOOK": receiver.url}),
            publisher=sink,
        )
        clock.set(datetime.now(UTC) + timedelta(hours=1))  # the child ran on the real clock
        assert engine.recover(incident_id) == 1
        incident = engine.incident(incident_id)
        effect = next(e for e in incident.effects.values() if e.kind == "notify")
        expected = set(effect.delivery_keys())
        keys = receiver.keys()
        assert recorded_before, "some deliveries were recorded before the kill"
        assert len(recorded_before) < len(expected), "the kill came mid-fan-out"
        for key in expected:
            assert keys.count(key) <= 1, "no delivery is sent twice"
            if key not in keys:  # started by the killed process, never arrived
                assert effect.deliveries[key]["outcome"] == "unknown", "shown as may have been sent"
        for key in recorded_before:
            assert keys.count(key) == 1, "a delivery recorded before the kill is never resent"
        assert not effect.undelivered()
    finally:
        receiver.close()


def test_the_stand_down_goes_to_everyone_who_was_notified(engine_for, mail, receiver):
    engine = engine_for()
    incident_id = _declared_sev1(engine)
    incident = engine.notify(incident_id)
    before = len(mail.handler.envelopes)
    engine.resolve(incident_id, "Account recovered, statement out.")
    stand_down = mail.handler.parsed()[before:]
    assert {parseaddr(m["To"])[1] for m in stand_down} == {
        engine.workspace.contacts.person(r.person).email
        for r in incident.recipients.values()
        if not r.running  # the person running it stands down by resolving it
    }
    assert all(m["Subject"].startswith("STAND DOWN") for m in stand_down)


def test_drill_notifications_never_reach_real_channels(engine_for, mail, receiver):
    engine = engine_for()
    incident = engine.declare("account-compromised", "Tabletop: hacked account", drill=True)
    engine.assess(incident.id, SEV1_ACCOUNT)
    engine.pause(incident.id)
    incident = engine.notify(incident.id)
    assert incident.recipients
    assert mail.handler.envelopes == []
    assert receiver.requests == []
    sent = engine.effects.for_incident(True).fallback.sent
    assert sent
    assert all(m.subject.startswith("[DRILL]") for m in sent)


def test_escalation_stops_on_acknowledgement_and_never_pages_the_person_running_it(
    engine_as, clock, workspace
):
    """Every rule escalates once; one person reached by each acknowledges; ticking past every
    timer afterwards sends nothing more. The declarer (running it) is never messaged."""
    from runbook.model.escalation import next_due

    tom = engine_as("tom")
    incident_id = tom.declare("account-compromised", "Scam DMs").id
    tom.assess(incident_id, SEV1_ACCOUNT)
    tom.pause(incident_id)
    incident = tom.notify(incident_id)
    sink = tom.effects.for_incident(False).fallback
    assert "tom" in incident.recipients
    assert incident.recipients["tom"].running
    assert all(m.person != "tom" for m in sink.sent), "tom declared it: never paged"
    clock.advance(timedelta(hours=1))
    escalated = tom.tick(incident_id)
    assert escalated, "nobody acknowledged: escalated"
    for event in tom.timeline(incident_id):
        if isinstance(event, ev.NotificationsSent) and event.effect_id.split("-")[2:3] == [
            "escalate"
        ]:
            assert event.purpose == "escalation"
    assert all(m.person != "tom" for m in sink.sent), "not paged by an escalation either"
    escalation_mails = [m for m in sink.sent if m.subject.startswith("ESCALATION")]
    assert escalation_mails
    assert not [m for m in sink.sent if "STAND DOWN" in m.subject]
    incident = tom.incident(incident_id)
    for rule in {e.rule_id for e in escalated}:
        person = next(
            r.person
            for r in incident.recipients.values()
            if rule in r.rules and not r.running and r.acked_at is None
        )
        engine_as(person).ack(incident_id)
        incident = tom.incident(incident_id)
    assert next_due(incident) is None
    sent = len(sink.sent)
    for _ in range(12):
        clock.advance(timedelta(hours=1))
        assert tom.tick(incident_id) == []
    assert len(sink.sent) == sent, "no further message after the acknowledgements"
    words = [line for line in (e.type for e in tom.timeline(incident_id))]
    assert "Escalated" in words


def test_the_person_running_the_incident_acknowledging_does_not_meet_the_first_ack_target(
    engine_as, clock
):
    """Tom declared and notified: he was never messaged, so his own acknowledgement is
    recorded but the "first acknowledgement" target waits for someone who was messaged."""
    tom = engine_as("tom")
    incident_id = tom.declare("account-compromised", "Scam DMs").id
    tom.assess(incident_id, SEV1_ACCOUNT)
    tom.pause(incident_id)
    tom.notify(incident_id)
    clock.advance(timedelta(minutes=2))
    incident = tom.ack(incident_id)
    assert incident.recipients["tom"].running
    assert "acknowledge" not in incident.stage_reached
    clock.advance(timedelta(minutes=3))
    incident = engine_as("priya").ack(incident_id)
    assert incident.stage_reached["acknowledge"] == clock.now()


def test_an_acknowledgement_by_someone_an_escalation_reached_stops_that_rule(engine_as, clock):
    """Nobody told first acknowledges the leadership rule; its escalation reaches legal
    (Sophie among them, never told before); her acknowledgement stops that rule's rounds."""
    from runbook.model.escalation import due

    tom = engine_as("tom")
    incident_id = tom.declare("account-compromised", "Scam DMs").id
    tom.assess(incident_id, SEV1_ACCOUNT)
    tom.pause(incident_id)
    assert "sophie" not in tom.notify(incident_id).recipients
    clock.advance(timedelta(minutes=16))
    assert "leadership-and-legal" in {e.rule_id for e in tom.tick(incident_id)}
    incident = engine_as("sophie").ack(incident_id)
    assert "leadership-and-legal" in incident.recipients["sophie"].rules
    later = due(incident, clock.now() + timedelta(days=1))
    assert "leadership-and-legal" not in {item.rule.id for item in later}
    assert later, "the other rules, acknowledged by nobody, still escalate"
