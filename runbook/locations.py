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


def _state_file() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / "operators.json"


def remembered_operator(config: Path) -> str | None:
    """Who last chose to operate the app on this configuration (a claim, remembered so the
    app does not ask at every launch; a login mapped in contacts needs none)."""
    import json

    try:
        chosen = json.loads(_state_file().read_text(encoding="utf-8")).get(str(config.resolve()))
    except (OSError, ValueError, AttributeError):
        return None
    return chosen if isinstance(chosen, str) and 0 < len(chosen) <= 64 else None


def remember_operator(config: Path, person: str) -> None:
    """Remember ``person`` as this configuration's operator (best effort, written atomically)."""
    import json

    path = _state_file()
    try:
        known = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(known, dict):
            known = {}
    except (OSError, ValueError):
        known = {}
    known[str(config.resolve())] = person
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temp.write_text(json.dumps(known, indent=1), encoding="utf-8")
        os.replace(temp, path)
    except OSError:
        temp.unlink(missing_ok=True)
