"""Outreach specs of a playbook: who must hear about an incident (notify rules) and which
statements to prepare (draft templates).

These are the parts of a playbook that turn into words sent to people: a notify rule's ask
and a draft template's text are operator-written templates whose placeholders are checked when
the playbook loads. They live apart from :mod:`runbook.model.playbook`, which holds how a
crisis is sized and staged (severity, pauses, checklists, targets) and checks the references
between all the parts.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from runbook.i18n import _
from runbook.model.base import Duration, Id, ProblemList, Spec
from runbook.model.templates import template_problems


class NotifyRule(Spec):
    """Who must hear about the incident at which levels, how, and how fast."""

    id: Id
    """Name of the rule, shown on the timeline."""
    levels: list[Id] = Field(min_length=1)
    """Levels at which this rule applies."""
    roles: list[Id] = Field(min_length=1)
    """Roles to notify (resolved to people through contacts and on-call rotations)."""
    via: list[Id] = Field(min_length=1)
    """Channels to use, as configured in contacts (``email``, ``chat``)."""
    ack_within: Duration | None = None
    """If nobody acknowledges within this time, escalate."""
    escalate_to: list[Id] = []
    """Roles to notify when nobody acknowledged in time."""
    message: str | dict[Literal["en", "fr"], str] = ""
    """What is asked of the recipients (e.g. "join the bridge"), placeholders allowed; or one
    text per language (``en:``, ``fr:``): each recipient reads it in their language."""

    @model_validator(mode="after")
    def _escalation_needs_timer(self) -> NotifyRule:
        if self.escalate_to and self.ack_within is None:
            raise ValueError(_("escalate_to needs ack_within (how long to wait before escalating)"))
        if isinstance(self.message, str):
            _check_template(self.message)
        else:
            problems = ProblemList()
            for language, text in self.message.items():
                for problem in template_problems(text):
                    problems.add(("message", language), problem)
            problems.raise_if_any()
        return self

    def message_in(self, language: str) -> str:
        """What is asked, in ``language`` (else the first language given)."""
        if isinstance(self.message, str):
            return self.message
        found = next((text for lang, text in self.message.items() if lang == language), "")
        return found or next(iter(self.message.values()), "")


Audience = Literal["public", "internal"]


class DraftTemplate(Spec):
    """A statement to prepare: a public holding statement, an internal advisory, ..."""

    id: Id
    """Name of the template (``holding``)."""
    title: str = Field(min_length=1)
    """What the statement is, in plain words."""
    audience: Audience
    """``public`` (posted by the brand) or ``internal`` (staff only)."""
    platforms: list[Id] = Field(min_length=1)
    """Where it goes: platform ids from policy.yaml (``x``, ``linkedin``, ``intranet``)."""
    text: str | dict[Id, str]
    """The statement, with $placeholders; or one text per language (``en:``, ``fr:``)."""

    @field_validator("text")
    @classmethod
    def _placeholders_are_known(cls, text: str | dict[str, str]) -> str | dict[str, str]:
        if isinstance(text, str):
            if not text.strip():
                raise ValueError(_("the statement text is empty"))
            _check_template(text)
            return text
        if not text:
            raise ValueError(_("give at least one language, e.g. en: ..."))
        problems = ProblemList()
        for language, body in text.items():
            if not body.strip():
                problems.add((language,), _("the statement text is empty"))
            for problem in template_problems(body):
                problems.add((language,), problem)
        problems.raise_if_any()
        return text

    @property
    def languages(self) -> dict[str, str]:
        """The text per language (a single text is language ``default``)."""
        return {"default": self.text} if isinstance(self.text, str) else dict(self.text)


def _check_template(text: str) -> None:
    problems = template_problems(text)
    if problems:
        raise ValueError("; ".join(problems))
