"""``runbook validate``, ``runbook playbooks --json`` and ``runbook schema``, run as a person would.

Each test runs ``python -m runbook`` in a subprocess from the repository root, with the event
store pointed into ``tmp_path`` so nothing outside the test is touched.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runbook.loading import kind_of, load_workspace, yaml_files

ROOT = Path(__file__).resolve().parent.parent
PLAYBOOKS = ROOT / "playbooks"
CONTACTS = ROOT / "contacts"
SCHEMAS = ROOT / "schemas"
DRAFT_07 = "http://json-schema.org/draft-07/schema#"
LOCATED = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<field>\S+): (?P<msg>.+)$")


def run(tmp_path: Path, *args: str, config: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "RUNBOOK_DB": str(tmp_path / "runbook.db")}
    env.pop("RUNBOOK_OPERATOR", None)
    env.pop("RUNBOOK_CONFIG", None)
    if config is not None:
        env["RUNBOOK_CONFIG"] = str(config)
    return subprocess.run(
        [sys.executable, "-m", "runbook", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


def shipped_counts() -> tuple[int, int, int, int]:
    """(YAML files, playbooks, drill scenarios, people) in the shipped folders."""
    files = yaml_files([PLAYBOOKS, CONTACTS, PLAYBOOKS / "drills"])
    playbooks = [path for path in files if kind_of(path) == "playbook"]
    scenarios = [path for path in files if kind_of(path) == "scenario"]
    people = len(load_workspace([PLAYBOOKS, CONTACTS]).contacts.people)
    return len(files), len(playbooks), len(scenarios), people


BROKEN = """\
id: broken
title: A broken playbook
summary: Three mistakes, all reported together.
version: one
severity:
  questions:
    - id: reach
      text: How far?
      options:
        - {id: low, label: Low, score: 0}
        - {id: high, label: High, score: 5}
  levels:
    - {id: SEV2, name: Minor, min_score: 0}
    - {id: SEV1, name: Major, min_score: 5}
pause: {SEV2: none, SEV1: all}
notify:
  - id: team
    levels: [SEV1]
    roles: [comms_lead]
    via: [email]
    ack_within: 15 minutes
drafts:
  - id: holding
    title: Holding statement
    audiance: public
    platforms: [x]
    text: We are looking into $incident_title.
approval:
  SEV2: {roles: [comms_lead]}
  SEV1: {roles: [comms_lead]}
"""


# -- runbook validate --------------------------------------------------------------------


def test_a_broken_drill_scenario_is_reported_with_its_line(tmp_path: Path) -> None:
    drills = tmp_path / "drills"
    drills.mkdir()
    (drills / "broken.yaml").write_text("id: broken\ntitle: T\n", encoding="utf-8")
    result = run(tmp_path, "validate", str(drills / "broken.yaml"))
    assert result.returncode == 1
    assert f"{drills / 'broken.yaml'}:1:1: playbook: missing required field 'playbook'" in (
        result.stderr
    )


def test_validate_without_paths_checks_the_shipped_files_and_prints_ok(tmp_path: Path) -> None:
    result = run(tmp_path, "validate")
    assert result.returncode == 0, result.stderr
    files, playbooks, scenarios, people = shipped_counts()
    assert scenarios >= 3
    assert result.stdout == (
        f"ok: {files} file(s), {playbooks} playbook(s), {scenarios} drill scenario(s), "
        f"{people} people\n"
    )
    assert result.stderr == ""


def test_validate_given_the_shipped_folders_exits_0(tmp_path: Path) -> None:
    result = run(tmp_path, "validate", "playbooks", "contacts")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: ")
    assert f"{shipped_counts()[1]} playbook(s)" in result.stdout


def test_validate_a_broken_file_exits_1_with_every_problem_located_on_stderr(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    result = run(tmp_path, "validate", str(broken))
    assert result.returncode == 1
    assert "ok:" not in result.stdout
    lines = result.stderr.splitlines()
    assert lines[-1] == "runbook: 4 problems found"
    located = [LOCATED.match(line) for line in lines[:-1]]
    assert all(located), lines
    assert [(m["file"], m["line"], m["col"], m["field"]) for m in located if m is not None] == [
        (str(broken), "4", "10", "version"),
        (str(broken), "21", "17", "notify[0].ack_within"),
        (str(broken), "23", "5", "drafts[0].audience"),
        (str(broken), "25", "5", "drafts[0].audiance"),
    ]
    assert "did you mean 'audience'?" in lines[3]
    assert "Traceback" not in result.stderr


def test_validate_reports_yaml_syntax_errors_with_line_and_column(tmp_path: Path) -> None:
    broken = tmp_path / "tabs.yaml"
    broken.write_text("id: x\nseverity:\n\tquestions: []\n", encoding="utf-8")
    result = run(tmp_path, "validate", str(broken))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{broken}:3:1: invalid YAML: found character '\\t' that cannot start any token (a tab: "
        "indent with spaces)",
        "runbook: 1 problem found",
    ]


def test_validate_refuses_a_python_tag_without_running_it(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    evil = tmp_path / "evil.yaml"
    evil.write_text(f'id: !!python/object/apply:os.system ["touch {marker}"]\n', encoding="utf-8")
    result = run(tmp_path, "validate", str(evil))
    assert result.returncode == 1
    assert result.stderr.startswith(f"{evil}:1:5: the tag ")
    assert "is not allowed" in result.stderr
    assert not marker.exists()


def test_validate_reports_cross_file_problems_of_a_configuration_folder(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config"
    (config / "playbooks").mkdir(parents=True)
    (config / "contacts").mkdir()
    playbook = config / "playbooks" / "broken.yaml"
    text = BROKEN.replace("version: one", "version: 1").replace("15 minutes", "15m")
    text = text.replace("audiance", "audience").replace("via: [email]", "via: [pager]")
    playbook.write_text(text, encoding="utf-8")
    (config / "contacts" / "team.yaml").write_text(
        "people:\n  - {id: amara, name: Amara, roles: [comms_lead]}\n"
        "channels:\n  email: {kind: console}\n",
        encoding="utf-8",
    )
    result = run(tmp_path, "validate", config=config)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{playbook}:20:11: notify[0].via[0]: channel 'pager' is not configured in contacts "
        "(configured: email)",
        "runbook: 1 problem found",
    ]


def test_validate_a_missing_path_exits_1(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    result = run(tmp_path, "validate", str(missing))
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == f"{missing}: no such file or folder"


# -- runbook playbooks --json ------------------------------------------------------------


def test_playbooks_json_lists_every_shipped_playbook_id(tmp_path: Path) -> None:
    result = run(tmp_path, "playbooks", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    shipped = load_workspace([PLAYBOOKS, CONTACTS]).playbooks
    assert [row["id"] for row in rows] == sorted(shipped)
    assert len(rows) >= 6
    for row in rows:
        playbook = shipped[row["id"]]
        assert row["title"] == playbook.title
        assert row["version"] == playbook.version
        assert row["levels"] == [level.id for level in playbook.severity.levels]


def test_playbooks_lists_ids_and_titles_as_text(tmp_path: Path) -> None:
    result = run(tmp_path, "playbooks")
    assert result.returncode == 0, result.stderr
    shipped = load_workspace([PLAYBOOKS, CONTACTS]).playbooks
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == sorted(shipped)
    assert all(shipped[line.split()[0]].title in line for line in lines)


# -- runbook schema ----------------------------------------------------------------------


def walk(node: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair anywhere in a JSON document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Run ``runbook schema -o`` once; the files it wrote, by name."""
    tmp_path = tmp_path_factory.mktemp("schema")
    output = tmp_path / "out"
    result = run(tmp_path, "schema", "-o", str(output))
    assert result.returncode == 0, result.stderr
    written = [Path(line) for line in result.stdout.splitlines()]
    assert all(path.parent == output for path in written), written
    return {path.name: path for path in written}


def test_schema_writes_playbook_policy_and_contacts_schemas(generated: dict[str, Path]) -> None:
    for kind in ("playbook", "policy", "contacts"):
        path = generated[f"{kind}.schema.json"]
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert schema["$id"].endswith(f"/{kind}.schema.json")
        assert schema["type"] == "object"
    playbook = json.loads(generated["playbook.schema.json"].read_text(encoding="utf-8"))
    assert {"id", "title", "severity", "pause", "drafts", "approval"} <= set(playbook["required"])
    assert playbook["additionalProperties"] is False


@pytest.mark.parametrize("kind", ["playbook", "policy", "contacts"])
def test_schemas_are_draft_07_with_definitions_not_defs(
    generated: dict[str, Path], kind: str
) -> None:
    schema = json.loads(generated[f"{kind}.schema.json"].read_text(encoding="utf-8"))
    assert schema["$schema"] == DRAFT_07
    keys = [key for key, _ in walk(schema)]
    assert "$defs" not in keys
    assert schema["definitions"], "no definitions"
    refs = [value for key, value in walk(schema) if key == "$ref"]
    assert refs, "no $ref at all"
    for ref in refs:
        assert ref.startswith("#/definitions/"), ref
        assert ref.removeprefix("#/definitions/") in schema["definitions"], ref


def test_committed_schemas_equal_freshly_generated_ones(generated: dict[str, Path]) -> None:
    for name, path in generated.items():
        committed = SCHEMAS / name
        assert committed.is_file(), f"schemas/{name} is missing; run: runbook schema"
        assert committed.read_text(encoding="utf-8") == path.read_text(encoding="utf-8"), (
            f"schemas/{name} is out of date; run: runbook schema -o schemas"
        )
    committed_names = {path.name for path in SCHEMAS.glob("*.schema.json")}
    assert committed_names == set(generated)


def test_duration_and_pause_rules_are_described_in_the_playbook_schema(
    generated: dict[str, Path],
) -> None:
    schema = json.loads(generated["playbook.schema.json"].read_text(encoding="utf-8"))
    ack = schema["definitions"]["NotifyRule"]["properties"]["ack_within"]
    patterns = [value for key, value in walk(ack) if key == "pattern"]
    assert patterns
    assert re.match(patterns[0], "1h30m")
    assert not re.match(patterns[0], "15 minutes")
    [pause] = schema["properties"]["pause"]["patternProperties"].values()
    assert {"type": "string", "enum": ["all", "none"]} in pause["oneOf"]
