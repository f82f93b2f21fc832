"""Decisions through personal approval links: what a link's page shows, and approving or
rejecting through it.

A mixin of :class:`runbook.engine.Engine`, used by ``runbook serve`` (which holds no rule of
its own). Showing a link's page reads only; deciding checks the link (its keyed hash, expiry,
that this incident issued it to this person for this exact text, that it was never used), then
runs the ordinary ``approve``/``reject`` command as the link's person with proof ``link``, so the
lifecycle's guards (four-eyes, roles, the policy's proofs) apply exactly as in a terminal. Every
refused use is recorded on the incident: a link refusal (:class:`LinkRefused`) when the link
itself is wrong, an action refusal when the decision is not allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from runbook.errors import ActionRefused, ConcurrencyConflict, NotFound
from runbook.links import LinkClaim, LinkError
from runbook.model import events as ev
from runbook.model.incident import Draft, Incident
from runbook.model.lifecycle import Context
from runbook.model.proof import Proof

if TYPE_CHECKING:
    from runbook.engine import Engine as _Base
else:
    _Base = object

DECISIONS = ("approve", "reject")


@dataclass
class LinkView:
    """What an approval link's page shows (read-only)."""

    claim: LinkClaim | None
    problem: str = ""
    """Why the link cannot be used now (empty: it can)."""
    incident: Incident | None = None
    draft: Draft | None = None
    """The draft as it is now (its current version, which may be newer than the link's)."""
    changed: bool = False
    """True when the text changed since the link was sent."""
    newer_link: bool = False
    """True when a link for the current version was sent to the same person."""
    findings: list[Any] = field(default_factory=list)
    approvals: list[Any] = field(default_factory=list)
    """Approvals of the current text: (person name, roles, proof in words, when, counts?)."""
    roles: list[str] = field(default_factory=list)
    """The roles the person is asked to approve as."""


class LinkCommands(_Base):
    """The engine's approval-link commands (see module docstring)."""

    def link_view(self, token: str) -> LinkView:
        """What the page of ``token`` shows; records nothing (a GET never changes anything)."""
        try:
            claim = self.link_keys().read(token, self.clock.now())
        except LinkError as exc:
            return LinkView(claim=exc.claim, problem=str(exc))
        try:
            incident = self.incident(claim.incident_id)
        except NotFound:
            return LinkView(claim=claim, problem="this link's incident does not exist here")
        problem = _link_problem(incident, claim)
        draft = incident.drafts.get(claim.draft_id)
        view = LinkView(claim=claim, problem=problem, incident=incident, draft=draft)
        if draft is None:
            return view
        view.changed = draft.content_hash != claim.content_hash
        view.newer_link = any(
            link.person == claim.person
            and link.draft_id == draft.draft_id
            and link.content_hash == draft.content_hash
            and link.link_id != claim.link_id
            for link in incident.links.values()
        )
        view.findings = list(incident.lint(draft))
        view.approvals = self._approvals_in_words(incident, draft)
        issued = incident.links.get(claim.link_id)
        view.roles = self._link_roles(incident, claim) if issued else []
        return view

    def decide_by_link(
        self,
        token: str,
        decision: str,
        *,
        comment: str = "",
        shown_hash: str = "",
        client: str = "",
    ) -> Incident:
        """Approve or reject through the link ``token`` (``shown_hash``: the text the page
        showed). Raises ActionRefused saying why, after recording the refusal."""
        if decision not in DECISIONS:
            raise ActionRefused("choose approve or reject")
        now = self.clock.now()
        try:
            claim = self.link_keys().read(token, now)
        except LinkError as exc:
            self._refuse_link(exc.claim, str(exc), client)
            raise ActionRefused(str(exc)) from None
        try:
            incident = self.incident(claim.incident_id)
        except NotFound:
            raise ActionRefused("this link's incident does not exist here") from None
        problem = _link_problem(incident, claim)
        if not problem and shown_hash != claim.content_hash:
            problem = "the page you decided on showed another text; open the link again"
        if problem:
            self._refuse_link(claim, problem, client)
            raise ActionRefused(problem)
        keys = self.link_keys()

        def build(incident: Incident, ctx: Context) -> list[ev.Event]:
            again = _link_problem(incident, claim)  # a race with another use of the link
            if again:
                raise ActionRefused(again)
            draft = incident.drafts[claim.draft_id]
            at = self.clock.now()
            proof = Proof(
                method="link",
                account=self.account,
                link=claim.link_id,
                receipt=keys.receipt(claim, decision, at.isoformat()),
            )
            common = {
                "actor": claim.person,
                "at": at,
                "proof": proof,
                "draft_id": draft.draft_id,
                "version": draft.version,
            }
            if decision == "approve":
                from runbook.model.approvals import requirement

                roles = sorted(set(ctx.roles) & set(requirement(incident, draft).roles))
                return [
                    self._event(
                        ev.DraftApproved,
                        incident,
                        content_hash=draft.content_hash,
                        roles=roles,
                        **common,
                    )
                ]
            if not comment.strip():
                raise ActionRefused("say why you reject the draft (a comment is needed)")
            return [
                self._event(
                    ev.DraftRejected,
                    incident,
                    comment=comment.strip(),
                    content_hash=draft.content_hash,
                    **common,
                )
            ]

        return self._run(
            claim.incident_id,
            decision,
            build,
            draft_id=claim.draft_id,
            proof=Proof(method="link", account=self.account, link=claim.link_id),
            actor=claim.person,
        )

    def refuse_link(self, token: str, reason: str, client: str = "") -> None:
        """Record that a use of the link ``token`` was refused for ``reason`` (a form that did
        not come from the link's page, say) on the incident it names, if any."""
        try:
            claim: LinkClaim | None = self.link_keys().read(token, self.clock.now())
        except LinkError as exc:
            claim = exc.claim
        self._refuse_link(claim, reason, client)

    # -- helpers ----------------------------------------------------------------------------
    def _refuse_link(self, claim: LinkClaim | None, reason: str, client: str) -> None:
        """Record a refused use of a link on its incident (when it names one that exists)."""
        if claim is None:
            return
        for _ in range(20):
            try:
                incident = self.incident(claim.incident_id)
            except NotFound:
                return
            event = self._system(
                ev.LinkRefused,
                incident,
                link_id=claim.link_id,
                person=claim.person,
                draft_id=claim.draft_id,
                reason=reason[:300],
                client=client[:100],
            )
            try:
                self._commit(incident, Context(actor="runbook"), [event], incident.state, None)
                return
            except ConcurrencyConflict:
                continue

    def _link_roles(self, incident: Incident, claim: LinkClaim) -> list[str]:
        for effect in incident.effects.values():
            if effect.kind != "approval_request":
                continue
            for recipient in effect.payload.get("recipients", []):
                if recipient.get("link_id") == claim.link_id:
                    return list(recipient.get("roles", []))
        return []

    def _approvals_in_words(self, incident: Incident, draft: Draft) -> list[tuple[Any, ...]]:
        from runbook.model.approvals import why_not_counted

        names = self.workspace.contacts.names()
        return [
            (
                names.get(a.person, a.person),
                list(a.roles),
                a.words(),
                a.at,
                why_not_counted(incident, draft, a) is None,
            )
            for a in draft.current_approvals()
        ]


def _link_problem(incident: Incident, claim: LinkClaim) -> str:
    """Why a link with a valid signature cannot be used on ``incident`` now ("" if it can)."""
    issued = incident.links.get(claim.link_id)
    if (
        issued is None
        or issued.person != claim.person
        or issued.draft_id != claim.draft_id
        or issued.content_hash != claim.content_hash
        or issued.version != claim.version
    ):
        return "this incident never sent this link"
    used = incident.used_links.get(claim.link_id)
    if used is not None:
        return (
            f"this link was already used, at {used[0]:%H:%M} UTC on {used[0]:%Y-%m-%d}, "
            f"({used[1]}); a link works once"
        )
    if not incident.is_open:
        return f"incident {incident.id} is {incident.state}; nothing is waiting for a decision"
    draft = incident.drafts.get(claim.draft_id)
    if draft is None:
        return "this link's draft does not exist"
    if draft.content_hash != claim.content_hash:
        return (
            f"the statement changed since this link was sent (v{claim.version} -> "
            f"v{draft.version}); the link only works for the text it was sent for"
        )
    if not draft.submitted:
        return f"draft {draft.draft_id} is not waiting for approval any more"
    return ""
