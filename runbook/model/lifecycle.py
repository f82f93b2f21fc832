"""The incident lifecycle: one shared ``transitions`` Machine over :class:`Incident` models.

    declared -> assessed -> paused -> notified -> drafting -> in_review -> approved
             -> resolved -> closed

The stages are an order of priorities, not a cage: once the level is set a draft may be
started while pausing and notifying are under way, and pausing or notifying later keeps the
state at the furthest stage reached. Submitting for approval needs the pause and notify stages
done or skipped. Every guard explains itself: :func:`why_not` returns the reason an action is
refused, and the machine's conditions use it, so ``may_<action>()`` and refusals agree.

No callback performs I/O; the engine fires a trigger to learn the next state and records it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from transitions import EventData, Machine, MachineError

from runbook.errors import ActionRefused, Reason
from runbook.i18n import N_, _
from runbook.model.approvals import approval_refusal, is_approved
from runbook.model.config_pins import change_refusal
from runbook.model.incident import Draft, Incident
from runbook.model.proof import Proof
from runbook.model.proof import refusal as proof_refusal

STATES = [
    "declared",
    "assessed",
    "paused",
    "notified",
    "drafting",
    "in_review",
    "approved",
    "resolved",
    "closed",
]
STATE_WORDS = {
    "declared": N_("declared"),
    "assessed": N_("assessed"),
    "paused": N_("paused"),
    "notified": N_("notified"),
    "drafting": N_("drafting"),
    "in_review": N_("in_review"),
    "approved": N_("approved"),
    "resolved": N_("resolved"),
    "closed": N_("closed"),
}
"""Each state in the words a person reads (translate with ``_()``; English keeps the ids)."""
OPEN = ["declared", "assessed", "paused", "notified", "drafting", "in_review", "approved"]
LEVEL_SET = OPEN[1:]
DRAFTING = ["drafting", "in_review", "approved"]
NOT_CLOSED = [*OPEN, "resolved"]

ACTIONS = {
    "assess": N_("set the level"),
    "reassess": N_("change the level"),
    "pause": N_("pause scheduled posts"),
    "notify": N_("notify people"),
    "ack": N_("acknowledge"),
    "start_draft": N_("start a draft"),
    "edit_draft": N_("edit a draft"),
    "submit": N_("submit a draft for approval"),
    "approve": N_("approve a draft"),
    "attest": N_("record an approval given elsewhere"),
    "reject": N_("reject a draft"),
    "override": N_("override a policy finding"),
    "publish": N_("publish an approved statement"),
    "retry": N_("retry a failed step"),
    "resend": N_("send again a message that may have been sent"),
    "check": N_("tick a checklist item"),
    "note": N_("add a note"),
    "resolve": N_("resolve (stand down)"),
    "close": N_("close after review"),
    "config_change": N_("record a configuration change"),
}
"""Every action a person can take, with the words a comms person reads."""

INTERNAL = {
    "advance": N_("move on past a stage that is done or skipped"),
    "complete_approval": N_("mark approval complete"),
    "reopen_approval": N_("re-open approval"),
}
"""Steps the engine takes by itself after a command (never offered to a person)."""

_G = {"conditions": ["guard"]}


def _t(trigger: str, source: list[str] | str, dest: str, **extra: Any) -> dict[str, Any]:
    return {"trigger": trigger, "source": source, "dest": dest, **_G, **extra}


TRANSITIONS = [
    _t("assess", "declared", "assessed"),
    _t("reassess", LEVEL_SET, "="),
    _t("pause", "assessed", "paused"),
    _t("pause", ["paused", "notified", *DRAFTING], "="),
    _t("notify", ["assessed", "paused"], "notified"),
    _t("notify", ["notified", *DRAFTING], "="),
    _t("start_draft", ["assessed", "paused", "notified", "approved"], "drafting"),
    _t("start_draft", ["drafting", "in_review"], "="),
    _t("edit_draft", "drafting", "="),
    _t("edit_draft", ["in_review", "approved"], "drafting"),
    _t("submit", DRAFTING, "in_review"),
    _t("approve", DRAFTING, "="),
    _t("attest", DRAFTING, "="),
    _t("reject", DRAFTING, "drafting"),
    _t("override", DRAFTING, "="),
    _t("publish", DRAFTING, "="),
    _t("advance", "assessed", "paused"),
    _t("advance", "paused", "notified"),
    _t("complete_approval", "in_review", "approved"),
    _t("reopen_approval", "approved", "in_review"),
    _t("ack", NOT_CLOSED, "="),
    _t("retry", NOT_CLOSED, "="),
    _t("resend", NOT_CLOSED, "="),
    _t("check", NOT_CLOSED, "="),
    _t("note", NOT_CLOSED, "="),
    _t("config_change", NOT_CLOSED, "="),
    _t("resolve", OPEN, "resolved"),
    _t("close", "resolved", "closed"),
]


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


def _guard(event: EventData) -> bool:
    """Machine condition: the action's guard finds no reason to refuse."""
    incident = cast(Incident, event.model)
    return why_not(incident, event.event.name, event.kwargs.get("ctx")) is None


for _transition in TRANSITIONS:
    _transition["conditions"] = [_guard]


MACHINE = Machine(
    model=None,
    states=STATES,
    transitions=TRANSITIONS,
    initial="declared",
    auto_transitions=False,
    send_event=True,
    ignore_invalid_triggers=False,
)
"""The one machine every incident shares."""


@contextmanager
def attached(incident: Incident) -> Iterator[Any]:
    """Attach ``incident`` to the shared machine for the duration of the block."""
    state = incident.state
    MACHINE.add_model(incident, initial=state)
    try:
        yield incident
    finally:
        MACHINE.remove_model(incident)


def triggers_from(state: str) -> list[str]:
    """Actions the machine knows from ``state`` (before guards)."""
    return [t for t in MACHINE.get_triggers(state) if t in ACTIONS]


def allowed(incident: Incident, ctx: Context) -> list[str]:
    """Actions allowed now for ``ctx.actor`` (what the UI offers)."""
    with attached(incident) as model:
        return [t for t in triggers_from(incident.state) if getattr(model, f"may_{t}")(ctx=ctx)]


def next_state(incident: Incident, action: str, ctx: Context) -> str:
    """Fire ``action`` on a copy of the state; return the state after it or raise ActionRefused."""
    if action not in triggers_from(incident.state) and action not in INTERNAL:
        raise ActionRefused(_not_now(incident, action, ctx))
    reason = why_not(incident, action, ctx)
    if reason is not None:
        raise ActionRefused(
            _("cannot %(action)s: %(reason)s", action=_label(action), reason=reason),
            cli=getattr(reason, "cli", ""),
            app=getattr(reason, "app", ""),
        )
    before = incident.state
    with attached(incident) as model:
        try:
            fired = model.trigger(action, ctx=ctx)
        except MachineError:
            raise ActionRefused(_not_now(incident, action, ctx)) from None
        after = incident.state
    incident.state = before
    if not fired:
        raise ActionRefused(_("cannot %(action)s now", action=_label(action)))
    return after


def settle(incident: Incident, ctx: Context) -> str:
    """Take the engine's own steps (advance past done stages, approval complete or re-opened)
    until none applies; return the resulting state. Changes ``incident.state``."""
    for _round in range(len(STATES)):
        for step in INTERNAL:
            if (
                step in MACHINE.get_triggers(incident.state)
                and why_not(incident, step, ctx) is None
            ):
                incident.state = next_state(incident, step, ctx)
                break
        else:
            break
    return incident.state


def _label(action: str) -> str:
    words = ACTIONS.get(action) or INTERNAL.get(action)
    return _(words) if words else action


def state_words(state: str) -> str:
    """The state ``state`` in the words of the language in force."""
    return _(STATE_WORDS[state]) if state in STATE_WORDS else state


def _not_now(incident: Incident, action: str, ctx: Context) -> str:
    if incident.state == "closed":
        return _("incident %(id)s is closed; nothing more can be done", id=incident.id)
    options = allowed(incident, ctx)
    words = ", ".join(options) if options else _("nothing")
    label = _label(action)
    return _(
        "cannot %(label)s while incident %(id)s is %(state)s; allowed now: %(words)s",
        label=label,
        id=incident.id,
        state=state_words(incident.state),
        words=words,
    )


# -- guards -------------------------------------------------------------------------------


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


def why_not(incident: Incident, action: str, ctx: Context | None) -> str | None:
    """Why ``action`` is refused now (None when allowed). Pure: reads the incident only."""
    ctx = ctx or Context(actor="")
    check = _GUARDS.get(action)
    try:
        reason = check(incident, ctx) if check is not None else None
    except ActionRefused as refused:
        return Reason(refused.reason, refused.cli, refused.app)
    if reason is None and action in ACTIONS:
        proof = ctx.proof
        if action in ctx.signed and proof is not None:
            proof = Proof(method="ssh-signature", account=proof.account)
        reason = proof_refusal(incident.proof_rules, action, ctx.actor, proof, drill=incident.drill)
    return reason


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
        return "no message may have been sent without an answer; there is nothing to resend"
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


_GUARDS = {
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


def mermaid() -> str:
    """The lifecycle as a Mermaid state diagram."""
    lines = ["stateDiagram-v2", "    [*] --> declared"]
    seen = set()
    for transition in TRANSITIONS:
        sources = transition["source"]
        for source in [sources] if isinstance(sources, str) else sources:
            dest = source if transition["dest"] == "=" else transition["dest"]
            key = (source, dest, transition["trigger"])
            if key in seen:
                continue
            seen.add(key)
            lines.append(f"    {source} --> {dest}: {transition['trigger']}")
    lines.append("    closed --> [*]")
    return "\n".join(lines) + "\n"
