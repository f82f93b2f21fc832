"""Building the engine's effects from the contacts directory.

Notification channels and schedulers are configured in ``contacts/`` (secrets named by
environment variable only). What is not configured falls back to the console, so runbook works
out of the box on a laptop; drills always get the drill sink.
"""

from __future__ import annotations

from pathlib import Path

from runbook.clock import Clock
from runbook.effects import Effects
from runbook.effects.notify.fanout import build_channels
from runbook.effects.scheduler import Schedulers
from runbook.effects.scheduler.config import build_scheduler
from runbook.effects.sinks import ConsoleSink
from runbook.loading import Workspace


def build_effects(workspace: Workspace, contacts_dir: Path, clock: Clock | None = None) -> Effects:
    """Effects for real incidents from the workspace's channels and schedulers."""
    console = ConsoleSink()
    adapters = [
        build_scheduler(name, config, contacts_dir, clock)
        for name, config in workspace.contacts.schedulers.items()
    ]
    scheduler = Schedulers(adapters) if adapters else console
    channels = build_channels(workspace.contacts.channels)
    return Effects(scheduler=scheduler, channels=channels, publisher=console, fallback=console)
