"""Each event in words, for every reader: the terminal UI's timeline, ``runbook watch`` and the
timeline export all say the same thing about an event.

:func:`describe` gives its name, one line of details and a category for the export's chart;
:func:`sentence` joins name and details for a one-line timeline; :func:`tone` says whether the
line is good news, a warning or a failure (the UI colours it and alarms on failures).
Works on the stored data (a dict), not on typed events, so a type this version does not know
(or a field added later) still shows up: unknown types get a name made from the type
(``LintOverridden`` -> ``Lint overridden``) and their fields as ``name: value`` details.
People are named through ``label`` (name or role label) and free text goes through ``scrub``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from runbook import describe_updates
from runbook.model.proof import METHOD_WORDS, proof_of

Label = Callable[[str], str]
Scrub = Callable[[str], str]

CATEGORIES = ("lifecycle", "effect", "people", "draft", "note", "refusal", "other")

_NAMES = {
    "IncidentDeclared": ("Incident declared", "lifecycle"),
    "SeverityAssessed": ("Severity assessed", "lifecycle"),
    "StageSkipped": ("Stage skipped", "lifecycle"),
    "EffectRequested": ("Requested", "effect"),
    "PauseTargeted": ("Posts to hold listed", "effect"),
    "PostsPaused": ("Posts paused", "effect"),
    "PostsHeldByHand": ("Posts held by hand", "effect"),
    "PostsResumed": ("Posts resumed", "effect"),
    "NotificationsSent": ("Notifications sent", "effect"),
    "StatementPublished": ("Statement published", "effect"),
    "StatementPostedByHand": ("Statement posted by hand", "effect"),
    "EffectFailed": ("Step failed", "effect"),
    "Acknowledged": ("Acknowledged", "people"),
    "Escalated": ("Escalated", "people"),
    "DraftStarted": ("Draft started", "draft"),
    "DraftEdited": ("Draft edited", "draft"),
    "DraftSubmitted": ("Draft submitted", "draft"),
    "DraftApproved": ("Draft approved", "draft"),
    "ApprovalAttested": ("Approval attested", "draft"),
    "LinkRefused": ("Approval link refused", "refusal"),
    "DraftRejected": ("Draft rejected", "draft"),
    "LintOverridden": ("Lint overridden", "draft"),
    "ChecklistItemChecked": ("Checklist item ticked", "note"),
    "NoteAdded": ("Note", "note"),
    "WarningLinked": ("Declared from a warning", "note"),
    "UpdateSent": ("Update sent", "effect"),
    "UpdateFellDue": ("Update due", "people"),
    "UpdateEscalated": ("Update overdue: escalated", "people"),
    "ActionRefused": ("Action refused", "refusal"),
    "ConfigurationChanged": ("Configuration changed", "lifecycle"),
    "IncidentResolved": ("Incident resolved", "lifecycle"),
    "IncidentClosed": ("Incident closed", "lifecycle"),
}
_KIND_NAMES = {
    "pause": "Pause requested",
    "resume": "Resume requested",
    "notify": "Notification requested",
    "stand_down": "Stand-down requested",
    "publish": "Publication requested",
    "approval_request": "Approval requested",
    "update": "Update requested",
    "update_reminder": "Reminder requested",
}
_SENT_NAMES = {
    "stand_down": "Stand-down sent",
    "escalation": "Escalation sent",
    "approval_request": "Approval request sent",
    "update": "Update delivered",
    "update_reminder": "Update reminder sent",
}
_GENERIC_LIMIT = 600


def humanise(type_name: str) -> str:
    """``LintOverridden`` -> ``Lint overridden``."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", type_name).split()
    if not words:
        return type_name or "Event"
    return " ".join([words[0], *(w.lower() for w in words[1:])])


def describe(
    type_name: str, data: dict[str, Any], label: Label, scrub: Scrub
) -> tuple[str, str, str]:
    """(event in words, details, category) of one stored event."""
    known = _NAMES.get(type_name)
    name, category = known if known else (humanise(type_name), "other")
    if type_name == "EffectRequested":
        name = _KIND_NAMES.get(str(data.get("kind")), name)
        if (data.get("payload") or {}).get("escalation"):
            name = "Escalation requested"
    if type_name == "NotificationsSent":
        purpose = data.get("purpose") or "notify"
        if data.get("rule_id") == "stand-down":
            purpose = "stand_down"  # events recorded before ``purpose`` existed
        name = _SENT_NAMES.get(str(purpose), name)
    if type_name == "SeverityAssessed" and data.get("previous_level"):
        name = "Severity reassessed"
    handler = _DETAILS.get(type_name)
    try:
        details = handler(data, label, scrub) if handler else generic(data, scrub)
    except (KeyError, TypeError, ValueError, AttributeError):
        details = generic(data, scrub)  # a field changed shape: still show the event
    return name, details, category


def how(data: dict[str, Any], label: Label = str, *, accounts: bool = True) -> str:
    """How the actor of an event was proven, in a few words (``SSH signature SHA256:ab…``,
    ``claimed (typed by Tom Fletcher)``; empty for runbook's own steps; ``no proof recorded``
    for events written before proofs existed). ``accounts=False`` leaves out operating-system
    accounts and database roles (a redacted export: they can name people)."""
    raw = data.get("proof")
    if not isinstance(raw, dict):
        return "no proof recorded"
    proof = proof_of(data)
    if proof is None:
        return "unreadable proof"
    if proof.method == "system":
        return ""
    if proof.method == "claimed":
        if proof.behind:
            return f"claimed (typed by {label(proof.behind)})"
        if proof.account and accounts:
            return f"claimed (OS account {proof.account})"
        return "claimed"
    if not accounts:
        return METHOD_WORDS[proof.method] + (
            f" {proof.key[:19]}…" if proof.method == "ssh-signature" and proof.key else ""
        )
    return proof.words()


def knows(type_name: str) -> bool:
    """True when ``type_name`` has words of its own here (not the generic fallback)."""
    return type_name in _NAMES and type_name in _DETAILS


def sentence(type_name: str, data: dict[str, Any], label: Label, scrub: Scrub = str) -> str:
    """``Name: details`` on one line (whitespace in free text folded)."""
    name, details, _ = describe(type_name, data, label, scrub)
    return " ".join(f"{name}: {details}".split()) if details else name


_GOOD = frozenset(
    {
        "PostsPaused",
        "StatementPostedByHand",
        "PostsResumed",
        "NotificationsSent",
        "StatementPublished",
        "Acknowledged",
        "DraftApproved",
        "IncidentResolved",
        "IncidentClosed",
    }
)
_WARN = frozenset(
    {
        "IncidentDeclared",
        "SeverityAssessed",
        "Escalated",
        "DraftRejected",
        "LintOverridden",
        "ActionRefused",
        "ConfigurationChanged",
        "ApprovalAttested",
        "LinkRefused",
        "PostsHeldByHand",
    }
)


def tone(type_name: str, data: dict[str, Any]) -> str:
    """``bad`` (something failed: someone not reached, a post not held...), ``warn`` (the
    incident got worse or something needs a second look), ``good`` (a step done) or ``""``."""
    if type_name == "EffectFailed" or data.get("failures"):
        return "bad"
    if type_name == "NotificationsSent" and any(
        not delivery.get("ok") for delivery in data.get("deliveries", [])
    ):
        return "bad"
    if type_name == "EffectRequested":
        return "warn" if (data.get("payload") or {}).get("escalation") else ""
    if type_name in _WARN:
        return "warn"
    return "good" if type_name in _GOOD else ""


def generic(data: dict[str, Any], scrub: Scrub, skip: tuple[str, ...] = ()) -> str:
    """``name: value; ...`` for any event's data."""
    parts = []
    for key, value in data.items():
        if key in skip or key == "proof":  # how the actor was proven is shown beside them
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        parts.append(f"{key}: {text}")
    details = "; ".join(parts)
    if len(details) > _GENERIC_LIMIT:
        details = details[: _GENERIC_LIMIT - 1] + "…"
    return scrub(details)


def _people(items: list[str], label: Label) -> str:
    return ", ".join(label(p) for p in items)


def _failures(failures: list[dict[str, Any]]) -> str:
    if not failures:
        return ""
    shown = "; ".join(
        f"{f.get('id') or f.get('person') or f.get('platform') or '?'}: {f.get('error', 'failed')}"
        for f in failures[:5]
    )
    more = f" and {len(failures) - 5} more" if len(failures) > 5 else ""
    return f"; {len(failures)} failed ({shown}{more})"


def _declared(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    drill = " [DRILL]: nothing real is sent" if data.get("drill") else ""
    playbook = data.get("playbook") or {}
    return scrub(
        f'"{data["title"]}" on playbook {data["playbook_id"]} v{data["playbook_version"]} '
        f"({playbook.get('title', '')}){drill}"
    )


def _assessed(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    previous = data.get("previous_level")
    level = f"{previous} -> {data['level']}" if previous else data["level"]
    answers = ", ".join(f"{q}={o}" for q, o in data.get("answers", {}).items())
    overrides = data.get("overrides") or []
    text = f"{level}, score {data['score']} ({answers})"
    if overrides:
        text += "; override: " + "; ".join(overrides)
    return scrub(text)


def _skipped(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    return scrub(f"{data['stage']} at {data['level']}: {data['reason']}")


def _requested(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    payload = data.get("payload") or {}
    kind = data.get("kind")
    attempt = int(data.get("attempt", 1))
    retry = f" (retry, attempt {attempt})" if attempt > 1 else ""
    if kind == "pause":
        scope = payload.get("scope") or {}
        text = "scope " + (", ".join(scope.get("channels") or []) or str(scope.get("scope", "?")))
    elif kind in ("update", "update_reminder"):
        about = payload.get("update") or payload.get("reminder") or {}
        people = [r.get("person", "?") for r in payload.get("recipients", [])]
        text = f"{about.get('audience', '?')}: {len(people)} people ({_people(people, label)})"
    elif kind in ("notify", "stand_down", "approval_request"):
        recipients = payload.get("recipients", [])
        people = [r.get("person", "?") for r in recipients if not r.get("running")]
        running = [r.get("person", "?") for r in recipients if r.get("running")]
        escalation = payload.get("escalation") or {}
        if kind == "stand_down":
            what = "stand-down"
        elif kind == "approval_request":
            what = f"approval of {payload.get('draft_id')} v{payload.get('version')}"
        elif escalation:
            what = (
                f"escalation of rule {escalation.get('rule_id', '?')} "
                f"(round {escalation.get('round', 1)})"
            )
        else:
            what = ", ".join(payload.get("rules", [])) or "notification"
        text = f"{what}: {len(people)} people ({_people(people, label)})"
        if running:
            text += f"; not messaged, running the incident: {_people(running, label)}"
    elif kind == "resume":
        posts = [str(p.get("id")) for p in payload.get("posts", [])]
        kept = payload.get("kept") or []
        text = f"{len(posts)} post(s)" + (f" ({', '.join(posts)})" if posts else "")
        if kept:
            text += f"; keep held: {', '.join(kept)}"
    elif kind == "publish":
        variants = ", ".join(payload.get("variants") or {})
        text = f"{payload.get('draft_id')} v{payload.get('version')} on {variants}"
    else:
        return generic(data, scrub)
    return scrub(text + retry)


def _post_list(posts: list[dict[str, Any]]) -> str:
    """``: P1 (x), P2 (instagram) and 8 more`` (empty for no posts)."""
    if not posts:
        return ""
    shown = ", ".join(f"{p.get('id')} ({p.get('channel', '?')})" for p in posts[:10])
    more = f" and {len(posts) - 10} more" if len(posts) > 10 else ""
    return f": {shown}{more}"


def _targeted(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    posts = data.get("posts", [])
    return scrub(f"{len(posts)} scheduled post(s){_post_list(posts)}")


HOW_HELD = {
    "draft": "held as a draft",
    "delete-and-recreate": "deleted, will be recreated",
}
"""How a post is held, in words, where it is not just marked held (CLI, app, export)."""


def _hold_methods(posts: list[dict[str, Any]]) -> str:
    """How the posts were held where it is not just "marked held": ``; 3 set to draft; 2
    deleted after their full record was kept here (recreated on release)``."""
    drafts = sum(1 for p in posts if p.get("hold") == "draft")
    deleted = sum(1 for p in posts if p.get("hold") == "delete-and-recreate")
    text = f"; {drafts} set to draft" if drafts else ""
    if deleted:
        text += f"; {deleted} deleted after their full record was kept here (recreated on release)"
    return text


def _paused(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    posts = data.get("posts", [])
    text = f"{len(posts)} post(s) held, scope {data.get('scope', '?')}{_post_list(posts)}"
    text += _hold_methods(posts)
    text += _failures(data.get("failures", []))
    if data.get("note"):
        text += f"; {data['note']}"
    return scrub(text)


def _held_by_hand(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    scope = data.get("scope") or {}
    where = ", ".join(scope.get("channels") or []) or str(scope.get("scope", "?"))
    note = f"; {data['note']}" if data.get("note") else ""
    return scrub(
        f"in {data['tool']}, scope {where}: the operator's confirmation (runbook could not "
        f"check it){note}"
    )


def _posted_by_hand(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    return scrub(f"{data['draft_id']} v{data['version']} on {data['variant']} at {data['url']}")


def _resumed(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    posts = [str(p.get("id")) for p in data.get("posts", [])]
    text = f"{len(posts)} post(s) released" + (f": {', '.join(posts)}" if posts else "")
    made = [p for p in data.get("posts", []) if p.get("recreated_as")]
    if made:
        text += "; recreated: " + ", ".join(f"{p['id']} as {p['recreated_as']}" for p in made)
    if data.get("kept"):
        text += f"; kept held: {', '.join(data['kept'])}"
    return scrub(text + _failures(data.get("failures", [])))


def _notified(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    by_person: dict[str, dict[str, Any]] = {}
    for delivery in data.get("deliveries", []):
        entry = by_person.setdefault(
            delivery.get("person", "?"),
            {"roles": delivery.get("roles", []), "ok": [], "failed": []},
        )
        channel = delivery.get("channel", "?")
        if delivery.get("ok"):
            entry["ok"].append(channel)
        else:
            entry["failed"].append(f"{channel}: {delivery.get('error', 'not delivered')}")
    parts = []
    for person, entry in by_person.items():
        roles = f" ({', '.join(entry['roles'])})" if entry["roles"] else ""
        text = f"{label(person)}{roles}"
        if entry["ok"]:
            text += f" via {', '.join(entry['ok'])}"
        if entry["failed"]:
            text += f"; NOT reached by {'; '.join(entry['failed'])}"
        parts.append(text)
    # Who was (not) reached first: on a one-line timeline the people matter more than the rule.
    text = "; ".join(parts) if parts else "nobody"
    purpose = data.get("purpose") or "notify"
    rule_id = str(data.get("rule_id", ""))
    if purpose == "escalation":
        text += f" (escalation of rule {rule_id})"
    elif purpose == "approval_request":
        text += f" (asked to approve {rule_id.partition(':')[2] or 'a draft'})"
    elif purpose in ("update", "update_reminder"):
        text += f" ({rule_id.partition(':')[2]} update)"
    else:
        rules = [r for r in rule_id.split(",") if r and r != "stand-down"]
        if rules:
            text += f" (rule{'s' if len(rules) > 1 else ''} {', '.join(rules)})"
    return scrub(text)


def _published(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    text = f"{data['draft_id']} v{data['version']} on {', '.join(data.get('platforms', [])) or '-'}"
    if data.get("url"):
        text += f" ({data['url']})"
    return scrub(text + _failures(data.get("failures", [])))


def _failed(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    return scrub(f"{data['kind']}: {data['error']}")


def _acked(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    rules = data.get("rules") or []
    return scrub(f"{label(data['person'])}" + (f" (rules {', '.join(rules)})" if rules else ""))


def _escalated(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    return scrub(
        f"rule {data['rule_id']}: nobody acknowledged within {data['waited']}; "
        f"notified {', '.join(data['to_roles'])} (round {data.get('round', 1)})"
    )


def _draft_started(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    variants = ", ".join(data.get("variants") or {})
    return scrub(
        f'{data["draft_id"]} v{data.get("version", 1)} "{data["title"]}" from template '
        f"{data['template_id']} ({data['audience']}; {variants})"
    )


def _draft_edited(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    return scrub(f"{data['draft_id']} v{data['version']}")


def _draft_version(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    roles = data.get("roles")
    return scrub(
        f"{data['draft_id']} v{data['version']}" + (f" as {', '.join(roles)}" if roles else "")
    )


def _attested(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    roles = data.get("roles") or []
    note = f"; {data['note']}" if data.get("note") else ""
    return scrub(
        f"{label(data['person'])} approved {data['draft_id']} v{data['version']} "
        f"{data.get('how', 'elsewhere')}, as recorded by the operator"
        + (f" (as {', '.join(roles)})" if roles else "")
        + note
    )


def _link_refused(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    draft = f" for {data['draft_id']}" if data.get("draft_id") else ""
    client = f" (from {data['client']})" if data.get("client") else ""
    return scrub(f"{label(data['person'])}'s link{draft}: {data['reason']}{client}")


def _draft_rejected(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    return scrub(f"{data['draft_id']} v{data['version']}: {data['comment']}")


def _lint_overridden(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    where = " ".join(
        part
        for part in (
            str(data.get("draft_id", "")),
            f"v{data['version']}" if "version" in data else "",
            f"rule {data['rule_id']}" if "rule_id" in data else "",
            f"in {data['variant']}" if data.get("variant") else "",
        )
        if part
    )
    rest = generic(
        data, scrub, skip=("draft_id", "version", "rule_id", "variant", "reason", "content_hash")
    )
    text = f"{where}: {data.get('reason', '')}" if where else str(data.get("reason", ""))
    return scrub(text + (f" ({rest})" if rest else ""))


def _checked(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    return scrub(f"[{data['stage']}] {data['item_id']}: {data['text']}")


def _note(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    return scrub(str(data["text"]))


def _refused(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    return scrub(f"{data['action']}: {data['reason']}")


def _config_changed(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    parts = [
        f"{change.get('kind')} {str(change.get('old_hash', ''))[:8]} -> "
        f"{str(change.get('new_hash', ''))[:8]} ({'; '.join(change.get('summary') or [])})"
        for change in data.get("changes") or []
    ]
    return scrub(f"{', '.join(parts)}; why: {data.get('why', '')}")


def _resolved(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    return scrub(str(data["summary"]))


def _closed(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    text = str(data.get("review") or "review done")
    left = data.get("open_items") or []
    if left:
        names = ", ".join(str(item.get("id", "?")) for item in left)
        text += f"; closed with {len(left)} checklist item(s) left open: {names}"
    return scrub(text)


_DETAILS: dict[str, Callable[[dict[str, Any], Label, Scrub], str]] = {
    "IncidentDeclared": _declared,
    "SeverityAssessed": _assessed,
    "StageSkipped": _skipped,
    "EffectRequested": _requested,
    "PauseTargeted": _targeted,
    "PostsPaused": _paused,
    "PostsHeldByHand": _held_by_hand,
    "PostsResumed": _resumed,
    "NotificationsSent": _notified,
    "StatementPublished": _published,
    "StatementPostedByHand": _posted_by_hand,
    "EffectFailed": _failed,
    "Acknowledged": _acked,
    "Escalated": _escalated,
    "DraftStarted": _draft_started,
    "DraftEdited": _draft_edited,
    "DraftSubmitted": _draft_version,
    "DraftApproved": _draft_version,
    "ApprovalAttested": _attested,
    "LinkRefused": _link_refused,
    "DraftRejected": _draft_rejected,
    "LintOverridden": _lint_overridden,
    "ChecklistItemChecked": _checked,
    "NoteAdded": _note,
    "WarningLinked": describe_updates.warning,
    "UpdateSent": describe_updates.update_sent,
    "UpdateFellDue": describe_updates.update_due,
    "UpdateEscalated": describe_updates.update_escalated,
    "ActionRefused": _refused,
    "ConfigurationChanged": _config_changed,
    "IncidentResolved": _resolved,
    "IncidentClosed": _closed,
}
