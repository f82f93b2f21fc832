"""Benchmark: once means once, and what recording each delivery on its own costs.

1. Kill trials: whole incidents (notify, then resolve with the stand-down) driven by child
   processes SIGKILLed at random moments against a real SMTP server (aiosmtpd) and a webhook
   on 127.0.0.1; after each incident, counts the messages that arrived twice without the
   operator choosing to resend them (goal: 0), and those shown as "may have been sent".
2. Deliveries per second: ``Engine.notify`` of several incidents through the same receivers
   (SQLite on disk), each delivery recorded as it starts and as it ends (this version), against
   the former path that recorded results in batches of five after sending (kept here only,
   for comparison). Goal: per-delivery within 20% of batches.

Run: ``.venv/bin/python benchmarks/bench_deliveries.py [--kills N] [--incidents N]`` (prints
figures, asserts nothing).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from runbook.effects import Effects  # noqa: E402
from runbook.effects.notify.fanout import deliver_all  # noqa: E402
from runbook.effects.sinks import DrillSink  # noqa: E402
from runbook.engine import Engine  # noqa: E402
from runbook.engine.outbox import Outbox  # noqa: E402
from runbook.model import events as ev  # noqa: E402
from runbook.model.effect_state import Effect  # noqa: E402
from runbook.model.incident import Incident  # noqa: E402
from runbook.store.sqlite import SqliteStore  # noqa: E402
from tests import kill_driver  # noqa: E402
from tests.delivery_receivers import Hook, Mail  # noqa: E402

SEV1 = {"control": "attacker", "content": "scam", "reach": "viral", "data": "exposed"}
SEV1["scope"] = "several"
FLUSH_EVERY = 5


class BatchOutbox(Outbox):
    """The former fan-out: results recorded five at a time after sending, nothing recorded
    before a message leaves (for comparison only)."""

    def _notify(self, incident: Incident, effect: Effect) -> None:
        deliveries = self.messages_for(incident, effect)
        channels = self.adapters.channel_map(sorted({m.channel for m, _ in deliveries}))
        pending: list[dict[str, Any]] = []
        lock = threading.Lock()
        batch = [0]
        run = uuid.uuid4().hex[:8]

        def flush() -> None:
            with lock:
                chunk, pending[:] = list(pending), []
                batch[0] += 1
                number = batch[0]
            if chunk:
                event = ev.NotificationsSent(
                    **self._base(incident),
                    effect_id=effect.effect_id,
                    rule_id=",".join(effect.payload.get("rules", [])),
                    deliveries=chunk,
                )
                marker = f"result:{effect.effect_id}:{effect.attempt}:{run}:{number}"
                self.ledger.record(incident.id, [event], marker)

        def on_result(result: dict[str, Any]) -> None:
            with lock:
                pending.append(result)
                full = len(pending) >= FLUSH_EVERY
            if full:
                flush()

        deliver_all(deliveries, channels, on_result=on_result)
        flush()


def _opened(db: Path, title: str, effects: Effects | None = None) -> tuple[Engine, str]:
    sink = DrillSink()
    engine = Engine(
        SqliteStore(db),
        kill_driver.WORKSPACE,
        operator="amara",
        effects=effects or Effects(scheduler=sink, channels={}, publisher=sink, fallback=sink),
    )
    incident = engine.declare("account-compromised", title)
    engine.assess(incident.id, SEV1)
    engine.pause(incident.id)
    return engine, incident.id


def kill_trials(kills: int, mail: Mail, hook: Hook, folder: Path) -> None:
    context = kill_driver.fork_context()
    chance = random.Random(7)
    killed = trials = duplicates = unknown = delivered = 0
    started = time.perf_counter()
    while killed < kills:
        trials += 1
        db = folder / f"kill-{trials}.db"
        engine, incident_id = _opened(db, f"Kill trial {trials}")
        engine.store.close()
        args = (str(db), incident_id, mail.port, hook.url)
        for _ in range(12):
            child = context.Process(target=kill_driver.drive, args=args)
            before = sum(mail.received.values()) + sum(hook.received.values())
            child.start()
            if chance.random() < 0.5:
                child.join(chance.uniform(0.02, 0.12))  # any moment
            else:  # while a message is at a receiver, on its way
                deadline = time.monotonic() + 5
                while child.is_alive() and time.monotonic() < deadline:
                    if sum(mail.received.values()) + sum(hook.received.values()) > before:
                        break
                    time.sleep(0.001)
                child.join(chance.uniform(0, 0.006))
            if child.exitcode is not None:
                break
            os.kill(child.pid, signal.SIGKILL)
            child.join()
            killed += 1
        final = context.Process(target=kill_driver.drive, args=args)
        final.start()
        final.join()
        check = kill_driver.engine(str(db), mail.port, hook.url)
        for effect in check.incident(incident_id).effects.values():
            for key in effect.delivery_keys():
                count = mail.received[key] + hook.received[key]
                if count > 1 and key not in effect.repeats:
                    duplicates += 1
                outcome = effect.deliveries.get(key, {}).get("outcome")
                unknown += outcome == "unknown"
                delivered += outcome == "delivered"
        check.store.close()
    took = time.perf_counter() - started
    print(
        f"kill trials: {killed} SIGKILLs over {trials} incidents in {took:.1f} s; "
        f"{delivered} delivered once, {unknown} shown as may have been sent; "
        f"silent duplicates: {duplicates} (goal 0)"
    )


def throughput(incidents: int, mail: Mail, hook: Hook, folder: Path, batch: bool) -> float:
    db = folder / f"rate-{'batch' if batch else 'each'}-{uuid.uuid4().hex[:6]}.db"
    effects = kill_driver.effects(mail.port, hook.url)
    opened = [_opened(db, f"Rate {i}", effects) for i in range(incidents)]
    engine = opened[0][0]
    if batch:
        engine.outbox = lambda incident: BatchOutbox(  # type: ignore[method-assign]
            engine,
            engine.effects.for_incident(incident.drill),
            engine.workspace.contacts,
            engine.clock,
        )
    count = 0
    started = time.perf_counter()
    for _, incident_id in opened:
        incident = engine.notify(incident_id)
        count += sum(len(e.deliveries) for e in incident.effects.values() if e.kind == "notify")
    took = time.perf_counter() - started
    for other, _ in opened:
        other.store.close()
    return count / took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--incidents", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    mail, hook = Mail(delay=0.004), Hook(delay=0.004)
    try:
        with tempfile.TemporaryDirectory() as folder:
            kill_trials(options.kills, mail, hook, Path(folder))
            each, batches = [], []
            for _ in range(options.rounds):  # interleaved: a busy machine hits both alike
                each.append(throughput(options.incidents, mail, hook, Path(folder), False))
                batches.append(throughput(options.incidents, mail, hook, Path(folder), True))
            best_each, best_batch = max(each), max(batches)
            print(
                f"deliveries per second (best of {options.rounds}, median): each recorded "
                f"{best_each:.0f} ({statistics.median(each):.0f}), batches of {FLUSH_EVERY} "
                f"{best_batch:.0f} ({statistics.median(batches):.0f}); ratio "
                f"{best_each / best_batch:.2f} (goal >= 0.80)"
            )
    finally:
        mail.close()
        hook.close()


if __name__ == "__main__":
    main()
