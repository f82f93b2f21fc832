"""Where runbook finds the files people edit and keeps its event store.

The configuration folder holds ``playbooks/`` and ``contacts/``. It is, in order: ``--config``
or ``RUNBOOK_CONFIG``; the current folder if it has a ``playbooks/`` folder; the folder the
package was installed from (a source checkout ships the example playbooks and contacts). The
event store defaults to an SQLite file in the user data folder (``--db`` / ``RUNBOOK_DB``).
"""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "runbook"


def config_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding ``playbooks/`` and ``contacts/``."""
    chosen = explicit or os.environ.get("RUNBOOK_CONFIG")
    if chosen:
        return Path(chosen)
    here = Path.cwd()
    if (here / "playbooks").is_dir():
        return here
    return Path(__file__).resolve().parent.parent


def default_paths(config: Path) -> list[Path]:
    """The playbook and contacts folders of a configuration folder."""
    return [config / "playbooks", config / "contacts"]


def default_db() -> str:
    """``RUNBOOK_DB`` or ``runbook.db`` in the user data folder (created on first use)."""
    chosen = os.environ.get("RUNBOOK_DB")
    if chosen:
        return chosen
    from platformdirs import user_data_path

    return str(user_data_path(APP_NAME, appauthor=False) / "runbook.db")
