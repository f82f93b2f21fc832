"""Reading scenario and responses files, cross-checked against the workspace.

YAML is read only through :mod:`runbook.loading` (``parse_yaml`` + ``validate_model``), so a
scenario gets the same safe loader and the same ``file:line:col: field: message`` problems as a
playbook. On top of the spec's own checks, :func:`load_scenario` checks that the playbook
exists, cast people and roles exist, levels, questions, options, checklist items and templates
named exist in the playbook, that every expectation has a target time (its own ``within`` or
the playbook's target), and that calendar channels are platforms of the policy.
:func:`load_responses` checks people, answers, templates and checklist items.
Every problem of a file is reported at once, as :class:`~runbook.errors.ConfigError`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path

from runbook.drill.expectations import (
    PLAYBOOK_TARGET,
    Acknowledged,
    ChecklistDone,
    Expectation,
    LevelAtLeast,
    StatementApproved,
    StatementPublished,
)
from runbook.drill.responses import AssessArgs, CheckArgs, DraftArgs, Responses
from runbook.drill.scenario import Scenario
from runbook.errors import ConfigError
from runbook.i18n import N_, _, in_context
from runbook.loading import Loc, Parsed, Workspace, parse_yaml, problems_in, validate_model
from runbook.model.playbook import Playbook

Problem = tuple[Loc, str, bool]


def load_scenario(path: Path, workspace: Workspace) -> Scenario:
    """Read and check the scenario at ``path``; raise ConfigError listing every problem."""
    parsed = parse_yaml(Path(path))
    scenario = validate_model(parsed, Scenario)
    _raise(parsed, scenario_problems(scenario, workspace))
    return scenario


def load_responses(path: Path, workspace: Workspace, scenario: Scenario) -> Responses:
    """Read and check the responses at ``path`` for ``scenario``; raise ConfigError."""
    parsed = parse_yaml(Path(path))
    if isinstance(parsed.data, list):
        # A bare list of entries: read it as {responses: [...]} with positions kept.
        marks = {("responses", *loc): where for loc, where in parsed.marks.items()}
        marks[()] = parsed.marks[()]
        parsed = Parsed(path=parsed.path, data={"responses": parsed.data}, marks=marks)
    responses = validate_model(parsed, Responses)
    _raise(parsed, response_problems(responses, workspace, scenario))
    return responses


def _raise(parsed: Parsed, problems: list[Problem]) -> None:
    if problems:
        raise ConfigError(problems_in(parsed, problems))


UNKNOWN = {
    "playbook": N_("unknown playbook %(name)s%(hint)s (known: %(known)s)"),
    "role": N_("unknown role %(name)s%(hint)s (known: %(known)s)"),
    "person": N_("unknown person %(name)s%(hint)s (known: %(known)s)"),
    "level": N_("unknown level %(name)s%(hint)s (known: %(known)s)"),
    "platform": N_("unknown platform %(name)s%(hint)s (known: %(known)s)"),
    "template": N_("unknown template %(name)s%(hint)s (known: %(known)s)"),
    "checklist item": N_("unknown checklist item %(name)s%(hint)s (known: %(known)s)"),
    "question": N_("unknown question %(name)s%(hint)s (known: %(known)s)"),
    "option": N_("unknown option %(name)s of %(question)s%(hint)s (known: %(known)s)"),
}
"""What ``_known`` says for each kind of name (translated when said)."""


def _known(what: str, name: str, known: Iterable[str], **more: str) -> str:
    names = sorted(set(known))
    close = difflib.get_close_matches(name, names, n=1)
    hint = _("; did you mean %(close)s?", close=repr(close[0])) if close else ""
    listed = ", ".join(names) or in_context(N_("list|none"))
    return _(UNKNOWN[what], name=repr(name), hint=hint, known=listed, **more)


def scenario_problems(scenario: Scenario, workspace: Workspace) -> list[Problem]:
    """Problems of ``scenario`` against the workspace's playbooks, contacts and policy."""
    problems: list[Problem] = []
    playbook = workspace.playbooks.get(scenario.playbook)
    if playbook is None:
        problems.append(
            (("playbook",), _known("playbook", scenario.playbook, workspace.playbooks), False)
        )
        return problems
    contacts = workspace.contacts
    roles = contacts.roles()
    people = {p.id for p in contacts.people}
    levels = [lv.id for lv in playbook.severity.levels]

    for role in scenario.cast:
        if role not in roles:
            problems.append((("cast", role), _known("role", role, roles), True))
        players = scenario.players(role)
        for index, person in enumerate(players):
            if person not in people:
                loc: Loc = (
                    ("cast", role, index)
                    if isinstance(scenario.cast[role], list)
                    else ("cast", role)
                )
                problems.append((loc, _known("person", person, people), False))
    if scenario.expected_level is not None and scenario.expected_level not in levels:
        problems.append(
            (("expected_level",), _known("level", scenario.expected_level, levels), False)
        )

    platforms = set(workspace.policy.platforms) if workspace.policy else None
    for index, inject in enumerate(scenario.injects):
        where: Loc = ("injects", index)
        if inject.kind == "new_fact":
            problems += _answer_problems(playbook, inject.suggests, (*where, "suggests"))
            if inject.expected_level is not None and inject.expected_level not in levels:
                problems.append(
                    (
                        (*where, "expected_level"),
                        _known("level", inject.expected_level, levels),
                        False,
                    )
                )
        if inject.kind == "social_post" and inject.platform and platforms is not None:
            if inject.platform not in platforms:
                problems.append(
                    ((*where, "platform"), _known("platform", inject.platform, platforms), False)
                )

    for index, expectation in enumerate(scenario.expectations):
        problems += _expectation_problems(expectation, index, playbook, roles)

    if platforms is not None:
        for index, post in enumerate(scenario.calendar):
            if post.channel not in platforms:
                problems.append(
                    (
                        ("calendar", index, "channel"),
                        _known("platform", post.channel, platforms),
                        False,
                    )
                )
    return problems


def _expectation_problems(
    expectation: Expectation, index: int, playbook: Playbook, roles: set[str]
) -> list[Problem]:
    problems: list[Problem] = []
    where: Loc = ("expectations", index)
    levels = [lv.id for lv in playbook.severity.levels]
    if isinstance(expectation, LevelAtLeast) and expectation.level not in levels:
        problems.append(((*where, "level"), _known("level", expectation.level, levels), False))
    if isinstance(expectation, Acknowledged | StatementApproved) and expectation.by_role:
        if expectation.by_role not in roles:
            problems.append(
                ((*where, "by_role"), _known("role", expectation.by_role, roles), False)
            )
    if isinstance(expectation, StatementApproved | StatementPublished) and expectation.template:
        if playbook.draft_template(expectation.template) is None:
            names = [d.id for d in playbook.drafts]
            problems.append(
                ((*where, "template"), _known("template", expectation.template, names), False)
            )
    if isinstance(expectation, ChecklistDone):
        items = [i.id for stage in playbook.checklist.values() for i in stage]
        for position, item in enumerate(expectation.items):
            if item not in items:
                problems.append(
                    ((*where, "items", position), _known("checklist item", item, items), False)
                )
    elif expectation.within is None:
        target = PLAYBOOK_TARGET.get(expectation.kind)
        if target is None or getattr(playbook.targets, target) is None:
            field = "targets." + (target or "")
            why = (
                _("the playbook has no %(field)s", field=field)
                if target
                else _("no playbook target applies")
            )
            message = _("no target time: add within (e.g. within: 30m); %(why)s", why=why)
            problems.append(((*where, "kind"), message, True))
    return problems


def _answer_problems(playbook: Playbook, answers: dict[str, str], where: Loc) -> list[Problem]:
    problems: list[Problem] = []
    questions = {q.id: q for q in playbook.severity.questions}
    for question_id, option in answers.items():
        question = questions.get(question_id)
        if question is None:
            problems.append(
                ((*where, question_id), _known("question", question_id, questions), True)
            )
            continue
        options = [o.id for o in question.options]
        if option not in options:
            problems.append(
                (
                    (*where, question_id),
                    _known("option", option, options, question=question_id),
                    False,
                )
            )
    return problems


def response_problems(
    responses: Responses, workspace: Workspace, scenario: Scenario
) -> list[Problem]:
    """Problems of ``responses`` against the scenario's playbook and the contacts."""
    problems: list[Problem] = []
    if responses.scenario is not None and responses.scenario != scenario.id:
        message = _(
            "these responses are for scenario %(theirs)s, not %(this)s",
            theirs=repr(responses.scenario),
            this=repr(scenario.id),
        )
        problems.append((("scenario",), message, False))
    playbook = workspace.playbooks[scenario.playbook]
    people = {p.id for p in workspace.contacts.people}
    items = [i.id for stage in playbook.checklist.values() for i in stage]
    templates = [d.id for d in playbook.drafts]
    for index, response in enumerate(responses.responses):
        where: Loc = ("responses", index)
        if response.actor not in people:
            problems.append(((*where, "as"), _known("person", response.actor, people), False))
        args = response.args
        if isinstance(args, AssessArgs):
            problems += _answer_problems(playbook, args.answers, (*where, "args", "answers"))
        elif isinstance(args, DraftArgs) and args.template and args.template not in templates:
            message = _known("template", args.template, templates)
            problems.append(((*where, "args", "template"), message, False))
        elif isinstance(args, CheckArgs) and args.item not in items:
            message = _known("checklist item", args.item, items)
            problems.append(((*where, "args", "item"), message, False))
    return problems
