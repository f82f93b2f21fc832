"""The workspace: every playbook, the policy and the contacts directory, checked together.

Cross-file checks: roles referenced by playbooks and the policy exist in contacts, notify
channels are configured, draft platforms are in the policy, playbook ids are unique, and
contacts split over several files merge without clashes.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from runbook.errors import ConfigError
from runbook.i18n import _
from runbook.loading.problems import located, problems_in, validate_model
from runbook.loading.safe_yaml import Loc, Parsed, parse_yaml
from runbook.model.contacts import (
    ApprovalLinks,
    Channel,
    Contacts,
    Intake,
    Person,
    Rotation,
)
from runbook.model.playbook import Playbook
from runbook.model.policy import Policy
from runbook.model.schedulers import SchedulerConfig

# -- the workspace: playbooks + policy + contacts, checked together -----------------------


@dataclass(frozen=True)
class Workspace:
    """Everything runbook needs from the files people edit, validated and cross-checked."""

    playbooks: dict[str, Playbook]
    """Playbooks by id."""
    policy: Policy | None
    """The organisation policy (``playbooks/policy.yaml``), if present."""
    contacts: Contacts
    """The merged contacts directory."""
    sources: dict[str, Path]
    """Where each playbook came from, by id."""

    def playbook(self, playbook_id: str) -> Playbook:
        """The playbook ``playbook_id`` or a NotFound naming the ones that exist."""
        from runbook.errors import NotFound

        if playbook_id in self.playbooks:
            return self.playbooks[playbook_id]
        close = difflib.get_close_matches(playbook_id, list(self.playbooks), n=1)
        hint = _("; did you mean %(close)s?", close=repr(close[0])) if close else ""
        known = ", ".join(sorted(self.playbooks)) or "none"
        raise NotFound(
            _(
                "no playbook %(playbook_id)s%(hint)s (playbooks: %(known)s)",
                playbook_id=repr(playbook_id),
                hint=hint,
                known=known,
            )
        )


KINDS = ("playbook", "policy", "contacts", "scenario")
_MODELINE = re.compile(r"yaml-language-server:\s*\$schema=\S*?(playbook|policy|contacts|scenario)")


def kind_of(path: Path, text: str | None = None) -> str:
    """Which kind of file this is: the schema modeline says, else its name and folder."""
    if text is None:
        try:
            with path.open("r", encoding="utf-8", errors="replace") as handle:
                text = handle.read(400)
        except OSError:
            text = ""
    for line in text.splitlines()[:5]:
        match = _MODELINE.search(line)
        if match:
            return match.group(1)
    if path.stem == "policy":
        return "policy"
    if path.parent.name == "contacts":
        return "contacts"
    if path.parent.name == "drills":
        return "scenario"
    return "playbook"


def yaml_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders into their ``*.yaml``/``*.yml`` files (not recursing), sorted."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml")))
        else:
            files.append(path)
    return files


def load_workspace(paths: Iterable[Path]) -> Workspace:
    """Load and cross-check every playbook, policy and contacts file under ``paths``.

    Raises :class:`ConfigError` listing every problem in every file.
    """
    problems: list[str] = []
    playbooks: dict[str, Playbook] = {}
    sources: dict[str, Path] = {}
    parsed_playbooks: dict[str, Parsed] = {}
    policy: tuple[Policy, Parsed] | None = None
    contact_files: list[tuple[Contacts, Parsed]] = []

    for path in yaml_files(paths):
        if not path.exists():
            problems.append(_("%(path)s: no such file or folder", path=path))
            continue
        kind = kind_of(path)
        if kind == "scenario":
            continue
        try:
            parsed = parse_yaml(path)
            if kind == "policy":
                loaded = validate_model(parsed, Policy)
                if policy is not None:
                    problems.append(
                        _(
                            "%(path)s:1:1: a second policy file; %(path2)s is one",
                            path=path,
                            path2=policy[1].path,
                        )
                    )
                    continue
                policy = (loaded, parsed)
            elif kind == "contacts":
                contact_files.append((validate_model(parsed, Contacts, {"partial": True}), parsed))
            else:
                playbook = validate_model(parsed, Playbook)
                if playbook.id in playbooks:
                    line, col, _end = parsed.position(("id",))
                    problems.append(
                        _(
                            "%(path)s:%(line)s:%(col)s: id: playbook id %(id)s is already used "
                            "by %(sources)s",
                            path=path,
                            line=line,
                            col=col,
                            id=repr(playbook.id),
                            sources=sources[playbook.id],
                        )
                    )
                    continue
                playbooks[playbook.id] = playbook
                sources[playbook.id] = path
                parsed_playbooks[playbook.id] = parsed
        except ConfigError as exc:
            problems.extend(exc.problems)

    contacts, contact_problems = _merge_contacts(contact_files)
    problems.extend(contact_problems)
    if not problems:
        problems.extend(
            _cross_check(playbooks, parsed_playbooks, policy, contacts, bool(contact_files))
        )
    if problems:
        raise ConfigError(problems)
    return Workspace(
        playbooks=playbooks,
        policy=policy[0] if policy else None,
        contacts=contacts,
        sources=sources,
    )


def _merge_contacts(files: list[tuple[Contacts, Parsed]]) -> tuple[Contacts, list[str]]:
    """Merge several contacts files into one directory, locating cross-file problems."""
    people: list[Person] = []
    rotations: list[Rotation] = []
    channels: dict[str, Channel] = {}
    schedulers: dict[str, SchedulerConfig] = {}
    links: tuple[ApprovalLinks, Path] | None = None
    intake: tuple[Intake, Path] | None = None
    origin: dict[Loc, tuple[Parsed, Loc]] = {}
    channel_files: dict[str, Path] = {}
    duplicates: list[str] = []
    for contacts, parsed in files:
        for index, person in enumerate(contacts.people):
            origin[("people", len(people))] = (parsed, ("people", index))
            people.append(person)
        for index, rotation in enumerate(contacts.rotations):
            origin[("rotations", len(rotations))] = (parsed, ("rotations", index))
            rotations.append(rotation)
        for name, channel in contacts.channels.items():
            if name in channels:
                message = _(
                    "channel %(name)s is already configured in %(channel_files)s",
                    name=repr(name),
                    channel_files=channel_files[name],
                )
                duplicates.extend(problems_in(parsed, [(("channels", name), message, True)]))
                continue
            channels[name] = channel
            channel_files[name] = parsed.path
        if contacts.approval_links is not None:
            if links is not None:
                message = _("approval_links is already set in %(links)s", links=links[1])
                duplicates.extend(problems_in(parsed, [(("approval_links",), message, True)]))
            else:
                links = (contacts.approval_links, parsed.path)
                origin[("approval_links", "via")] = (parsed, ("approval_links", "via"))
        if contacts.intake is not None:
            if intake is not None:
                message = _("intake is already set in %(intake)s", intake=intake[1])
                duplicates.extend(problems_in(parsed, [(("intake",), message, True)]))
            else:
                intake = (contacts.intake, parsed.path)
        for name, scheduler in contacts.schedulers.items():
            if name in schedulers:
                message = _("scheduler %(name)s is configured twice", name=repr(name))
                duplicates.extend(problems_in(parsed, [(("schedulers", name), message, True)]))
                continue
            schedulers[name] = scheduler
    try:
        merged = Contacts(
            people=people,
            rotations=rotations,
            channels=channels,
            schedulers=schedulers,
            approval_links=links[0] if links else None,
            intake=intake[0] if intake else None,
        )
        return merged, duplicates
    except ValidationError as exc:
        lines = list(duplicates)
        for loc, message, _at_key in located(exc.errors(include_url=False)):
            parsed, local = origin.get(loc[:2], (files[0][1], ()))
            lines.extend(problems_in(parsed, [((*local, *loc[2:]), message, True)]))
        return Contacts(), lines


def _cross_check(
    playbooks: dict[str, Playbook],
    parsed: dict[str, Parsed],
    policy: tuple[Policy, Parsed] | None,
    contacts: Contacts,
    have_contacts: bool,
) -> list[str]:
    """Roles exist in contacts, channels are configured, platforms are in the policy."""
    roles = contacts.roles()
    problems: list[str] = []

    def role_problem(where: Parsed, loc: Loc, role: str) -> None:
        if have_contacts and role not in roles:
            close = difflib.get_close_matches(role, sorted(roles), n=1)
            hint = _(" (did you mean %(close)s?)", close=repr(close[0])) if close else ""
            problems.extend(
                problems_in(
                    where,
                    [
                        (
                            loc,
                            _(
                                "nobody in contacts holds role %(role)s%(hint)s",
                                role=repr(role),
                                hint=hint,
                            ),
                            False,
                        )
                    ],
                )
            )

    platforms = set(policy[0].platforms) if policy else None
    for playbook_id, playbook in playbooks.items():
        where = parsed[playbook_id]
        for i, rule in enumerate(playbook.notify):
            for j, role in enumerate(rule.roles):
                role_problem(where, ("notify", i, "roles", j), role)
            for j, role in enumerate(rule.escalate_to):
                role_problem(where, ("notify", i, "escalate_to", j), role)
            for j, channel in enumerate(rule.via):
                if have_contacts and channel not in contacts.channels:
                    configured = ", ".join(sorted(contacts.channels)) or "none"
                    problems.extend(
                        problems_in(
                            where,
                            [
                                (
                                    ("notify", i, "via", j),
                                    _(
                                        "channel %(channel)s is not configured in contacts "
                                        "(configured: %(configured)s)",
                                        channel=repr(channel),
                                        configured=configured,
                                    ),
                                    False,
                                )
                            ],
                        )
                    )
        for level, approval in playbook.approval.items():
            for j, role in enumerate(approval.roles):
                role_problem(where, ("approval", level, "roles", j), role)
        if platforms is not None:
            for i, draft in enumerate(playbook.drafts):
                for j, platform in enumerate(draft.platforms):
                    if platform not in platforms:
                        problems.extend(
                            problems_in(
                                where,
                                [
                                    (
                                        ("drafts", i, "platforms", j),
                                        _(
                                            "platform %(platform)s is not in policy.yaml "
                                            "(platforms: %(items)s)",
                                            platform=repr(platform),
                                            items=", ".join(sorted(platforms)),
                                        ),
                                        False,
                                    )
                                ],
                            )
                        )
        if playbook.updates is not None:
            problems.extend(
                _update_problems(playbook, where, role_problem, contacts, have_contacts, platforms)
            )
    if policy:
        for loc, role in policy[0].roles_referenced():
            role_problem(policy[1], loc, role)
    return problems


def _update_problems(
    playbook: Playbook,
    where: Parsed,
    role_problem: Callable[[Parsed, Loc, str], None],
    contacts: Contacts,
    have_contacts: bool,
    platforms: set[str] | None,
) -> list[str]:
    """The updates section's roles exist, channels are configured, platforms are in policy."""
    updates = playbook.updates
    assert updates is not None
    found: list[tuple[Loc, str, bool]] = []
    for j, role in enumerate(updates.remind):
        role_problem(where, ("updates", "remind", j), role)
    for j, role in enumerate(updates.escalate_to):
        role_problem(where, ("updates", "escalate_to", j), role)
    channels: list[tuple[Loc, str]] = [
        (("updates", "via", j), name) for j, name in enumerate(updates.via)
    ]
    for i, template in enumerate(updates.templates):
        for j, role in enumerate(template.roles):
            role_problem(where, ("updates", "templates", i, "roles", j), role)
        channels += [
            (("updates", "templates", i, "via", j), name) for j, name in enumerate(template.via)
        ]
        for j, platform in enumerate(template.platforms):
            if platforms is not None and platform not in platforms:
                found.append(
                    (
                        ("updates", "templates", i, "platforms", j),
                        _(
                            "platform %(platform)s is not in policy.yaml (platforms: %(items)s)",
                            platform=repr(platform),
                            items=", ".join(sorted(platforms)),
                        ),
                        False,
                    )
                )
    for loc, name in channels:
        if have_contacts and name not in contacts.channels:
            configured = ", ".join(sorted(contacts.channels)) or "none"
            found.append(
                (
                    loc,
                    _(
                        "channel %(name)s is not configured in contacts (%(configured)s)",
                        name=repr(name),
                        configured=configured,
                    ),
                    False,
                )
            )
    return problems_in(where, found) if found else []
