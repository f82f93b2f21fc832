"""Words for the events of single deliveries: one message started, or interrupted mid-way (see
:mod:`runbook.describe`, which uses these for every reader: the app's timeline, ``runbook
watch`` and the export), and for a delivery's outcome inside a result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runbook.i18n import N_, _

Label = Callable[[str], str]
Scrub = Callable[[str], str]

NAMES = {
    "DeliveryStarted": (N_("Sending started"), "effect"),
    "DeliveryInterrupted": (N_("May have been sent"), "effect"),
}
"""Each delivery event's name (translated where shown) and chart category."""


def started(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    """One message about to leave: to whom, by which channel, and whether it is a repeat."""
    text = _(
        "to %(person)s by %(channel)s",
        person=label(str(data.get("person", "?"))),
        channel=data.get("channel", "?"),
    )
    if data.get("repeat"):
        text += "; " + _("sent again by the operator's choice: they may receive it twice")
    return scrub(text)


def interrupted(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    """A message whose sender stopped before the answer: it may have been sent."""
    text = _(
        "to %(person)s by %(channel)s: runbook stopped while sending it, before the answer "
        "came; `runbook resend` sends it again if needed",
        person=label(str(data.get("person", "?"))),
        channel=data.get("channel", "?"),
    )
    return scrub(text)


def outcome(delivery: dict[str, Any]) -> str:
    """``delivered``, ``failed`` or ``unknown`` (may have been sent) for one delivery (older
    records say only ``ok``)."""
    found = str(delivery.get("outcome") or "")
    if found in ("delivered", "failed", "unknown"):
        return found
    return "delivered" if delivery.get("ok") else "failed"


def maybe_words(channel: str, error: str) -> str:
    """One delivery that may have been sent, in a result's details."""
    return _("%(channel)s MAY HAVE BEEN SENT (%(why)s)", channel=channel, why=error)


def repeat_words() -> str:
    """Said of a delivery the operator chose to send again."""
    return _("sent again: may be a repeat")
