"""The approval rule: who must approve a statement before it goes out.

Its own module because both the playbook (a rule per level) and the stakeholder updates (a
rule per audience, :mod:`runbook.model.updates`) use it.
"""

from __future__ import annotations

from pydantic import Field

from runbook.model.base import Id, Spec


class ApprovalRule(Spec):
    """Who must approve a statement before it goes out at a given level."""

    roles: list[Id] = Field(min_length=1)
    """Roles that must each approve (one approval from a person holding each role)."""
    min_approvals: int = Field(default=1, ge=1, le=10)
    """How many different people must approve in total."""
