"""Benchmark: one pause holding 1,000 posts spread over Postiz, Hootsuite, Buffer and Meta.

The fakes of the four products' APIs (``tests/fakes/``, the ones the tests use) run on
127.0.0.1 and take 20 ms per request; 250 posts wait in each. ``Engine.pause`` lists them,
records them (Hootsuite's and Meta's posts whole, before any delete), holds them and reads
their statuses back, as a real incident does; the SQLite event log is a real file.

Figures: the pause's wall time (goal < 3 s), and per product the requests made per post held
next to the fewest the product's API allows for the same job (list, hold, confirm), so the
overhead of runbook's safety steps is visible. A second run applies Hootsuite's documented
pace (20 requests a second) to show what that limit costs. Postiz Cloud's 30 requests an hour
is not run: it holds at most 28 posts an hour (a listing before and after; see the README).

Run: ``.venv/bin/python benchmarks/bench_schedulers.py`` (prints figures, asserts nothing).
"""

from __future__ import annotations

import math
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runbook.clock import SimulatedClock  # noqa: E402
from runbook.engine import Engine  # noqa: E402
from runbook.loading import load_workspace  # noqa: E402
from runbook.store.sqlite import SqliteStore  # noqa: E402
from tests.products import TOKENS, start_products  # noqa: E402
from tests.test_engine import SEV1_ACCOUNT  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EACH = 250
LATENCY = 0.020


HOLDS_AT_LEAST = {
    "postiz": EACH,  # one status change per post: no bulk call
    "hootsuite": EACH,  # one DELETE per message: no bulk call
    "buffer": math.ceil(EACH / 30),  # editPost aliased, 30 to a request (Buffer's alias limit)
    "meta": math.ceil(EACH / 50),  # the Graph batch endpoint takes 50 requests per call
}
"""The fewest requests each API allows to hold ``EACH`` posts (listing and confirming aside)."""


def listing_cost(adapter: object, fake: object) -> int:
    """Requests one listing takes now."""
    before = len(fake.seen)  # type: ignore[attr-defined]
    adapter.list_posts()  # type: ignore[attr-defined]
    return len(fake.seen) - before  # type: ignore[attr-defined]


def run(hootsuite_pace: int) -> None:
    for name, value in TOKENS.items():
        os.environ[name] = value
    workspace = load_workspace([ROOT / "playbooks", ROOT / "contacts"])
    clock = SimulatedClock(datetime.now(UTC).replace(microsecond=0))
    with ExitStack() as stack, tempfile.TemporaryDirectory() as folder:
        products = start_products(stack, Path(folder), clock.now, latency=LATENCY)
        products.fill(clock.now(), EACH)
        names = ("postiz", "hootsuite", "buffer", "meta")
        effects = products.effects(clock, only=names)
        hootsuite = effects.scheduler.adapters["hootsuite"]
        hootsuite.client._gap = 1.0 / hootsuite_pace
        fakes = {
            "postiz": products.postiz,
            "hootsuite": products.hootsuite,
            "buffer": products.buffer,
            "meta": products.meta,
        }
        adapters = effects.scheduler.adapters
        listing = {name: listing_cost(adapters[name], fakes[name]) for name in names}
        for name in names:
            fakes[name].seen.clear()
        engine = Engine(
            SqliteStore(Path(folder) / "db.sqlite"),
            workspace,
            operator="amara",
            clock=clock,
            effects=effects,
        )
        incident = engine.declare("account-compromised", "Hacked")
        engine.assess(incident.id, SEV1_ACCOUNT)
        started = time.perf_counter()
        held = engine.pause(incident.id)
        wall = time.perf_counter() - started
        engine.store.close()
        made = {name: len(fakes[name].seen) for name in names}
        # The fewest: one listing before, the holds, one listing after to confirm.
        least = {
            name: listing[name] + HOLDS_AT_LEAST[name] + listing_cost(adapters[name], fakes[name])
            for name in names
        }
    print(
        f"    pause of {len(held.paused_posts):,} posts ({EACH} per product), "
        f"{LATENCY * 1e3:.0f} ms per request, Hootsuite paced at {hootsuite_pace}/s: "
        f"{wall:.2f} s   (goal < 3 s)"
    )
    print("    product     requests  per post held  fewest the API allows  per post")
    for name in names:
        print(
            f"    {name:10} {made[name]:9d} {made[name] / EACH:14.3f} {least[name]:22d} "
            f"{least[name] / EACH:9.3f}"
        )


def main() -> None:
    print("(a) self-hosted Postiz and raised limits (Hootsuite paced at 1,000 requests/s)")
    run(1000)
    print("(b) Hootsuite at its documented 20 requests a second")
    run(20)


if __name__ == "__main__":
    main()
