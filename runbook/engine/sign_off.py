"""What the decisions on a submitted draft record: approve, reject, override, attest.

Each decision binds to the exact text it was made on (draft, version, content hash). The
guards (four-eyes, the roles the level requires, the policy's proofs) are the lifecycle's;
here each decision is built, signed with the operator's SSH key when the engine has a signer
(:class:`Signature`), and refused when the text changed since the person read it
(:func:`check_read`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runbook.effects import ssh
from runbook.effects.ssh import Signer
from runbook.engine.core import EngineCore
from runbook.errors import ActionRefused
from runbook.i18n import _
from runbook.model import events as ev
from runbook.model import guards
from runbook.model.approvals import approving_roles
from runbook.model.incident import Draft, Incident
from runbook.model.lifecycle import Context
from runbook.model.limits import MAX_REASON, check_text
from runbook.model.proof import Proof, attest_detail, override_detail, statement


@dataclass
class Signature:
    """Signs one command's decision with the operator's key, once per text: a retry after a
    lost race reuses the signature made for the same draft version."""

    signer: Signer
    made: dict[str, Proof] = field(default_factory=dict)

    def proof(
        self,
        engine: EngineCore,
        incident: Incident,
        ctx: Context,
        action: str,
        draft: Draft,
        detail: str = "",
    ) -> Proof:
        """``ctx.actor``'s signature of ``action`` on ``draft`` as it is now, checked against
        their keys in contacts."""
        key = f"{draft.draft_id}/{draft.version}/{draft.content_hash}/{detail}"
        if key in self.made:
            return self.made[key]
        signed_at = engine.clock.now().isoformat(timespec="seconds")
        text = statement(
            incident_id=incident.id,
            action=action,
            person=ctx.actor,
            signed_at=signed_at,
            draft_id=draft.draft_id,
            version=draft.version,
            content_hash=draft.content_hash,
            detail=detail,
        )
        person = engine.workspace.contacts.person(ctx.actor)
        keys = list(person.ssh_keys) if person is not None else []
        if not keys:
            raise ActionRefused(
                _(
                    "%(actor)s has no SSH key in contacts (ssh_keys), so cannot sign; add the "
                    "public key (~/.ssh/id_ed25519.pub) to their entry",
                    actor=ctx.actor,
                )
            )
        signature = self.signer.sign(text)
        fingerprint = ssh.verify(text, signature, ctx.actor, keys)
        self.made[key] = Proof(
            method="ssh-signature",
            account=engine.account,
            key=fingerprint,
            signature=signature,
            signed_at=signed_at,
        )
        return self.made[key]


def signature(signer: Signer | None) -> Signature | None:
    """A signature for one command, when there is a signer."""
    return Signature(signer) if signer is not None else None


def pending(engine: EngineCore, signing: Signature | None) -> Proof | None:
    """What the guards see before the signature is made (the method is what they check);
    None: the operator's own proof."""
    if signing is None:
        return None
    return Proof(method="ssh-signature", account=engine.account)


def check_read(draft: Draft, expect: str | None) -> None:
    """Refuse when the text changed since the person read it (``expect``: the content hash
    they read, a prefix of it, or the version as ``v3``)."""
    if not expect:
        return
    wanted = expect.strip()
    if wanted.lower().startswith("v") and wanted[1:].isdigit():
        if int(wanted[1:]) == draft.version:
            return
        read = _("version %(n)s", n=wanted[1:])
    elif len(wanted) >= 6 and draft.content_hash.startswith(wanted):
        return
    else:
        read = _("the text %(hash)s", hash=wanted[:16])
    raise ActionRefused(
        _(
            "draft %(draft_id)s changed since you read it: you read %(read)s, it is now "
            "v%(version)s (%(content_hash)s); read it again before deciding",
            draft_id=draft.draft_id,
            read=read,
            version=draft.version,
            content_hash=draft.content_hash,
        )
    )


def _awaiting(incident: Incident, ctx: Context) -> Draft:
    return guards.select_draft(incident, ctx, incident.draft_awaiting(), "waiting for approval")


def approve(
    engine: EngineCore,
    expect: str | None,
    signing: Signature | None,
    incident: Incident,
    ctx: Context,
) -> list[ev.Event]:
    """The operator's approval of the draft waiting for it, as the roles it needs that they
    hold."""
    chosen = _awaiting(incident, ctx)
    check_read(chosen, expect)
    roles = sorted(set(ctx.roles) & approving_roles(incident, chosen))
    decision = _decision(
        engine, ev.DraftApproved, "approve", signing, incident, ctx, chosen, roles=roles
    )
    return [decision]


def attest(
    engine: EngineCore,
    person: str,
    how: str,
    note: str,
    roles_now: list[str],
    signing: Signature | None,
    incident: Incident,
    ctx: Context,
) -> list[ev.Event]:
    """The operator's attestation that ``person`` approved elsewhere (``how``)."""
    if engine.workspace.contacts.person(person) is None:
        raise ActionRefused(_("%(person)s is not a person in contacts", person=repr(person)))
    chosen = _awaiting(incident, ctx)
    roles = sorted(set(roles_now) & approving_roles(incident, chosen))
    detail = attest_detail(person, how, note)
    fields = {"person": person, "roles": roles, "how": how, "note": note}
    return [
        _decision(
            engine, ev.ApprovalAttested, "attest", signing, incident, ctx, chosen, detail, **fields
        )
    ]


def reject(
    engine: EngineCore,
    comment: str,
    expect: str | None,
    signing: Signature | None,
    incident: Incident,
    ctx: Context,
) -> list[ev.Event]:
    """The operator's rejection of the draft under review, with the comment saying why."""
    if not comment:
        raise ActionRefused(_("say why the draft is rejected"), cli="--comment")
    check_text("the comment", comment, MAX_REASON)
    draft = _awaiting(incident, ctx)
    check_read(draft, expect)
    return [
        _decision(
            engine,
            ev.DraftRejected,
            "reject",
            signing,
            incident,
            ctx,
            draft,
            comment,
            comment=comment,
        )
    ]


def _decision(
    engine: EngineCore,
    kind: type[ev.Event],
    action: str,
    signing: Signature | None,
    incident: Incident,
    ctx: Context,
    draft: Draft,
    detail: str = "",
    **fields: Any,
) -> ev.Event:
    """A decision on the version of ``draft`` under review (approval, attestation,
    rejection), proven by the operator's signature when ``signing`` is set."""
    proof = ctx.proof
    if signing is not None:
        proof = signing.proof(engine, incident, ctx, action, draft, detail)
    return engine.event(
        kind,
        incident,
        actor=ctx.actor,
        proof=proof,
        draft_id=draft.draft_id,
        version=draft.version,
        content_hash=draft.content_hash,
        **fields,
    )


def override(
    engine: EngineCore,
    rule_id: str,
    reason: str,
    variant: str | None,
    signing: Signature | None,
    incident: Incident,
    ctx: Context,
) -> list[ev.Event]:
    """A blocking policy finding let stand with a reason, on every variant it blocks (or the
    one named), bound to the current content."""
    draft = guards.select_draft(
        incident,
        ctx,
        [d for d in incident.drafts.values() if incident.blocking(d)],
        "with blocking findings",
    )
    variants = sorted(
        {
            f.variant
            for f in incident.blocking(draft)
            if f.rule_id == rule_id and variant in (None, f.variant)
        }
    )
    proof = ctx.proof
    if signing is not None:
        detail = override_detail(rule_id, reason)
        proof = signing.proof(engine, incident, ctx, "override", draft, detail)
    return [
        engine.event(
            ev.LintOverridden,
            incident,
            actor=ctx.actor,
            proof=proof,
            draft_id=draft.draft_id,
            version=draft.version,
            content_hash=draft.content_hash,
            rule_id=rule_id,
            variant=key,
            reason=reason,
        )
        for key in variants
    ]
