"""Why an action is refused now: one guard per action, each reading the incident only.

Each guard answers for one action (assess, submit, approve, publish...) with the reason it is
refused, or None. They live apart from the lifecycle's machine (:mod:`runbook.model.lifecycle`)
because they are the rules about *what the incident holds* (drafts, findings, pauses,
recipients), while the machine is the order of stages; the machine's conditions and
:func:`runbook.model.lifecycle.why_not` look them up in :data:`GUARDS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from runbook.errors import ActionRefused, Reason
from runbook.i18n import _
from runbook.model.approvals import approval_refusal, is_approved
from runbook.model.config_pins import change_refusal
from runbook.model.incident import Draft, Incident
from runbook.model.proof import Proof


@dataclass
class Context:
    """Who is acting and on what: what the guards need to decide."""

    actor: str
    roles: frozenset[str] = frozenset()
    """Roles the actor holds now."""
    draft_id: str | None = None
    """The draft the action is about (approve, submit, ...)."""
    extra: dict[str, Any] = field(default_factory=dict)
    proof: Proof | None = None
    """How the actor is proven for this action (the policy says which proofs count)."""
    signed: frozenset[str] = frozenset()
    """Actions the operator's process signs with their SSH key (proof ``ssh-signature``)."""


def select_draft(incident: Incident, ctx: Context, candidates: list[Draft], what: str) -> Draft:
    """The draft ``ctx`` names, or the only candidate; refuse when ambiguous or absent."""
    if ctx.draft_id:
        draft = incident.drafts.get(ctx.draft_id)
        if draft is None:
            known = ", ".join(incident.drafts) or "none"
            raise ActionRefused(
                _(
                    "no draft %(draft_id)s (drafts: %(known)s)",
                    draft_id=repr(ctx.draft_id),
                    known=known,
                )
            )
        return draft
    if not candidates:
        raise ActionRefused(_("no draft is %(what)s", what=what))
    if len(candidates) > 1:
        names = ", ".join(d.draft_id for d in candidates)
        raise ActionRefused(
            _("several drafts are %(what)s (%(names)s)", what=what, names=names),
            cli=_("name one with --draft"),
            app=_("choose one on the drafts tab, 4"),
        )
    return candidates[0]


def _assess(incident: Incident, ctx: Context) -> str | None:
    if incident.level is not None:
        return _(
            "already assessed at %(level)s; reassess to change the level", level=incident.level
        )
    return None


def _reassess(incident: Incident, ctx: Context) -> str | None:
    return None if incident.level is not None else "assess the level first"


def _pause(incident: Incident, ctx: Context) -> str | None:
    rule = incident.pause_rule()
    if rule is None:
        return _("assess the level first")
    if incident.pending_effects("pause"):
        return _("a pause of scheduled posts is already under way")
    if rule.is_empty:
        return _("the playbook pauses nothing at %(level)s", level=incident.level)
    if incident.pause_satisfied():
        return _(
            "scheduled posts are already paused for %(level)s (%(scope)s)",
            level=incident.level,
            scope=rule.describe(),
        )
    return None


def _notify(incident: Incident, ctx: Context) -> str | None:
    if incident.level is None:
        return _("assess the level first")
    if incident.pending_effects("notify"):
        return _("notifications are already being sent")
    if not incident.rules_due():
        return _(
            "everyone the playbook names for %(level)s has been notified", level=incident.level
        )
    return None


def _start_draft(incident: Incident, ctx: Context) -> str | None:
    return None if incident.level is not None else "assess the level first"


def _editable(incident: Incident, ctx: Context) -> str | None:
    if not incident.drafts:
        return _("there is no draft yet; start one")
    return None


def _submit(incident: Incident, ctx: Context) -> str | None:
    candidates = [d for d in incident.drafts.values() if not d.submitted]
    draft = select_draft(incident, ctx, candidates, "waiting to be submitted")
    if draft.submitted:
        return _(
            "draft %(draft_id)s v%(version)s is already submitted",
            draft_id=draft.draft_id,
            version=draft.version,
        )
    if not incident.pause_satisfied():
        return _("pause scheduled posts first (the pause stage is not done)")
    unconfirmed = incident.pause_unconfirmed()
    if unconfirmed:
        return unconfirmed
    if not incident.notify_satisfied():
        return _("notify people first (the notify stage is not done)")
    blocking = incident.blocking(draft)
    if blocking:
        first = blocking[0]
        return Reason(
            _(
                "draft %(draft_id)s has %(n)s blocking finding(s), first %(rule_id)s in "
                "%(variant)s (%(matched)s); fix the text or have it overridden",
                draft_id=draft.draft_id,
                n=len(blocking),
                rule_id=first.rule_id,
                variant=first.variant,
                matched=repr(first.matched),
            ),
            cli=_("runbook lint %(id)s", id=incident.id),
            app=_("e edits the text, o overrides"),
        )
    return None


def _approve(incident: Incident, ctx: Context) -> str | None:
    draft = select_draft(incident, ctx, incident.draft_awaiting(), "waiting for approval")
    if draft.submitted and is_approved(incident, draft):
        return _(
            "draft %(draft_id)s v%(version)s is already approved",
            draft_id=draft.draft_id,
            version=draft.version,
        )
    return approval_refusal(incident, draft, ctx.actor, set(ctx.roles), ctx.proof)


def _attest(incident: Incident, ctx: Context) -> str | None:
    draft = select_draft(incident, ctx, incident.draft_awaiting(), "waiting for approval")
    if "person" not in ctx.extra:
        return None  # asking what is allowed: who and how are given with the command
    person = str(ctx.extra.get("person") or "")
    if not person:
        return Reason(_("say who approved"), cli=_("--for PERSON"))
    if person == ctx.actor or (ctx.proof is not None and ctx.proof.behind == person):
        return _("%(person)s cannot attest their own approval; approve instead", person=person)
    if not str(ctx.extra.get("how") or "").strip():
        return Reason(_("say how the approval was given (by phone, in person, email...)"))
    roles = set(ctx.extra.get("person_roles") or ())
    return approval_refusal(incident, draft, person, roles)


def _reject(incident: Incident, ctx: Context) -> str | None:
    draft = select_draft(incident, ctx, incident.draft_awaiting(), "waiting for approval")
    if not draft.submitted:
        return _(
            "draft %(draft_id)s v%(version)s is not submitted",
            draft_id=draft.draft_id,
            version=draft.version,
        )
    return None


def _override(incident: Incident, ctx: Context) -> str | None:
    draft = select_draft(
        incident,
        ctx,
        [d for d in incident.drafts.values() if incident.blocking(d)],
        "with blocking findings",
    )
    rule_id = ctx.extra.get("rule_id")
    variant = ctx.extra.get("variant")
    matching = [
        f for f in incident.blocking(draft) if f.rule_id == rule_id and variant in (None, f.variant)
    ]
    if not matching:
        return _(
            "draft %(draft_id)s has no blocking finding %(rule_id)s to override",
            draft_id=draft.draft_id,
            rule_id=repr(rule_id),
        )
    role = matching[0].override_role
    if role is None:
        return _("nobody may override %(rule_id)s; change the text", rule_id=rule_id)
    if role not in ctx.roles:
        return _(
            "only someone holding %(role)s may override %(rule_id)s", role=role, rule_id=rule_id
        )
    if not str(ctx.extra.get("reason", "")).strip():
        return Reason(_("give a reason for the override"), cli=_("--reason"))
    return None


def _publish(incident: Incident, ctx: Context) -> str | None:
    ready = [d for d in incident.drafts_approved() if d.unpublished()]
    draft = select_draft(incident, ctx, ready, "approved and not yet published everywhere")
    if not (draft.submitted and is_approved(incident, draft)):
        return _(
            "draft %(draft_id)s v%(version)s is not approved",
            draft_id=draft.draft_id,
            version=draft.version,
        )
    if not draft.unpublished():
        return _(
            "draft %(draft_id)s v%(version)s is already published everywhere",
            draft_id=draft.draft_id,
            version=draft.version,
        )
    if incident.pending_effects("publish"):
        return _("a publication is already under way")
    return None


def _ack(incident: Incident, ctx: Context) -> str | None:
    recipient = incident.recipients.get(ctx.actor)
    if recipient is None:
        return _(
            "%(actor)s was not notified about incident %(id)s", actor=ctx.actor, id=incident.id
        )
    if recipient.acked_at is not None:
        return _("%(actor)s already acknowledged", actor=ctx.actor)
    return None


def _retry(incident: Incident, ctx: Context) -> str | None:
    if not incident.failed_effects():
        return _("nothing has failed; there is nothing to retry")
    return None


def _resend(incident: Incident, ctx: Context) -> str | None:
    if not any(effect.maybe_sent() for effect in incident.effects.values()):
        return _("no message may have been sent without an answer; there is nothing to resend")
    return None


def _resolve(incident: Incident, ctx: Context) -> str | None:
    return incident.pause_unconfirmed()


def _reopen(incident: Incident, ctx: Context) -> str | None:
    if incident.draft_awaiting() or not incident.drafts_approved():
        return None
    return _("approval is complete")


def _complete(incident: Incident, ctx: Context) -> str | None:
    if incident.drafts_approved() and not incident.draft_awaiting():
        return None
    return _("approval is not complete")


def _advance(incident: Incident, ctx: Context) -> str | None:
    if incident.state == "assessed":
        return None if incident.pause_satisfied() else "the pause stage is not done"
    if incident.pause_satisfied() and incident.notify_satisfied():
        return None
    return _("the notify stage is not done")


def _config_change(incident: Incident, ctx: Context) -> str | None:
    return change_refusal(incident, ctx.actor, ctx.proof, ctx.extra.get("config_changes"))


GUARDS: dict[str, Callable[[Incident, Context], str | None]] = {
    "assess": _assess,
    "reassess": _reassess,
    "pause": _pause,
    "notify": _notify,
    "start_draft": _start_draft,
    "edit_draft": _editable,
    "submit": _submit,
    "approve": _approve,
    "attest": _attest,
    "reject": _reject,
    "publish": _publish,
    "override": _override,
    "config_change": _config_change,
    "ack": _ack,
    "retry": _retry,
    "resend": _resend,
    "resolve": _resolve,
    "reopen_approval": _reopen,
    "complete_approval": _complete,
    "advance": _advance,
}
"""The guard of each action that has one (an action without a guard is refused by proof only)."""
