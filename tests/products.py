"""A team's whole scheduling set-up for engine tests and the benchmark: a file calendar and
fakes of Postiz, Hootsuite, Buffer and Meta on 127.0.0.1, configured as contacts would."""

from __future__ import annotations

import csv
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from runbook.clock import Clock
from runbook.effects import Effects
from runbook.effects.scheduler import Schedulers
from runbook.effects.scheduler.factory import build_scheduler
from runbook.effects.scheduler.product import ProductScheduler
from runbook.effects.sinks import DrillSink
from runbook.model.schedulers import (
    BufferConfig,
    FileCalendarConfig,
    HootsuiteConfig,
    MetaConfig,
    PostizConfig,
)
from tests.fakes.buffer import FakeBuffer
from tests.fakes.hootsuite import FakeHootsuite
from tests.fakes.meta import FakeMeta
from tests.fakes.postiz import FakePostiz

TOKENS = {
    "POSTIZ_KEY": "pz-key-0001",
    "HOOTSUITE_TOKEN": "hs-token-0002",
    "BUFFER_KEY": "bf-key-0003",
    "META_TOKEN": "mt-token-0004",
}
"""Environment variables and the secrets the fakes expect (set them before use)."""
HOLD_PROFILES = ("115185509", "115185512")
"""Hootsuite profiles used: X and LinkedIn."""


@dataclass
class Products:
    """The fakes, running."""

    postiz: FakePostiz
    hootsuite: FakeHootsuite
    buffer: FakeBuffer
    meta: FakeMeta
    calendar: Path

    def configs(self, **options: Any) -> dict[str, Any]:
        """Scheduler settings as contacts hold them (``options`` for every product)."""
        return {
            "calendar": FileCalendarConfig(kind="file", path=str(self.calendar)),
            "postiz": PostizConfig(
                kind="postiz",
                base_url=f"{self.postiz.url}/public/v1",
                token_env="POSTIZ_KEY",
                requests_per_hour=100_000,
                **options,
            ),
            "hootsuite": HootsuiteConfig(
                kind="hootsuite",
                base_url=self.hootsuite.url,
                token_env="HOOTSUITE_TOKEN",
                requests_per_second=1000,
                **options,
            ),
            "buffer": BufferConfig(
                kind="buffer",
                base_url=self.buffer.url,
                token_env="BUFFER_KEY",
                organization_id="org-1",
                **options,
            ),
            "meta": MetaConfig(
                kind="meta",
                base_url=self.meta.url,
                token_env="META_TOKEN",
                page_id=self.meta.page_id,
                **options,
            ),
        }

    def effects(self, clock: Clock, only: tuple[str, ...] = (), **options: Any) -> Effects:
        """Effects whose scheduler joins the configured ones (``only``: just these)."""
        adapters = []
        for name, config in self.configs(**options).items():
            if only and name not in only:
                continue
            adapter = build_scheduler(name, config, self.calendar.parent, clock)
            if isinstance(adapter, ProductScheduler):
                adapter.client.backoff = 0.01
            adapters.append(adapter)
        sink = DrillSink()
        return Effects(scheduler=Schedulers(adapters), channels={}, publisher=sink, fallback=sink)

    def fill(self, start: datetime, each: int) -> None:
        """``each`` upcoming posts in every product and the calendar, an hour apart."""
        for i in range(each):
            when = start + timedelta(hours=i + 2)
            self.postiz.add(f"pz{i}", when, f"Postiz post {i}", ("x", "linkedin")[i % 2])
            self.hootsuite.add(f"hs{i}", when, f"Hootsuite post {i}", HOLD_PROFILES[i % 2])
            self.buffer.add(f"bf{i}", when, f"Buffer post {i}", ("instagram", "x")[i % 2])
            self.meta.add(f"fb{i}", when, f"Page post {i}")
        with self.calendar.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "channel", "scheduled_at", "text", "status"])
            for i in range(each):
                when = (start + timedelta(hours=i + 2)).isoformat()
                writer.writerow([f"cal{i}", "instagram", when, f"Calendar {i}", "scheduled"])


def start_products(stack: ExitStack, folder: Path, now: Any, latency: float = 0.0) -> Products:
    """Every fake started (stopped when ``stack`` closes), their clocks on ``now``."""
    options = {"now": now, "latency": latency}
    return Products(
        postiz=stack.enter_context(FakePostiz(TOKENS["POSTIZ_KEY"], **options)),
        hootsuite=stack.enter_context(FakeHootsuite(TOKENS["HOOTSUITE_TOKEN"], **options)),
        buffer=stack.enter_context(FakeBuffer(TOKENS["BUFFER_KEY"], "org-1", **options)),
        meta=stack.enter_context(FakeMeta(TOKENS["META_TOKEN"], **options)),
        calendar=folder / "calendar.csv",
    )
