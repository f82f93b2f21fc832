"""Building a scheduler adapter from its settings (:mod:`runbook.model.schedulers`).

The settings are pure data in the contacts; this is the one place that turns one into a
working adapter: a file calendar (a demo one written first when asked) or a scheduler's REST
API.
"""

from __future__ import annotations

import os
from pathlib import Path

from runbook.clock import Clock
from runbook.effects.scheduler import SchedulerAdapter
from runbook.model.schedulers import FileCalendarConfig, HttpSchedulerConfig


def build_scheduler(
    name: str,
    config: FileCalendarConfig | HttpSchedulerConfig,
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
