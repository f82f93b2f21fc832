"""Words for the events of statement drafts: started, edited, submitted, approved (here or
attested from elsewhere), rejected, a policy finding let stand, an approval link refused (see
:mod:`runbook.describe`), in the language in force.
"""

from __future__ import annotations

from typing import Any

from runbook.describe.common import Label, Scrub, generic, listed, semicolon, version_of
from runbook.i18n import _


def draft_started(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    return scrub(
        _(
            '%(draft)s v%(version)s "%(title)s" from template %(template)s '
            "(%(audience)s; %(variants)s)",
            draft=data["draft_id"],
            version=data.get("version", 1),
            title=data["title"],
            template=data["template_id"],
            audience=data["audience"],
            variants=listed(list(data.get("variants") or {})),
        )
    )


def draft_edited(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    return scrub(version_of(data))


def draft_version(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    roles = data.get("roles")
    text = version_of(data)
    if roles:
        text = _("%(draft)s as %(roles)s", draft=text, roles=listed(roles))
    return scrub(text)


def attested(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    roles = data.get("roles") or []
    text = _(
        "%(person)s approved %(draft)s v%(version)s %(how)s, as recorded by the operator",
        person=label(data["person"]),
        draft=data["draft_id"],
        version=data["version"],
        how=data.get("how") or _("elsewhere"),
    )
    if roles:
        text += " " + _("(as %(roles)s)", roles=listed(roles))
    if data.get("note"):
        text += semicolon() + str(data["note"])
    return scrub(text)


def link_refused(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    person = label(data["person"])
    if data.get("draft_id"):
        text = _(
            "%(person)s's link for %(draft)s: %(reason)s",
            person=person,
            draft=data["draft_id"],
            reason=data["reason"],
        )
    else:
        text = _("%(person)s's link: %(reason)s", person=person, reason=data["reason"])
    if data.get("client"):
        text += " " + _("(from %(client)s)", client=data["client"])
    return scrub(text)


def draft_rejected(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    return scrub(_("%(what)s: %(error)s", what=version_of(data), error=data["comment"]))


def lint_overridden(data: dict[str, Any], label: Label, scrub: Scrub) -> str:
    where = " ".join(
        part
        for part in (
            str(data.get("draft_id", "")),
            f"v{data['version']}" if "version" in data else "",
            _("rule %(rule)s", rule=data["rule_id"]) if "rule_id" in data else "",
            _("in %(variant)s", variant=data["variant"]) if data.get("variant") else "",
        )
        if part
    )
    rest = generic(
        data, scrub, skip=("draft_id", "version", "rule_id", "variant", "reason", "content_hash")
    )
    reason = str(data.get("reason", ""))
    text = _("%(what)s: %(error)s", what=where, error=reason) if where else reason
    return scrub(text + (f" ({rest})" if rest else ""))
