"""kill -9 over whole incidents against a real mail server and webhook: every message goes
out once, or is shown as "may have been sent" and goes again only by the operator's choice.

Each child process drives the incident forward (takes over what the killed one left, notifies,
resolves with the stand-down) and is SIGKILLed at a random moment; children start from a fork
server (:mod:`tests.kill_driver`), so hundreds of kills take seconds."""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

import pytest

from runbook.effects.sinks import DrillSink
from runbook.engine import Engine
from runbook.model import events as ev
from runbook.model.incident import Incident
from runbook.store.sqlite import SqliteStore
from tests import kill_driver
from tests.delivery_receivers import Hook, Mail
from tests.test_engine import SEV1_ACCOUNT

KILLS = int(os.environ.get("RUNBOOK_KILLS", "200"))
"""SIGKILLs in all, across incidents."""
MOST_PER_INCIDENT = 25


@pytest.fixture
def mail():
    server = Mail(delay=0.004)
    yield server
    server.close()


@pytest.fixture
def hook():
    server = Hook(delay=0.004)
    yield server
    server.close()


def _opened(db: Path, title: str) -> str:
    """An incident assessed SEV1 with its (simulated) pause done, ready to notify."""
    sink = DrillSink()
    from runbook.effects import Effects

    engine = Engine(
        SqliteStore(db),
        kill_driver.WORKSPACE,
        operator="amara",
        effects=Effects(scheduler=sink, channels={}, publisher=sink, fallback=sink),
    )
    incident = engine.declare("account-compromised", title)
    engine.assess(incident.id, SEV1_ACCOUNT)
    engine.pause(incident.id)
    engine.store.close()
    return incident.id


def _total(mail: Mail, hook: Hook) -> int:
    return sum(mail.received.values()) + sum(hook.received.values())


def _received(mail: Mail, hook: Hook, key: str) -> int:
    return mail.received[key] + hook.received[key]


def _check_once_or_unknown(incident: Incident, mail: Mail, hook: Hook) -> list[str]:
    """Every delivery is settled; none was sent twice unless the operator chose it; a
    delivered one arrived once; one never received is shown as may have been sent. Returns
    the keys shown as may have been sent."""
    unknown = []
    for effect in incident.effects.values():
        assert effect.result is not None, f"{effect.effect_id} was finished by a restart"
        for key in effect.delivery_keys():
            delivery = effect.deliveries.get(key)
            assert delivery is not None, f"{key} has a result"
            count = _received(mail, hook, key)
            if key not in effect.repeats:
                assert count <= 1, f"{key} arrived {count} times and nobody chose to resend it"
            if delivery["outcome"] == "delivered":
                assert count >= 1, f"{key} is recorded delivered and arrived"
            else:
                assert delivery["outcome"] == "unknown", (key, delivery)
                unknown.append(key)
    return unknown


@pytest.mark.slow
def test_hundreds_of_kills_over_whole_incidents_never_send_a_message_twice_silently(
    tmp_path: Path, mail: Mail, hook: Hook
):
    context = kill_driver.fork_context()
    chance = random.Random(int(os.environ.get("RUNBOOK_KILL_SEED", "20")))
    kills = 0
    trials = 0
    interrupted = 0
    repeats = 0
    while kills < KILLS:
        trials += 1
        db = tmp_path / f"incident-{trials}.db"
        incident_id = _opened(db, f"Hacked account, trial {trials}")
        args = (str(db), incident_id, mail.port, hook.url)
        for _ in range(MOST_PER_INCIDENT):
            child = context.Process(target=kill_driver.drive, args=args)
            before = _total(mail, hook)
            child.start()
            if chance.random() < 0.5:
                child.join(chance.uniform(0.02, 0.12))  # any moment
            else:  # while a message is at a receiver, on its way
                deadline = time.monotonic() + 5
                while _total(mail, hook) == before and child.is_alive():
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.001)
                child.join(chance.uniform(0, 0.006))
            if child.exitcode is not None:
                break  # the incident is finished
            os.kill(child.pid, signal.SIGKILL)
            child.join()
            kills += 1
        final = context.Process(target=kill_driver.drive, args=args)
        final.start()
        final.join(120)
        assert final.exitcode == 0, "a restart finishes the incident"

        engine = kill_driver.engine(str(db), mail.port, hook.url)
        incident = engine.incident(incident_id)
        assert incident.state == "resolved"
        unknown = _check_once_or_unknown(incident, mail, hook)
        shown = {m.key for m in engine.maybe_sent(incident_id)}
        assert shown == set(unknown), "every message that may have been sent is shown"
        cut = [e.key for e in engine.timeline(incident_id) if isinstance(e, ev.DeliveryInterrupted)]
        assert len(cut) == len(set(cut)), "each interrupted message is recorded once"
        interrupted += len(cut)
        if unknown:  # the operator chooses to send them again: recorded repeats
            incident = engine.resend(incident_id, every=True)
            again = _check_once_or_unknown(incident, mail, hook)
            assert again == [], "the re-sent messages were delivered"
            for effect in incident.effects.values():
                assert effect.repeats <= set(unknown)
                repeats += len(effect.repeats)
        assert engine.verify(incident_id).ok
        engine.store.close()
    assert kills >= KILLS
    assert interrupted > 0, "some kills landed while a message was on its way"
    print(f"{kills} kills over {trials} incidents; {interrupted} interrupted; {repeats} resent")
