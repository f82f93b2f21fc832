"""How the command line shows an incident (text and JSON): presentation only, no rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from runbook.cli.words import minute, stage_word, state_word
from runbook.i18n import _
from runbook.model.approvals import requirement, stand_in_words, why_not_counted
from runbook.model.base import format_duration
from runbook.model.incident import Draft, Incident
from runbook.model.playbook import STAGES
from runbook.model.updates import audience_name

MAX_LISTED = 20
"""Failures listed one by one under a failed step (the rest counted)."""


def stage_status(incident: Incident) -> dict[str, str]:
    """Each stage's status in words: done, skipped, under way, to do."""
    result = {}
    for stage in STAGES:
        if stage in incident.skipped:
            result[stage] = "skipped"
        elif stage == "pause" and incident.pause_unconfirmed():
            result[stage] = "unconfirmed"
        elif stage == "pause" and incident.level and not incident.pause_satisfied():
            result[stage] = "to do"
        elif stage == "notify" and incident.level and incident.rules_due():
            result[stage] = "to do"
        elif stage in incident.stage_reached:
            result[stage] = "done"
        else:
            result[stage] = "to do"
    return result


def status_object(
    incident: Incident, allowed: list[str], orphaned: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """The JSON status of an incident (``orphaned``: keys of messages whose sender is gone,
    see :meth:`~runbook.engine.deliveries.DeliveryCommands.orphaned`)."""
    data = incident.status()
    data["score"] = incident.score
    data["answers"] = incident.answers
    data["stages"] = stage_status(incident)
    data["paused_posts"] = len(incident.paused_posts)
    data["resumed_posts"] = len(incident.resumed_posts)
    data["recipients"] = [
        {
            "person": r.person,
            "roles": sorted(r.roles),
            "delivered": r.delivered,
            "failed": r.failed,
            "may_have_been_sent": r.maybe,
            "acknowledged": r.acked_at.isoformat() if r.acked_at else None,
        }
        for r in incident.recipients.values()
    ]
    data["drafts"] = [
        {
            "id": d.draft_id,
            "template": d.template_id,
            "version": d.version,
            "content_hash": d.content_hash,
            "submitted": d.submitted,
            "approved_by": [a.person for a in d.current_approvals()],
            "approvals": approvals_object(incident, d),
            "stale_approvals": [a.person for a in d.stale_approvals()],
            "needs": requirement(incident, d).describe() if incident.level else "",
            "stand_ins": d.stand_ins,
            "nobody_left": stand_in_words(d),
            "published": d.published_hash == d.content_hash,
        }
        for d in incident.drafts.values()
    ]
    data["updates"] = [
        {
            "audience": d.audience,
            "every": format_duration(d.every),
            "due_at": d.due_at.isoformat(),
            "last_sent_at": d.last_at.isoformat() if d.last_at else None,
            "reminded": d.reminded,
            "escalated": d.escalated,
        }
        for d in incident.update_schedule()
    ]
    data["checked"] = sorted(incident.checked)
    data["failed_steps"] = [
        {
            "kind": e.kind,
            "error": e.error,
            "not_done": [{"who": who, "why": why} for who, why in e.not_done()],
        }
        for e in incident.failed_effects()
    ]
    data["may_have_been_sent"] = [
        {"key": key, "kind": effect.kind, "why": effect.deliveries.get(key, {}).get("error", "")}
        for effect in incident.effects.values()
        for key in effect.maybe_sent()
    ]
    data["sending"] = [
        {"key": key, "kind": effect.kind, "sender_gone": key in orphaned}
        for effect in incident.pending_effects()
        for key in sorted(effect.in_flight)
    ]
    data["allowed"] = allowed
    data["summary"] = incident.summary or None
    return data


def approvals_object(incident: Incident, draft: Draft) -> list[dict[str, Any]]:
    """Each approval of the draft's current text: who, how proven, when, and whether it
    counts (with the reason when it does not)."""
    found = []
    for approval in draft.current_approvals():
        reason = why_not_counted(incident, draft, approval) if incident.level else None
        found.append(
            {
                "person": approval.person,
                "roles": list(approval.roles),
                "proof": approval.proof.method if approval.proof else None,
                "proof_words": approval.words(),
                "attested_by": approval.attested_by or None,
                "at": approval.at.isoformat(),
                "counts": reason is None,
                "why_not": reason,
            }
        )
    return found


def _label(words: str) -> str:
    """A line's label, padded to the column the values start in."""
    return f"{words:8} "


def status_lines(
    incident: Incident, allowed: list[str], orphaned: frozenset[str] = frozenset()
) -> list[str]:
    """The human-readable status of an incident."""
    data = status_object(incident, allowed, orphaned)
    drill = "  [" + _("DRILL") + "]" if incident.drill else ""
    lines = [
        f"{incident.id}  {incident.title}{drill}",
        _(
            "playbook %(playbook)s v%(version)s   level %(level)s   state %(state)s",
            playbook=data["playbook"],
            version=data["playbook_version"],
            level=incident.level or "-",
            state=state_word(incident.state),
        ),
        _label(_("stages")) + "  ".join(f"{s}: {stage_word(v)}" for s, v in data["stages"].items()),
        _label(_("posts"))
        + _(
            "%(held)s held, %(resumed)s resumed",
            held=data["paused_posts"],
            resumed=data["resumed_posts"],
        )
        + "".join(
            "; " + _("held by hand in %(tool)s (confirmed by %(person)s)", tool=tool, person=who)
            for _at, who, tool, _scope in incident.held_by_hand
        ),
    ]
    indent = " " * len(_label(""))
    for r in data["recipients"]:
        ack = _("acknowledged") if r["acknowledged"] else _("not acknowledged")
        failed = _(", failed: %(channels)s", channels=", ".join(r["failed"])) if r["failed"] else ""
        if r["may_have_been_sent"]:
            failed += ", " + _(
                "may have been sent: %(channels)s", channels=", ".join(r["may_have_been_sent"])
            )
        lines.append(
            _label(_("notified")) + f"{r['person']} ({', '.join(r['roles'])}) {ack}{failed}"
        )
    for d in data["drafts"]:
        if d["published"]:
            state = _("published")
        else:
            state = _("submitted") if d["submitted"] else state_word("drafting")
        lines.append(
            _label(_("draft")) + f"{d['id']} v{d['version']} {d['template']} {state}: {d['needs']}"
        )
        lines.extend(f"{indent}! {words}" for words in d["nobody_left"])
        for a in d["approvals"]:
            counted = "" if a["counts"] else "  " + _("DOES NOT COUNT: %(why)s", why=a["why_not"])
            lines.append(
                indent
                + _(
                    "approved by %(person)s (%(roles)s) %(at)s, %(proof)s",
                    person=a["person"],
                    roles=", ".join(a["roles"]) or "-",
                    at=minute(datetime.fromisoformat(a["at"])),
                    proof=a["proof_words"],
                )
                + counted
            )
    for u in data["updates"]:
        if u["escalated"]:
            late = " " + _("(escalated)")
        else:
            late = " " + _("(lead reminded)") if u["reminded"] else ""
        lines.append(
            _label(_("update"))
            + _(
                "%(audience)s every %(every)s: due %(due)s",
                audience=audience_name(u["audience"]),
                every=u["every"],
                due=minute(datetime.fromisoformat(u["due_at"])),
            )
            + late
        )
    for step in data["failed_steps"]:
        lines.append(
            _label(_("FAILED"))
            + _(
                "%(kind)s: %(error)s (runbook retry %(id)s)",
                kind=step["kind"],
                error=step["error"],
                id=incident.id,
            )
        )
        lines.extend(
            " " * 9 + _("not reached: %(who)s: %(why)s", who=n["who"], why=n["why"])
            for n in step["not_done"][:MAX_LISTED]
        )
        if len(step["not_done"]) > MAX_LISTED:
            lines.append(" " * 9 + _("… and %(n)s more", n=len(step["not_done"]) - MAX_LISTED))
    for maybe in data["may_have_been_sent"]:
        person, channel = maybe["key"].rsplit("/", 2)[-2:]
        lines.append(
            _label(_("MAYBE"))
            + _(
                "%(person)s by %(channel)s (%(kind)s) may have been sent: %(why)s; "
                "`runbook resend %(id)s --delivery %(key)s` sends it again",
                person=person,
                channel=channel,
                kind=maybe["kind"],
                why=maybe["why"],
                id=incident.id,
                key=maybe["key"],
            )
        )
    for sending in data["sending"]:
        person, channel = sending["key"].rsplit("/", 2)[-2:]
        if sending["sender_gone"]:
            lines.append(
                _label(_("MAYBE"))
                + _(
                    "%(person)s by %(channel)s (%(kind)s) may have been sent: runbook stopped "
                    "while sending it; `runbook tick %(id)s` records it, then `runbook resend` "
                    "can send it again",
                    person=person,
                    channel=channel,
                    kind=sending["kind"],
                    id=incident.id,
                )
            )
            continue
        lines.append(
            _label(_("SENDING"))
            + _(
                "%(person)s by %(channel)s: started, no answer yet (if runbook stopped, "
                "`runbook tick` shows it as may have been sent)",
                person=person,
                channel=channel,
            )
        )
    if allowed:
        from runbook.model.lifecycle import COMMANDS  # the commands, not the actions' ids

        commands = dict.fromkeys(COMMANDS.get(action, action) for action in allowed)
        lines.append(_label(_("you can")) + ", ".join(commands))
    return lines
