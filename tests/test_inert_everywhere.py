"""Every text a configuration can carry, every one of them holding terminal control sequences
(a window title, a screen clear, a direction override, a C1 control sequence introducer), is
shown inert by every command that prints it and by every tab of the app, and recorded exactly.

The shipped playbooks, policy and contacts are copied with an escape sequence added to each of
their free-text fields (titles, summaries, statement texts, question and option labels,
explanations, names, ...: several hundred fields), so no field can be forgotten by a renderer.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from runbook.clock import SimulatedClock
from runbook.loading import Workspace, load_workspace
from runbook.locations import default_paths
from tests.test_tui import make_app, make_engine, run, settle

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = "\x1b]0;PWN\x07\x1b[2J\u202e\x9b31m"
SHOWN = "\\x1b]0;PWN\\x07"
RAW = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
TEXT_FIELDS = {
    "title",
    "summary",
    "text",
    "label",
    "explanation",
    "name",
    "description",
    "subject",
    "body",
    "help",
    "press_contact",
}


class _Plain(yaml.SafeLoader):
    """YAML 1.1 would read ``No`` as false: here every scalar stays what runbook reads."""


_Plain.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _inject(node: Any) -> int:
    count = 0
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str) and key in TEXT_FIELDS:
                node[key] = f"{value} {HOSTILE}"
                count += 1
            elif isinstance(value, dict) and key == "text":
                for language, text in value.items():
                    if isinstance(text, str):
                        value[language] = f"{text} {HOSTILE}"
                        count += 1
            else:
                count += _inject(value)
    elif isinstance(node, list):
        count += sum(_inject(item) for item in node)
    return count


@pytest.fixture(scope="module")
def hostile_config(tmp_path_factory: pytest.TempPathFactory, config_dir: Path) -> Path:
    """The test configuration with escapes in every free-text field of every file."""
    folder = tmp_path_factory.mktemp("hostile") / "config"
    shutil.copytree(config_dir, folder)
    injected = 0
    for path in sorted(folder.rglob("*.yaml")):
        raw = path.read_text(encoding="utf-8")
        data = yaml.load(raw, Loader=_Plain)  # noqa: S506 (a SafeLoader without booleans)
        if data is None:
            continue
        injected += _inject(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=False, sort_keys=False, width=10_000))
    assert injected > 300
    return folder


def test_every_command_prints_escapes_from_every_configuration_field_inert(
    hostile_config: Path, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "RUNBOOK_DB": str(tmp_path / "h.db"),
        "RUNBOOK_CONFIG": str(hostile_config),
        "RUNBOOK_OPERATOR": "amara",
    }
    for name in ("RUNBOOK_SSH_KEY", "SSH_AUTH_SOCK", "RUNBOOK_LANG"):
        env.pop(name, None)

    def cli(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "runbook", *args],
            capture_output=True,
            env=env,
            cwd=ROOT,
            timeout=120,
        )
        printed = (result.stdout + result.stderr).decode("utf-8")
        assert "Traceback" not in printed, (args, printed)
        assert not RAW.search(printed), (args, RAW.findall(printed)[:5])
        return printed

    shown = cli("validate") + cli("playbooks") + cli("lifecycle")
    incident = cli("declare", "account-compromised", "--title", "Hacked").split()[-1]
    answers = ("control=partial", "content=spam", "reach=low", "data=none", "scope=one")
    shown += cli("assess", incident, *(f"--answer={answer}" for answer in answers))
    for args in (
        ("pause", incident),
        ("notify", incident),
        ("draft", incident),
        ("draft", incident, "--show"),
        ("lint", incident),
        ("status", incident),
        ("status", incident, "--json"),
        ("messages", incident, "--full"),
        ("posts", incident),
        ("watch", incident, "--timeout", "0"),
        ("export", incident, "--format", "md"),
        ("export", incident, "--format", "csv"),
        ("export", incident, "--format", "json"),
        ("export", incident, "--format", "html"),
        ("drill", str(hostile_config / "playbooks/drills/product-recall-stove.yaml")),
    ):
        shown += cli(*args)
    assert shown.count(SHOWN) > 100  # the escapes are there, visible


def test_every_tab_of_the_app_shows_escapes_from_every_configuration_field_as_signs(
    hostile_config: Path, tmp_path: Path, clock: SimulatedClock
) -> None:
    workspace: Workspace = load_workspace(default_paths(hostile_config))
    engine = make_engine(tmp_path / "app.db", workspace, clock)
    incident = engine.declare("account-compromised", "Hacked")
    answers = {"control": "partial", "content": "spam", "reach": "low", "data": "none"}
    engine.assess(incident.id, {**answers, "scope": "one"})
    engine.notify(incident.id)
    engine.start_draft(incident.id)

    async def body() -> None:
        app = make_app(engine)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screens = [app.export_screenshot()]
            app.open(incident.id)
            await settle(pilot)
            for tab in "12345":
                await pilot.press(tab)
                await settle(pilot)
                screens.append(app.export_screenshot())
            for screen in screens:
                assert not RAW.search(screen), RAW.findall(screen)[:5]
            assert sum(screen.count("␛]0;PWN") for screen in screens) > 5

    run(body)
    title = engine.workspace.playbooks["account-compromised"].title
    assert title.endswith(HOSTILE)  # loaded, and so recorded, exactly
