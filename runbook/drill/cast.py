"""The drill's contacts directory: the real one, with the scenario's cast in its roles.

A drill runs on a derived copy of the workspace whose contacts give every cast role to exactly
the people cast in it (a stand-in gains a role they do not hold; the real holders of a cast
role, including its on-call rotation, step aside for the drill). Roles the cast does not name
stay as they are. The engine resolves notifications, escalations and approvals through this
copy, so it honours the cast without a line of drill-specific code; the real contacts files and
the real :class:`~runbook.loading.Workspace` are never changed.
"""

from __future__ import annotations

import dataclasses

from runbook.drill.scenario import Scenario
from runbook.loading import Workspace
from runbook.model.contacts import Contacts


def cast_contacts(contacts: Contacts, scenario: Scenario) -> Contacts:
    """``contacts`` with each cast role held by exactly the people the scenario casts in it."""
    cast = list(scenario.cast)
    people = []
    for person in contacts.people:
        kept = [role for role in person.roles if role not in scenario.cast]
        played = [role for role in cast if person.id in scenario.players(role)]
        people.append(person.model_copy(update={"roles": [*kept, *played]}))
    rotations = [r for r in contacts.rotations if r.role not in scenario.cast]
    return Contacts(
        people=people,
        rotations=rotations,
        channels=dict(contacts.channels),
        schedulers=dict(contacts.schedulers),
    )


def cast_workspace(workspace: Workspace, scenario: Scenario) -> Workspace:
    """A copy of ``workspace`` whose contacts honour the scenario's cast."""
    return dataclasses.replace(workspace, contacts=cast_contacts(workspace.contacts, scenario))


def stand_ins(contacts: Contacts, scenario: Scenario) -> dict[str, list[str]]:
    """Role -> cast people who do not hold it in the real ``contacts`` (at any time)."""
    found: dict[str, list[str]] = {}
    for role in scenario.cast:
        for person in scenario.players(role):
            real = contacts.person(person)
            in_rotation = any(r.role == role and person in r.members for r in contacts.rotations)
            if real is not None and role not in real.roles and not in_rotation:
                found.setdefault(role, []).append(person)
    return found
