"""How a drill says durations, offsets and its fixed values in the language in force.

English keeps the forms scenarios are written in (``4m``, ``T+12m``, ``1h30m``); French reads
``4 min``, ``T+12 min``, ``1 h 30 min``. The report's data keeps stable English ids (``met``,
``refused``, ``yes``) for the JSON format; the Markdown and HTML reports show them through
:func:`word`. Each table is marked with :func:`runbook.i18n.N_` for the catalog.
"""

from __future__ import annotations

from datetime import timedelta

from runbook.i18n import N_, _, current_language
from runbook.model.base import format_duration

_FRENCH_UNITS = (("j", 86400), ("h", 3600), ("min", 60), ("s", 1))

STATUSES = {"met": N_("met"), "missed": N_("missed"), "pending": N_("pending")}
"""An expectation's status."""

TARGET_VERDICTS = {"met": N_("met"), "missed": N_("missed"), "not reached": N_("not reached")}
"""A playbook target's verdict."""

OUTCOMES = {"done": N_("done"), "refused": N_("refused")}
"""What the engine did with a participant's action."""

ASKERS = {"journalist": N_("journalist"), "regulator": N_("regulator")}
"""Who asks, in an inquiry inject."""

ANSWERS = {"yes": N_("yes"), "no": N_("no")}
"""Yes and no."""

STATES = {
    "declared": N_("declared"),
    "assessed": N_("assessed"),
    "paused": N_("paused"),
    "notified": N_("notified"),
    "drafting": N_("drafting"),
    "in_review": N_("in review"),
    "approved": N_("approved"),
    "resolved": N_("resolved"),
    "closed": N_("closed"),
    "not started": N_("not started"),
}
"""The drill incident's lifecycle state."""

STAGES = {
    "assess": N_("assess"),
    "pause": N_("pause"),
    "notify": N_("notify"),
    "acknowledge": N_("acknowledge"),
    "first_statement": N_("first statement"),
    "draft": N_("draft"),
    "approve": N_("approve"),
    "resolve": N_("resolve"),
    "review": N_("review"),
}
"""Playbook stages and targets."""

INJECT_KINDS = {
    "message": N_("message"),
    "social_post": N_("social_post"),
    "inquiry": N_("inquiry"),
    "new_fact": N_("new_fact"),
}
"""An inject's kind: English shows the id scenarios are written with; French says it."""


def word(table: dict[str, str], value: str) -> str:
    """``value`` in words in the language in force (as recorded when the table lacks it)."""
    found = table.get(value)
    return _(found) if found else value


def duration(delta: timedelta) -> str:
    """``1h30m`` / ``1 h 30 min``."""
    if current_language() != "fr":
        return format_duration(delta)
    total = int(delta.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    parts = []
    for unit, size in _FRENCH_UNITS:
        if total >= size:
            parts.append(f"{total // size} {unit}")
            total %= size
    return sign + (" ".join(parts) or "0 s")


def span(delta: timedelta | None) -> str:
    """A time taken: ``4m`` (``0m`` for none at all; ``-`` when there is none)."""
    if delta is None:
        return "-"
    if not delta:
        return "0 min" if current_language() == "fr" else "0m"
    return duration(delta)


def offset(delta: timedelta) -> str:
    """A time from the start: ``T+8m`` / ``T+8 min`` (``T+0`` at the start)."""
    return "T+" + ("0" if not delta else duration(delta))
