"""The words of an export's fixed values: states, stages, statuses, directions, categories and
what people did (the people section, a draft's steps).

The report model keeps these values as stable English ids (``kept_held``, ``in_review``,
``up``), because the JSON export is an interface tools read; the Markdown and HTML exports
show them through :func:`word`, in the language in force. Each table is marked with
:func:`runbook.i18n.N_` so the catalog has every word, each word with its sense
(``stage|pause``, see :func:`runbook.describe.common.in_context`).
"""

from __future__ import annotations

from typing import Any

from runbook.describe import describe
from runbook.describe.common import STATE_WORDS
from runbook.i18n import N_, _, in_context

STATES = STATE_WORDS
"""Lifecycle states (``runbook.model.lifecycle.STATES``)."""

STAGES = {
    "assess": N_("stage|assess"),
    "pause": N_("stage|pause"),
    "notify": N_("stage|notify"),
    "acknowledge": N_("stage|acknowledge"),
    "first_statement": N_("stage|first statement"),
    "resolve": N_("stage|resolve"),
    "draft": N_("stage|draft"),
    "approve": N_("stage|approve"),
    "review": N_("stage|review"),
}
"""Stages and measures, as the chart and checklists name them."""

POST_STATUS = {
    "resumed": N_("post|resumed"),
    "kept_held": N_("post|kept held"),
    "still_held": N_("post|still held"),
    "pause_failed": N_("post|pause failed"),
}
"""What became of a scheduled post."""

DRAFT_STATUS = {
    "published": N_("draft status|published"),
    "approved": N_("draft status|approved"),
    "in review": N_("draft status|in review"),
    "rejected": N_("draft status|rejected"),
    "draft": N_("draft status|draft"),
}
"""Where a draft stands."""

DRAFT_STEPS = {
    "started": N_("draft step|started"),
    "edited": N_("draft step|edited"),
    "submitted": N_("draft step|submitted"),
    "approved": N_("draft step|approved"),
    "rejected": N_("draft step|rejected"),
    "lint override": N_("draft step|lint override"),
    "published": N_("draft step|published"),
    "publish failed": N_("draft step|publish failed"),
}
"""A step in a draft's life (:attr:`DraftStep.action`)."""

DIRECTIONS = {
    "initial": N_("level change|initial"),
    "up": N_("level change|up"),
    "down": N_("level change|down"),
    "same": N_("level change|same"),
}
"""How a level changed."""

CATEGORIES = {
    "lifecycle": N_("chart lane|lifecycle"),
    "effect": N_("chart lane|effect"),
    "people": N_("chart lane|people"),
    "draft": N_("chart lane|draft"),
    "note": N_("chart lane|note"),
    "refusal": N_("chart lane|refusal"),
    "other": N_("chart lane|other"),
}
"""The timeline chart's lanes."""

STATEMENT_KINDS = {
    "public": N_("statement|public statement"),
    "internal": N_("statement|internal statement"),
}
"""A statement by who it is for."""


ACTIONS = {
    "IncidentDeclared": N_("declared the incident"),
    "StageSkipped": "",
    "Acknowledged": N_("did|acknowledged"),
    "ChecklistItemChecked": N_("ticked a checklist item"),
    "NoteAdded": N_("added a note"),
    "IncidentResolved": N_("resolved the incident"),
    "IncidentClosed": N_("closed the incident"),
}
"""What someone did, by event type, for the people section (``declared the incident``)."""

DRAFT_ACTIONS = {
    "started": N_("started %(draft)s"),
    "edited": N_("edited %(draft)s"),
    "submitted": N_("submitted %(draft)s"),
    "approved": N_("approved %(draft)s"),
    "rejected": N_("rejected %(draft)s"),
    "lint override": N_("lint override %(draft)s"),
    "published": N_("published %(draft)s"),
}
"""What someone did to a draft, for the people section (``approved D1 v3``)."""

EFFECT_ACTIONS = {
    "pause": N_("paused posts"),
    "notify": N_("notified people"),
    "resume": "",
    "stand_down": "",
    "publish": N_("published a statement"),
}
"""What someone asked runbook to do, by effect kind, for the people section."""


def draft_words(kind: str, data: dict[str, Any]) -> tuple[str, str]:
    """(step id, detail in the language in force) of a draft's step."""
    if kind == "DraftStarted":
        return "started", _("from template %(template)s", template=data.get("template_id"))
    if kind == "DraftEdited":
        return "edited", ""
    if kind == "DraftSubmitted":
        return "submitted", ""
    if kind == "DraftApproved":
        return "approved", _("as %(roles)s", roles=", ".join(data.get("roles") or ["-"]))
    if kind == "DraftRejected":
        return "rejected", str(data.get("comment", ""))
    if kind == "LintOverridden":
        return "lint override", _(
            "rule %(rule)s in %(variant)s: %(reason)s",
            rule=data.get("rule_id"),
            variant=data.get("variant"),
            reason=data.get("reason", ""),
        )
    if kind == "StatementPublished":
        return "published", _("on %(platforms)s", platforms=", ".join(data.get("platforms") or []))
    if kind == "EffectFailed":
        return "publish failed", str(data.get("error", ""))
    return describe(kind, {}, str, str)[0].lower(), ""


def word(table: dict[str, str], value: str | None) -> str:
    """``value`` in words in the language in force (as recorded when the table lacks it)."""
    if value is None:
        return ""
    found = table.get(value)
    return in_context(found) if found else value


def yes_no(value: bool) -> str:
    """``yes`` / ``no`` in the language in force."""
    return in_context(N_("answer|yes")) if value else in_context(N_("answer|no"))
