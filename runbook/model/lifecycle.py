"""The incident lifecycle: one shared ``transitions`` Machine over :class:`Incident` models.

    declared -> assessed -> paused -> notified -> drafting -> in_review -> approved
             -> resolved -> closed

The stages are an order of priorities, not a cage: once the level is set a draft may be
started while pausing and notifying are under way, and pausing or notifying later keeps the
state at the furthest stage reached. Submitting for approval needs the pause and notify stages
done or skipped. Every guard explains itself: :func:`why_not` returns the reason an action is
refused, and the machine's conditions use it, so ``may_<action>()`` and refusals agree. The
guard of each action (what the incident must hold) lives in :mod:`runbook.model.guards`;
:class:`Context` is defined there and re-exported here, where the engine imports it from.

No callback performs I/O; the engine fires a trigger to learn the next state and records it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from transitions import EventData, Machine, MachineError

from runbook.errors import ActionRefused, Reason
from runbook.i18n import N_, _
from runbook.model.guards import GUARDS
from runbook.model.guards import Context as Context  # re-exported: imported from many places
from runbook.model.incident import Incident
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
        raise _refused(_not_now(incident, action, ctx))
    reason = why_not(incident, action, ctx)
    if reason is not None:
        raise ActionRefused(
            _("cannot %(action)s: %(reason)s", action=_label(action), reason=reason),
            cli=getattr(reason, "cli", ""),
            app=getattr(reason, "app", ""),
            allowed=getattr(reason, "allowed", ()),
        )
    before = incident.state
    with attached(incident) as model:
        try:
            fired = model.trigger(action, ctx=ctx)
        except MachineError:
            raise _refused(_not_now(incident, action, ctx)) from None
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


COMMANDS = {"reassess": "assess", "start_draft": "draft", "edit_draft": "draft"}
"""Actions whose command on the command line has another name (``runbook draft``)."""


def _refused(reason: str) -> ActionRefused:
    return ActionRefused(
        reason,
        cli=getattr(reason, "cli", ""),
        app=getattr(reason, "app", ""),
        allowed=getattr(reason, "allowed", ()),
    )


def _not_now(incident: Incident, action: str, ctx: Context) -> str:
    """Why ``action`` cannot be taken in this state, in words for every surface (what the
    timeline records); the command line adds the commands allowed now, the app their keys."""
    if incident.state == "closed":
        return _("incident %(id)s is closed; nothing more can be done", id=incident.id)
    options = allowed(incident, ctx)
    commands = list(dict.fromkeys(COMMANDS.get(option, option) for option in options))
    words = ", ".join(commands) if commands else _("nothing")
    return Reason(
        _(
            "cannot %(label)s while incident %(id)s is %(state)s",
            label=_label(action),
            id=incident.id,
            state=state_words(incident.state),
        ),
        cli=_("allowed now: %(words)s", words=words),
        allowed=tuple(options),
    )


def why_not(incident: Incident, action: str, ctx: Context | None) -> str | None:
    """Why ``action`` is refused now (None when allowed). Pure: reads the incident only."""
    ctx = ctx or Context(actor="")
    check = GUARDS.get(action)
    try:
        reason = check(incident, ctx) if check is not None else None
    except ActionRefused as refused:
        return Reason(refused.reason, refused.cli, refused.app, refused.allowed)
    if reason is None and action in ACTIONS:
        proof = ctx.proof
        if action in ctx.signed and proof is not None:
            proof = Proof(method="ssh-signature", account=proof.account)
        reason = proof_refusal(incident.proof_rules, action, ctx.actor, proof, drill=incident.drill)
    return reason


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
