"""Building a scheduler adapter from its settings (:mod:`runbook.model.schedulers`).

The settings are pure data in the contacts; this is the one place that turns one into a
working adapter: a file calendar (a demo one written first when asked), a scheduler's generic
REST API, or a product's own API (Postiz, Hootsuite, Buffer, Meta).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from runbook.clock import Clock
from runbook.effects.scheduler import SchedulerAdapter
from runbook.model.schedulers import (
    PRODUCT_URLS,
    BufferConfig,
    FileCalendarConfig,
    HootsuiteConfig,
    HttpSchedulerConfig,
    PostizConfig,
    ProductSchedulerConfig,
)


def build_scheduler(
    name: str,
    config: FileCalendarConfig | HttpSchedulerConfig | ProductSchedulerConfig,
    base_dir: str | Path,
    clock: Clock | None = None,
) -> SchedulerAdapter:
    """The adapter for ``config``; relative calendar paths are resolved against ``base_dir``."""
    if isinstance(config, FileCalendarConfig):
        from runbook.effects.scheduler.file_calendar import FileCalendar

        path = Path(config.path).expanduser()
        if not path.is_absolute():
            path = Path(os.path.abspath(Path(base_dir) / path))
        if config.demo:
            from datetime import UTC, datetime

            from runbook.effects.scheduler.demo import ensure_demo_calendar

            now = clock.now() if clock is not None else datetime.now(UTC)
            ensure_demo_calendar(path, config.demo, now)
        return FileCalendar(name, path, clock=clock, format=config.resolved_format)
    if not isinstance(config, HttpSchedulerConfig):
        return build_product(name, config, clock)
    from runbook.effects.scheduler.http import HttpScheduler

    return HttpScheduler(
        name,
        config.base_url,
        token_env=config.token_env,
        timeout=config.timeout.total_seconds(),
        page_size=config.page_size,
        max_retries=config.max_retries,
        concurrency=config.concurrency,
        clock=clock,
    )


def build_product(
    name: str, config: ProductSchedulerConfig, clock: Clock | None = None
) -> SchedulerAdapter:
    """The adapter for a scheduling product's own API."""
    from runbook.effects.scheduler.api import ApiClient

    def client(product: str, **options: Any) -> ApiClient:
        return ApiClient(
            product,
            config.base_url or PRODUCT_URLS[config.kind],
            token_env=config.token_env,
            timeout=config.timeout.total_seconds(),
            max_retries=config.max_retries,
            **options,
        )

    if isinstance(config, PostizConfig):
        from runbook.effects.scheduler.postiz import PostizScheduler

        return PostizScheduler(
            name,
            client("Postiz", auth="raw", budget=(config.requests_per_hour, 3600)),
            horizon_days=config.horizon_days,
            concurrency=config.concurrency,
            clock=clock,
        )
    if isinstance(config, HootsuiteConfig):
        from runbook.effects.scheduler.hootsuite import HootsuiteScheduler

        return HootsuiteScheduler(
            name,
            client("Hootsuite", per_second=config.requests_per_second),
            horizon_days=config.horizon_days,
            social_profile_ids=config.social_profile_ids,
            concurrency=config.concurrency,
            clock=clock,
        )
    if isinstance(config, BufferConfig):
        from runbook.effects.scheduler.buffer import BufferScheduler

        return BufferScheduler(
            name,
            client("Buffer", budget=(config.requests_per_15_minutes, 900)),
            organization_id=config.organization_id,
            batch=config.batch,
            concurrency=config.concurrency,
            clock=clock,
        )
    from runbook.effects.scheduler.meta import RATE_LIMIT_CODES, MetaScheduler, regain_wait

    return MetaScheduler(
        name,
        client("Meta", transient_codes=RATE_LIMIT_CODES, wait_header=regain_wait),
        page_id=config.page_id,
        graph_version=config.graph_version,
        concurrency=config.concurrency,
        clock=clock,
    )
