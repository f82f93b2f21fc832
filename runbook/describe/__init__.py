"""Each event in words, for every reader: the terminal UI's timeline, ``runbook watch`` and the
timeline export all say the same thing about an event.

:func:`describe` gives its name, one line of details and a category for the export's chart;
:func:`sentence` joins name and details for a one-line timeline; :func:`tone` says whether the
line is good news, a warning or a failure (the UI colours it and alarms on failures).
Works on the stored data (a dict), not on typed events, so a type this version does not know
(or a field added later) still shows up: unknown types get a name made from the type
(``LintOverridden`` -> ``Lint overridden``) and their fields as ``name: value`` details.
People are named through ``label`` (name or role label) and free text goes through ``scrub``.

Every fixed word is said in the language in force (:func:`runbook.i18n.using` picks another
for one export); the details of each type live in :mod:`runbook.describe.details`, those of
warnings and stakeholder updates in :mod:`runbook.describe.updates`.
"""

from __future__ import annotations

import re
from typing import Any

from runbook.describe import deliveries
from runbook.describe.details import DETAILS, Label, Scrub, generic
from runbook.i18n import N_, _, in_context
from runbook.model.proof import proof_of

__all__ = [
    "CATEGORIES",
    "HOW_HELD",
    "PROOF_WORDS",
    "Label",
    "Scrub",
    "describe",
    "generic",
    "held_words",
    "how",
    "humanise",
    "knows",
    "proof_words",
    "sentence",
    "tone",
]

CATEGORIES = ("lifecycle", "effect", "people", "draft", "note", "refusal", "other")

_NAMES = {
    "IncidentDeclared": (N_("Incident declared"), "lifecycle"),
    "SeverityAssessed": (N_("Severity assessed"), "lifecycle"),
    "StageSkipped": (N_("Stage skipped"), "lifecycle"),
    "EffectRequested": (N_("Requested"), "effect"),
    "PauseTargeted": (N_("Posts to hold listed"), "effect"),
    "PostsPaused": (N_("Posts paused"), "effect"),
    "PostsHeldByHand": (N_("Posts held by hand"), "effect"),
    "PostsResumed": (N_("Posts resumed"), "effect"),
    "NotificationsSent": (N_("Notifications sent"), "effect"),
    "StatementPublished": (N_("Statement published"), "effect"),
    "StatementPostedByHand": (N_("Statement posted by hand"), "effect"),
    "EffectFailed": (N_("Step failed"), "effect"),
    "Acknowledged": (N_("Acknowledged"), "people"),
    "Escalated": (N_("Escalated"), "people"),
    "DraftStarted": (N_("Draft started"), "draft"),
    "DraftEdited": (N_("Draft edited"), "draft"),
    "DraftSubmitted": (N_("Draft submitted"), "draft"),
    "DraftApproved": (N_("Draft approved"), "draft"),
    "ApprovalAttested": (N_("Approval attested"), "draft"),
    "LinkRefused": (N_("Approval link refused"), "refusal"),
    "DraftRejected": (N_("Draft rejected"), "draft"),
    "LintOverridden": (N_("Lint overridden"), "draft"),
    "ChecklistItemChecked": (N_("Checklist item ticked"), "note"),
    "NoteAdded": (N_("Note"), "note"),
    "WarningLinked": (N_("Declared from a warning"), "note"),
    "UpdateSent": (N_("Update sent"), "effect"),
    "UpdateFellDue": (N_("Update due"), "people"),
    "UpdateEscalated": (N_("Update overdue: escalated"), "people"),
    "ActionRefused": (N_("Action refused"), "refusal"),
    "ConfigurationChanged": (N_("Configuration changed"), "lifecycle"),
    "IncidentResolved": (N_("Incident resolved"), "lifecycle"),
    "IncidentClosed": (N_("Incident closed"), "lifecycle"),
    **deliveries.NAMES,
}
_KIND_NAMES = {
    "pause": N_("Pause requested"),
    "resume": N_("Resume requested"),
    "notify": N_("Notification requested"),
    "stand_down": N_("Stand-down requested"),
    "publish": N_("Publication requested"),
    "approval_request": N_("Approval requested"),
    "update": N_("Update requested"),
    "update_reminder": N_("Reminder requested"),
}
_SENT_NAMES = {
    "stand_down": N_("Stand-down sent"),
    "escalation": N_("Escalation sent"),
    "approval_request": N_("Approval request sent"),
    "update": N_("Update delivered"),
    "update_reminder": N_("Update reminder sent"),
}


PROOF_WORDS = {
    "login": N_("login"),
    "ssh-signature": N_("SSH signature"),
    "db-role": N_("database role"),
    "link": N_("approval link"),
    "claimed": N_("claimed, not proven"),
    "system": N_("recorded by runbook"),
}
"""Each proof method in words (as :data:`runbook.model.proof.METHOD_WORDS`), marked for the
catalog: :func:`proof_words` says one in the language in force."""

HOW_HELD = {
    "draft": N_("held as a draft"),
    "delete-and-recreate": N_("deleted, will be recreated"),
}
"""How a post is held, in words, where it is not just marked held (CLI, app, export); marked
for the catalog: :func:`held_words` says one in the language in force."""


def proof_words(method: str) -> str:
    """A proof method (``link``) in words in the language in force (``approval link``)."""
    words = PROOF_WORDS.get(method)
    return _(words) if words else method


def held_words(hold: str) -> str:
    """How a post was held (``draft``) in words in the language in force; empty when it was
    just marked held."""
    words = HOW_HELD.get(hold)
    return _(words) if words else ""


def humanise(type_name: str) -> str:
    """``LintOverridden`` -> ``Lint overridden``."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", type_name).split()
    if not words:
        return type_name or _("Event")
    return " ".join([words[0], *(w.lower() for w in words[1:])])


def describe(
    type_name: str, data: dict[str, Any], label: Label, scrub: Scrub
) -> tuple[str, str, str]:
    """(event in words, details, category) of one stored event, in the language in force."""
    known = _NAMES.get(type_name)
    name, category = known if known else (humanise(type_name), "other")
    if type_name == "EffectRequested":
        name = _KIND_NAMES.get(str(data.get("kind")), name)
        if (data.get("payload") or {}).get("escalation"):
            name = N_("Escalation requested")
    if type_name == "NotificationsSent":
        purpose = data.get("purpose") or "notify"
        if data.get("rule_id") == "stand-down":
            purpose = "stand_down"  # events recorded before ``purpose`` existed
        name = _SENT_NAMES.get(str(purpose), name)
    if type_name == "SeverityAssessed" and data.get("previous_level"):
        name = N_("Severity reassessed")
    if known or type_name == "EffectRequested":
        name = _(name)
    handler = DETAILS.get(type_name)
    try:
        details = handler(data, label, scrub) if handler else generic(data, scrub)
    except (KeyError, TypeError, ValueError, AttributeError):
        details = generic(data, scrub)  # a field changed shape: still show the event
    return name, details, category


def how(data: dict[str, Any], label: Label = str, *, accounts: bool = True) -> str:
    """How the actor of an event was proven, in a few words (``SSH signature SHA256:ab…``,
    ``claimed (typed by Tom Fletcher)``; empty for runbook's own steps; ``no proof recorded``
    for events written before proofs existed). ``accounts=False`` leaves out operating-system
    accounts and database roles (a redacted export: they can name people)."""
    raw = data.get("proof")
    if not isinstance(raw, dict):
        return _("no proof recorded")
    proof = proof_of(data)
    if proof is None:
        return _("unreadable proof")
    method = proof.method
    if method == "system":
        return ""
    if method == "claimed":
        if proof.behind:
            return _("claimed (typed by %(person)s)", person=label(proof.behind))
        if proof.account and accounts:
            return _("claimed (OS account %(account)s)", account=proof.account)
        return in_context(N_("proof|claimed"))
    words = proof_words(method)
    if method == "ssh-signature" and proof.key:
        return f"{words} {proof.key[:19]}…"
    if accounts and method == "db-role" and proof.db_role:
        return f"{words} {proof.db_role}"
    if accounts and method == "login" and proof.account:
        return f"{words} {proof.account}"
    return words


def knows(type_name: str) -> bool:
    """True when ``type_name`` has words of its own here (not the generic fallback)."""
    return type_name in _NAMES and type_name in DETAILS


def sentence(type_name: str, data: dict[str, Any], label: Label, scrub: Scrub = str) -> str:
    """``Name: details`` on one line (whitespace in free text folded)."""
    name, details, _category = describe(type_name, data, label, scrub)
    if not details:
        return name
    return " ".join(_("%(event)s: %(details)s", event=name, details=details).split())


_GOOD = frozenset(
    {
        "PostsPaused",
        "StatementPostedByHand",
        "PostsResumed",
        "NotificationsSent",
        "StatementPublished",
        "Acknowledged",
        "DraftApproved",
        "IncidentResolved",
        "IncidentClosed",
    }
)
_WARN = frozenset(
    {
        "IncidentDeclared",
        "SeverityAssessed",
        "Escalated",
        "DraftRejected",
        "LintOverridden",
        "ActionRefused",
        "ConfigurationChanged",
        "ApprovalAttested",
        "LinkRefused",
        "PostsHeldByHand",
    }
)


def tone(type_name: str, data: dict[str, Any]) -> str:
    """``bad`` (something failed: someone not reached, a post not held...), ``warn`` (the
    incident got worse or something needs a second look), ``good`` (a step done) or ``""``."""
    if type_name == "EffectFailed" or data.get("failures"):
        return "bad"
    if type_name == "DeliveryInterrupted":
        return "warn"
    outcomes = {deliveries.outcome(d) for d in data.get("deliveries", [])}
    if type_name == "NotificationsSent" and "failed" in outcomes:
        return "bad"
    if type_name == "NotificationsSent" and "unknown" in outcomes:
        return "warn"
    if type_name == "EffectRequested":
        return "warn" if (data.get("payload") or {}).get("escalation") else ""
    if type_name in _WARN:
        return "warn"
    return "good" if type_name in _GOOD else ""
