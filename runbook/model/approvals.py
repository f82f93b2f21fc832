"""Who must approve a statement, and whether a draft is approved.

The playbook's ``approval`` rule for the incident's current level names roles that must each
approve and a minimum number of different approvers. Approvals bind to the draft's content
hash: an edit makes earlier approvals stale. The author and the last editor of a draft may
never approve it (four-eyes rule). Because the rule is looked up at the current level,
reassessing to a stricter level re-opens approval of drafts that no longer qualify.
"""

from __future__ import annotations

from dataclasses import dataclass

from runbook.model.incident import Draft, Incident
from runbook.model.playbook import ApprovalRule


@dataclass(frozen=True)
class Requirement:
    """What a draft still needs."""

    roles: list[str]
    """Roles that must each approve."""
    min_approvals: int
    missing_roles: list[str]
    """Required roles nobody with a current approval holds."""
    approvers: list[str]
    """People whose approval of the current content counts."""

    @property
    def complete(self) -> bool:
        """True when every role approved and enough people did."""
        return not self.missing_roles and len(self.approvers) >= self.min_approvals

    def describe(self) -> str:
        """What is still needed, in words."""
        if self.complete:
            return "approved"
        needs = []
        if self.missing_roles:
            needs.append("approval from " + ", ".join(self.missing_roles))
        short = self.min_approvals - len(self.approvers)
        if short > 0:
            needs.append(f"{short} more approver(s)")
        return "needs " + " and ".join(needs)


def rule_for(incident: Incident, draft: Draft) -> ApprovalRule:
    """The approval rule for ``draft`` at the incident's current level, with the review roles
    its content calls for (legal-review topics in the policy) added."""
    assert incident.playbook is not None
    assert incident.level is not None
    rule = incident.playbook.approval[incident.level]
    extra = [f.review_role for f in incident.lint(draft) if f.review_role]
    if not extra or set(extra) <= set(rule.roles):
        return rule
    roles = list(dict.fromkeys([*rule.roles, *extra]))
    return ApprovalRule(roles=roles, min_approvals=rule.min_approvals)


def requirement(incident: Incident, draft: Draft) -> Requirement:
    """What ``draft`` needs at the incident's current level."""
    rule = rule_for(incident, draft)
    current = draft.current_approvals()
    covered = {role for approval in current for role in approval.roles}
    return Requirement(
        roles=list(rule.roles),
        min_approvals=rule.min_approvals,
        missing_roles=[role for role in rule.roles if role not in covered],
        approvers=list(dict.fromkeys(a.person for a in current)),
    )


def is_approved(incident: Incident, draft: Draft) -> bool:
    """True when the current content of ``draft`` has every approval it needs."""
    if incident.playbook is None or incident.level is None:
        return False
    return requirement(incident, draft).complete


def approval_refusal(
    incident: Incident, draft: Draft, person: str, person_roles: set[str]
) -> str | None:
    """Why ``person`` may not approve ``draft`` now, or None if they may."""
    if not draft.submitted:
        return f"draft {draft.draft_id} v{draft.version} is not submitted for approval"
    if person == draft.author:
        return (
            f"{person} wrote draft {draft.draft_id}; the author may not approve it (four-eyes rule)"
        )
    if person == draft.last_editor:
        return (
            f"{person} last edited draft {draft.draft_id}; the last editor may not approve it "
            "(four-eyes rule)"
        )
    rule = rule_for(incident, draft)
    counting = sorted(person_roles & set(rule.roles))
    if not counting:
        return (
            f"{person} holds none of the roles that approve at {incident.level} "
            f"({', '.join(rule.roles)})"
        )
    if any(a.person == person for a in draft.current_approvals()):
        return f"{person} already approved draft {draft.draft_id} v{draft.version}"
    return None
