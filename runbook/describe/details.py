"""One line of details per known event type, in the language in force.

Each function takes the stored data (a dict), ``label`` (names a person) and ``scrub`` (cleans
free text) and returns the line. Fixed words go through :func:`runbook.i18n._` with named
placeholders; what people typed, ids and channel names stay as recorded.
:mod:`runbook.describe` picks the function for an event's type (:data:`DETAILS`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runbook.describe import deliveries, drafts, updates
from runbook.describe.common import (
    Label,
    Scrub,
    generic,
    listed,
    semicolon,
    version_of,
)
from runbook.i18n import _, ngettext
from runbook.model.updates import audience_name

__all__ = ["DETAILS", "Label", "Scrub", "generic", "listed", "semicolon", "version_of"]


def _people(items: list[str], label: Label) -> str:
    return listed([label(p) for p in items])


def _failures(failures: list[dict[str, Any]]) -> str:
    if not failures:
        return ""
    shown = semicolon().join(
        _(
            "%(what)s: %(error)s",
            what=f.get("id") or f.get("person") or f.get("platform") or "?",
            error=f.get("error") or _("failed"),
        )
        for f in failures[:5]
    )
    if len(failures) > 5:
        shown = _("%(shown)s and %(more)s more", shown=shown, more=len(failures) - 5)
    return semicolon() + ngettext(
        "%(n)s failed (%(shown)s)", "%(n)s failed (%(shown)s)", len(failures), shown=shown
    )


def declared(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    playbook = data.get("playbook") or {}
    text = _(
        '"%(title)s" on playbook %(playbook)s v%(version)s (%(playbook_title)s)',
        title=data["title"],
        playbook=data["playbook_id"],
        version=data["playbook_version"],
        playbook_title=playbook.get("title", ""),
    )
    if data.get("drill"):
        text += " " + _("[DRILL]: nothing real is sent")
    return scrub(text)


def assessed(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    previous = data.get("previous_level")
    level = f"{previous} -> {data['level']}" if previous else data["level"]
    answers = ", ".join(f"{q}={o}" for q, o in data.get("answers", {}).items())
    overrides = data.get("overrides") or []
    text = _(
        "%(level)s, score %(score)s (%(answers)s)",
        level=level,
        score=data["score"],
        answers=answers,
    )
    if overrides:
        text += semicolon() + _("override: %(reasons)s", reasons=semicolon().join(overrides))
    return scrub(text)


def skipped(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    return scrub(
        _(
            "%(stage)s at %(level)s: %(reason)s",
            stage=data["stage"],
            level=data["level"],
            reason=data["reason"],
        )
    )


def _told(what: str, people: list[str], label: Label) -> str:
    return ngettext(
        "%(what)s: %(n)s people (%(people)s)",
        "%(what)s: %(n)s people (%(people)s)",
        len(people),
        what=what,
        people=_people(people, label),
    )


def requested(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    payload = data.get("payload") or {}
    kind = data.get("kind")
    attempt = int(data.get("attempt", 1))
    retry = " " + _("(retry, attempt %(attempt)s)", attempt=attempt) if attempt > 1 else ""
    if kind == "pause":
        scope = payload.get("scope") or {}
        where = listed(scope.get("channels") or []) or str(scope.get("scope", "?"))
        text = _("scope %(scope)s", scope=where)
    elif kind in ("update", "update_reminder"):
        about = payload.get("update") or payload.get("reminder") or {}
        people = [r.get("person", "?") for r in payload.get("recipients", [])]
        text = _told(audience_name(str(about.get("audience", "?"))), people, label)
    elif kind in ("notify", "stand_down", "approval_request"):
        recipients = payload.get("recipients", [])
        people = [r.get("person", "?") for r in recipients if not r.get("running")]
        running = [r.get("person", "?") for r in recipients if r.get("running")]
        escalation = payload.get("escalation") or {}
        if kind == "stand_down":
            what = _("stand-down")
        elif kind == "approval_request":
            what = _(
                "approval of %(draft)s v%(version)s",
                draft=payload.get("draft_id"),
                version=payload.get("version"),
            )
        elif escalation:
            what = _(
                "escalation of rule %(rule)s (round %(round)s)",
                rule=escalation.get("rule_id", "?"),
                round=escalation.get("round", 1),
            )
        else:
            what = listed(payload.get("rules", [])) or _("notification")
        text = _told(what, people, label)
        if running:
            text += semicolon() + _(
                "not messaged, running the incident: %(people)s", people=_people(running, label)
            )
    elif kind == "resume":
        posts = [str(p.get("id")) for p in payload.get("posts", [])]
        kept = payload.get("kept") or []
        text = ngettext("%(n)s post(s)", "%(n)s post(s)", len(posts)) + (
            f" ({listed(posts)})" if posts else ""
        )
        if kept:
            text += semicolon() + _("keep held: %(posts)s", posts=listed(kept))
    elif kind == "publish":
        text = _(
            "%(draft)s v%(version)s on %(platforms)s",
            draft=payload.get("draft_id"),
            version=payload.get("version"),
            platforms=listed(list(payload.get("variants") or {})),
        )
    else:
        return generic(data, scrub)
    return scrub(text + retry)


def _post_list(posts: list[dict[str, Any]]) -> str:
    """``: P1 (x), P2 (instagram) and 8 more`` (empty for no posts)."""
    if not posts:
        return ""
    shown = listed([f"{p.get('id')} ({p.get('channel', '?')})" for p in posts[:10]])
    if len(posts) > 10:
        shown = _("%(shown)s and %(more)s more", shown=shown, more=len(posts) - 10)
    return _(": %(posts)s", posts=shown)


def targeted(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    posts = data.get("posts", [])
    text = ngettext("%(n)s scheduled post(s)", "%(n)s scheduled post(s)", len(posts))
    return scrub(text + _post_list(posts))


def _hold_methods(posts: list[dict[str, Any]]) -> str:
    """How the posts were held where it is not just "marked held": ``; 3 set to draft; 2
    deleted after their full record was kept here (recreated on release)``."""
    drafts = sum(1 for p in posts if p.get("hold") == "draft")
    deleted = sum(1 for p in posts if p.get("hold") == "delete-and-recreate")
    text = (
        semicolon() + ngettext("%(n)s set to draft", "%(n)s set to draft", drafts) if drafts else ""
    )
    if deleted:
        text += semicolon() + ngettext(
            "%(n)s deleted after their full record was kept here (recreated on release)",
            "%(n)s deleted after their full record was kept here (recreated on release)",
            deleted,
        )
    return text


def paused(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    posts = data.get("posts", [])
    text = ngettext(
        "%(n)s post(s) held, scope %(scope)s",
        "%(n)s post(s) held, scope %(scope)s",
        len(posts),
        scope=data.get("scope", "?"),
    )
    text += _post_list(posts) + _hold_methods(posts) + _failures(data.get("failures", []))
    if data.get("note"):
        text += semicolon() + str(data["note"])
    return scrub(text)


def held_by_hand(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    scope = data.get("scope") or {}
    where = listed(scope.get("channels") or []) or str(scope.get("scope", "?"))
    text = _(
        "in %(tool)s, scope %(scope)s: the operator's confirmation (runbook could not check it)",
        tool=data["tool"],
        scope=where,
    )
    if data.get("note"):
        text += semicolon() + str(data["note"])
    return scrub(text)


def posted_by_hand(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    return scrub(
        _(
            "%(draft)s v%(version)s on %(platforms)s at %(url)s",
            draft=data["draft_id"],
            version=data["version"],
            platforms=data["variant"],
            url=data["url"],
        )
    )


def resumed(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    posts = [str(p.get("id")) for p in data.get("posts", [])]
    text = ngettext("%(n)s post(s) released", "%(n)s post(s) released", len(posts))
    if posts:
        text += _(": %(posts)s", posts=listed(posts))
    made = [p for p in data.get("posts", []) if p.get("recreated_as")]
    if made:
        text += semicolon() + _(
            "recreated: %(posts)s",
            posts=listed(
                [_("%(old)s as %(new)s", old=p["id"], new=p["recreated_as"]) for p in made]
            ),
        )
    if data.get("kept"):
        text += semicolon() + _("kept held: %(posts)s", posts=listed(data["kept"]))
    return scrub(text + _failures(data.get("failures", [])))


def notified(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    by_person: dict[str, dict[str, Any]] = {}
    for delivery in data.get("deliveries", []):
        entry = by_person.setdefault(
            delivery.get("person", "?"),
            {"roles": delivery.get("roles", []), "ok": [], "failed": [], "maybe": []},
        )
        channel = delivery.get("channel", "?")
        if delivery.get("repeat"):
            channel = f"{channel} ({deliveries.repeat_words()})"
        if deliveries.outcome(delivery) == "unknown":
            entry["maybe"].append(deliveries.maybe_words(channel, str(delivery.get("error", ""))))
        elif delivery.get("ok"):
            entry["ok"].append(channel)
        else:
            error = delivery.get("error") or _("not delivered")
            entry["failed"].append(_("%(channel)s: %(error)s", channel=channel, error=error))
    parts = []
    for person, entry in by_person.items():
        roles = f" ({listed(entry['roles'])})" if entry["roles"] else ""
        text = f"{label(person)}{roles}"
        if entry["ok"]:
            text += " " + _("via %(channels)s", channels=listed(entry["ok"]))
        if entry["failed"]:
            text += semicolon() + _(
                "NOT reached by %(failures)s", failures=semicolon().join(entry["failed"])
            )
        if entry["maybe"]:
            text += semicolon() + semicolon().join(entry["maybe"])
        parts.append(text)
    # Who was (not) reached first: on a one-line timeline the people matter more than the rule.
    text = semicolon().join(parts) if parts else _("nobody")
    purpose = data.get("purpose") or "notify"
    rule_id = str(data.get("rule_id", ""))
    if purpose == "escalation":
        text += " " + _("(escalation of rule %(rule)s)", rule=rule_id)
    elif purpose == "approval_request":
        draft = rule_id.partition(":")[2]
        text += " " + _("(asked to approve %(draft)s)", draft=draft or _("a draft"))
    elif purpose in ("update", "update_reminder"):
        audience = audience_name(rule_id.partition(":")[2])
        text += " " + _("(%(audience)s update)", audience=audience)
    else:
        rules = [r for r in rule_id.split(",") if r and r != "stand-down"]
        if rules:
            text += " " + ngettext(
                "(rule %(rules)s)", "(rules %(rules)s)", len(rules), rules=listed(rules)
            )
    return scrub(text)


def published(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    text = _(
        "%(draft)s v%(version)s on %(platforms)s",
        draft=data["draft_id"],
        version=data["version"],
        platforms=listed(data.get("platforms", [])) or "-",
    )
    if data.get("url"):
        text += f" ({data['url']})"
    return scrub(text + _failures(data.get("failures", [])))


def failed(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    return scrub(_("%(what)s: %(error)s", what=data["kind"], error=data["error"]))


def acked(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    rules = data.get("rules") or []
    text = label(data["person"])
    if rules:
        text += " " + ngettext(
            "(rules %(rules)s)", "(rules %(rules)s)", len(rules), rules=listed(rules)
        )
    return scrub(text)


def escalated(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    return scrub(
        _(
            "rule %(rule)s: nobody acknowledged within %(waited)s; notified %(roles)s "
            "(round %(round)s)",
            rule=data["rule_id"],
            waited=data["waited"],
            roles=listed(data["to_roles"]),
            round=data.get("round", 1),
        )
    )


def checked(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    return scrub(
        _(
            "[%(stage)s] %(item)s: %(text)s",
            stage=data["stage"],
            item=data["item_id"],
            text=data["text"],
        )
    )


def note(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    return scrub(str(data["text"]))


def refused(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    return scrub(_("%(what)s: %(error)s", what=data["action"], error=data["reason"]))


def config_changed(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    parts = [
        f"{change.get('kind')} {str(change.get('old_hash', ''))[:8]} -> "
        f"{str(change.get('new_hash', ''))[:8]} ({'; '.join(change.get('summary') or [])})"
        for change in data.get("changes") or []
        if isinstance(change, dict)
    ]
    return scrub(_("%(changes)s; why: %(why)s", changes=", ".join(parts), why=data.get("why", "")))


def resolved(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    return scrub(str(data["summary"]))


def closed(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    text = str(data.get("review") or _("review done"))
    left = data.get("open_items") or []
    if left:
        text += semicolon() + ngettext(
            "closed with %(n)s checklist item(s) left open: %(items)s",
            "closed with %(n)s checklist item(s) left open: %(items)s",
            len(left),
            items=listed([str(item.get("id", "?")) for item in left]),
        )
    return scrub(text)


DETAILS: dict[str, Callable[[dict[str, Any], Label, Scrub], str]] = {
    "IncidentDeclared": declared,
    "SeverityAssessed": assessed,
    "StageSkipped": skipped,
    "EffectRequested": requested,
    "PauseTargeted": targeted,
    "PostsPaused": paused,
    "PostsHeldByHand": held_by_hand,
    "PostsResumed": resumed,
    "NotificationsSent": notified,
    "StatementPublished": published,
    "StatementPostedByHand": posted_by_hand,
    "EffectFailed": failed,
    "Acknowledged": acked,
    "Escalated": escalated,
    "DraftStarted": drafts.draft_started,
    "DraftEdited": drafts.draft_edited,
    "DraftSubmitted": drafts.draft_version,
    "DraftApproved": drafts.draft_version,
    "ApprovalAttested": drafts.attested,
    "LinkRefused": drafts.link_refused,
    "DraftRejected": drafts.draft_rejected,
    "LintOverridden": drafts.lint_overridden,
    "ChecklistItemChecked": checked,
    "NoteAdded": note,
    "WarningLinked": updates.warning,
    "UpdateSent": updates.update_sent,
    "UpdateFellDue": updates.update_due,
    "UpdateEscalated": updates.update_escalated,
    "ActionRefused": refused,
    "ConfigurationChanged": config_changed,
    "IncidentResolved": resolved,
    "IncidentClosed": closed,
    "DeliveryStarted": deliveries.started,
    "DeliveryInterrupted": deliveries.interrupted,
}
"""The details function of each known event type."""
