"""Messages to people, in each recipient's language: notifications, escalations, approval
requests, update reminders, stakeholder updates and the stand-down notice.

Pure functions from an incident (and the recipient) to a subject and a body, so the engine,
drills and tests render the same words. Each message is written from a template
(:mod:`runbook.model.notification_templates`): the policy's own for that kind and language,
else the one runbook ships (:mod:`runbook.model.notification_defaults`). It is rendered in
the recipient's language (their contacts entry's ``language``, else the playbook's): the
template, dates and times (:mod:`runbook.i18n.formats`) and the few words runbook adds are
all in it. Roles are written as the organisation names them. Drill messages are marked
``[DRILL]`` (``[EXERCICE]`` in French).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from runbook.i18n import _, formats, using
from runbook.model.base import parse_duration
from runbook.model.contacts import Person
from runbook.model.incident import Incident
from runbook.model.notification_defaults import DEFAULTS
from runbook.model.notification_templates import LANGUAGES, MessageTemplate, Notifications
from runbook.model.outreach import NotifyRule
from runbook.model.templates import render
from runbook.model.updates import audience_name

_BLANK_RUNS = re.compile(r"\n[ \t]*(?:\n[ \t]*){2,}")
_TOKEN = re.compile("\x00([0-9]+)\x00")


def language_for(incident: Incident, person: Person | None) -> str:
    """The language a message to ``person`` is written in: theirs, else the playbook's,
    else English."""
    if person is not None and person.language:
        return person.language
    if incident.playbook is not None:
        return incident.playbook.language
    return "en"


def template_for(incident: Incident, kind: str, language: str) -> MessageTemplate:
    """The template of ``kind`` in ``language``: the policy's own, else runbook's."""
    own = _wording(incident).template(kind, language)
    return own or DEFAULTS[language if language in LANGUAGES else "en"][kind]


def drill_mark(incident: Incident) -> str:
    """``[DRILL] `` (in the language in force) for drills, empty otherwise."""
    return f"[{_('DRILL')}] " if incident.drill else ""


def role_words(incident: Incident, roles: list[str], language: str) -> str:
    """Roles as the organisation calls them in ``language``, joined."""
    wording = _wording(incident)
    return ", ".join(wording.role_name(role, language) for role in roles)


def notification(
    incident: Incident,
    rules: list[NotifyRule],
    roles: list[str],
    escalation: bool = False,
    *,
    to: Person | None = None,
    language: str | None = None,
) -> tuple[str, str]:
    """Subject and body telling ``to`` about the incident (an escalation when nobody
    acknowledged in time): what happened, the level, the playbook, what is asked of them and
    how to acknowledge."""
    language = language or language_for(incident, to)
    with using(language):
        values = _values(incident, language, to, roles)
        fill = {**values, "next_update_at": ""}  # a rule's message is a statement template
        asks = [render(r.message_in(language), fill) for r in rules if r.message_in(language)]
        values["asks"] = (
            "\n".join([_("What is asked of you:"), *[f"- {ask}" for ask in asks]]) if asks else ""
        )
        within = [r.ack_within for r in rules if r.ack_within is not None]
        ack = {**values, "ack_command": f"runbook ack {incident.id} --as {values['person_id']}"}
        if within:
            ack["ack_within"] = formats.span(min(within), language)
        kind = "acknowledge_within" if within else "acknowledge"
        values["acknowledge"] = _fragment(incident, kind, language, ack)
        return _message(incident, "escalation" if escalation else "notification", language, values)


def approval_request(
    incident: Incident,
    draft: dict[str, object],
    roles: list[str],
    *,
    link: str | None,
    expires: str,
    why_no_link: str = "",
    to: Person | None = None,
    language: str | None = None,
) -> tuple[str, str]:
    """Subject and body asking someone to approve a draft version.

    ``link``: their personal approval link (only on a private channel); otherwise
    ``why_no_link`` says why there is none. The text of the draft is not repeated here: the
    link's page (or ``runbook draft ID --show``) shows it exactly as it will go out.
    """
    language = language or language_for(incident, to)
    with using(language):
        values = _values(incident, language, to, roles)
        draft_id, version = str(draft.get("draft_id", "?")), str(draft.get("version", "?"))
        values |= {"draft_id": draft_id, "version": version}
        if link:
            how = {**values, "link": link, "expires_at": _when(expires, language)}
            values["how_to_approve"] = _fragment(incident, "approval_link", language, how)
        else:
            how = {
                **values,
                "why_no_link": why_no_link,
                "show_command": f"runbook draft {incident.id} --draft {draft_id} --show",
                "approve_command": f"runbook approve {incident.id} --draft {draft_id} --sign",
            }
            values["how_to_approve"] = _fragment(incident, "approval_no_link", language, how)
        return _message(incident, "approval_request", language, values)


def stand_down(
    incident: Incident, summary: str, *, to: Person | None = None, language: str | None = None
) -> tuple[str, str]:
    """Subject and body of the stand-down notice sent at resolution."""
    language = language or language_for(incident, to)
    with using(language):
        values = _values(incident, language, to, [])
        values["summary"] = summary
        return _message(incident, "stand_down", language, values)


def update(
    incident: Incident,
    update: dict[str, Any],
    *,
    to: Person | None = None,
    language: str | None = None,
) -> tuple[str, str]:
    """Subject and body of a stakeholder update sent through notify: the approved text as
    it was approved (only the subject's words are in the recipient's language)."""
    language = language or language_for(incident, to)
    with using(language):
        values = _values(incident, language, to, [])
        values["update_title"] = str(update.get("title", ""))
        values["update_text"] = str(update.get("text", ""))
        return _message(incident, "update", language, values)


def update_reminder(
    incident: Incident,
    reminder: dict[str, Any],
    *,
    to: Person | None = None,
    language: str | None = None,
) -> tuple[str, str]:
    """Subject and body reminding the lead that an audience's update is due (or, escalated,
    telling the escalation roles it is overdue)."""
    language = language or language_for(incident, to)
    with using(language):
        values = _values(incident, language, to, [])
        audience = str(reminder.get("audience", "?"))
        every = reminder.get("every", "")
        try:
            values["every"] = formats.span(parse_duration(every), language)
        except (TypeError, ValueError):
            values["every"] = str(every or "?")
        template = _update_template_id(incident, audience)
        values |= {
            "audience": audience_name(audience),
            "due_at": _when(str(reminder.get("due_at", "")), language),
            "draft_command": f"runbook draft {incident.id} --template "
            + (template or _("<the %(audience)s update>", audience=audience_name(audience))),
        }
        kind = "update_overdue" if reminder.get("escalation") else "update_reminder"
        return _message(incident, kind, language, values)


# -- shared pieces ------------------------------------------------------------------------


def _wording(incident: Incident) -> Notifications:
    return incident.policy.wording() if incident.policy is not None else Notifications()


def _values(
    incident: Incident, language: str, to: Person | None, roles: list[str]
) -> dict[str, str]:
    """The placeholders every message may use, in ``language``."""
    playbook = incident.playbook
    policy = incident.policy
    level = None
    if playbook is not None:
        level = playbook.level(incident.level or playbook.severity.levels[0].id)
    opened = incident.opened_at
    return {
        "drill": drill_mark(incident),
        "incident_id": incident.id,
        "incident_title": incident.title,
        "level": level.id if level else "",
        "level_name": level.name if level else "",
        "playbook_title": playbook.title if playbook else "",
        "playbook_version": str(playbook.version) if playbook else "",
        "organisation": policy.organisation.name if policy else "",
        "press_contact": policy.organisation.press_contact if policy else "",
        "support_url": policy.organisation.support_url if policy else "",
        "declared_at": formats.date_time(opened, language) if opened else "",
        "declared_date": formats.long_date(opened, language) if opened else "",
        "person_name": to.name if to else "",
        "person_id": to.id if to else _("<your id>"),
        "roles": role_words(incident, roles, language),
        "media_contact": _media_contact(incident, language),
    }


def _media_contact(incident: Incident, language: str) -> str:
    """Who media questions go to: the policy's media role as the organisation calls it,
    else its press contact, else the communications team."""
    wording = _wording(incident)
    if wording.media_role:
        return wording.role_name(wording.media_role, language)
    if incident.policy is not None and incident.policy.organisation.press_contact:
        return incident.policy.organisation.press_contact
    return _("the communications team")


def _update_template_id(incident: Incident, audience: str) -> str:
    """The id of the audience's update template, if the playbook has one."""
    updates = incident.playbook.updates if incident.playbook is not None else None
    if updates is None:
        return ""
    return next((t.id for t in updates.templates if t.audience == audience), "")


def _when(iso: str, language: str) -> str:
    """A recorded ISO moment in the recipient's language (as given when it is not one)."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return formats.date_time(moment, language)


def _folded(text: str, values: Mapping[str, str]) -> str:
    """``text`` rendered, with the blank lines an empty placeholder left folded into one and
    none at either end. Only the template's own lines fold: the values go in afterwards, as
    they are (an approved update's text is sent exactly as approved)."""
    names = list(values)
    tokens = {name: f"\x00{index}\x00" if values[name] else "" for index, name in enumerate(names)}
    shaped = _BLANK_RUNS.sub("\n\n", render(text, tokens)).strip("\n")

    def value(found: re.Match[str]) -> str:
        index = int(found.group(1))
        return values[names[index]] if index < len(names) else ""

    return _TOKEN.sub(value, shaped)


def _fragment(incident: Incident, kind: str, language: str, values: Mapping[str, str]) -> str:
    """A part of a message (acknowledgement or approval instructions), rendered."""
    return _folded(template_for(incident, kind, language).body, values)


def _message(
    incident: Incident, kind: str, language: str, values: Mapping[str, str]
) -> tuple[str, str]:
    """Subject and body of ``kind`` in ``language``; the body ends with one newline."""
    template = template_for(incident, kind, language)
    subject = " ".join(render(template.subject, values).split())
    return subject, _folded(template.body, values) + "\n"


__all__ = [
    "approval_request",
    "drill_mark",
    "language_for",
    "notification",
    "role_words",
    "stand_down",
    "template_for",
    "update",
    "update_reminder",
]
