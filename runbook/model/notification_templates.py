"""Notification templates: every kind of message runbook sends people, and their placeholders.

Each kind (a notification, an escalation, an approval request, a stand-down, ...) has a
subject and a body written with ``$placeholders`` (:mod:`runbook.model.templates`: safe
substitution, every placeholder checked when the file loads). Runbook ships a template for
every kind in every language it speaks (:mod:`runbook.model.notification_defaults`); the
policy's ``notifications`` section may replace any of them, per language, and names the
organisation's own roles, so nobody is told to route questions to a role the organisation
does not have.

Fragments (the acknowledgement instructions, the approval link or terminal instructions) are
templates too: they are rendered first and put into the message through a placeholder.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import Field, model_validator

from runbook.i18n import _
from runbook.model.base import Id, ProblemList, Spec
from runbook.model.templates import template_problems

Language = Literal["en", "fr"]
"""A language runbook writes messages in."""
LANGUAGES: tuple[str, ...] = get_args(Language)

Kind = Literal[
    "notification",
    "escalation",
    "acknowledge",
    "acknowledge_within",
    "approval_request",
    "approval_link",
    "approval_no_link",
    "stand_down",
    "update",
    "update_reminder",
    "update_overdue",
]
"""Every kind of message (or fragment of one) runbook writes to people."""
KINDS: tuple[str, ...] = get_args(Kind)

FRAGMENTS = frozenset({"acknowledge", "acknowledge_within", "approval_link", "approval_no_link"})
"""Kinds that are part of another message (body only, no subject)."""

COMMON: dict[str, str] = {
    "drill": "[DRILL] (or [EXERCICE]) followed by a space in a drill, empty otherwise",
    "incident_id": "the incident's id",
    "incident_title": "the incident's title as declared",
    "level": "the current level id (e.g. SEV1)",
    "level_name": "the current level's name (e.g. Critical)",
    "playbook_title": "the playbook's title",
    "playbook_version": "the playbook's version the incident runs",
    "organisation": "the organisation's name (policy.yaml)",
    "press_contact": "where journalists should write (policy.yaml)",
    "support_url": "where customers find help (policy.yaml)",
    "declared_at": "when the incident was declared, in the recipient's language",
    "declared_date": "the date the incident was declared, in the recipient's language",
    "person_name": "the recipient's full name",
    "person_id": "the recipient's id (what they type after --as)",
    "roles": "the roles the recipient is addressed as, in the organisation's words",
    "media_contact": "who media questions go to (notifications.media_role's name, else the "
    "press contact)",
}
"""Placeholders every notification template may use."""

SPECIFIC: dict[str, dict[str, str]] = {
    "notification": {
        "asks": "what is asked of the recipient (the notify rules' messages, with a heading)",
        "acknowledge": "how to acknowledge (the acknowledge or acknowledge_within fragment)",
    },
    "acknowledge": {
        "ack_command": "the command that acknowledges (runbook ack INC-1 --as amara)",
    },
    "acknowledge_within": {
        "ack_command": "the command that acknowledges (runbook ack INC-1 --as amara)",
        "ack_within": "how soon they must acknowledge (15 min)",
    },
    "approval_request": {
        "draft_id": "the draft's id (D1)",
        "version": "the version to approve",
        "how_to_approve": "the approval_link or approval_no_link fragment",
    },
    "approval_link": {
        "link": "the recipient's personal approval link",
        "expires_at": "when the link stops working, in the recipient's language",
    },
    "approval_no_link": {
        "why_no_link": "why no personal link is included (a drill, a channel that is not private)",
        "show_command": "the command that shows the draft",
        "approve_command": "the command that approves it",
    },
    "stand_down": {"summary": "the resolution summary the operator wrote"},
    "update": {
        "update_title": "the update's title",
        "update_text": "the approved text, exactly as approved",
    },
    "update_reminder": {
        "audience": "the audience the update is for",
        "due_at": "when it is due, in the recipient's language",
        "every": "how often the playbook asks for one at this level (30 min)",
        "draft_command": "the command that starts it",
    },
}
SPECIFIC["escalation"] = SPECIFIC["notification"]
SPECIFIC["update_overdue"] = SPECIFIC["update_reminder"]


def placeholders(kind: str) -> dict[str, str]:
    """Every placeholder a template of ``kind`` may use, with what it stands for."""
    return {**COMMON, **SPECIFIC.get(kind, {})}


class MessageTemplate(Spec):
    """One kind of message in one language: a subject and a body with $placeholders."""

    subject: str = Field(default="", max_length=300)
    """The subject line (email subject, first line of a chat message); fragments have none."""
    body: str = Field(min_length=1)
    """The text of the message."""


RoleName = str | dict[Language, str]
"""A role's name: one for every language, or one per language (``en:``, ``fr:``)."""


class Notifications(Spec):
    """How runbook words its messages to people (the policy's ``notifications`` section)."""

    media_role: Id | None = None
    """The role media questions go to (its name fills ``$media_contact``; else the
    organisation's press contact)."""
    role_names: dict[Id, RoleName] = {}
    """Roles as the organisation calls them (``pr_director: {en: Head of PR, fr: Directrice
    des relations presse}``); a role not named here is written as its id."""
    templates: dict[Language, dict[Kind, MessageTemplate]] = {}
    """Per language, the kinds of message written the organisation's way (the others keep
    runbook's wording)."""

    @model_validator(mode="after")
    def _placeholders_are_known(self) -> Notifications:
        problems = ProblemList()
        for language, kinds in self.templates.items():
            for kind, template in kinds.items():
                known = placeholders(kind)
                if kind in FRAGMENTS and template.subject:
                    problems.add(
                        ("templates", language, kind, "subject"),
                        _("%(kind)s is part of another message and has no subject", kind=kind),
                    )
                for field in ("subject", "body"):
                    for problem in template_problems(getattr(template, field), known):
                        problems.add(("templates", language, kind, field), problem)
        problems.raise_if_any()
        return self

    def role_name(self, role: str, language: str) -> str:
        """``role`` as the organisation calls it in ``language`` (else its id)."""
        named = self.role_names.get(role)
        if isinstance(named, str):
            return named
        if named:
            found = next((text for lang, text in named.items() if lang == language), "")
            return found or next(iter(named.values()))
        return role

    def template(self, kind: str, language: str) -> MessageTemplate | None:
        """The organisation's own template for ``kind`` in ``language``, if it wrote one."""
        for written, kinds in self.templates.items():
            if written == language:
                return next((t for k, t in kinds.items() if k == kind), None)
        return None
