"""Words for the events of warnings and stakeholder updates (see :mod:`runbook.describe`, which
uses these for every reader: the app's timeline, ``runbook watch`` and the export), in the
language in force.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runbook.i18n import N_, _, in_context, ngettext
from runbook.model.updates import audience_name

HOW = {
    "published": N_("update went out|published"),
    "posted by hand": N_("update went out|posted by hand"),
    "sent": N_("update went out|sent"),
}
"""How an update went out, in words (``UpdateSent.how``)."""

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
        audience=audience_name(str(data["audience"])),
        draft=data["draft_id"],
        version=data["version"],
        how=in_context(HOW[data["how"]]) if data["how"] in HOW else data["how"],
    )
    if data.get("due_at"):
        text += " " + _("(due %(time)s UTC)", time=str(data["due_at"])[11:16])
    return scrub(text)


def update_due(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    """An update that fell due."""
    return scrub(
        _(
            "the %(audience)s update is due (%(time)s UTC)",
            audience=audience_name(str(data["audience"])),
            time=str(data["due_at"])[11:16],
        )
    )


def update_escalated(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    """An update that stayed overdue and was escalated."""
    return scrub(
        _(
            "the %(audience)s update is %(overdue)s overdue; told %(roles)s",
            audience=audience_name(str(data["audience"])),
            overdue=data["overdue"],
            roles=", ".join(data.get("to_roles") or []),
        )
    )
