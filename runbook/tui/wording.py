"""The words the terminal UI uses: durations, stage names and one line per timeline event.

Presentation only (no Textual, no rules): every fact comes from the event or the incident.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from runbook.model import events as ev

STAGE_WORDS = {
    "assess": "level",
    "pause": "pause",
    "notify": "notify",
    "draft": "draft",
    "approve": "approve",
    "resolve": "resolve",
    "review": "review",
}
"""Stage ids as a comms person reads them on the stepper."""

TARGET_WORDS = {
    "acknowledge": "ack",
    "assess": "level",
    "pause": "pause",
    "notify": "notify",
    "first_statement": "statement",
    "resolve": "resolve",
}
"""Target names (playbook ``targets``: acknowledged, level set, posts paused, people notified,
first statement approved, resolved) as short words for the board."""


def clock_span(delta: timedelta) -> str:
    """A short elapsed time: ``45s``, ``12m``, ``1h05m``, ``2d3h``."""
    seconds = int(abs(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    minutes, _ = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours}h"


def since(start: datetime | None, now: datetime) -> str:
    """Elapsed time since ``start`` (``-`` when unknown)."""
    return clock_span(now - start) if start else "-"


def countdown(due: datetime, now: datetime) -> tuple[str, bool]:
    """(``in 4m`` or ``3m overdue``, overdue?)."""
    left = due - now
    if left.total_seconds() < 0:
        return f"{clock_span(left)} overdue", True
    return f"in {clock_span(left)}", False


def offset(at: datetime, opened: datetime | None) -> str:
    """Time since declaration as ``+0:12:03`` (empty when unknown)."""
    if opened is None:
        return ""
    seconds = max(0, int((at - opened).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    return f"+{hours}:{rest // 60:02d}:{rest % 60:02d}"


def _count(items: list[Any], word: str) -> str:
    if word == "person":
        return f"{len(items)} {'person' if len(items) == 1 else 'people'}"
    return f"{len(items)} {word}{'' if len(items) == 1 else 's'}"


def describe(event: ev.Event) -> tuple[str, str]:
    """(one line for the timeline, tone) where tone is ``""``, ``good``, ``warn`` or ``bad``."""
    handler = _DESCRIBE.get(type(event))
    if handler is None:
        return type(event).__name__, ""
    return handler(event)


def _declared(e: ev.IncidentDeclared) -> tuple[str, str]:
    drill = " [DRILL]" if e.drill else ""
    return f"declared{drill}: {e.title} (playbook {e.playbook_id} v{e.playbook_version})", "warn"


def _assessed(e: ev.SeverityAssessed) -> tuple[str, str]:
    why = f"; {'; '.join(e.overrides)}" if e.overrides else ""
    if e.previous_level is None:
        return f"level set to {e.level} (score {e.score}){why}", "warn"
    return f"level changed {e.previous_level} -> {e.level} (score {e.score}){why}", "warn"


def _skipped(e: ev.StageSkipped) -> tuple[str, str]:
    return f"skipped {STAGE_WORDS.get(e.stage, e.stage)}: {e.reason}", ""


def _requested(e: ev.EffectRequested) -> tuple[str, str]:
    again = f" (attempt {e.attempt})" if e.attempt > 1 else ""
    payload = e.payload
    if e.kind == "pause":
        scope = payload.get("scope", {})
        words = ", ".join(scope.get("channels", [])) or scope.get("scope", "")
        return f"pausing scheduled posts (scope {words}){again}", ""
    if e.kind == "notify":
        people = payload.get("recipients", [])
        if payload.get("escalation"):
            return f"escalation: notifying {_count(people, 'person')}{again}", "warn"
        return f"notifying {_count(people, 'person')}{again}", ""
    if e.kind == "resume":
        posts = payload.get("posts", [])
        kept = payload.get("kept", [])
        return f"releasing {_count(posts, 'held post')}, keeping {len(kept)} held{again}", ""
    if e.kind == "stand_down":
        people = payload.get("recipients", [])
        return f"sending the stand-down to {_count(people, 'person')}{again}", ""
    if e.kind == "publish":
        return f"publishing draft {payload.get('draft_id')} v{payload.get('version')}{again}", ""
    return f"{e.kind}{again}", ""


def _targeted(e: ev.PauseTargeted) -> tuple[str, str]:
    return f"found {_count(e.posts, 'scheduled post')} to hold", ""


def _failures(failures: list[dict[str, Any]]) -> str:
    first = failures[0]
    return f"; {len(failures)} failed, first {first.get('id') or first.get('person')}: " + str(
        first.get("error", "")
    )


def _paused(e: ev.PostsPaused) -> tuple[str, str]:
    note = f" ({e.note})" if e.note else ""
    if e.failures:
        return f"held {_count(e.posts, 'post')}{_failures(e.failures)}", "bad"
    return f"held {_count(e.posts, 'scheduled post')} (scope {e.scope}){note}", "good"


def _resumed(e: ev.PostsResumed) -> tuple[str, str]:
    text = f"released {_count(e.posts, 'post')}, kept {len(e.kept)} held"
    if e.still_held:
        text += f", {len(e.still_held)} still held by another incident"
    if e.failures:
        return text + _failures(e.failures), "bad"
    return text, "good"


def _notified(e: ev.NotificationsSent) -> tuple[str, str]:
    ok = [d for d in e.deliveries if d.get("ok")]
    bad = [d for d in e.deliveries if not d.get("ok")]
    people = sorted({d["person"] for d in ok})
    what = "stand-down " if e.rule_id == "stand-down" else ""
    text = f"delivered {len(ok)} {what}message(s) to {', '.join(people) or 'nobody'}"
    if bad:
        first = bad[0]
        text += f"; {len(bad)} not delivered ({first['person']} via {first.get('channel')}: "
        text += f"{first.get('error', 'failed')})"
        return text, "bad"
    if e.rule_id != "stand-down":
        text += f" ({e.rule_id})"
    return text, "good"


def _published(e: ev.StatementPublished) -> tuple[str, str]:
    where = ", ".join(e.platforms) or "by hand"
    url = f" at {e.url}" if e.url else ""
    if e.failures:
        return f"published draft {e.draft_id} v{e.version}{_failures(e.failures)}", "bad"
    return f"published draft {e.draft_id} v{e.version} on {where}{url}", "good"


def _failed(e: ev.EffectFailed) -> tuple[str, str]:
    return f"FAILED {e.kind}: {e.error}", "bad"


def _acked(e: ev.Acknowledged) -> tuple[str, str]:
    return f"{e.person} acknowledged", "good"


def _escalated(e: ev.Escalated) -> tuple[str, str]:
    to = ", ".join(e.to_roles) or "the same people"
    return f"nobody acknowledged {e.rule_id} in {e.waited}: escalated to {to} (round {e.round})", (
        "warn"
    )


def _draft_started(e: ev.DraftStarted) -> tuple[str, str]:
    return f"started draft {e.draft_id}: {e.title}", ""


def _draft_edited(e: ev.DraftEdited) -> tuple[str, str]:
    return f"edited draft {e.draft_id} (now v{e.version})", ""


def _draft_submitted(e: ev.DraftSubmitted) -> tuple[str, str]:
    return f"submitted draft {e.draft_id} v{e.version} for approval", ""


def _draft_approved(e: ev.DraftApproved) -> tuple[str, str]:
    roles = f" as {', '.join(e.roles)}" if e.roles else ""
    return f"approved draft {e.draft_id} v{e.version}{roles}", "good"


def _draft_rejected(e: ev.DraftRejected) -> tuple[str, str]:
    return f"rejected draft {e.draft_id} v{e.version}: {e.comment}", "warn"


def _overridden(e: ev.LintOverridden) -> tuple[str, str]:
    return f"overrode {e.rule_id} in {e.variant} of {e.draft_id}: {e.reason}", "warn"


def _checked(e: ev.ChecklistItemChecked) -> tuple[str, str]:
    return f"ticked ({STAGE_WORDS.get(e.stage, e.stage)}): {e.text}", ""


def _noted(e: ev.NoteAdded) -> tuple[str, str]:
    return "note: " + " ".join(e.text.split()), ""


def _refused(e: ev.ActionRefused) -> tuple[str, str]:
    return f"refused {e.action}: {e.reason}", "warn"


def _resolved(e: ev.IncidentResolved) -> tuple[str, str]:
    return f"resolved: {e.summary}", "good"


def _closed(e: ev.IncidentClosed) -> tuple[str, str]:
    review = f": {e.review}" if e.review else ""
    return f"closed after review{review}", "good"


_DESCRIBE: dict[type, Any] = {
    ev.IncidentDeclared: _declared,
    ev.SeverityAssessed: _assessed,
    ev.StageSkipped: _skipped,
    ev.EffectRequested: _requested,
    ev.PauseTargeted: _targeted,
    ev.PostsPaused: _paused,
    ev.PostsResumed: _resumed,
    ev.NotificationsSent: _notified,
    ev.StatementPublished: _published,
    ev.EffectFailed: _failed,
    ev.Acknowledged: _acked,
    ev.Escalated: _escalated,
    ev.DraftStarted: _draft_started,
    ev.DraftEdited: _draft_edited,
    ev.DraftSubmitted: _draft_submitted,
    ev.DraftApproved: _draft_approved,
    ev.DraftRejected: _draft_rejected,
    ev.LintOverridden: _overridden,
    ev.ChecklistItemChecked: _checked,
    ev.NoteAdded: _noted,
    ev.ActionRefused: _refused,
    ev.IncidentResolved: _resolved,
    ev.IncidentClosed: _closed,
}


def alarm(event: ev.Event) -> tuple[str, str] | None:
    """(title, message) when ``event`` is something the operator must be told about at once
    (a failure or an escalation), else None."""
    text, tone = describe(event)
    if isinstance(event, ev.Escalated):
        return "Escalated", text
    if tone == "bad":
        return "Something failed", text + " (retry with t)"
    return None
