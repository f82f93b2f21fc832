"""The content hashes of the configuration loaded now, as an incident pins them.

:mod:`runbook.model.config_pins` says how content is hashed and changes are described; this
says what the workspace holds now for one incident's playbook: its content, the policy's and
the contacts' (validated, so two files that read the same hash the same).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runbook.loading.workspace import Workspace
from runbook.model.config_pins import access_map, model_hash


@dataclass(frozen=True)
class Current:
    """The configuration loaded now, for one playbook."""

    hashes: dict[str, str]
    """playbook, policy and contacts -> content hash."""
    playbook: dict[str, Any] | None
    """The playbook's content (None: this configuration has no such playbook)."""
    policy: dict[str, Any] | None
    access: dict[str, Any]
    """Who holds which role (:func:`runbook.model.config_pins.access_map`)."""


def current(workspace: Workspace, playbook_id: str) -> Current:
    """What ``workspace`` holds now for an incident on ``playbook_id``."""
    playbook = workspace.playbooks.get(playbook_id)
    playbook_content = playbook.model_dump(mode="json") if playbook is not None else None
    policy = workspace.policy.model_dump(mode="json") if workspace.policy is not None else None
    return Current(
        hashes={
            "playbook": model_hash(playbook),
            "policy": model_hash(workspace.policy),
            "contacts": model_hash(workspace.contacts),
        },
        playbook=playbook_content,
        policy=policy,
        access=access_map(workspace.contacts),
    )
