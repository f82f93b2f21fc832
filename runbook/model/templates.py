"""Templates: the placeholders a statement template may use, and safe rendering.

Statement templates (playbooks) and notification templates (the policy's ``notifications``
section, :mod:`runbook.model.notification_templates`) share this mechanism. Templates are
operator-edited text, so they use :class:`string.Template` (``$incident_title``):
nothing in a template can execute, and every placeholder is checked when the playbook loads,
not when a stressed person renders a statement mid-crisis.
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Template

PLACEHOLDERS: dict[str, str] = {
    "incident_title": "the incident's title as declared",
    "incident_id": "the incident's id",
    "level": "the current level id (e.g. SEV1)",
    "level_name": "the current level's name (e.g. Critical)",
    "playbook_title": "the playbook's title",
    "organisation": "the organisation's name (policy.yaml)",
    "press_contact": "where journalists should write (policy.yaml)",
    "support_url": "where customers find help (policy.yaml)",
    "declared_at": "when the incident was declared (UTC, e.g. 2026-11-21 14:05 UTC)",
    "declared_date": "the date the incident was declared (e.g. 21 November 2026)",
    "next_update_at": "when this audience's next update is due (updates; e.g. 15:30 UTC)",
}
"""Every placeholder a template may use, with what it stands for."""


def template_problems(text: str, known: Mapping[str, str] = PLACEHOLDERS) -> list[str]:
    """Return what is wrong with a template's placeholders (empty when it is fine);
    ``known``: the placeholders this kind of template may use."""
    template = Template(text)
    problems = []
    if not template.is_valid():
        problems.append(
            "a '$' must start a placeholder such as $incident_title (write $$ for a dollar sign)"
        )
    for name in template.get_identifiers():
        if name not in known:
            names = ", ".join(f"${p}" for p in known)
            problems.append(f"unknown placeholder ${name}; known placeholders: {names}")
    return problems


def render(text: str, values: Mapping[str, str]) -> str:
    """Fill a checked template; unknown or missing values stay visible as ``$name``."""
    return Template(text).safe_substitute(values)
