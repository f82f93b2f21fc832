"""The safe YAML loader and the spec models: shipped content, located errors, YAML safety.

Every problem must come out as ``file:line:col: field.path: message``; the tests below write
small files into ``tmp_path`` and check the exact prefix, so a problem reported at the wrong
line, the wrong column or under the wrong field name fails.
"""

from __future__ import annotations

import re
import string
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runbook.errors import ConfigError
from runbook.loading import (
    MAX_FILE_BYTES,
    MAX_NODES,
    Parsed,
    Workspace,
    kind_of,
    load_workspace,
    parse_yaml,
    validate_model,
    yaml_files,
)
from runbook.model.contacts import Contacts
from runbook.model.playbook import STAGES, Playbook
from runbook.model.policy import Policy

ROOT = Path(__file__).resolve().parent.parent
PLAYBOOKS = ROOT / "playbooks"
CONTACTS = ROOT / "contacts"
SCHEMAS = ROOT / "schemas"

CRISIS_ROLES = (
    "comms_lead",
    "social_media_manager",
    "legal",
    "pr_director",
    "security_lead",
    "hr",
    "exec_sponsor",
    "customer_care_lead",
)

# A small valid playbook. Tests change one thing in it and expect exactly that to be reported.
PLAYBOOK = """\
id: demo
title: Demo crisis
summary: A playbook used by the loader tests.
version: 1
severity:
  questions:
    - id: reach
      text: How far has it spread?
      options:
        - id: low
          label: Few people saw it
          score: 0
        - id: high
          label: It is trending
          score: 5
  levels:
    - id: SEV2
      name: Minor
      min_score: 0
    - id: SEV1
      name: Major
      min_score: 5
pause:
  SEV2: none
  SEV1: all
notify:
  - id: team
    levels: [SEV1]
    roles: [comms_lead]
    via: [email]
    ack_within: 15m
    escalate_to: [legal]
drafts:
  - id: holding
    title: Holding statement
    audience: public
    platforms: [x]
    text: We are looking into $incident_title.
approval:
  SEV2:
    roles: [comms_lead]
  SEV1:
    roles: [comms_lead, legal]
"""

TEAM = """\
people:
  - id: amara
    name: Amara Okafor
    roles: [comms_lead]
    timezone: Europe/London
  - id: daniel
    name: Daniel Reyes
    roles: [legal]
channels:
  email:
    kind: console
"""

POLICY = """\
organisation:
  name: Northwind
platforms:
  x:
    name: X
    limit: 280
forbidden_phrases:
  - id: no-comment
    explanation: Never say it.
    phrases: [no comment]
"""


QUOTE = "'"


def pos(text: str, needle: str, occurrence: int = 1) -> str:
    """``line:col`` (1-based) of the ``occurrence``-th ``needle`` in ``text``."""
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"{line}:{column}"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def edited(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"{old!r} must occur exactly once"
    return text.replace(old, new)


def problems(path: Path, model: type = Playbook, context: dict[str, Any] | None = None) -> list:
    """The problems reported for ``path`` validated as ``model`` (fails if it is valid)."""
    with pytest.raises(ConfigError) as caught:
        validate_model(parse_yaml(path), model, context)
    return caught.value.problems


def only_problem(path: Path, model: type = Playbook) -> str:
    found = problems(path, model)
    assert len(found) == 1, found
    return found[0]


def workspace_problems(*paths: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_workspace(list(paths))
    return caught.value.problems


def make_workspace(tmp_path: Path, playbook: str = PLAYBOOK, team: str = TEAM) -> Path:
    """A workspace folder with one playbook and one contacts file; returns the playbook."""
    write(tmp_path / "contacts", "team.yaml", team)
    return write(tmp_path / "playbooks", "demo.yaml", playbook)


# -- the shipped playbooks, policy and contacts ------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> Workspace:
    return load_workspace([PLAYBOOKS, CONTACTS])


def shipped_files() -> list[Path]:
    return yaml_files([PLAYBOOKS, CONTACTS])


def test_every_shipped_file_validates_as_one_workspace(shipped: Workspace) -> None:
    assert shipped.policy is not None
    assert shipped.policy.organisation.name
    playbook_files = [p for p in yaml_files([PLAYBOOKS]) if kind_of(p) == "playbook"]
    assert sorted(shipped.sources.values()) == sorted(playbook_files)
    assert len(shipped.contacts.people) >= 8


def test_at_least_six_playbooks_are_shipped(shipped: Workspace) -> None:
    assert len(shipped.playbooks) >= 6, sorted(shipped.playbooks)


def test_a_shipped_playbook_has_draft_text_in_english_and_french(shipped: Workspace) -> None:
    bilingual = [
        (playbook.id, draft.id)
        for playbook in shipped.playbooks.values()
        for draft in playbook.drafts
        if isinstance(draft.text, dict) and {"en", "fr"} <= set(draft.text)
    ]
    assert bilingual, "no draft has both en and fr text"
    playbook_id, draft_id = bilingual[0]
    texts = shipped.playbooks[playbook_id].draft_template(draft_id).languages
    assert texts["en"].strip()
    assert texts["fr"].strip()
    assert texts["en"] != texts["fr"]


def test_every_shipped_playbook_asks_four_questions_and_has_four_levels(
    shipped: Workspace,
) -> None:
    for playbook in shipped.playbooks.values():
        assert len(playbook.severity.questions) >= 4, playbook.id
        assert len(playbook.severity.levels) == 4, playbook.id
        scores = [level.min_score for level in playbook.severity.levels]
        assert scores[0] == 0, playbook.id
        assert scores == sorted(set(scores)), playbook.id


def test_every_shipped_playbook_drafts_a_public_and_an_internal_statement(
    shipped: Workspace,
) -> None:
    for playbook in shipped.playbooks.values():
        assert len(playbook.drafts) >= 2, playbook.id
        audiences = {draft.audience for draft in playbook.drafts}
        assert audiences == {"public", "internal"}, playbook.id


def test_every_shipped_playbook_has_approval_and_pause_rules_for_every_level(
    shipped: Workspace,
) -> None:
    for playbook in shipped.playbooks.values():
        levels = [level.id for level in playbook.severity.levels]
        assert sorted(playbook.approval) == sorted(levels), playbook.id
        assert sorted(playbook.pause) == sorted(levels), playbook.id
        assert all(rule.roles for rule in playbook.approval.values()), playbook.id
        # the most severe level pauses something
        assert not playbook.pause[levels[-1]].is_empty, playbook.id


def test_every_shipped_playbook_has_checklists_notify_rules_and_targets(
    shipped: Workspace,
) -> None:
    for playbook in shipped.playbooks.values():
        items = [item for stage in playbook.checklist.values() for item in stage]
        assert len(playbook.checklist) >= 2, playbook.id
        assert len(items) >= 4, playbook.id
        assert set(playbook.checklist) <= set(STAGES), playbook.id
        assert playbook.notify, playbook.id
        targets = playbook.targets.model_dump(exclude_none=True)
        assert targets, f"{playbook.id} has no target times"
        assert playbook.targets.first_statement is not None, playbook.id


def test_shipped_contacts_hold_every_crisis_role_and_a_rotation(shipped: Workspace) -> None:
    roles = shipped.contacts.roles()
    missing = [role for role in CRISIS_ROLES if role not in roles]
    assert not missing, missing
    assert shipped.contacts.rotations, "no on-call rotation"
    people = {person.id for person in shipped.contacts.people}
    for rotation in shipped.contacts.rotations:
        assert set(rotation.members) <= people, rotation.id


def test_shipped_notify_rules_use_roles_and_channels_from_contacts(shipped: Workspace) -> None:
    roles = shipped.contacts.roles()
    for playbook in shipped.playbooks.values():
        for rule in playbook.notify:
            assert set(rule.roles) <= roles, (playbook.id, rule.id)
            assert set(rule.via) <= set(shipped.contacts.channels), (playbook.id, rule.id)


@pytest.mark.parametrize("path", shipped_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_shipped_yaml_file_starts_with_a_schema_modeline(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
    assert match, f"{path.name} starts with {first!r}"
    target = (path.parent / match.group(1)).resolve()
    assert target.is_file(), f"{path.name} points at {match.group(1)}, which does not exist"
    assert target.parent == SCHEMAS.resolve()
    expected = {"policy": "policy", "contacts": "contacts"}.get(
        "policy" if path.stem == "policy" else path.parent.name, "playbook"
    )
    assert target.name == f"{expected}.schema.json"
    assert kind_of(path) == expected


# -- each kind of error, at its line and column --------------------------------------------


def test_the_test_playbook_is_valid(tmp_path: Path) -> None:
    playbook = validate_model(parse_yaml(write(tmp_path, "p.yaml", PLAYBOOK)), Playbook)
    assert playbook.id == "demo"
    assert [level.id for level in playbook.severity.levels] == ["SEV2", "SEV1"]
    make_workspace(tmp_path)
    workspace = load_workspace([tmp_path / "playbooks", tmp_path / "contacts"])
    assert list(workspace.playbooks) == ["demo"]


def test_unknown_field_is_reported_at_its_key_with_a_suggestion(tmp_path: Path) -> None:
    text = edited(PLAYBOOK, "    audience: public", "    audiance: public")
    path = write(tmp_path, "p.yaml", text)
    found = problems(path)
    assert (
        f"{path}:{pos(text, 'audiance')}: drafts[0].audiance: unknown field 'audiance' "
        "(did you mean 'audience'?)"
    ) in found
    # the field it was meant to be is then missing, reported at the draft itself
    assert f"{path}:{pos(text, 'id: holding')}: drafts[0].audience: missing required field" in (
        "\n".join(found)
    )


def test_unknown_top_level_field_suggests_the_closest_one(tmp_path: Path) -> None:
    text = edited(PLAYBOOK, "summary:", "sumary:")
    path = write(tmp_path, "p.yaml", text)
    found = problems(path)
    assert found == [
        f"{path}:1:1: summary: missing required field 'summary'",
        f"{path}:3:1: sumary: unknown field 'sumary' (did you mean 'summary'?)",
    ]


def test_unknown_field_without_a_close_match_has_no_suggestion(tmp_path: Path) -> None:
    text = PLAYBOOK + "zzzz: 1\n"
    path = write(tmp_path, "p.yaml", text)
    assert only_problem(path) == f"{path}:{pos(text, 'zzzz')}: zzzz: unknown field 'zzzz'"


def test_wrong_type_is_reported_at_the_value(tmp_path: Path) -> None:
    text = edited(PLAYBOOK, "version: 1", "version: one")
    path = write(tmp_path, "p.yaml", text)
    problem = only_problem(path)
    assert problem.startswith(f"{path}:4:10: version: ")
    assert "valid integer" in problem


def test_a_string_where_a_list_is_expected_is_reported_at_the_value(tmp_path: Path) -> None:
    text = edited(PLAYBOOK, "    roles: [comms_lead]\n    via", "    roles: comms_lead\n    via")
    path = write(tmp_path, "p.yaml", text)
    problem = only_problem(path)
    assert (
        problem
        == f"{path}:{pos(text, 'comms_lead')}: notify[0].roles: Input should be a valid list"
    )


def test_missing_required_field_is_reported_at_the_enclosing_mapping(tmp_path: Path) -> None:
    text = edited(PLAYBOOK, "          label: It is trending\n", "")
    path = write(tmp_path, "p.yaml", text)
    assert only_problem(path) == (
        f"{path}:{pos(text, 'id: high')}: severity.questions[0].options[1].label: "
        "missing required field 'label'"
    )


def test_missing_top_level_field_is_reported_at_the_start_of_the_file(tmp_path: Path) -> None:
    text = edited(PLAYBOOK, "title: Demo crisis\n", "")
    path = write(tmp_path, "p.yaml", text)
    assert only_problem(path) == f"{path}:1:1: title: missing required field 'title'"


def test_bad_duration_like_15_minutes_is_refused_at_the_value(tmp_path: Path) -> None:
    text = edited(PLAYBOOK, "ack_within: 15m", "ack_within: 15 minutes")
    path = write(tmp_path, "p.yaml", text)
    assert only_problem(path) == (
        f"{path}:{pos(text, '15 minutes')}: notify[0].ack_within: '15 minutes' is not a "
        "duration; write it like 15m, 2h or 1h30m"
    )


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("0m", "a duration must be longer than zero"),
        ("15", "a duration is written like 15m, 2h or 1h30m"),
        ("1h 30x", "'1h 30x' is not a duration"),
    ],
)
def test_other_bad_durations_are_refused(tmp_path: Path, written: str, message: str) -> None:
    text = edited(PLAYBOOK, "ack_within: 15m", f"ack_within: {written}")
    path = write(tmp_path, "p.yaml", text)
    problem = only_problem(path)
    where = pos(text, f"ack_within: {written}\n")
    line, column = where.split(":")
    where = f"{line}:{int(column) + len('ack_within: ')}"
    assert problem.startswith(f"{path}:{where}: notify[0].ack_within: ")
    assert message in problem


def test_durations_are_read_as_time_spans(tmp_path: Path) -> None:
    text = edited(PLAYBOOK, "ack_within: 15m", "ack_within: 1h30m")
    playbook = validate_model(parse_yaml(write(tmp_path, "p.yaml", text)), Playbook)
    assert playbook.notify[0].ack_within.total_seconds() == 5400


def test_unknown_placeholder_in_a_draft_template_is_reported(tmp_path: Path) -> None:
    text = edited(PLAYBOOK, "$incident_title.", "$incident_name.")
    path = write(tmp_path, "p.yaml", text)
    problem = only_problem(path)
    assert problem.startswith(
        f"{path}:{pos(text, 'We are')}: drafts[0].text: unknown placeholder $incident_name; "
        "known placeholders: $incident_title"
    )


def test_unknown_placeholder_in_one_language_is_reported_at_that_language(
    tmp_path: Path,
) -> None:
    text = edited(
        PLAYBOOK,
        "    text: We are looking into $incident_title.\n",
        "    text:\n      en: We are looking into $incident_title.\n"
        "      fr: Nous examinons $titre.\n      de: '  '\n",
    )
    path = write(tmp_path, "p.yaml", text)
    found = problems(path)
    assert len(found) == 2, found
    assert found[0].startswith(
        f"{path}:{pos(text, 'fr:')}: drafts[0].text.fr: unknown placeholder $titre;"
    )
    assert found[1] == f"{path}:{pos(text, 'de:')}: drafts[0].text.de: the statement text is empty"


def test_a_lone_dollar_in_a_notify_message_is_refused(tmp_path: Path) -> None:
    text = edited(PLAYBOOK, "    escalate_to: [legal]\n", "    message: Costs $ 5\n")
    path = write(tmp_path, "p.yaml", text)
    problem = only_problem(path)
    assert problem.startswith(f"{path}:{pos(text, 'id: team')}: notify[0]: ")
    assert "write $$ for a dollar sign" in problem


def test_invalid_regex_in_policy_is_reported_at_the_pattern(tmp_path: Path) -> None:
    text = POLICY + "    patterns:\n      - 'fine'\n      - '(unclosed'\n      - '[a-'\n"
    path = write(tmp_path, "policy.yaml", text)
    found = problems(path, Policy)
    assert found == [
        f"{path}:{pos(text, QUOTE + '(unclosed')}: "
        "forbidden_phrases[0].patterns[1]: pattern '(unclosed' is not a valid regular "
        "expression: missing ) at '(unclosed'",
        f"{path}:{pos(text, QUOTE + '[a-')}: forbidden_phrases[0].patterns[2]: pattern "
        "'[a-' is not a valid regular expression: missing ] at '[a-'",
    ]


def test_a_pattern_that_could_run_forever_is_refused_at_its_line_with_the_way_out(
    tmp_path: Path,
) -> None:
    text = POLICY + "    patterns:\n      - '(?<![+\\d])\\d{12}'\n      - '(a)\\1'\n"
    path = write(tmp_path, "policy.yaml", text)
    found = problems(path, Policy)
    assert len(found) == 2
    assert found[0].startswith(f"{path}:{pos(text, QUOTE + '(?<!')}: ")
    assert "cannot be run safely: lookaround" in found[0]
    assert "(?P<hit>...)" in found[0]
    assert found[1].startswith(f"{path}:{pos(text, QUOTE + '(a)')}: ")
    assert "cannot be run safely: backreferences" in found[1]


def test_invalid_regex_in_a_disclaimer_condition_is_reported(tmp_path: Path) -> None:
    text = POLICY + (
        "required_disclaimers:\n"
        "  - id: ad\n"
        "    text: '#ad'\n"
        "    explanation: Sponsored posts say so.\n"
        "    when_patterns: ['sponsor(ed']\n"
    )
    path = write(tmp_path, "policy.yaml", text)
    problem = only_problem(path, Policy)
    assert problem.startswith(
        f"{path}:{pos(text, QUOTE + 'sponsor')}: required_disclaimers[0].when_patterns[0]: "
        "pattern 'sponsor(ed' is not a valid regular expression"
    )


def test_unknown_level_in_pause_is_reported_at_its_key(tmp_path: Path) -> None:
    text = edited(PLAYBOOK, "  SEV2: none", "  SEV3: none")
    path = write(tmp_path, "p.yaml", text)
    assert problems(path) == [
        f"{path}:{pos(text, 'pause:')}: pause: no rule for level(s): SEV2",
        f"{path}:{pos(text, 'SEV3')}: pause.SEV3: unknown level 'SEV3'; levels: SEV2, SEV1",
    ]


def test_unknown_level_in_approval_is_reported_at_its_key(tmp_path: Path) -> None:
    text = edited(
        PLAYBOOK, "  SEV1:\n    roles: [comms_lead, legal]", "  SEV0:\n    roles: [legal]"
    )
    path = write(tmp_path, "p.yaml", text)
    assert problems(path) == [
        f"{path}:{pos(text, 'approval:')}: approval: no rule for level(s): SEV1",
        f"{path}:{pos(text, 'SEV0')}: approval.SEV0: unknown level 'SEV0'; levels: SEV2, SEV1",
    ]


def test_unknown_level_in_a_notify_rule_is_reported_at_the_level(tmp_path: Path) -> None:
    text = edited(PLAYBOOK, "levels: [SEV1]", "levels: [SEV1, SEV5]")
    path = write(tmp_path, "p.yaml", text)
    assert only_problem(path) == (
        f"{path}:{pos(text, 'SEV5')}: notify[0].levels[1]: unknown level 'SEV5'"
    )


def test_an_override_naming_an_unknown_level_or_option_is_refused(tmp_path: Path) -> None:
    text = edited(
        PLAYBOOK,
        "  levels:\n",
        "  overrides:\n    - when: {reach: huge}\n      level: SEV0\n      reason: Always.\n"
        "  levels:\n",
    )
    path = write(tmp_path, "p.yaml", text)
    assert problems(path) == [
        f"{path}:{pos(text, 'reach: huge')}: severity.overrides[0].when.reach: unknown option "
        "'huge' of question 'reach'",
        f"{path}:{pos(text, 'level: SEV0')}: severity.overrides[0].level: unknown level 'SEV0'",
    ]


def test_levels_must_start_at_zero(tmp_path: Path) -> None:
    text = edited(PLAYBOOK, "      min_score: 0\n", "      min_score: 1\n")
    path = write(tmp_path, "p.yaml", text)
    assert only_problem(path) == (
        f"{path}:{pos(text, 'min_score: 1')}: severity.levels[0].min_score: the first "
        "(mildest) level must have min_score 0 so every score has a level"
    )


def test_levels_must_be_listed_mildest_first(tmp_path: Path) -> None:
    text = edited(PLAYBOOK, "      min_score: 5\n", "      min_score: 0\n")
    path = write(tmp_path, "p.yaml", text)
    assert only_problem(path) == (
        f"{path}:{pos(text, 'min_score: 0', 2)}: severity.levels[1].min_score: levels are "
        "listed mildest first with rising min_score: SEV1 (0) must be above SEV2 (0)"
    )


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        ("id: SEV1\n", "id: SEV2\n", "severity.levels[1].id", "level id 'SEV2' is used twice"),
        ("id: high", "id: low", "severity.questions[0].options[1].id", "option id 'low'"),
    ],
)
def test_duplicate_ids_are_reported_at_the_second_use(
    tmp_path: Path, old: str, new: str, field: str, message: str
) -> None:
    text = edited(PLAYBOOK, old, new)
    path = write(tmp_path, "p.yaml", text)
    second = pos(text, new.strip(), 2)
    found = problems(path)
    assert found[-1].startswith(f"{path}:{second}: {field}: {message}"), found


def test_duplicate_draft_and_checklist_ids_are_reported(tmp_path: Path) -> None:
    text = PLAYBOOK.replace(
        "approval:\n",
        "  - id: holding\n    title: Again\n    audience: internal\n    platforms: [email]\n"
        "    text: Staff note.\napproval:\n",
    ) + (
        "checklist:\n  assess:\n    - id: screenshot\n      text: Take screenshots.\n"
        "  resolve:\n    - id: screenshot\n      text: Archive screenshots.\n"
    )
    path = write(tmp_path, "p.yaml", text)
    assert problems(path) == [
        f"{path}:{pos(text, 'id: holding', 2)}: drafts[1].id: draft template id 'holding' is "
        "used twice",
        f"{path}:{pos(text, 'id: screenshot', 2)}: checklist.resolve[0].id: checklist item id "
        "'screenshot' is used twice",
    ]


def test_unknown_checklist_stage_is_refused(tmp_path: Path) -> None:
    text = PLAYBOOK + "checklist:\n  asses:\n    - id: a\n      text: Do it.\n"
    path = write(tmp_path, "p.yaml", text)
    problem = only_problem(path)
    assert problem.startswith(f"{path}:{pos(text, 'asses')}: checklist.asses: ")
    assert "'assess'" in problem


def test_union_branch_names_do_not_leak_into_field_paths(tmp_path: Path) -> None:
    text = edited(PLAYBOOK, "text: We are looking into $incident_title.", "text: 12")
    path = write(tmp_path, "p.yaml", text)
    found = problems(path)
    assert found, found
    for problem in found:
        assert problem.startswith(f"{path}:{pos(text, '12')}: drafts[0].text: "), found


def test_unknown_role_in_a_notify_rule_is_reported_against_contacts(tmp_path: Path) -> None:
    text = edited(PLAYBOOK, "roles: [comms_lead]\n    via", "roles: [comms_leed]\n    via")
    path = make_workspace(tmp_path, text)
    assert workspace_problems(tmp_path / "playbooks", tmp_path / "contacts") == [
        f"{path}:{pos(text, 'comms_leed')}: notify[0].roles[0]: nobody in contacts holds role "
        "'comms_leed' (did you mean 'comms_lead'?)"
    ]


def test_unknown_roles_in_escalation_and_approval_are_reported(tmp_path: Path) -> None:
    text = edited(PLAYBOOK, "escalate_to: [legal]", "escalate_to: [ceo]")
    text = edited(text, "roles: [comms_lead, legal]", "roles: [comms_lead, lawyer]")
    path = make_workspace(tmp_path, text)
    assert workspace_problems(tmp_path / "playbooks", tmp_path / "contacts") == [
        f"{path}:{pos(text, 'ceo')}: notify[0].escalate_to[0]: nobody in contacts holds role 'ceo'",
        f"{path}:{pos(text, 'lawyer')}: approval.SEV1.roles[1]: nobody in contacts holds role "
        "'lawyer'",
    ]


def test_notify_via_a_channel_not_configured_in_contacts_is_refused(tmp_path: Path) -> None:
    text = edited(PLAYBOOK, "via: [email]", "via: [email, sms]")
    path = make_workspace(tmp_path, text)
    assert workspace_problems(tmp_path / "playbooks", tmp_path / "contacts") == [
        f"{path}:{pos(text, 'sms')}: notify[0].via[1]: channel 'sms' is not configured in "
        "contacts (configured: email)"
    ]


def test_a_draft_platform_missing_from_the_policy_is_refused(tmp_path: Path) -> None:
    text = edited(PLAYBOOK, "platforms: [x]", "platforms: [x, tiktok]")
    path = make_workspace(tmp_path, text)
    write(tmp_path / "playbooks", "policy.yaml", POLICY)
    assert workspace_problems(tmp_path / "playbooks", tmp_path / "contacts") == [
        f"{path}:{pos(text, 'tiktok')}: drafts[0].platforms[1]: platform 'tiktok' is not in "
        "policy.yaml (platforms: x)"
    ]


def test_a_policy_role_nobody_holds_is_refused(tmp_path: Path) -> None:
    make_workspace(tmp_path)
    text = POLICY + "    override_role: comms_director\n"
    policy = write(tmp_path / "playbooks", "policy.yaml", text)
    assert workspace_problems(tmp_path / "playbooks", tmp_path / "contacts") == [
        f"{policy}:{pos(text, 'comms_director')}: forbidden_phrases[0].override_role: nobody "
        "in contacts holds role 'comms_director'"
    ]


def test_a_playbook_id_used_in_two_files_names_both(tmp_path: Path) -> None:
    first = make_workspace(tmp_path)
    second = write(tmp_path / "playbooks", "zz-copy.yaml", PLAYBOOK)
    assert workspace_problems(tmp_path / "playbooks", tmp_path / "contacts") == [
        f"{second}:1:5: id: playbook id 'demo' is already used by {first}"
    ]


def test_a_rotation_member_who_is_not_a_person_is_refused_across_contacts_files(
    tmp_path: Path,
) -> None:
    make_workspace(tmp_path)
    oncall = (
        "rotations:\n"
        "  - id: weekly\n"
        "    role: comms_on_call\n"
        "    members: [amara, daniel, ghost]\n"
        "    start: 2026-01-05\n"
    )
    path = write(tmp_path / "contacts", "oncall.yaml", oncall)
    assert workspace_problems(tmp_path / "playbooks", tmp_path / "contacts") == [
        f"{path}:4:30: rotations[0].members[2]: unknown person 'ghost'"
    ]
    # the same file is fine once the member exists (amara and daniel live in team.yaml)
    path.write_text(oncall.replace(", ghost", ""), encoding="utf-8")
    workspace = load_workspace([tmp_path / "playbooks", tmp_path / "contacts"])
    assert workspace.contacts.rotations[0].members == ["amara", "daniel"]
    assert "comms_on_call" in workspace.contacts.roles()


def test_a_person_listed_in_two_contacts_files_is_refused_in_the_second(tmp_path: Path) -> None:
    make_workspace(tmp_path)
    extra = "people:\n  - id: daniel\n    name: Daniel Again\n"
    path = write(tmp_path / "contacts", "zz-more.yaml", extra)
    assert workspace_problems(tmp_path / "playbooks", tmp_path / "contacts") == [
        f"{path}:2:5: people[0].id: person id 'daniel' is used twice"
    ]


def test_a_channel_configured_in_two_contacts_files_is_refused(tmp_path: Path) -> None:
    make_workspace(tmp_path)
    extra = "channels:\n  email:\n    kind: console\n"
    path = write(tmp_path / "contacts", "zz-channels.yaml", extra)
    assert workspace_problems(tmp_path / "playbooks", tmp_path / "contacts") == [
        f"{path}:2:3: channels.email: channel 'email' is already configured in "
        f"{tmp_path / 'contacts' / 'team.yaml'}"
    ]


def test_unknown_time_zone_is_refused_for_people_and_rotations(tmp_path: Path) -> None:
    text = (
        "people:\n"
        "  - id: amara\n"
        "    name: Amara\n"
        "    timezone: Mars/Olympus\n"
        "rotations:\n"
        "  - id: weekly\n"
        "    role: comms_on_call\n"
        "    members: [amara]\n"
        "    start: 2026-01-05\n"
        "    timezone: Europe/Londn\n"
    )
    path = write(tmp_path, "team.yaml", text)
    assert problems(path, Contacts) == [
        f"{path}:4:15: people[0].timezone: unknown time zone 'Mars/Olympus'; use a name like "
        "Europe/London",
        f"{path}:10:15: rotations[0].timezone: unknown time zone 'Europe/Londn'; use a name "
        "like Europe/London",
    ]


def test_an_unknown_channel_setting_suggests_the_right_one(tmp_path: Path) -> None:
    text = "channels:\n  email:\n    kind: smtp\n    host: smtp.example.com\n    sender: a@b.c\n"
    text += "    prot: 25\n"
    path = write(tmp_path, "channels.yaml", text)
    assert only_problem(path, Contacts) == (
        f"{path}:6:5: channels.email.prot: unknown field 'prot' (did you mean 'port'?)"
    )


def test_a_secret_pasted_instead_of_an_env_name_is_refused(tmp_path: Path) -> None:
    text = "channels:\n  chat:\n    kind: webhook\n    url_env: https://hooks.example/T0/B0\n"
    path = write(tmp_path, "channels.yaml", text)
    problem = only_problem(path, Contacts)
    assert problem.startswith(f"{path}:4:14: channels.chat.url_env: String should match pattern")


# -- all problems of a file together ----------------------------------------------------


def test_all_problems_of_one_file_come_out_together_sorted_by_line(tmp_path: Path) -> None:
    text = PLAYBOOK
    text = edited(text, "version: 1", "version: one")
    text = edited(text, "          score: 5", "          score: 500")
    text = edited(text, "ack_within: 15m", "ack_within: 15 minutes")
    text = edited(text, "    audience: public", "    audience: everyone")
    text = edited(text, "$incident_title.", "$incident_name.")
    path = write(tmp_path, "p.yaml", text)
    found = problems(path)
    where = [
        (pos(text, "one"), "version"),
        (pos(text, "500"), "severity.questions[0].options[1].score"),
        (pos(text, "15 minutes"), "notify[0].ack_within"),
        (pos(text, "everyone"), "drafts[0].audience"),
        (pos(text, "We are"), "drafts[0].text"),
    ]
    assert [problem.split(": ")[0:2] for problem in found] == [
        [f"{path}:{at}", field] for at, field in where
    ]
    lines = [int(problem.split(":")[1]) for problem in found]
    assert lines == sorted(lines)


def test_problems_in_several_files_are_all_reported(tmp_path: Path) -> None:
    first = make_workspace(tmp_path, edited(PLAYBOOK, "version: 1", "version: 0"))
    second = write(
        tmp_path / "playbooks", "other.yaml", edited(PLAYBOOK, "id: demo", "id: other\nsize: 3")
    )
    team = write(tmp_path / "contacts", "team.yaml", TEAM + "  chat:\n    kind: pigeon\n")
    found = workspace_problems(tmp_path / "playbooks", tmp_path / "contacts")
    assert [problem.split(":")[0] for problem in found] == [str(first), str(second), str(team)]
    assert found[0].startswith(f"{first}:4:10: version: ")
    assert found[1] == f"{second}:2:1: size: unknown field 'size'"
    assert found[2].startswith(f"{team}:12:3: channels.chat: Input tag 'pigeon'")


def test_a_missing_path_is_reported(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    assert workspace_problems(missing) == [f"{missing}: no such file or folder"]


def test_a_second_policy_file_is_refused(tmp_path: Path) -> None:
    make_workspace(tmp_path)
    write(tmp_path / "playbooks", "policy.yaml", POLICY)
    second = write(
        tmp_path / "other",
        "rules.yaml",
        "# yaml-language-server: $schema=../schemas/policy.schema.json\n" + POLICY,
    )
    found = workspace_problems(tmp_path / "playbooks", tmp_path / "contacts", second)
    assert len(found) == 1
    assert found[0].startswith(f"{second}:1:1: a second policy file")


# -- YAML safety -------------------------------------------------------------------------


def billion_laughs() -> str:
    """The classic nine-level alias bomb (about 342 bytes, 10**9 strings once expanded)."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
        previous = name
    return "\n".join(lines) + "\n"


def test_a_billion_laughs_alias_bomb_is_refused_mentioning_aliases(tmp_path: Path) -> None:
    text = billion_laughs()
    assert 330 <= len(text.encode()) <= 360
    path = write(tmp_path, "bomb.yaml", text)
    with pytest.raises(ConfigError) as caught:
        parse_yaml(path)
    [problem] = caught.value.problems
    assert re.match(rf"{re.escape(str(path))}:\d+:\d+: ", problem), problem
    assert "too many aliases" in problem
    assert f"{MAX_NODES:,}" in problem


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "loop.yaml", "a: &x [1, *x]\n")
    with pytest.raises(ConfigError) as caught:
        parse_yaml(path)
    assert caught.value.problems[0].startswith(f"{path}:")
    assert "nesting deeper than" in caught.value.problems[0]


def test_a_python_object_tag_is_refused_and_nothing_executes(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    text = f'command: !!python/object/apply:os.system ["touch {marker}"]\n'
    path = write(tmp_path, "evil.yaml", text)
    with pytest.raises(ConfigError) as caught:
        parse_yaml(path)
    assert caught.value.problems == [
        f"{path}:1:10: the tag 'tag:yaml.org,2002:python/object/apply:os.system' is not "
        "allowed; runbook files hold plain text, numbers, lists and mappings only"
    ]
    assert not marker.exists()


@pytest.mark.parametrize(
    "value",
    [
        "!!python/name:os.system",
        "!!python/object:collections.OrderedDict {}",
        "!!binary aGk=",
        "!!timestamp 2026-01-05",
        "!!set {a, b}",
        "!custom thing",
    ],
)
def test_other_tags_are_refused_at_their_position(tmp_path: Path, value: str) -> None:
    path = write(tmp_path, "tags.yaml", f"ok: 1\nvalue: {value}\n")
    with pytest.raises(ConfigError) as caught:
        parse_yaml(path)
    [problem] = caught.value.problems
    assert problem.startswith(f"{path}:2:8: the tag ")
    assert "is not allowed" in problem


def test_a_tagged_key_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "tags.yaml", "!!python/name:os.system : 1\n")
    with pytest.raises(ConfigError) as caught:
        parse_yaml(path)
    assert caught.value.problems[0].startswith(f"{path}:1:1: the tag ")


def test_a_file_over_the_size_limit_is_refused_naming_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        line = b"# padding padding padding padding padding padding padding padding\n"
        handle.write(b"id: huge\n" + line * (11 * 1024 * 1024 // len(line)))
    assert path.stat().st_size > 10 * 1024 * 1024
    with pytest.raises(ConfigError) as caught:
        parse_yaml(path)
    [problem] = caught.value.problems
    assert problem.startswith(f"{path}: file is ")
    assert f"the limit is {MAX_FILE_BYTES:,} bytes" in problem
    with pytest.raises(ConfigError, match="byte limit"):
        parse_yaml(path, "a: " + "x" * (MAX_FILE_BYTES + 1))


def test_a_file_just_under_the_size_limit_is_read(tmp_path: Path) -> None:
    text = "a: 1\n" + "#" * (MAX_FILE_BYTES - 10) + "\n"
    assert len(text.encode()) <= MAX_FILE_BYTES
    assert parse_yaml(write(tmp_path, "big.yaml", text)).data == {"a": 1}


def test_duplicate_keys_are_refused_naming_both_lines(tmp_path: Path) -> None:
    text = "id: demo\ntitle: One\nsummary: s\ntitle: Two\n"
    path = write(tmp_path, "dup.yaml", text)
    with pytest.raises(ConfigError) as caught:
        parse_yaml(path)
    assert caught.value.problems == [
        f"{path}:4:1: duplicate key 'title' (first at line 2, again at line 4)"
    ]


def test_nested_duplicate_keys_are_refused_naming_both_lines(tmp_path: Path) -> None:
    text = "approval:\n  SEV1:\n    roles: [a]\n\n  SEV1:\n    roles: [b]\n"
    path = write(tmp_path, "dup.yaml", text)
    with pytest.raises(ConfigError) as caught:
        parse_yaml(path)
    assert caught.value.problems == [
        f"{path}:5:3: duplicate key 'SEV1' (first at line 2, again at line 5)"
    ]


def test_keys_that_read_the_same_are_duplicates(tmp_path: Path) -> None:
    path = write(tmp_path, "dup.yaml", "1: a\n'1': b\n")
    with pytest.raises(
        ConfigError, match=r"duplicate key '1' \(first at line 1, again at line 2\)"
    ):
        parse_yaml(path)


def test_merge_keys_are_refused(tmp_path: Path) -> None:
    text = "base: &base {name: A}\nperson:\n  <<: *base\n  id: a\n"
    path = write(tmp_path, "merge.yaml", text)
    with pytest.raises(ConfigError) as caught:
        parse_yaml(path)
    assert caught.value.problems == [f"{path}:3:3: merge keys (<<) are not supported"]
    # a quoted "<<" is an ordinary key
    assert parse_yaml(path, '"<<": 1\n').data == {"<<": 1}


def test_a_list_used_as_a_key_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "key.yaml", "ok: 1\n? [a, b]\n: 1\n")
    with pytest.raises(ConfigError) as caught:
        parse_yaml(path)
    assert caught.value.problems == [f"{path}:2:3: a key must be plain text, not a list or map"]


def test_yaml_1_1_booleans_stay_strings(tmp_path: Path) -> None:
    text = "a: on\nb: off\nc: yes\nd: no\ne: y\nf: n\ng: Yes\nh: NO\ni: true\nj: False\n"
    data = parse_yaml(write(tmp_path, "b.yaml", text)).data
    assert data == {
        "a": "on",
        "b": "off",
        "c": "yes",
        "d": "no",
        "e": "y",
        "f": "n",
        "g": "Yes",
        "h": "NO",
        "i": True,
        "j": False,
    }


def test_an_option_id_no_is_accepted_as_the_string_no(tmp_path: Path) -> None:
    text = edited(PLAYBOOK, "id: low", "id: no")
    text = edited(text, "id: high", "id: yes")
    text = edited(text, "id: reach", "id: on")
    playbook = validate_model(parse_yaml(write(tmp_path, "p.yaml", text)), Playbook)
    question = playbook.severity.questions[0]
    assert question.id == "on"
    assert [option.id for option in question.options] == ["no", "yes"]


def test_sexagesimal_numbers_stay_strings(tmp_path: Path) -> None:
    data = parse_yaml(write(tmp_path, "t.yaml", "handoff: 1:30\nother: 190:20:30\n")).data
    assert data == {"handoff": "1:30", "other": "190:20:30"}


def test_leading_zero_numbers_are_decimal(tmp_path: Path) -> None:
    text = "a: 012\nb: 0o17\nc: 0x1F\nd: +5\ne: -7\nf: 0b11\ng: 1_000\n"
    data = parse_yaml(write(tmp_path, "n.yaml", text)).data
    assert data == {"a": 12, "b": 15, "c": 31, "d": 5, "e": -7, "f": "0b11", "g": "1_000"}


def test_floats_nulls_and_dates_follow_the_core_schema(tmp_path: Path) -> None:
    text = "a: 1.5\nb: 1e3\nc: .inf\nd: -.inf\ne: ~\nf: null\ng:\nh: 2026-01-05\ni: 12:30:00\n"
    data = parse_yaml(write(tmp_path, "f.yaml", text)).data
    assert (data["a"], data["b"]) == (1.5, 1000.0)
    assert (data["c"], data["d"]) == (float("inf"), float("-inf"))
    assert (data["e"], data["f"], data["g"]) == (None, None, None)
    assert (data["h"], data["i"]) == ("2026-01-05", "12:30:00")
    nan = parse_yaml(tmp_path / "x.yaml", "n: .nan\n").data["n"]
    assert nan != nan


def test_a_number_too_long_to_read_is_a_located_error(tmp_path: Path) -> None:
    path = write(tmp_path, "n.yaml", "a: 1\nb: " + "9" * 5000 + "\n")
    with pytest.raises(ConfigError) as caught:
        parse_yaml(path)
    assert caught.value.problems[0].startswith(f"{path}:2:4: ")
    assert "not a valid number" in caught.value.problems[0]


def test_a_rotation_start_date_is_read_by_the_model(tmp_path: Path) -> None:
    text = "people:\n  - {id: a, name: A}\nrotations:\n  - {id: r, role: x, members: [a], "
    text += "start: 2026-01-05, handoff: 09:00}\n"
    contacts = validate_model(parse_yaml(write(tmp_path, "c.yaml", text)), Contacts)
    assert contacts.rotations[0].start.isoformat() == "2026-01-05"
    assert contacts.rotations[0].handoff == "09:00"


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_an_empty_file_is_refused(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "empty.yaml", text)
    with pytest.raises(ConfigError) as caught:
        parse_yaml(path)
    assert caught.value.problems == [f"{path}:1:1: the file is empty"]


def test_an_empty_playbook_file_is_reported_by_load_workspace(tmp_path: Path) -> None:
    path = write(tmp_path / "playbooks", "empty.yaml", "")
    assert workspace_problems(tmp_path / "playbooks") == [f"{path}:1:1: the file is empty"]


def test_a_file_with_two_documents_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "two.yaml", "id: one\n---\nid: two\n")
    with pytest.raises(ConfigError) as caught:
        parse_yaml(path)
    assert caught.value.problems == [
        f"{path}:2:1: invalid YAML: expected a single document in the stream, but found "
        "another document"
    ]


def test_invalid_utf8_is_refused_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("id: demo\ntitle: Caf\u00e9\n".encode("latin-1"))
    with pytest.raises(ConfigError) as caught:
        parse_yaml(path)
    assert caught.value.problems == [
        f"{path}:2:11: byte 0xe9 is not UTF-8 (Latin-1 or Windows-1252 text?); save the file "
        "as UTF-8"
    ]


def test_utf16_and_binary_files_are_named_for_what_they_are(tmp_path: Path) -> None:
    utf16 = tmp_path / "utf16.yaml"
    utf16.write_bytes("id: demo\n".encode("utf-16"))
    with pytest.raises(ConfigError) as caught:
        parse_yaml(utf16)
    assert caught.value.problems == [
        f"{utf16}: the file is UTF-16 text (it starts with a UTF-16 byte order mark); save it "
        "as UTF-8"
    ]
    binary = tmp_path / "image.yaml"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(ConfigError) as caught:
        parse_yaml(binary)
    assert caught.value.problems == [
        f"{binary}:1:1: the file is not text (it holds NUL bytes); give a UTF-8 text file"
    ]


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffname: Chlo\u00e9\n".encode())
    assert parse_yaml(path).data == {"name": "Chlo\u00e9"}


def test_a_control_character_is_refused_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "nul.yaml"
    path.write_bytes(b"id: demo\ntitle: a\x00b\n")
    with pytest.raises(ConfigError) as caught:
        parse_yaml(path)
    assert caught.value.problems == [
        f"{path}:2:9: the file is not text (it holds NUL bytes); give a UTF-8 text file"
    ]
    bell = tmp_path / "bell.yaml"
    bell.write_bytes(b"id: demo\ntitle: a\x07b\n")
    with pytest.raises(ConfigError) as caught:
        parse_yaml(bell)
    assert caught.value.problems == [
        f"{bell}:2:9: invalid YAML: character #x0007 is not allowed (control characters "
        "cannot appear in a YAML file)"
    ]


def test_a_tab_used_for_indentation_is_reported_with_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "tab.yaml", "id: demo\nseverity:\n\tquestions: []\n")
    with pytest.raises(ConfigError) as caught:
        parse_yaml(path)
    assert caught.value.problems == [
        f"{path}:3:1: invalid YAML: found character '\\t' that cannot start any token (a tab: "
        "indent with spaces)"
    ]


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("id: demo\nlevels: [a, b\n", "3:1", "expected ',' or ']'"),
        ("id: demo\ntitle: a: b\n", "2:9", "mapping values are not allowed here"),
        ("id: demo\ntitle: 'open\n", "3:1", "found unexpected end of stream"),
        ("id: demo\n  title: x\n", "2:8", "mapping values are not allowed here"),
        ("id: demo\nalias: *nothing\n", "2:8", "found undefined alias 'nothing'"),
    ],
)
def test_syntax_errors_are_reported_with_line_and_column(
    tmp_path: Path, text: str, where: str, message: str
) -> None:
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(ConfigError) as caught:
        parse_yaml(path)
    [problem] = caught.value.problems
    assert problem.startswith(f"{path}:{where}: invalid YAML: {message}"), problem


def test_a_document_that_is_not_a_mapping_is_refused_at_the_top(tmp_path: Path) -> None:
    path = write(tmp_path, "list.yaml", "- a\n- b\n")
    assert only_problem(path) == (
        f"{path}:1:1: (top): should be a mapping of fields (name: value), not a list"
    )


def test_positions_of_parsed_values_are_remembered(tmp_path: Path) -> None:
    parsed = parse_yaml(write(tmp_path, "p.yaml", PLAYBOOK))
    assert isinstance(parsed, Parsed)
    line, column, matched = parsed.position(("notify", 0, "via", 0))
    assert (f"{line}:{column}", matched) == (pos(PLAYBOOK, "email"), ("notify", 0, "via", 0))
    line, column, matched = parsed.position(("notify", 0, "nothing", "deeper"))
    assert (f"{line}:{column}", matched) == (pos(PLAYBOOK, "id: team"), ("notify", 0))


# -- fuzzing: a model or a ConfigError, never anything else ------------------------------

FIELD_NAMES = sorted(
    {
        *Playbook.model_fields,
        *Policy.model_fields,
        *Contacts.model_fields,
        "questions",
        "levels",
        "options",
        "id",
        "score",
        "min_score",
        "roles",
        "via",
        "kind",
        "members",
        "start",
        "timezone",
        "SEV1",
        "en",
    }
)
LOCATED = re.compile(r"^fuzz\.yaml:\d+:\d+: ")

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**6), max_value=10**6)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | st.sampled_from(["15m", "SEV1", "all", "none", "smtp", "$incident_title", "Europe/Paris"])
)
keys = st.sampled_from(FIELD_NAMES) | st.text(max_size=10)
structures = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=5),
    max_leaves=30,
)


def validate_or_problems(parsed: Parsed, model: type, context: Any = None) -> Any:
    """The model, or the ConfigError's problems; any other exception fails the test."""
    try:
        return validate_model(parsed, model, context)
    except ConfigError as exc:
        return exc.problems


def check_all_models(parsed: Parsed) -> None:
    """Validate as every model: the result is a model or a ConfigError with located problems."""
    for model, context in (
        (Playbook, None),
        (Policy, None),
        (Contacts, None),
        (Contacts, {"partial": True}),
    ):
        result = validate_or_problems(parsed, model, context)
        if isinstance(result, list):
            assert result, "a ConfigError without problems"
            for problem in result:
                assert LOCATED.match(problem), problem
        else:
            assert isinstance(result, model)


def parse_or_problems(path: Path, text: str | None = None) -> Parsed | list[str]:
    """Parsed data, or the ConfigError's problems; any other exception fails the test."""
    try:
        return parse_yaml(path, text)
    except ConfigError as exc:
        return exc.problems


def parse_or_config_error(text: str) -> Parsed | None:
    parsed = parse_or_problems(Path("fuzz.yaml"), text)
    if isinstance(parsed, list):
        assert parsed, "a ConfigError without problems"
        assert all(problem.startswith("fuzz.yaml:") for problem in parsed), parsed
        return None
    return parsed


@settings(max_examples=200, deadline=None)
@given(structures)
def test_random_structures_give_a_model_or_a_config_error(data: Any) -> None:
    parsed = parse_or_config_error(yaml.safe_dump(data, allow_unicode=True))
    if parsed is not None:
        check_all_models(parsed)


SHIPPED_PLAYBOOK = (PLAYBOOKS / "account-compromised.yaml").read_text(encoding="utf-8")


@settings(max_examples=200, deadline=None)
@given(
    start=st.integers(min_value=0, max_value=len(SHIPPED_PLAYBOOK)),
    length=st.integers(min_value=0, max_value=40),
    replacement=st.text(alphabet=string.printable + "&*!%@`\u00e9\u2028", max_size=12),
)
def test_a_damaged_shipped_playbook_gives_a_model_or_a_config_error(
    start: int, length: int, replacement: str
) -> None:
    text = SHIPPED_PLAYBOOK[:start] + replacement + SHIPPED_PLAYBOOK[start + length :]
    parsed = parse_or_config_error(text)
    if parsed is not None:
        check_all_models(parsed)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_random_text_gives_data_or_a_config_error(text: str) -> None:
    parsed = parse_or_config_error(text)
    if parsed is not None:
        check_all_models(parsed)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200))
def test_random_bytes_give_data_or_a_config_error(raw: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.yaml"
        path.write_bytes(raw)
        parsed = parse_or_problems(path)
        if isinstance(parsed, list):
            assert parsed, "a ConfigError without problems"
            assert all(problem.startswith(f"{path}:") for problem in parsed), parsed
            return
        for model in (Playbook, Policy, Contacts):
            result = validate_or_problems(parsed, model)
            if isinstance(result, list):
                assert all(problem.startswith(f"{path}:") for problem in result), result
            else:
                assert isinstance(result, model)
