"""Shared fixtures: the shipped workspace, an engine on a fresh SQLite file, the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from runbook.clock import SimulatedClock
from runbook.effects.ssh import Signer
from runbook.engine import Engine
from runbook.loading import Workspace, load_workspace
from runbook.store.sqlite import SqliteStore
from tests.signing import make_keyring, signed_config, with_keys

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 11, 21, 14, 0, tzinfo=UTC)

# Nothing a test runs writes into the real home folder (the team store's witness file, the
# default database, link keys): user data and configuration go to a folder of this run.
_HOME = Path(tempfile.mkdtemp(prefix="runbook-tests-home-"))
os.environ["XDG_DATA_HOME"] = str(_HOME / "data")
os.environ["XDG_CONFIG_HOME"] = str(_HOME / "config")
os.environ["XDG_STATE_HOME"] = str(_HOME / "state")


@pytest.fixture(scope="session")
def keyring(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A real SSH key (ed25519, made by ssh-keygen) for every person in the shipped contacts."""
    return make_keyring(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="session")
def workspace(keyring: dict[str, Path]) -> Workspace:
    """The shipped playbooks, policy and contacts, each person with their test SSH key."""
    return with_keys(load_workspace([ROOT / "playbooks", ROOT / "contacts"]), keyring)


@pytest.fixture(scope="session")
def config_dir(tmp_path_factory: pytest.TempPathFactory, keyring: dict[str, Path]) -> Path:
    """A copy of the shipped configuration whose contacts list each person's test SSH key."""
    return signed_config(tmp_path_factory.mktemp("config"), keyring)


@pytest.fixture
def clock() -> SimulatedClock:
    """A clock that stands still until a test moves it."""
    return SimulatedClock(START)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A fresh SQLite file for the test."""
    return tmp_path / "incidents.db"


@pytest.fixture
def engine_as(
    workspace: Workspace, db_path: Path, clock: SimulatedClock, keyring: dict[str, Path]
) -> Callable[[str], Engine]:
    """Engines acting as a given person, sharing one store file and clock."""
    from runbook.effects.sinks import drill_effects

    made: list[Engine] = []
    effects = drill_effects()

    def make(person: str) -> Engine:
        engine = Engine(
            SqliteStore(db_path), workspace, operator=person, clock=clock, effects=effects
        )
        if person in keyring:  # approvals and rejections are signed with the person's key
            engine.signer = Signer(keyring[person], interactive=False)
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.store.close()


@pytest.fixture
def run_cli(
    tmp_path: Path, config_dir: Path, keyring: dict[str, Path]
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python -m runbook`` in a subprocess against a test database, on the shipped
    configuration with test SSH keys; ``--sign`` signs with the operator's key."""
    db = tmp_path / "cli.db"

    def run(
        *args: str,
        operator: str | None = "amara",
        check: bool | None = None,
        stdin: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "RUNBOOK_DB": str(db), "RUNBOOK_CONFIG": str(config_dir)}
        env.pop("RUNBOOK_OPERATOR", None)
        env.pop("RUNBOOK_SSH_KEY", None)
        env.pop("SSH_AUTH_SOCK", None)
        if operator:
            env["RUNBOOK_OPERATOR"] = operator
            if operator in keyring:
                env["RUNBOOK_SSH_KEY"] = str(keyring[operator])
        result = subprocess.run(
            [sys.executable, "-m", "runbook", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            input=stdin,
            timeout=120,
        )
        if check:
            assert result.returncode == 0, (args, result.stdout, result.stderr)
        return result

    return run


def approvers_for(workspace: Workspace, roles: list[str], exclude: set[str]) -> list[str]:
    """One distinct person for each role, none of them in ``exclude``."""
    chosen: list[str] = []
    for role in roles:
        holder = next(
            p.id
            for p in workspace.contacts.people
            if role in p.roles and p.id not in exclude and p.id not in chosen
        )
        chosen.append(holder)
    return chosen
