"""Configuration pinned per incident: refusing commands under another configuration, and
recording a change of configuration.

An incident pins the content hashes of its playbook, policy and contacts when declared
(:mod:`runbook.model.config_pins`). Every command on it (:meth:`EngineCore.run`) first compares
them with the configuration loaded now (:mod:`runbook.loading.pins`): under another policy,
another contacts (another ``--config``, an edited file, a private copy granting someone a role)
or another playbook the command is refused with one line naming what differs, until a proven
person records the change (``runbook config-change ID --why ...``, the app's ``C``): a
:class:`~runbook.model.events.ConfigurationChanged` naming each file, its old and new hash and
what differs, after which the incident runs under the new configuration and pins it. Who may
record it is the lifecycle's rule (:func:`runbook.model.lifecycle.why_not`).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from runbook.errors import ActionRefused
from runbook.i18n import _
from runbook.loading.pins import Current, current
from runbook.model import events as ev
from runbook.model import lifecycle
from runbook.model.config_pins import (
    KIND_WORDS,
    KINDS,
    Change,
    contacts_differences,
    model_hash,
    sections_changed,
)
from runbook.model.incident import Incident
from runbook.model.lifecycle import Context
from runbook.model.limits import MAX_REASON, check_text

if TYPE_CHECKING:
    from runbook.engine.core import EngineCore

ACTION = "config_change"
"""The lifecycle action that records a change (never refused for the change itself)."""


def loaded(engine: EngineCore, incident: Incident) -> Current:
    """The configuration the engine has loaded now, for ``incident``'s playbook (kept while
    the engine keeps the same workspace: a workspace never changes)."""
    playbook_id = incident.playbook.id if incident.playbook is not None else ""
    kept = engine.pins_loaded
    if kept is None or kept[0] is not engine.workspace:
        kept = engine.pins_loaded = (engine.workspace, {})
    found = kept[1].get(playbook_id)
    if found is None:
        found = kept[1][playbook_id] = current(engine.workspace, playbook_id)
    return found


def pinned(incident: Incident) -> dict[str, str]:
    """The hashes the incident runs under: its playbook's and policy's from the content it
    holds (as the declaration or the last recorded change pinned it), its contacts' as
    recorded (an incident declared before pinning: contacts not checked)."""
    found = dict(incident.pins)
    found["policy"] = _hash_of(incident.policy)
    if incident.playbook is not None:
        found["playbook"] = _hash_of(incident.playbook)
    return found


_HASHES: dict[int, tuple[object, str]] = {}
"""Content hashes of the pinned specs seen (frozen and shared by every fold of an incident)."""


def _hash_of(spec: BaseModel | None) -> str:
    """:func:`model_hash` of ``spec``, computed once per spec object."""
    if spec is None:
        return model_hash(None)
    kept = _HASHES.get(id(spec))
    if kept is None or kept[0] is not spec:
        if len(_HASHES) > 256:
            _HASHES.clear()
        kept = _HASHES[id(spec)] = (spec, model_hash(spec))
    return kept[1]


def changes(engine: EngineCore, incident: Incident) -> list[Change]:
    """Each file of the loaded configuration that differs from what the incident pinned."""
    now = loaded(engine, incident)
    was = pinned(incident)
    found = []
    for kind in KINDS:
        old = was.get(kind)
        new = now.hashes[kind]
        if old is None or old == new:
            continue
        if kind == "contacts":
            summary = contacts_differences(incident.access, now.access)
        elif kind == "policy":
            before = incident.policy.model_dump(mode="json") if incident.policy else None
            summary = sections_changed(before, now.policy)
        else:
            before = incident.playbook.model_dump(mode="json") if incident.playbook else None
            summary = sections_changed(before, now.playbook)
        found.append(Change(kind, old, new, summary))
    return found


def guard(engine: EngineCore, incident: Incident, action: str, ctx: Context) -> None:
    """Refuse ``action`` on ``incident`` under another configuration than it pinned (one line
    naming what differs); for the change itself, hand the changes to the lifecycle's rule."""
    if action == ACTION:
        ctx.extra["config_changes"] = [change.record() for change in changes(engine, incident)]
        return
    refuse_if_changed(engine, incident, ctx)


def refuse_if_changed(engine: EngineCore, incident: Incident, ctx: Context | None = None) -> None:
    """Refuse to act on ``incident`` (a command, or runbook's own steps on the clock: escalate
    to, remind or re-send to the people another contacts file names) under another
    configuration than it pinned, with one line naming what differs."""
    held = refusal(engine, incident, ctx)
    if held is not None:
        raise held


def refusal(
    engine: EngineCore, incident: Incident, ctx: Context | None = None
) -> ActionRefused | None:
    """The refusal every command but the change itself meets on ``incident`` under another
    configuration than it pinned (None: it runs under this one). The way on is recording the
    change (``runbook config-change``); with ``ctx``, the change is named as allowed now when
    the lifecycle lets ``ctx``'s person record it, else why they may not."""
    if incident.finished:
        return None
    found = changes(engine, incident)
    if not found:
        return None
    first = found[0]
    others = ", ".join(_(KIND_WORDS[c.kind]) for c in found[1:])
    more = _(" (and %(others)s)", others=others) if others else ""
    allowed: tuple[str, ...] = ()
    app = ""
    if ctx is not None:
        probe = replace(ctx, extra={"config_changes": [change.record() for change in found]})
        why = lifecycle.why_not(incident, ACTION, probe)
        if why is None:
            allowed = (ACTION,)
        else:
            app = str(why)
    return ActionRefused(
        _("%(change)s%(more)s: record the change first", change=first.line(), more=more),
        cli=_("`runbook config-change %(id)s --why ...`", id=incident.id),
        app=app,
        allowed=allowed,
    )


def record_change(engine: EngineCore, why: str, incident: Incident, ctx: Context) -> list[ev.Event]:
    """The recorded change of configuration: each file that changed and why (the lifecycle
    already checked who records it)."""
    why = " ".join(why.split())
    if not why:
        raise ActionRefused(_("say why the configuration changed"), cli="--why")
    check_text("the reason", why, MAX_REASON)
    found: list[dict[str, Any]] = ctx.extra.get("config_changes") or []
    now = loaded(engine, incident)
    kinds = {change["kind"] for change in found}
    if "playbook" in kinds:
        if now.playbook is None:
            name = incident.playbook.id if incident.playbook else "?"
            raise ActionRefused(
                _(
                    "this configuration has no playbook %(name)r: run with the configuration "
                    "the incident runs under",
                    name=name,
                )
            )
        levels = {level["id"] for level in now.playbook["severity"]["levels"]}
        if incident.level is not None and incident.level not in levels:
            raise ActionRefused(
                _(
                    "the changed playbook has no level %(level)s: the incident is at it",
                    level=incident.level,
                )
            )
    return [
        engine.event(
            ev.ConfigurationChanged,
            incident,
            proof=ctx.proof,
            changes=found,
            why=why,
            playbook=now.playbook if "playbook" in kinds else None,
            policy=now.policy if "policy" in kinds else None,
            access=now.access if "contacts" in kinds else None,
        )
    ]
