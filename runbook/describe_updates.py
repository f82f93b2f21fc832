"""Words for the events of warnings and stakeholder updates (see :mod:`runbook.describe`, which
uses these for every reader: the app's timeline, ``runbook watch`` and the export).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Label = Callable[[str], str]
Scrub = Callable[[str], str]


def warning(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    """The warning an incident was declared from: its text, sender, repeats and link."""
    text = f"{data['summary']} (from {data['received_by']}"
    count = int(data.get("count") or 1)
    text += f", received {count} times)" if count > 1 else ")"
    if data.get("link"):
        text += f" {data['link']}"
    return scrub(text)


def update_sent(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    """An update that went out: to whom, which draft, how, and when it was due."""
    text = f"to {data['audience']}: {data['draft_id']} v{data['version']} {data['how']}"
    if data.get("due_at"):
        text += f" (due {str(data['due_at'])[11:16]} UTC)"
    return scrub(text)


def update_due(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    """An update that fell due."""
    return scrub(f"the {data['audience']} update is due ({str(data['due_at'])[11:16]} UTC)")


def update_escalated(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    """An update that stayed overdue and was escalated."""
    roles = ", ".join(data.get("to_roles") or [])
    return scrub(f"the {data['audience']} update is {data['overdue']} overdue; told {roles}")
