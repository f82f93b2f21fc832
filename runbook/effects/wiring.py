"""Building the engine's effects from the contacts directory.

Notification channels and schedulers are configured in ``contacts/`` (secrets named by
environment variable only). What is not configured falls back to the console, so runbook works
out of the box on a laptop; drills always get the drill sink. With a scheduler configured,
publishing an approved statement hands it to the (first) scheduler as posts to go out now;
without one the console sink prints it and the statement is marked published (with its URL
when the operator gives one).
"""

from __future__ import annotations

from pathlib import Path

from runbook.clock import Clock
from runbook.effects import Effects
from runbook.effects.notify.fanout import build_channels
from runbook.effects.publisher import SchedulerPublisher
from runbook.effects.scheduler import Schedulers
from runbook.effects.scheduler.factory import build_scheduler
from runbook.effects.sinks import ConsoleSink
from runbook.loading import Workspace


def build_effects(workspace: Workspace, contacts_dir: Path, clock: Clock | None = None) -> Effects:
    """Effects for real incidents from the workspace's channels and schedulers."""
    console = ConsoleSink()
    adapters = [
        build_scheduler(name, config, contacts_dir, clock)
        for name, config in workspace.contacts.schedulers.items()
    ]
    channels = build_channels(workspace.contacts.channels)
    if not adapters:
        return Effects(scheduler=console, channels=channels, publisher=console, fallback=console)
    scheduler = Schedulers(adapters)
    publisher = SchedulerPublisher(scheduler)
    return Effects(scheduler=scheduler, channels=channels, publisher=publisher, fallback=console)
