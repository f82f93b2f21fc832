"""Decisions through personal approval links: what a link's page shows, and approving or
rejecting through it.

Used by ``runbook serve`` through the engine (the server holds no rule of its own). Showing a
link's page reads only; deciding checks the link (its keyed hash, expiry, that this incident
issued it to this person for this exact text, that it was never used), then
runs the ordinary ``approve``/``reject`` command as the link's person with proof ``link``, so the
lifecycle's guards (four-eyes, roles, the policy's proofs) apply exactly as in a terminal. Every
refused use is recorded on the incident: a link refusal (:class:`LinkRefused`) when the link
itself is wrong, an action refusal when the decision is not allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from runbook.engine.core import EngineCore
from runbook.engine.link_keys import LinkClaim, LinkError, LinkKeys
from runbook.errors import ActionRefused, NotFound
from runbook.i18n import _, formats
from runbook.model import events as ev
from runbook.model.approvals import requirement, why_not_counted
from runbook.model.incident import Draft, Incident
from runbook.model.lifecycle import Context
from runbook.model.proof import Proof

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


def link_view(engine: EngineCore, token: str) -> LinkView:
    """What the page of ``token`` shows; records nothing (a GET never changes anything)."""
    try:
        claim = engine.link_keys().read(token, engine.clock.now())
    except LinkError as exc:
        return LinkView(claim=exc.claim, problem=str(exc))
    try:
        incident = engine.incident(claim.incident_id)
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
    view.approvals = _approvals_in_words(engine, incident, draft)
    issued = incident.links.get(claim.link_id)
    view.roles = _link_roles(incident, claim) if issued else []
    return view


def decide_by_link(
    engine: EngineCore,
    token: str,
    decision: str,
    *,
    comment: str = "",
    shown_hash: str = "",
    client: str = "",
) -> Incident:
    """Approve or reject through the link ``token`` (``shown_hash``: the text the page
    showed), as the link's person with proof ``link``. Raises ActionRefused saying why, after
    recording the refusal."""
    if decision not in DECISIONS:
        raise ActionRefused(_("choose approve or reject"))
    now = engine.clock.now()
    try:
        claim = engine.link_keys().read(token, now)
    except LinkError as exc:
        _refuse_link(engine, exc.claim, str(exc), client)
        raise ActionRefused(str(exc)) from None
    try:
        incident = engine.incident(claim.incident_id)
    except NotFound:
        raise ActionRefused(_("this link's incident does not exist here")) from None
    problem = _link_problem(incident, claim)
    if not problem and shown_hash != claim.content_hash:
        problem = _("the page you decided on showed another text; open the link again")
    if problem:
        _refuse_link(engine, claim, problem, client)
        raise ActionRefused(problem)
    build = partial(_decision, engine, engine.link_keys(), claim, decision, comment.strip())
    return engine.run(
        claim.incident_id,
        decision,
        build,
        draft_id=claim.draft_id,
        proof=Proof(method="link", account=engine.account, link=claim.link_id),
        actor=claim.person,
    )


def refuse_link(engine: EngineCore, token: str, reason: str, client: str = "") -> None:
    """Record that a use of the link ``token`` was refused for ``reason`` (a form that did
    not come from the link's page, say) on the incident it names, if any."""
    try:
        claim: LinkClaim | None = engine.link_keys().read(token, engine.clock.now())
    except LinkError as exc:
        claim = exc.claim
    _refuse_link(engine, claim, reason, client)


# -- helpers ------------------------------------------------------------------------------
def _decision(
    engine: EngineCore,
    keys: LinkKeys,
    claim: LinkClaim,
    decision: str,
    comment: str,
    incident: Incident,
    ctx: Context,
) -> list[ev.Event]:
    """The approval or rejection the link's person made, with the link's receipt as proof."""
    again = _link_problem(incident, claim)  # a race with another use of the link
    if again:
        raise ActionRefused(again)
    draft = incident.drafts[claim.draft_id]
    at = engine.clock.now()
    proof = Proof(
        method="link",
        account=engine.account,
        link=claim.link_id,
        receipt=keys.receipt(claim, decision, at.isoformat()),
    )
    common: dict[str, Any] = {
        "actor": claim.person,
        "at": at,
        "proof": proof,
        "draft_id": draft.draft_id,
        "version": draft.version,
        "content_hash": draft.content_hash,
    }
    if decision == "approve":
        roles = sorted(set(ctx.roles) & set(requirement(incident, draft).roles))
        return [engine.event(ev.DraftApproved, incident, roles=roles, **common)]
    if not comment:
        raise ActionRefused(_("say why you reject the draft (a comment is needed)"))
    return [engine.event(ev.DraftRejected, incident, comment=comment, **common)]


def _refuse_link(engine: EngineCore, claim: LinkClaim | None, reason: str, client: str) -> None:
    """Record a refused use of a link on its incident (when it names one that exists)."""
    if claim is None:
        return

    def build(incident: Incident) -> list[ev.Event]:
        return [
            engine.system_event(
                ev.LinkRefused,
                incident,
                link_id=claim.link_id,
                person=claim.person,
                draft_id=claim.draft_id,
                reason=reason[:300],
                client=client[:100],
            )
        ]

    try:
        engine.record_steps(claim.incident_id, build)
    except NotFound:
        return


def _link_roles(incident: Incident, claim: LinkClaim) -> list[str]:
    for effect in incident.effects.values():
        if effect.kind != "approval_request":
            continue
        for recipient in effect.payload.get("recipients", []):
            if recipient.get("link_id") == claim.link_id:
                return list(recipient.get("roles", []))
    return []


def _approvals_in_words(
    engine: EngineCore, incident: Incident, draft: Draft
) -> list[tuple[Any, ...]]:
    names = engine.workspace.contacts.names()
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
        return _("this incident never sent this link")
    used = incident.used_links.get(claim.link_id)
    if used is not None:
        return _(
            "this link was already used on %(when)s (%(how)s); a link works once",
            when=formats.date_time(used[0]),
            how=used[1],
        )
    if not incident.is_open:
        return _(
            "incident %(id)s is %(state)s; nothing is waiting for a decision",
            id=incident.id,
            state=incident.state,
        )
    draft = incident.drafts.get(claim.draft_id)
    if draft is None:
        return _("this link's draft does not exist")
    if draft.content_hash != claim.content_hash:
        return _(
            "the statement changed since this link was sent (v%(old)s -> v%(new)s); the link "
            "only works for the text it was sent for",
            old=claim.version,
            new=draft.version,
        )
    if not draft.submitted:
        return _("draft %(draft)s is not waiting for approval any more", draft=draft.draft_id)
    return ""
