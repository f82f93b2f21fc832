"""The two summary lines at the top of the incident screen, drawn from the incident view.

Kept apart from the screen (:mod:`runbook.tui.screens.incident`), which arranges the panels
and runs the keys: this module only words where the incident stands (level badge, state, time
open, the next target, update and escalation countdowns, failures) in the theme's colours.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from runbook.i18n import _, ngettext
from runbook.model.updates import audience_name
from runbook.tui.data import IncidentView, band
from runbook.tui.widgets.level_badge import badge
from runbook.tui.wording import STATE_WORDS, TARGET_WORDS, countdown, since, word


def summary(view: IncidentView, styles: dict[str, Style]) -> Text:
    """The two lines at the top: badge, id, title and drill mark; then the state, time open,
    next target, update countdowns, next escalation, failures and messages that may have
    been sent (``styles``: the theme's tone styles)."""
    incident = view.incident
    playbook = incident.playbook
    name = playbook.level(incident.level).name if playbook and incident.level else ""
    first = badge(incident.level, band(playbook, incident.level), name)
    first.append(f"  {incident.id}  ", style="bold")
    first.append(incident.title, style="bold")
    if incident.drill:
        first.append("  " + _("DRILL"), style=styles["accent"])
    second = Text(word(STATE_WORDS, incident.state), style=styles["accent"])
    second.append(_(" · open %(span)s", span=since(incident.opened_at, view.now)))
    if view.target is not None:
        words, late = countdown(view.target.due, view.now)
        second.append(_(" · next: "))
        second.append(
            f"{word(TARGET_WORDS, view.target.name)} {words}",
            style=styles["bad"] if late else styles[""],
        )
    for update in incident.update_schedule():
        words, late = countdown(update.due_at, view.now)
        second.append(
            _(
                " · %(audience)s update %(when)s",
                audience=audience_name(update.audience),
                when=words,
            ),
            style=styles["bad"] if late else styles[""],
        )
    if view.next_escalation is not None:
        words, late = countdown(view.next_escalation, view.now)
        second.append(
            _(" · escalation %(when)s", when=words),
            style=styles["bad"] if late else styles["warn"],
        )
    failed = incident.failed_effects()
    if failed:
        missed = [f"{who} ({why})" for e in failed for who, why in e.not_done()]
        detail = ""
        if missed:
            more = len(missed) - 2
            detail = ": " + _("not reached: %(who)s", who="; ".join(missed[:2]))
            detail += _(" and %(n)s more", n=more) if more > 0 else ""
        second.append(
            " · "
            + ngettext(
                "%(n)s failed step(s)%(detail)s: t retries",
                "%(n)s failed step(s)%(detail)s: t retries",
                len(failed),
                detail=detail,
            ),
            style=styles["bad"],
        )
    maybe = sum(len(e.maybe_sent()) for e in incident.effects.values())
    if maybe:
        second.append(
            " · "
            + ngettext(
                "%(n)s message may have been sent: S sends it again",
                "%(n)s messages may have been sent: S sends them again",
                maybe,
            ),
            style=styles["warn"],
        )
    first.append("\n")
    first.append_text(second)
    return first
