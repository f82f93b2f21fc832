"""Follow one ``pause`` through runbook: the engine modules, the store and the adapters it
enters, in order (consecutive calls in one module counted once), and how many times it goes
between the engine and the outbox.

Usage: .venv/bin/python scripts/trace_pause.py   (``PYTHONPATH=<another tree>`` measures that
one; an SQLite store in a temporary folder, the shipped playbooks and contacts, effects in
memory).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from types import FrameType
from typing import Any

import runbook
from runbook.effects.sinks import drill_effects
from runbook.engine import Engine
from runbook.loading import load_workspace
from runbook.store.sqlite import SqliteStore

SEV1 = {"control": "attacker", "content": "scam", "reach": "viral", "data": "none", "scope": "one"}


def kind(module: str) -> str | None:
    """The part of runbook a module belongs to, for the flow (None: not followed)."""
    if module.startswith("runbook.store"):
        return "store"
    if module.startswith("runbook.effects"):
        return "effects"
    if module.endswith("outbox"):
        return "outbox"
    if module.startswith("runbook.engine"):
        return "engine"
    return None


def collapsed(items: list[str]) -> list[str]:
    """``items`` with consecutive repeats counted once."""
    out: list[str] = []
    for item in items:
        if not out or out[-1] != item:
            out.append(item)
    return out


def main() -> int:
    root = Path(runbook.__file__).resolve().parent.parent
    package = str(root / "runbook")
    workspace = load_workspace([root / "playbooks", root / "contacts"])
    db = Path(tempfile.mkdtemp()) / "trace.db"
    engine = Engine(SqliteStore(db), workspace, operator="amara", effects=drill_effects())
    incident_id = engine.declare("account-compromised", "Trace").id
    engine.assess(incident_id, SEV1)
    entered: list[str] = []

    def profile(frame: FrameType, event: str, _arg: Any) -> None:
        path = frame.f_code.co_filename
        if event == "call" and path.startswith(package):
            name = os.path.relpath(path, package)[:-3].replace("/", ".")
            entered.append("runbook." + name.removesuffix(".__init__"))

    sys.setprofile(profile)
    engine.pause(incident_id)
    sys.setprofile(None)
    seq = collapsed(entered)
    flow = collapsed([k for k in map(kind, seq) if k])
    hops = sum(1 for a, b in zip(flow, flow[1:], strict=False) if {a, b} == {"engine", "outbox"})
    followed = [
        m.removeprefix("runbook.") if kind(m) in ("engine", "outbox") else kind(m) for m in seq
    ]
    print("modules:", " > ".join(collapsed([m for m in followed if m])))
    print("flow:", " > ".join(flow))
    print("hops between the engine and the outbox:", hops)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
