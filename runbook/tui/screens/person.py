"""Who is operating: pick a person from the contacts (first run, or switch person)."""

from __future__ import annotations

from typing import Any

from runbook.i18n import _
from runbook.tui.screens.pick import PickScreen


class PersonPicker(PickScreen):
    """The people in contacts, with their roles now."""

    def __init__(self, engine: Any, *, first: bool = False) -> None:
        now = engine.clock.now()
        contacts = engine.workspace.contacts
        items = [
            (p.id, f"{p.name} ({p.id})", ", ".join(sorted(contacts.roles_of(p.id, now))))
            for p in contacts.people
        ]
        hint = (
            _("Who are you? Everything you do is recorded under your name.")
            if first
            else _("Act as someone else (approvals need people other than the author).")
        )
        super().__init__(_("Who is operating?"), items, hint=hint, highlight=engine.operator)
