"""Who must approve a statement, whose approvals count, and whether a draft is approved.

The playbook's ``approval`` rule for the incident's current level names roles that must each
approve and a minimum number of different approvers. Approvals bind to the draft's content
hash: an edit makes earlier approvals stale. An approval counts only when it was *proven* the
way the policy asks (``proofs.approve``: by default an SSH signature, an approval link or a
database role; any proof in a drill), or, for an operator's attestation ("approved by phone"),
only at the levels the policy lists in ``proofs.attested_approvals``. Four-eyes compares proven
people: the author, the last editor and whoever their logins proved behind a claimed name may
never approve. When an edit leaves nobody eligible for a role, the version records the
policy's alternate approvers for it (``stand_ins``) and they may approve in its place. Because
the rule is looked up at the current level, reassessing to a stricter
level re-opens approval of drafts that no longer qualify.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from runbook.i18n import _
from runbook.model.approval_rule import ApprovalRule
from runbook.model.incident import Approval, Draft, Incident
from runbook.model.proof import METHOD_WORDS, Proof, people_behind


@dataclass(frozen=True)
class Requirement:
    """What a draft still needs."""

    roles: list[str]
    """Roles that must each approve."""
    min_approvals: int
    missing_roles: list[str]
    """Required roles nobody with a counted approval holds."""
    approvers: list[str]
    """People whose approval of the current content counts."""
    not_counted: list[tuple[Approval, str]] = field(default_factory=list)
    """Approvals of the current content that do not count, each with the reason."""

    @property
    def complete(self) -> bool:
        """True when every role approved and enough people did."""
        return not self.missing_roles and len(self.approvers) >= self.min_approvals

    def describe(self) -> str:
        """What is still needed, in words."""
        if self.complete:
            return _("approved")
        needs = []
        if self.missing_roles:
            needs.append(_("approval from %(roles)s", roles=", ".join(self.missing_roles)))
        short = self.min_approvals - len(self.approvers)
        if short > 0:
            needs.append(_("%(n)s more approver(s)", n=short))
        return _("needs %(what)s", what=_(" and ").join(needs))


def rule_for(incident: Incident, draft: Draft) -> ApprovalRule:
    """The approval rule for ``draft`` at the incident's current level (or the one its update
    template names for its audience), with the review roles its content calls for
    (legal-review topics in the policy) added."""
    assert incident.playbook is not None
    assert incident.level is not None
    rule = incident.playbook.approval[incident.level]
    update = incident.playbook.update_template(draft.template_id)
    if update is not None and update.approval is not None:
        rule = update.approval  # the audience's own rule (an executive update needs fewer)
    extra = [f.review_role for f in incident.lint(draft) if f.review_role]
    if not extra or set(extra) <= set(rule.roles):
        return rule
    roles = list(dict.fromkeys([*rule.roles, *extra]))
    return ApprovalRule(roles=roles, min_approvals=rule.min_approvals)


def why_not_counted(incident: Incident, draft: Draft, approval: Approval) -> str | None:
    """Why ``approval`` of ``draft`` does not count (None when it does)."""
    if approval.person in draft.writers:
        return _(
            "%(person)s wrote or last edited this version (four-eyes rule)", person=approval.person
        )
    rules = incident.proof_rules
    if approval.attested_by:
        if approval.attested_by == approval.person:
            return _("an attestation of one's own approval proves nothing")
        if incident.drill or rules.attested_counts(incident.level):
            return None
        return _(
            "attested by %(attested_by)s, not given by %(person)s: the policy does not count "
            "attested approvals at %(level)s",
            attested_by=approval.attested_by,
            person=approval.person,
            level=incident.level,
        )
    if incident.drill:
        return None
    proof = approval.proof
    method = proof.method if proof is not None else "claimed"
    if method not in rules.approve:
        return _(
            "%(proof)s: approvals need %(items)s as proof",
            proof=_(METHOD_WORDS[method]) if method in METHOD_WORDS else method,
            items=", ".join(rules.approve),
        )
    return None


def requirement(incident: Incident, draft: Draft) -> Requirement:
    """What ``draft`` needs at the incident's current level."""
    rule = rule_for(incident, draft)
    counted: list[Approval] = []
    not_counted: list[tuple[Approval, str]] = []
    for approval in draft.current_approvals():
        reason = why_not_counted(incident, draft, approval)
        if reason is None:
            counted.append(approval)
        else:
            not_counted.append((approval, reason))
    covered = {role for approval in counted for role in approval.roles}
    for role, alternates in draft.stand_ins.items():  # nobody eligible held it: alternates do
        if covered & set(alternates):
            covered.add(role)
    return Requirement(
        roles=list(rule.roles),
        min_approvals=rule.min_approvals,
        missing_roles=[role for role in rule.roles if role not in covered],
        approvers=list(dict.fromkeys(a.person for a in counted)),
        not_counted=not_counted,
    )


def is_approved(incident: Incident, draft: Draft) -> bool:
    """True when the current content of ``draft`` has every approval it needs."""
    if incident.playbook is None or incident.level is None:
        return False
    return requirement(incident, draft).complete


def approval_refusal(
    incident: Incident,
    draft: Draft,
    person: str,
    person_roles: set[str],
    proof: Proof | None = None,
) -> str | None:
    """Why ``person`` (proven by ``proof``) may not approve ``draft`` now, or None if they may.

    Four-eyes compares proven people: when ``person`` is only claimed, the person the login
    proves behind the claim must not be a writer of the draft either.
    """
    if not draft.submitted:
        return _(
            "draft %(draft_id)s v%(version)s is not submitted for approval",
            draft_id=draft.draft_id,
            version=draft.version,
        )
    for who in sorted(people_behind(person, proof)):
        shown = who if who == person else f"{who} (typing as {person})"
        if who == draft.author or who in draft.author_people:
            return _(
                "%(shown)s wrote draft %(draft_id)s; the author may not approve it (four-eyes "
                "rule)",
                shown=shown,
                draft_id=draft.draft_id,
            )
        if who == draft.last_editor or who in draft.editor_people:
            return _(
                "%(shown)s last edited draft %(draft_id)s; the last editor may not approve it "
                "(four-eyes rule)",
                shown=shown,
                draft_id=draft.draft_id,
            )
    rule = rule_for(incident, draft)
    counting = sorted(person_roles & approving_roles(incident, draft))
    if not counting:
        return _(
            "%(person)s holds none of the roles that approve at %(level)s (%(items)s)",
            person=person,
            level=incident.level,
            items=", ".join(rule.roles),
        )
    if any(
        a.person == person and why_not_counted(incident, draft, a) is None
        for a in draft.current_approvals()
    ):
        return _(
            "%(person)s already approved draft %(draft_id)s v%(version)s",
            person=person,
            draft_id=draft.draft_id,
            version=draft.version,
        )
    return None


def eligible(incident: Incident, draft: Draft, person: str, person_roles: set[str]) -> list[str]:
    """The roles through which ``person`` could approve ``draft`` now (empty: they cannot)."""
    if person in draft.writers:
        return []
    return sorted(person_roles & approving_roles(incident, draft))


def approving_roles(incident: Incident, draft: Draft) -> set[str]:
    """The roles whose holders may approve ``draft``: the rule's, and the alternates of the
    roles nobody eligible held when this version was written."""
    roles = set(rule_for(incident, draft).roles)
    for role, alternates in draft.stand_ins.items():
        if role in roles:
            roles.update(alternates)
    return roles


def stranded(required: list[str], writers: set[str], holders: dict[str, set[str]]) -> list[str]:
    """The ``required`` roles everyone holding them is among ``writers`` (``holders``: role ->
    people holding it now): four-eyes leaves nobody to approve as them."""
    return [role for role in required if not holders.get(role, set()) - writers]


def stand_in_words(draft: Draft) -> list[str]:
    """One line per role nobody eligible may approve as, saying how to proceed."""
    lines = []
    for role, alternates in draft.stand_ins.items():
        if alternates:
            lines.append(
                _(
                    "nobody left who may approve draft %(draft)s as %(role)s (everyone holding "
                    "it wrote this text): the policy lets %(alternates)s approve in its place",
                    draft=draft.draft_id,
                    role=role,
                    alternates=", ".join(alternates),
                )
            )
        else:
            lines.append(
                _(
                    "nobody left who may approve draft %(draft)s as %(role)s (everyone holding "
                    "it wrote this text) and the policy names no alternate: have someone who "
                    "does not hold %(role)s write the next version, or add alternate_approvers "
                    "for it to policy.yaml",
                    draft=draft.draft_id,
                    role=role,
                )
            )
    return lines
