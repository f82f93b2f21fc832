"""The core stays free of the UI toolkit, and ``runbook --help`` starts without heavy imports.

Each check runs in a fresh interpreter, since this test process has imported everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

CORE_MODULES = (
    "runbook.model",
    "runbook.model.lifecycle",
    "runbook.loading",
    "runbook.store",
    "runbook.store.sqlite",
    "runbook.engine",
    "runbook.engine.core",
    "runbook.engine.outbox",
    "runbook.effects",
    "runbook.cli",
)


def python(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "RUNBOOK_DB": str(tmp_path / "runbook.db")}
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return subprocess.run(
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def loaded_after(tmp_path: Path, code: str) -> list[str]:
    """Names in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    script = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    result = python(tmp_path, "-c", script)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def heavy(modules: list[str], package: str) -> list[str]:
    return [name for name in modules if name == package or name.startswith(f"{package}.")]


def test_core_modules_do_not_import_textual(tmp_path: Path) -> None:
    code = "\n".join(f"import {name}" for name in CORE_MODULES)
    modules = loaded_after(tmp_path, code)
    assert set(CORE_MODULES) <= set(modules)
    assert heavy(modules, "textual") == []


@pytest.mark.parametrize("module", CORE_MODULES)
def test_each_core_module_imports_on_its_own_without_textual(tmp_path: Path, module: str) -> None:
    modules = loaded_after(tmp_path, f"import {module}")
    assert module in modules
    assert heavy(modules, "textual") == []


def test_runbook_help_imports_neither_textual_nor_pydantic(tmp_path: Path) -> None:
    result = python(tmp_path, "-X", "importtime", "-m", "runbook", "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage:" in result.stdout
    assert "validate" in result.stdout
    imported = [
        line.rsplit("|", 1)[-1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    ]
    assert "click" in imported, "importtime output was not captured"
    assert "runbook.cli" in imported
    for package in ("textual", "pydantic", "pydantic_core"):
        assert heavy(imported, package) == [], package


def test_runbook_help_leaves_textual_and_pydantic_out_of_sys_modules(tmp_path: Path) -> None:
    code = (
        "import runpy, sys\n"
        "sys.argv = ['runbook', '--help']\n"
        "try:\n"
        "    runpy.run_module('runbook', run_name='__main__', alter_sys=True)\n"
        "except SystemExit as exit:\n"
        "    assert exit.code in (0, None), exit.code\n"
    )
    modules = loaded_after(tmp_path, code)
    assert "runbook.cli" in modules
    assert heavy(modules, "textual") == []
    assert heavy(modules, "pydantic") == []


def test_the_terminal_ui_and_the_command_line_never_reach_into_the_store() -> None:
    import ast

    root = Path(__file__).resolve().parent.parent / "runbook"
    offenders = []
    files = [*root.joinpath("tui").rglob("*.py"), *root.joinpath("cli").glob("*.py")]
    for path in files:
        if path.name == "db.py":
            continue  # `runbook db migrate/copy` manage stores themselves
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "store":
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert offenders == [], "the UI and CLI go through the engine"
