"""The words the terminal UI uses: durations, countdowns, stage and target names.

Presentation only (no Textual, no rules). Events are put in words by :mod:`runbook.describe`,
shared with the export and ``runbook watch``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

STAGE_WORDS = {
    "assess": "level",
    "pause": "pause",
    "notify": "notify",
    "draft": "draft",
    "approve": "approve",
    "resolve": "resolve",
    "review": "review",
}
"""Stage ids as a comms person reads them on the stepper."""

TARGET_WORDS = {
    "acknowledge": "ack",
    "assess": "level",
    "pause": "pause",
    "notify": "notify",
    "first_statement": "statement",
    "resolve": "resolve",
}
"""Target names (playbook ``targets``: acknowledged, level set, posts paused, people notified,
first statement approved, resolved) as short words for the board."""


def clock_span(delta: timedelta) -> str:
    """A short elapsed time: ``45s``, ``12m``, ``1h05m``, ``2d3h``."""
    seconds = int(abs(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    minutes, _ = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours}h"


def since(start: datetime | None, now: datetime) -> str:
    """Elapsed time since ``start`` (``-`` when unknown)."""
    return clock_span(now - start) if start else "-"


def countdown(due: datetime, now: datetime) -> tuple[str, bool]:
    """(``in 4m`` or ``3m overdue``, overdue?)."""
    left = due - now
    if left.total_seconds() < 0:
        return f"{clock_span(left)} overdue", True
    return f"in {clock_span(left)}", False


def offset(at: datetime, opened: datetime | None) -> str:
    """Time since declaration as ``+0:12:03`` (empty when unknown)."""
    if opened is None:
        return ""
    seconds = max(0, int((at - opened).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    return f"+{hours}:{rest // 60:02d}:{rest % 60:02d}"
