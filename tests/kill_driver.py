"""What a killed-and-restarted runbook process does in the crash tests: drive one incident
forward (take over what a killed process left, notify, resolve) against real receivers.

Imported once by a fork server (:func:`fork_context`), so each child starts in milliseconds
with the workspace already loaded, and the test process's server threads are never forked.
"""

from __future__ import annotations

import multiprocessing
from datetime import timedelta
from multiprocessing.context import ForkServerContext
from pathlib import Path

from runbook.effects import Effects
from runbook.effects.notify.fanout import build_channels
from runbook.effects.sinks import DrillSink
from runbook.engine import Engine
from runbook.loading import load_workspace
from runbook.model import contacts as spec
from runbook.store.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parent.parent
WORKSPACE = load_workspace([ROOT / "playbooks", ROOT / "contacts"])


def effects(mail_port: int, hook_url: str, timeout: float = 5.0) -> Effects:
    """Real email and chat channels to the test's receivers; drill sink for the rest."""
    channels = build_channels(
        {
            "email": spec.SmtpChannel(
                kind="smtp",
                host="127.0.0.1",
                port=mail_port,
                security="none",
                sender="crisis@example.com",
                timeout=timedelta(seconds=timeout),
            ),
            "chat": spec.WebhookChannel(
                kind="webhook", url_env="HOOK", timeout=timedelta(seconds=timeout)
            ),
        },
        environ={"HOOK": hook_url},
    )
    sink = DrillSink()
    return Effects(scheduler=sink, channels=channels, publisher=sink)


def engine(db: str, mail_port: int, hook_url: str, operator: str = "amara") -> Engine:
    """An engine on ``db`` reaching the receivers (real clock: a process of its own)."""
    return Engine(
        SqliteStore(db), WORKSPACE, operator=operator, effects=effects(mail_port, hook_url)
    )


def drive(db: str, incident_id: str, mail_port: int, hook_url: str) -> None:
    """Take over what a killed process left, then the next step, until resolved with
    everyone told to stand down."""
    current = engine(db, mail_port, hook_url)
    while True:
        current.recover(incident_id)
        incident = current.incident(incident_id)
        if incident.pending_effects():
            continue  # a claim still held by a process that is going away
        if incident.rules_due():
            current.notify(incident_id)
        elif incident.is_open:
            current.resolve(incident_id, "Account recovered; statement out.")
        else:
            return


def notify(db: str, incident_id: str, mail_port: int, hook_url: str) -> None:
    """Notify once (the slow performer of the second-process test)."""
    engine(db, mail_port, hook_url).notify(incident_id)


_CONTEXT: ForkServerContext | None = None


def fork_context() -> ForkServerContext:
    """The fork server every crash-test child starts from (this module preloaded)."""
    global _CONTEXT
    if _CONTEXT is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        _CONTEXT = context
    return _CONTEXT
