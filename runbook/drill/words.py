"""How a drill says durations, offsets and its fixed values in the language in force.

English keeps the forms scenarios are written in (``4m``, ``T+12m``, ``1h30m``); French reads
``4 min``, ``T+12 min``, ``1 h 30 min``. The report's data keeps stable English ids (``met``,
``refused``, ``yes``) for the JSON format; the Markdown and HTML reports show them through
:func:`word`. Each table is marked with :func:`runbook.i18n.N_` for the catalog, each word
with its sense (``stage|pause``, see :func:`runbook.describe.common.in_context`).
"""

from __future__ import annotations

from datetime import timedelta

from runbook.describe.common import STATE_WORDS
from runbook.i18n import N_, current_language, in_context
from runbook.model.base import format_duration

_FRENCH_UNITS = (("j", 86400), ("h", 3600), ("min", 60), ("s", 1))

STATUSES = {
    "met": N_("expectation|met"),
    "missed": N_("expectation|missed"),
    "pending": N_("expectation|pending"),
}
"""An expectation's status."""

TARGET_VERDICTS = {
    "met": N_("target|met"),
    "missed": N_("target|missed"),
    "not reached": N_("target|not reached"),
}
"""A playbook target's verdict."""

OUTCOMES = {"done": N_("action|done"), "refused": N_("action|refused")}
"""What the engine did with a participant's action."""

ASKERS = {"journalist": N_("inject|journalist"), "regulator": N_("inject|regulator")}
"""Who asks, in an inquiry inject."""

ANSWERS = {"yes": N_("answer|yes"), "no": N_("answer|no")}
"""Yes and no."""

STATES = {**STATE_WORDS, "not started": N_("state|not started")}
"""The drill incident's lifecycle state."""

STAGES = {
    "assess": N_("stage|assess"),
    "pause": N_("stage|pause"),
    "notify": N_("stage|notify"),
    "acknowledge": N_("stage|acknowledge"),
    "first_statement": N_("stage|first statement"),
    "draft": N_("stage|draft"),
    "approve": N_("stage|approve"),
    "resolve": N_("stage|resolve"),
    "review": N_("stage|review"),
}
"""Playbook stages and targets."""

INJECT_KINDS = {
    "message": N_("inject kind|message"),
    "social_post": N_("inject kind|social_post"),
    "inquiry": N_("inject kind|inquiry"),
    "new_fact": N_("inject kind|new_fact"),
}
"""An inject's kind: English shows the id scenarios are written with; French says it."""


def word(table: dict[str, str], value: str) -> str:
    """``value`` in words in the language in force (as recorded when the table lacks it)."""
    found = table.get(value)
    return in_context(found) if found else value


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
