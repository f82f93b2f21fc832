"""The words of an export's fixed values: states, stages, statuses, directions and categories.

The report model keeps these values as stable English ids (``kept_held``, ``in_review``,
``up``), because the JSON export is an interface tools read; the Markdown and HTML exports
show them through :func:`word`, in the language in force. Each table is marked with
:func:`runbook.i18n.N_` so the catalog has every word.
"""

from __future__ import annotations

from runbook.i18n import N_, _

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
}
"""Lifecycle states (``runbook.model.lifecycle.STATES``)."""

STAGES = {
    "assess": N_("assess"),
    "pause": N_("pause"),
    "notify": N_("notify"),
    "acknowledge": N_("acknowledge"),
    "first_statement": N_("first statement"),
    "resolve": N_("resolve"),
    "draft": N_("draft"),
    "approve": N_("approve"),
    "review": N_("review"),
}
"""Stages and measures, as the chart and checklists name them."""

POST_STATUS = {
    "resumed": N_("resumed"),
    "kept_held": N_("kept held"),
    "still_held": N_("still held"),
    "pause_failed": N_("pause failed"),
}
"""What became of a scheduled post."""

DRAFT_STATUS = {
    "published": N_("published"),
    "approved": N_("approved"),
    "in review": N_("in review"),
    "rejected": N_("rejected"),
    "draft": N_("draft"),
}
"""Where a draft stands."""

DRAFT_STEPS = {
    "started": N_("started"),
    "edited": N_("edited"),
    "submitted": N_("submitted"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "lint override": N_("lint override"),
    "published": N_("published"),
    "publish failed": N_("publish failed"),
}
"""A step in a draft's life (:attr:`DraftStep.action`)."""

DIRECTIONS = {
    "initial": N_("initial"),
    "up": N_("up"),
    "down": N_("down"),
    "same": N_("same"),
}
"""How a level changed."""

CATEGORIES = {
    "lifecycle": N_("lifecycle"),
    "effect": N_("effect"),
    "people": N_("people"),
    "draft": N_("draft"),
    "note": N_("note"),
    "refusal": N_("refusal"),
    "other": N_("other"),
}
"""The timeline chart's lanes."""

STATEMENT_KINDS = {"public": N_("public statement"), "internal": N_("internal statement")}
"""A statement by who it is for."""


def word(table: dict[str, str], value: str | None) -> str:
    """``value`` in words in the language in force (as recorded when the table lacks it)."""
    if value is None:
        return ""
    found = table.get(value)
    return _(found) if found else value


def yes_no(value: bool) -> str:
    """``yes`` / ``no`` in the language in force."""
    return _("yes") if value else _("no")
