"""Once means once: each message is recorded as it starts and as it ends, a receiver that took
a message and fell silent gives "may have been sent" (never an automatic retry), only the
operator sends such a message again, and an effect in flight belongs to its live process."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from runbook.cli.render import status_lines
from runbook.engine import Engine
from runbook.errors import ActionRefused
from runbook.export import export_incident
from runbook.model import events as ev
from runbook.store.sqlite import SqliteStore
from tests import kill_driver
from tests.delivery_receivers import Hook, Mail
from tests.test_engine import SEV1_ACCOUNT

SECRET = "T0KEN-SECRET"


@pytest.fixture
def mail():
    server = Mail()
    yield server
    server.close()


@pytest.fixture
def hook():
    server = Hook(secret=SECRET)
    yield server
    server.close()


@pytest.fixture
def make(db_path, clock, mail, hook):
    # The configuration the killed children load (kill_driver): an incident pins it.
    workspace = kill_driver.WORKSPACE
    made: list[Engine] = []

    def engine(timeout: float = 5.0) -> Engine:
        made.append(
            Engine(
                SqliteStore(db_path),
                workspace,
                operator="amara",
                clock=clock,
                effects=kill_driver.effects(mail.port, hook.url, timeout=timeout),
            )
        )
        return made[-1]

    yield engine
    for engine in made:
        engine.store.close()


def _ready(engine: Engine) -> str:
    incident = engine.declare("account-compromised", "Hacked X account posting scams")
    engine.assess(incident.id, SEV1_ACCOUNT)
    engine.pause(incident.id)
    return incident.id


def _notify_effect(engine: Engine, incident_id: str):
    incident = engine.incident(incident_id)
    return next(e for e in incident.effects.values() if e.kind == "notify")


def test_each_message_is_recorded_as_it_starts_and_as_it_ends_one_by_one(make, mail, hook):
    engine = make()
    incident_id = _ready(engine)
    engine.notify(incident_id)
    effect = _notify_effect(engine, incident_id)
    events = [e for e in engine.timeline(incident_id) if e.seq > effect.requested_seq]
    started = [e.key for e in events if isinstance(e, ev.DeliveryStarted)]
    results = [e for e in events if isinstance(e, ev.NotificationsSent)]
    assert sorted(started) == sorted(effect.delivery_keys())
    assert all(len(r.deliveries) == 1 for r in results), "one result per message, no batches"
    for result in results:
        key = result.deliveries[0]["key"]
        assert started.index(key) >= 0
        first_start = next(e.seq for e in events if getattr(e, "key", None) == key)
        assert first_start < result.seq, "the start is recorded before the result"
    assert effect.result == "ok"
    assert all(mail.received[k] + hook.received[k] == 1 for k in effect.delivery_keys())


@pytest.mark.parametrize("mode", ["close", "hang"])
def test_a_mail_server_that_takes_the_message_then_falls_silent_may_have_sent_it(
    make, mail, hook, mode
):
    engine = make(timeout=0.5)
    incident_id = _ready(engine)
    mail.mode = mode
    incident = engine.notify(incident_id)
    effect = _notify_effect(engine, incident_id)
    emails = [k for k in effect.delivery_keys() if k.endswith("/email")]
    assert emails
    for key in emails:
        assert effect.deliveries[key]["outcome"] == "unknown"
        assert "may have been sent" in effect.deliveries[key]["error"]
        assert mail.received[key] == 1, "never retried by itself"
    assert effect.result == "unknown"
    assert set(engine.maybe_sent(incident_id))
    assert {m.key for m in engine.maybe_sent(incident_id)} == set(emails)
    lines = "\n".join(status_lines(incident, []))
    assert lines.count("MAYBE") == len(emails)
    assert f"runbook resend {incident_id} --delivery {emails[0]}" in lines
    with pytest.raises(ActionRefused, match="nothing has failed"):
        engine.retry_all(incident_id)
    engine.tick_all(incident_id)
    engine.recover(incident_id)
    assert all(mail.received[key] == 1 for key in emails), "retry and tick never resend them"


@pytest.mark.parametrize("mode", ["close", "hang"])
def test_a_webhook_that_reads_the_post_then_falls_silent_may_have_posted_it(make, mail, hook, mode):
    engine = make(timeout=0.5)
    incident_id = _ready(engine)
    hook.mode = mode
    engine.notify(incident_id)
    effect = _notify_effect(engine, incident_id)
    posts = [k for k in effect.delivery_keys() if k.endswith("/chat")]
    for key in posts:
        assert effect.deliveries[key]["outcome"] == "unknown"
        assert hook.received[key] == 1, "never retried by itself"
    assert effect.result == "unknown"


def test_only_the_operator_sends_a_message_again_as_a_recorded_possible_repeat(make, mail, hook):
    engine = make(timeout=0.5)
    incident_id = _ready(engine)
    mail.mode = "close"
    engine.notify(incident_id)
    mail.mode = "ok"
    [first, *others] = [m.key for m in engine.maybe_sent(incident_id)]
    ids_before = set(mail.message_ids[first])
    incident = engine.resend(incident_id, [first])
    effect = _notify_effect(engine, incident_id)
    assert effect.deliveries[first]["outcome"] == "delivered"
    assert effect.deliveries[first]["repeat"] is True
    assert first in effect.repeats
    assert mail.received[first] == 2
    assert mail.message_ids[first] == ids_before, "the same Message-ID the second time"
    assert {m.key for m in engine.maybe_sent(incident_id)} == set(others)
    started = [
        e for e in engine.timeline(incident_id) if isinstance(e, ev.DeliveryStarted) and e.repeat
    ]
    assert [e.key for e in started] == [first]
    assert started[0].seq > 0
    requested = [e for e in engine.timeline(incident_id) if isinstance(e, ev.EffectRequested)]
    assert requested[-1].resend == [first]
    assert requested[-1].actor == "amara"
    for key in others:
        assert mail.received[key] == 1
    incident = engine.resend(incident_id, every=True)
    assert engine.maybe_sent(incident_id) == []
    assert all(mail.received[key] == 2 for key in others)
    assert incident.effects[effect.effect_id].result == "ok"


def test_a_resend_of_a_message_that_was_delivered_is_refused(make, mail, hook):
    engine = make()
    incident_id = _ready(engine)
    engine.notify(incident_id)
    key = _notify_effect(engine, incident_id).delivery_keys()[0]
    with pytest.raises(ActionRefused):
        engine.resend(incident_id, [key])
    assert mail.received[key] + hook.received[key] == 1


@pytest.mark.parametrize("status", [429, 500])
def test_a_webhook_answering_an_error_that_echoes_its_secret_is_shown_without_it(
    make, mail, hook, db_path, capfd, status
):
    engine = make()
    incident_id = _ready(engine)
    hook.mode = (status, f"no thanks {hook.url} token={SECRET} path=/hooks/{SECRET}")
    incident = engine.notify(incident_id)
    effect = _notify_effect(engine, incident_id)
    posts = [k for k in effect.delivery_keys() if k.endswith("/chat")]
    for key in posts:
        assert effect.deliveries[key]["outcome"] == "failed"
        assert hook.received[key] > 1, "a 429 or 500 is retried: the post did not go through"
    assert effect.result == "partial"
    lines = "\n".join(status_lines(incident, []))
    for key in posts:
        person = key.rsplit("/", 2)[-2]
        assert f"not reached: {person} by chat" in lines, "each person not reached is named"
    assert f"HTTP {status}" in lines
    raw = "\n".join(
        " ".join(str(v) for v in row)
        for row in sqlite3.connect(db_path).execute("SELECT * FROM events")
    )
    exports = "\n".join(export_incident(engine, incident_id, f) for f in ("md", "json", "html"))
    out, err = capfd.readouterr()
    for text in (raw, exports, lines, out + err):
        assert SECRET not in text
        assert hook.url not in text


def test_a_tick_from_another_process_never_resends_a_slow_notification_and_a_killed_one_is_taken_over_at_once(  # noqa: E501
    make, mail, hook, db_path
):
    engine = make()
    incident_id = _ready(engine)
    hook.hold = True  # every post waits at the receiver: a slow notification
    context = kill_driver.fork_context()
    performer = context.Process(
        target=kill_driver.notify, args=(str(db_path), incident_id, mail.port, hook.url)
    )
    performer.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            incident = engine.incident(incident_id)
            notify = [e for e in incident.effects.values() if e.kind == "notify"]
            chats = [k for e in notify for k in e.in_flight if k.endswith("/chat")]
            if chats and sum(hook.received.values()) >= len(chats):
                break
            time.sleep(0.02)
        effect = _notify_effect(engine, incident_id)
        assert effect.in_flight, "the performer is mid-way"
        assert engine.orphaned(incident_id) == [], "on its way, not may-have-been-sent yet"
        assert engine.recover(incident_id) == 0, "its live performer owns it, however slow"
        engine.tick_all(incident_id)
        assert engine.recover(incident_id) == 0
        # The performer may still be sending its emails meanwhile: what matters is that no
        # message reached anyone twice (the tick and the recovery sent nothing again).
        counts = [*hook.received.values(), *mail.received.values()]
        assert max(counts, default=0) <= 1, "the tick sent nothing again"
        os.kill(performer.pid, signal.SIGKILL)
        performer.join()
        orphaned = engine.orphaned(incident_id)
        assert set(orphaned) == _notify_effect(engine, incident_id).in_flight
        lines = "\n".join(status_lines(engine.incident(incident_id), [], frozenset(orphaned)))
        assert lines.count("may have been sent: runbook stopped while sending it") == len(
            orphaned
        ), "before any recovery, status shows them as may have been sent"
    finally:
        hook.hold = False
        hook.release.set()
    assert engine.recover(incident_id) == 1, "taken over at once, the clock never moved"
    effect = _notify_effect(engine, incident_id)
    assert effect.result is not None
    interrupted = [
        e.key for e in engine.timeline(incident_id) if isinstance(e, ev.DeliveryInterrupted)
    ]
    assert interrupted, "what was on its way is shown as may have been sent"
    for key in effect.delivery_keys():
        assert mail.received[key] + hook.received[key] <= 1, f"{key} was never sent twice"
        outcome = effect.deliveries[key]["outcome"]
        assert outcome == ("unknown" if key in interrupted else "delivered")


def test_an_effect_claim_is_held_by_one_process_and_free_once_it_dies(tmp_path: Path):
    store = SqliteStore(tmp_path / "db.sqlite")
    other = SqliteStore(tmp_path / "db.sqlite")
    claim = store.claim("INC-ABCDEF-notify-1")
    assert claim is not None
    assert other.claim("INC-ABCDEF-notify-1") is None, "even from another connection"
    assert other.claim("INC-ABCDEF-notify-2") is not None
    claim.release()
    again = other.claim("INC-ABCDEF-notify-1")
    assert again is not None
    again.release()
    assert json.dumps(os.listdir(tmp_path / "db.sqlite.effects")).count(".lock") <= 1


def test_a_resend_is_described_as_a_possible_repeat_on_the_timeline(make, mail, hook):
    from runbook.tui.data import load_incident

    engine = make(timeout=0.5)
    incident_id = _ready(engine)
    mail.mode = "close"
    engine.notify(incident_id)
    mail.mode = "ok"
    engine.resend(incident_id, every=True)
    view = load_incident(engine, incident_id, after_seq=0)
    on_screen = "\n".join(line.text for line in view.lines)
    assert "MAY HAVE BEEN SENT" in on_screen
    assert "may be a repeat" in on_screen
    assert "Sending started" not in on_screen, "each start is left to the export"
    exported = json.loads(export_incident(engine, incident_id, "json"))["timeline"]
    starts = [e["details"] for e in exported if e["event"] == "Sending started"]
    assert any("sent again by the operator's choice" in words for words in starts)


def test_the_app_lists_each_message_that_may_have_been_sent_ticked_and_sends_them_all_again(
    make, mail, hook
):
    from runbook.tui.data import next_step
    from runbook.tui.screens.resend import ResendScreen
    from tests.test_tui import make_app, run, settle

    engine = make(timeout=0.5)
    incident_id = _ready(engine)
    mail.mode = "close"
    engine.notify(incident_id)
    mail.mode = "ok"
    keys = {m.key for m in engine.maybe_sent(incident_id)}
    assert keys

    async def body() -> None:
        app = make_app(engine, open_incident=incident_id)
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot)
            view = app.screen.view
            assert "resend" in view.allowed
            words, actions = next_step(view)
            assert actions == ["resend"]
            assert "may have been sent" in words
            await pilot.press("S")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, ResendScreen)
            assert set(dialog.chosen()) == keys, "every message is ticked at first"
            listed = [str(box.label) for box in dialog.query("Checkbox")]
            assert len(listed) == len(keys)
            assert all(" by email · " in line and "alert" in line for line in listed)
            await pilot.press("escape")  # not now: nothing is sent
            await settle(pilot)
            assert all(mail.received[key] == 1 for key in keys)
            await pilot.press("S")
            await settle(pilot)
            await pilot.press("ctrl+s")
            await settle(pilot)

    run(body)
    assert engine.maybe_sent(incident_id) == []
    assert all(mail.received[key] == 2 for key in keys)
    effect = _notify_effect(engine, incident_id)
    assert effect.repeats == keys


def test_the_app_sends_again_only_the_messages_left_ticked(make, mail, hook):
    from textual.widgets import Checkbox

    from runbook.tui.screens.resend import ResendScreen
    from tests.test_tui import make_app, run, settle

    engine = make(timeout=0.5)
    incident_id = _ready(engine)
    mail.mode = "close"
    engine.notify(incident_id)
    mail.mode = "ok"
    [first, *others] = [m.key for m in engine.maybe_sent(incident_id)]
    assert others

    async def body() -> None:
        app = make_app(engine, open_incident=incident_id)
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot)
            await pilot.press("S")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, ResendScreen)
            for box in list(dialog.query(Checkbox))[1:]:
                box.value = False  # only the first goes again
            await settle(pilot)
            await pilot.press("ctrl+s")
            await settle(pilot)

    run(body)
    assert mail.received[first] == 2
    assert all(mail.received[key] == 1 for key in others), "unticked: not sent again"
    assert {m.key for m in engine.maybe_sent(incident_id)} == set(others)
    assert _notify_effect(engine, incident_id).repeats == {first}


def test_a_resend_refusal_names_the_apps_key_not_a_command(make, mail, hook):
    from runbook.tui.wording import refusal_words

    engine = make(timeout=0.5)
    incident_id = _ready(engine)
    mail.mode = "close"
    engine.notify(incident_id)
    with pytest.raises(ActionRefused) as refused:
        engine.resend(incident_id, ["INC-NOPE/x/email"])
    assert "runbook status" in str(refused.value), "the command line names its command"
    words = refusal_words(refused.value)
    assert "is not a message that may have been sent" in words
    assert "S send again" in words
    assert "runbook" not in words
    assert "--" not in words
    with pytest.raises(ActionRefused) as unnamed:
        engine.resend(incident_id, [])
    assert "--delivery" in str(unnamed.value)
    assert "S send again" in refusal_words(unnamed.value)
    assert "--" not in refusal_words(unnamed.value)


def test_the_app_names_who_a_partly_failed_notification_did_not_reach(make, mail, hook):
    from textual.widgets import Static

    from tests.test_tui import make_app, run, settle

    engine = make()
    incident_id = _ready(engine)
    hook.mode = (403, "forbidden")
    engine.notify(incident_id)
    effect = _notify_effect(engine, incident_id)
    assert effect.result == "partial"
    person = next(who for who, _ in effect.not_done()).split(" by ")[0]

    async def body() -> None:
        app = make_app(engine, open_incident=incident_id)
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(pilot)
            summary = app.screen.query_one("#incident-summary", Static)
            text = str(summary.render())
            assert f"not reached: {person} by chat" in text
            assert "HTTP 403" in text

    run(body)


def test_the_command_line_lists_what_may_have_been_sent_and_resends_only_what_is_chosen(
    run_cli, tmp_path, workspace, clock, mail, hook
):
    engine = Engine(
        SqliteStore(tmp_path / "cli.db"),
        workspace,
        operator="amara",
        clock=clock,
        effects=kill_driver.effects(mail.port, hook.url, timeout=0.5),
    )
    incident_id = _ready(engine)
    mail.mode = "close"
    engine.notify(incident_id)
    [first, second, *_] = [m.key for m in engine.maybe_sent(incident_id)]
    engine.store.close()

    status = run_cli("status", incident_id)
    assert f"--delivery {first}" in status.stdout
    assert "may have been sent" in status.stdout
    refused = run_cli("resend", incident_id, "--delivery", "INC-NOPE/x/email")
    assert refused.returncode == 1
    assert "is not a message that may have been sent" in refused.stderr
    done = run_cli("resend", incident_id, "--delivery", first)
    assert done.returncode == 0, done.stderr
    assert f"{first}: sent again; they may now have it twice" in done.stdout
    after = run_cli("status", incident_id)
    assert f"--delivery {first}" not in after.stdout
    assert f"--delivery {second}" in after.stdout, "only what the operator chose went again"


def test_the_app_shows_one_notification_as_one_line_however_its_results_arrive(make, mail, hook):
    from textual.app import App, ComposeResult

    from runbook.tui.timeline_data import timeline_lines
    from runbook.tui.widgets.timeline import Timeline

    engine = make()
    incident_id = _ready(engine)
    engine.notify(incident_id)
    effect = _notify_effect(engine, incident_id)
    events = engine.timeline(incident_id)
    names = {p.id: p.name for p in engine.workspace.contacts.people}
    results = [e for e in events if isinstance(e, ev.NotificationsSent)]
    assert len(results) == len(effect.delivery_keys()) > 2, "one event per message"

    [line] = [x for x in timeline_lines(events, names) if x.type == "NotificationsSent"]
    people = {names[str(d["person"])] for r in results for d in r.deliveries}
    assert all(name in line.text for name in people), "the line names everyone reached"
    assert line.numbers == f"#{results[0].seq}-{results[-1].seq}"

    class Live(App[None]):
        def compose(self) -> ComposeResult:
            yield Timeline()

    async def arrive_one_by_one() -> list[str]:
        app = Live()
        async with app.run_test():
            live = app.query_one(Timeline)
            for event in events:  # results arriving one refresh at a time join the same line
                live.append(timeline_lines([event], names))
            return [x.text for x in live.lines if x.type == "NotificationsSent"]

    assert asyncio.run(arrive_one_by_one()) == [line.text]
