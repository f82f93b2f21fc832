"""Words for the events of warnings and stakeholder updates (see :mod:`runbook.describe`, which
uses these for every reader: the app's timeline, ``runbook watch`` and the export), in the
language in force.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runbook.i18n import _, ngettext

Label = Callable[[str], str]
Scrub = Callable[[str], str]


def warning(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    """The warning an incident was declared from: its text, sender, repeats and link."""
    count = int(data.get("count") or 1)
    text = ngettext(
        "%(summary)s (from %(sender)s)",
        "%(summary)s (from %(sender)s, received %(n)s times)",
        count,
        summary=data["summary"],
        sender=data["received_by"],
    )
    if data.get("link"):
        text += f" {data['link']}"
    return scrub(text)


def update_sent(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    """An update that went out: to whom, which draft, how, and when it was due."""
    text = _(
        "to %(audience)s: %(draft)s v%(version)s %(how)s",
        audience=data["audience"],
        draft=data["draft_id"],
        version=data["version"],
        how=data["how"],
    )
    if data.get("due_at"):
        text += " " + _("(due %(time)s UTC)", time=str(data["due_at"])[11:16])
    return scrub(text)


def update_due(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    """An update that fell due."""
    return scrub(
        _(
            "the %(audience)s update is due (%(time)s UTC)",
            audience=data["audience"],
            time=str(data["due_at"])[11:16],
        )
    )


def update_escalated(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    """An update that stayed overdue and was escalated."""
    return scrub(
        _(
            "the %(audience)s update is %(overdue)s overdue; told %(roles)s",
            audience=data["audience"],
            overdue=data["overdue"],
            roles=", ".join(data.get("to_roles") or []),
        )
    )
