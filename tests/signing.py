"""Real SSH keys for the tests: one per person, made by ssh-keygen, and the configuration that
lists them (contacts ``ssh_keys``), so approvals are signed and checked as in production."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

from runbook.loading import Workspace, load_workspace

ROOT = Path(__file__).resolve().parent.parent


def people_ids() -> list[str]:
    """The ids of the people in the shipped contacts."""
    workspace = load_workspace([ROOT / "playbooks", ROOT / "contacts"])
    return [person.id for person in workspace.contacts.people]


def make_key(folder: Path, name: str) -> Path:
    """A fresh ed25519 key without passphrase; returns the private key's path."""
    path = folder / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{name}@test", "-f", str(path)],
        check=True,
        capture_output=True,
    )
    return path


def public_key(private: Path) -> str:
    """The public key line of a key made by :func:`make_key`."""
    return private.with_suffix(".pub").read_text(encoding="utf-8").strip()


def make_keyring(folder: Path) -> dict[str, Path]:
    """A key per person in the shipped contacts."""
    return {person: make_key(folder, person) for person in people_ids()}


def with_keys(workspace: Workspace, keyring: dict[str, Path]) -> Workspace:
    """``workspace`` whose people list their key from ``keyring``."""
    people = [
        person.model_copy(update={"ssh_keys": [public_key(keyring[person.id])]})
        if person.id in keyring
        else person
        for person in workspace.contacts.people
    ]
    contacts = workspace.contacts.model_copy(update={"people": people})
    return dataclasses.replace(workspace, contacts=contacts)


def signed_config(folder: Path, keyring: dict[str, Path]) -> Path:
    """A copy of the shipped configuration (playbooks, contacts) where every person lists
    their test key; returns the folder to pass as ``--config``."""
    shutil.copytree(ROOT / "playbooks", folder / "playbooks")
    shutil.copytree(ROOT / "contacts", folder / "contacts")
    team = folder / "contacts" / "team.yaml"
    text = team.read_text(encoding="utf-8")

    def add_key(match: re.Match[str]) -> str:
        person = match.group(2)
        key = public_key(keyring[person]) if person in keyring else None
        return match.group(0) + (f'\n{match.group(1)}  ssh_keys: ["{key}"]' if key else "")

    team.write_text(
        re.sub(r"^(\s*)- id: (\S+)$", add_key, text, flags=re.MULTILINE), encoding="utf-8"
    )
    return folder


def approve_as(engine, person: str, keyring: dict[str, Path], incident_id: str, draft=None):  # noqa: ANN001, ANN201
    """``person`` approves with their own key through ``engine`` (as from their terminal);
    the engine's operator and signer are put back afterwards."""
    from runbook.effects.ssh import Signer

    operator, signer = engine.operator, engine.signer
    engine.operator = person
    engine.signer = Signer(keyring[person], interactive=False)
    try:
        return engine.approve(incident_id, draft)
    finally:
        engine.operator, engine.signer = operator, signer
