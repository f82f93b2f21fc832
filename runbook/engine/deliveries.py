"""Messages that may have been sent, and the operator's choice to send them again.

A delivery whose receiver took the message and did not answer, or whose sender stopped
mid-way (:class:`~runbook.model.events.DeliveryInterrupted`), may or may not have arrived.
runbook never sends it again by itself (``tick`` and ``retry`` leave it); the operator can
(``runbook resend``, the app's "send again" dialog, each message ticked or not), knowing the
person may then receive it twice: the re-send is a new attempt of the same intent carrying the
chosen keys (:attr:`~runbook.model.events.EffectRequested.resend`), its messages recorded as
repeats, with the same Message-ID and Idempotency-Key as the first time, so a receiver that
de-duplicates shows it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial

from runbook.engine.core import EngineCore
from runbook.errors import ActionRefused
from runbook.i18n import _
from runbook.model import events as ev
from runbook.model.incident import Incident
from runbook.model.lifecycle import Context


@dataclass(frozen=True)
class MaybeSent:
    """One delivery that may have been sent (or not)."""

    key: str
    """The delivery key (``runbook resend ID --delivery KEY``)."""
    effect_id: str
    at: datetime
    """When the attempt that sent it was requested."""
    kind: str
    """What the message was: notify, stand_down, approval_request, update..."""
    person: str
    channel: str
    why: str
    """Why it is not known (the receiver did not answer; runbook stopped while sending)."""


def maybe_sent(incident: Incident) -> list[MaybeSent]:
    """Every delivery of ``incident`` that may have been sent and was not sent again since."""
    found = []
    for effect in incident.effects.values():
        for key in effect.maybe_sent():
            delivery = effect.deliveries.get(key, {})
            person, channel = key.rsplit("/", 2)[-2:]
            found.append(
                MaybeSent(
                    key=key,
                    effect_id=effect.effect_id,
                    kind=effect.kind,
                    person=person,
                    channel=channel,
                    at=effect.requested_at,
                    why=str(delivery.get("error", "")),
                )
            )
    return found


def resend(
    engine: EngineCore, keys: list[str], every: bool, incident: Incident, ctx: Context
) -> list[ev.Event]:
    """Send again the chosen deliveries that may have been sent (``every``: all of them), as
    a new attempt of each intent; refuse a key that is not one of them."""
    waiting = {m.key: m for m in maybe_sent(incident)}
    chosen = list(waiting) if every else list(dict.fromkeys(k.strip() for k in keys if k))
    if not chosen:
        raise ActionRefused(
            _("say which message to send again"),
            cli=_("--delivery KEY, or --all-unknown"),
            allowed=("resend",),
        )
    for key in chosen:
        if key not in waiting:
            raise ActionRefused(
                _("%(key)s is not a message that may have been sent", key=key),
                cli=_("`runbook status %(id)s` lists them", id=incident.id),
                allowed=("resend",),
            )
    by_effect: dict[str, list[str]] = {}
    for key in chosen:
        by_effect.setdefault(waiting[key].effect_id, []).append(key)
    events: list[ev.Event] = []
    for effect_id, effect_keys in by_effect.items():
        effect = incident.effects[effect_id]
        if effect.result is None:
            raise ActionRefused(
                _("%(id)s is still being sent; wait for it to finish", id=effect_id)
            )
        events.append(
            engine.event(
                ev.EffectRequested,
                incident,
                effect_id=effect_id,
                kind=effect.kind,
                payload=effect.payload,
                attempt=effect.attempt + 1,
                resend=sorted(effect_keys),
            )
        )
    return events


class DeliveryCommands(EngineCore):
    """The operator's verbs on single deliveries; :class:`runbook.engine.commands.Engine`
    has them."""

    def maybe_sent(self, incident_id: str) -> list[MaybeSent]:
        """The incident's messages that may have been sent (see :func:`maybe_sent`)."""
        return maybe_sent(self.incident(incident_id))

    def orphaned(self, incident_id: str) -> list[str]:
        """Keys of messages started by a process that is gone (their step's claim is free)
        and not yet recorded as interrupted: they may have been sent. The next ``tick``,
        ``retry`` or the app records them so; nothing is recorded or sent here."""
        found = []
        for effect in self.incident(incident_id).pending_effects():
            if not effect.in_flight:
                continue
            claim = self.performing.claim(effect.effect_id)
            if claim is None:
                continue  # its performer is alive: still on its way
            claim.release()
            found.extend(sorted(effect.in_flight))
        return found

    def resend(
        self,
        incident_id: str,
        keys: list[str] | None = None,
        *,
        every: bool = False,
        command_id: str | None = None,
    ) -> Incident:
        """Send again, by the operator's choice, messages that may have been sent (``keys``,
        or ``every`` one): recorded as possible repeats."""
        build = partial(resend, self, list(keys or []), every)
        return self.run(incident_id, "resend", build, command_id=command_id)
