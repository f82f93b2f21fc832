"""The command line's words for the states, stages and ledgers the engine names by id, and
its time stamps, in the language in force (the ids themselves stay in JSON output)."""

from __future__ import annotations

from datetime import datetime

from runbook.i18n import N_, _, current_language, formats

STAGE_STATUS = {
    "done": N_("done"),
    "skipped": N_("skipped"),
    "unconfirmed": N_("unconfirmed"),
    "to do": N_("to do"),
}
"""How far a stage is, in words (:func:`runbook.cli.render.stage_status`)."""

LEDGER = {"held": N_("held"), "kept": N_("kept"), "resumed": N_("resumed")}
"""Where a post stands in an incident's ledger."""

PUBLISHED = {"publisher": N_("publisher"), "by hand": N_("by hand")}
"""How a variant was published."""


def published_word(how: str) -> str:
    """How a variant was published, in words."""
    return _(PUBLISHED[how]) if how in PUBLISHED else how


def state_word(state: str) -> str:
    """The incident state ``state`` in words (the id itself when unknown)."""
    from runbook.model.lifecycle import state_words

    return state_words(state)


def stage_word(status: str) -> str:
    """A stage's status in words."""
    return _(STAGE_STATUS[status]) if status in STAGE_STATUS else status


def ledger_word(ledger: str) -> str:
    """A post's place in the ledger in words."""
    return _(LEDGER[ledger]) if ledger in LEDGER else ledger


def stamp(when: datetime) -> str:
    """A time to the second for a column: ``2026-03-12 14:05:09`` / ``12/03/2026 14:05:09``."""
    if current_language() == "fr":
        return when.strftime("%d/%m/%Y %H:%M:%S")
    return when.strftime("%Y-%m-%d %H:%M:%S")


def minute(when: datetime) -> str:
    """A time to the minute, in UTC: ``2026-03-12 14:05 UTC`` / ``12 mars 2026 à 14:05 UTC``."""
    return formats.date_time(when)
