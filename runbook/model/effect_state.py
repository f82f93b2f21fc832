"""Effect and delivery state: each outbox entry (an intent and, once known, its result) and
each person notified (which channels reached them, whether they acknowledged).

Folding (:mod:`runbook.model.fold_effects`) builds these; their methods answer what is left
to send, what may have been sent, and what a failure means in a comms person's words. They
live apart from :mod:`runbook.model.incident`, which holds the incident as a whole (its
drafts, approvals and derived stage facts), because delivery bookkeeping is its own concern.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from runbook.i18n import N_, _, ngettext

WORDS = {
    "notify": (N_("nobody was notified"), N_("some people were not notified")),
    "stand_down": (
        N_("nobody was told to stand down"),
        N_("some people were not told to stand down"),
    ),
    "approval_request": (N_("no approver was asked"), N_("some approvers were not asked")),
    "pause": (N_("no post was held"), N_("some posts were not held")),
    "resume": (N_("no post was released"), N_("some posts were not released")),
    "publish": (
        N_("the statement was published nowhere"),
        N_("the statement missed some platforms"),
    ),
    "update": (N_("the update reached nobody"), N_("the update did not reach everyone")),
    "update_reminder": (N_("nobody was reminded"), N_("some people were not reminded")),
}
"""What a failed effect of each kind means: (failed for everyone, failed for some); translate
with ``_()`` where shown."""


@dataclass
class Effect:
    """One outbox entry: an intent and, once known, its result."""

    effect_id: str
    kind: str
    payload: dict[str, Any]
    requested_at: datetime
    requested_seq: int
    attempt: int = 1
    result: str | None = None
    """None while pending; ``ok``, ``partial``, ``failed`` or (notify) ``unknown`` (nothing
    failed, but some messages may or may not have arrived) once recorded."""
    error: str = ""
    targets: list[dict[str, Any]] | None = None
    """Pause: the posts listed to hold (PauseTargeted), once recorded."""
    deliveries: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Notify: result per delivery key (the last one recorded)."""
    to_do: set[str] = field(default_factory=set)
    """Notify: the delivery keys this attempt is to settle (each leaves it with its result);
    the attempt is over when none is left."""
    resend: set[str] = field(default_factory=set)
    """Notify: keys the operator chose to send again on this attempt (possible repeats)."""
    in_flight: set[str] = field(default_factory=set)
    """Notify: keys started and not answered yet (after a crash: may have been sent)."""
    repeats: set[str] = field(default_factory=set)
    """Notify: keys sent again by the operator's choice (the person may have it twice)."""
    failures: list[dict[str, Any]] = field(default_factory=list)
    """What the last result says failed, each naming who or what and why (a person and
    channel, a post, a platform)."""

    def delivery_keys(self) -> list[str]:
        """Notify: the key of every (person, channel) delivery this effect asks for."""
        return [
            f"{self.effect_id}/{r['person']}/{channel}"
            for r in self.payload.get("recipients", [])
            for channel in r.get("channels", [])
        ]

    def undelivered(self) -> list[str]:
        """Notify: delivery keys runbook may send by itself: never started, or failed for
        sure. A message that may have been sent (unknown, or started with no result) is not
        among them: only the operator sends it again."""
        return [
            k
            for k in self.delivery_keys()
            if k not in self.in_flight
            and self.deliveries.get(k, {}).get("outcome", "") != "unknown"
            and not self.deliveries.get(k, {}).get("ok")
        ]

    def to_send(self) -> list[str]:
        """Notify: the keys this attempt still has to send (not started yet)."""
        return [k for k in self.delivery_keys() if k in self.to_do and k not in self.in_flight]

    def not_done(self) -> list[tuple[str, str]]:
        """Who or what the last result did not reach, and why: ``(who, why)`` per failure
        (a person by a channel, a post, a platform), for every reader to show."""
        found = []
        for failure in self.failures:
            if failure.get("person"):
                who = _(
                    "%(person)s by %(channel)s",
                    person=failure["person"],
                    channel=failure.get("channel", "?"),
                )
            else:
                who = str(failure.get("id") or failure.get("platform") or self.kind)
            found.append((who, str(failure.get("error") or _("not done"))))
        if not found and self.result == "failed" and self.error:
            found.append((self.kind, self.error))
        return found

    def maybe_sent(self) -> list[str]:
        """Notify: keys that may or may not have arrived (the receiver did not answer after
        taking the message, or the process sending it stopped mid-way), and were not sent
        again since."""
        return [
            k
            for k in self.delivery_keys()
            if self.deliveries.get(k, {}).get("outcome") == "unknown" and k not in self.in_flight
        ]

    def what_failed(self) -> list[tuple[bool, str]]:
        """What a failed (or partly failed) effect did not do, in a comms person's words: one
        ``(for everyone?, line)`` per failure, e.g. nobody notified, or one channel that
        reached nobody while another worked."""
        if self.result == "unknown":
            count = len(self.maybe_sent())
            maybe = ngettext(
                "%(n)s message may have been sent (%(error)s)",
                "%(n)s messages may have been sent (%(error)s)",
                count,
                error=self.error,
            )
            return [(False, maybe)]
        if self.result not in ("failed", "partial"):
            return []
        whole = self.result == "failed"
        if self.kind == "notify" and self.payload.get("escalation"):
            words = (_("the escalation reached nobody"), _("the escalation missed some people"))
        elif self.kind in WORDS:
            words = (_(WORDS[self.kind][0]), _(WORDS[self.kind][1]))
        else:
            words = (
                _("%(kind)s failed", kind=self.kind),
                _("%(kind)s partly failed", kind=self.kind),
            )
        if whole or not self.deliveries:
            line = words[0 if whole else 1]
            return [(whole, f"{line} ({self.error})" if self.error else line)]
        found: list[tuple[bool, str]] = []
        channels: dict[str, list[dict[str, Any]]] = {}
        for key in self.delivery_keys():
            channels.setdefault(key.rsplit("/", 1)[-1], []).append(self.deliveries.get(key, {}))
        for channel, results in channels.items():
            failed = [r for r in results if not r.get("ok")]
            if failed and len(failed) == len(results):
                reason = str(failed[0].get("error", _("not delivered")))
                found.append(
                    (
                        True,
                        _(
                            "%(channel)s reached nobody: %(failed)s of %(n)s failed (%(reason)s)",
                            channel=channel,
                            failed=len(failed),
                            n=len(results),
                            reason=reason,
                        ),
                    )
                )
        if not found:
            found.append((False, f"{words[1]} ({self.error})" if self.error else words[1]))
        return found


@dataclass
class Recipient:
    """A person notified about the incident, and whether they acknowledged."""

    person: str
    roles: set[str] = field(default_factory=set)
    rules: set[str] = field(default_factory=set)
    notified_at: datetime | None = None
    delivered: list[str] = field(default_factory=list)
    """Channels that delivered."""
    failed: dict[str, str] = field(default_factory=dict)
    """Channel -> last error, for channels that did not deliver."""
    maybe: dict[str, str] = field(default_factory=dict)
    """Channel -> why it is not known, for messages that may have been sent."""
    acked_at: datetime | None = None
    running: bool = False
    """True for the person running the incident: counted as reached, never messaged."""
