"""Reading what senders post into intake records: PagerDuty Events API v2, a listening tool's
JSON webhook, and a staff report.

Pure functions over parsed JSON (the server reads the bytes, bounded; the CLI reads the
arguments): each returns the record to append, or raises :class:`Malformed` with every
problem, one line each, as PagerDuty's ``errors`` list does (in English for the tools' APIs;
in the language in force for a staff report, which a person reads). Nothing here trusts the
text: it is bounded and kept as given; terminals show it through :mod:`runbook.model.text`.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from runbook.errors import RunbookError
from runbook.i18n import _
from runbook.model.intake import (
    MAX_DETAIL,
    MAX_DETAILS,
    MAX_KEY,
    MAX_LINK,
    MAX_SUMMARY,
    MAX_TEXT,
    IntakeRecord,
    cut,
)

PD_ACTIONS = {
    "trigger": "WarningReceived",
    "acknowledge": "WarningAcknowledged",
    "resolve": "WarningResolved",
}
PD_SEVERITIES = ("critical", "error", "warning", "info")
PD_DETAILS = ("source", "component", "group", "class", "timestamp")


class Malformed(RunbookError):
    """The post is not a valid event; ``errors`` says why, one line each."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors))


def routing_key(body: Any) -> str:
    """The PagerDuty event's ``routing_key`` ("" when absent or not text)."""
    value = body.get("routing_key") if isinstance(body, dict) else None
    return value if isinstance(value, str) else ""


def pagerduty(body: Any, source: str, at: datetime, client: str) -> IntakeRecord:
    """One PagerDuty Events API v2 alert event (trigger, acknowledge or resolve) as a record.

    A trigger without ``dedup_key`` gets a new one (PagerDuty does the same); acknowledge and
    resolve need the key of the alert they are about."""
    if not isinstance(body, dict):
        raise Malformed(["the event must be a JSON object"])
    errors: list[str] = []
    action = body.get("event_action")
    if action not in PD_ACTIONS:
        errors.append("'event_action' must be one of trigger, acknowledge, resolve")
    dedup = body.get("dedup_key")
    if dedup is not None and (not isinstance(dedup, str) or not 0 < len(dedup) <= MAX_KEY):
        errors.append(f"'dedup_key' must be text of 1 to {MAX_KEY} characters")
    if action in ("acknowledge", "resolve") and not dedup:
        errors.append(f"'dedup_key' is required to {action} an alert")
    payload = body.get("payload")
    summary, severity, details, link = "", "", {}, ""
    if action == "trigger":
        if not isinstance(payload, dict):
            errors.append("'payload' is missing or not an object")
        else:
            summary = _text(payload, "summary", MAX_SUMMARY, errors)
            _text(payload, "source", MAX_SUMMARY, errors)
            given = payload.get("severity")
            severity = given if isinstance(given, str) else ""
            if severity not in PD_SEVERITIES:
                errors.append("'payload.severity' must be one of " + ", ".join(PD_SEVERITIES))
            details = {
                name: cut(payload[name], MAX_DETAIL)
                for name in PD_DETAILS
                if payload.get(name) not in (None, "")
            }
            custom = payload.get("custom_details")
            if isinstance(custom, dict):
                for name, value in list(custom.items())[: MAX_DETAILS - len(details)]:
                    details[cut(str(name), 60)] = cut(value, MAX_DETAIL)
        link = _first_link(body)
    if errors:
        raise Malformed(errors)
    key = dedup if isinstance(dedup, str) and dedup else uuid.uuid4().hex
    return _record(
        type=PD_ACTIONS[str(action)],
        at=at,
        source=source,
        key=f"{source}:{key}",
        actor=source,
        proof=f"token:{source}",
        summary=summary,
        link=link,
        severity=str(severity or ""),
        details=details,
        client=client[:64],
    )


def webhook(
    body: Any, source: str, fields: tuple[str, str, str], at: datetime, client: str
) -> IntakeRecord:
    """A listening tool's JSON alert as a record. ``fields``: the dotted paths of its summary,
    link and grouping key (a post without a key is grouped by its summary and link)."""
    if not isinstance(body, dict):
        raise Malformed(["the alert must be a JSON object"])
    summary_path, link_path, key_path = fields
    summary = _at(body, summary_path)
    if not isinstance(summary, str) or not summary.strip():
        raise Malformed([f"{summary_path!r} is missing or empty (the alert's text)"])
    link = _at(body, link_path)
    link = link if isinstance(link, str) else ""
    given = _at(body, key_path)
    if isinstance(given, str | int) and str(given):
        key = cut(str(given), MAX_KEY)
    else:
        key = hashlib.sha256(f"{summary}\x1f{link}".encode()).hexdigest()[:32]
    details = {
        cut(str(name), 60): cut(value, MAX_DETAIL)
        for name, value in list(body.items())[:MAX_DETAILS]
        if name not in (summary_path, link_path) and isinstance(value, str | int | float)
    }
    return _record(
        type="WarningReceived",
        at=at,
        source=f"webhook:{source}",
        key=f"webhook:{source}:{key}",
        actor=source,
        proof=f"token:{source}",
        summary=cut(summary.strip(), MAX_TEXT),
        link=_link(link),
        details=details,
        client=client[:64],
    )


def report(
    text: str, link: str, *, actor: str, proof: str, at: datetime, client: str = ""
) -> IntakeRecord:
    """A staff report ("what I saw" and where) as a record; refused when empty or too long
    (the reasons in the language in force: a person reads them, at a terminal or on the form)."""
    errors = []
    if not text.strip():
        errors.append(_("say what you saw (the report's text is empty)"))
    if len(text) > MAX_TEXT:
        errors.append(
            _("the report's text is longer than %(max_text)s characters", max_text=MAX_TEXT)
        )
    if len(link) > MAX_LINK:
        errors.append(_("the link is longer than %(max_link)s characters", max_link=MAX_LINK))
    elif link and not link.startswith(("http://", "https://")):
        errors.append(_("the link must start with http:// or https://"))
    if errors:
        raise Malformed(errors)
    return _record(
        type="WarningReceived",
        at=at,
        source="report",
        key=f"report:{uuid.uuid4().hex[:16]}",
        actor=actor[:120],
        proof=proof[:120],
        summary=text.strip(),
        link=link,
        client=client[:64],
    )


def refused(source: str, status: int, reason: str, *, at: datetime, client: str) -> IntakeRecord:
    """The record of a refused post: who tried, when, the status they got and why."""
    return _record(
        type="IntakeRefused",
        at=at,
        source=cut(source, 80),
        actor=cut(source, 120),
        proof="none",
        reason=cut(reason, MAX_TEXT),
        status=status,
        client=client[:64],
    )


def _record(**fields: Any) -> IntakeRecord:
    """The record, or Malformed naming the field that is out of bounds (never a traceback)."""
    try:
        return IntakeRecord(**fields)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first.get("loc", ())) or "the post"
        raise Malformed([f"{where}: {first.get('msg', 'invalid')}"]) from None


def _text(payload: dict[str, Any], name: str, limit: int, errors: list[str]) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not value.strip():
        errors.append(f"'payload.{name}' is required")
        return ""
    if len(value) > limit:
        errors.append(f"'payload.{name}' is longer than {limit} characters")
        return ""
    return value


def _first_link(body: dict[str, Any]) -> str:
    links = body.get("links")
    if isinstance(links, list):
        for item in links[:10]:
            if isinstance(item, dict) and isinstance(item.get("href"), str):
                found = _link(item["href"])
                if found:
                    return found
    client_url = body.get("client_url")
    return _link(client_url) if isinstance(client_url, str) else ""


def _link(value: str) -> str:
    """A web link kept as given, or "" when it is not one (or too long)."""
    value = value.strip()
    if len(value) > MAX_LINK or not value.startswith(("http://", "https://")):
        return ""
    return value


def _at(body: dict[str, Any], path: str) -> Any:
    value: Any = body
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value
