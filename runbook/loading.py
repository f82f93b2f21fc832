"""YAML files -> validated models. The only place runbook reads YAML.

One safe loader is used everywhere. It follows YAML 1.2's core schema where YAML 1.1 surprises
people: ``on``/``off``/``yes``/``no`` stay strings, ``1:30`` is not 90, ``012`` is twelve and
dates stay text until a model asks for a date. Duplicate keys, language tags such as
``!!python/object`` and merge keys are refused; files are size-limited and alias expansion is
bounded, so a hostile or broken file is an error message, never a hang or a crash.

Every problem is reported as ``file:line:col: field.path: message``, and all problems of a file
come out together: pydantic's error locations are mapped back to the YAML nodes they came from.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from runbook.errors import ConfigError
from runbook.model.base import SpecProblems
from runbook.model.contacts import Contacts
from runbook.model.playbook import Playbook
from runbook.model.policy import Policy

MAX_FILE_BYTES = 1024 * 1024
"""Largest YAML file accepted (1 MiB): playbooks are a few KiB."""
MAX_NODES = 100_000
"""Most values a file may expand to, counting every alias use (stops "billion laughs")."""
MAX_DEPTH = 64
"""Deepest nesting accepted (stops recursive aliases)."""

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)

_ALLOWED_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 core-schema scalars (no 1.1 booleans, sexagesimals, dates)."""

    yaml_implicit_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:null",
    re.compile(r"^(?:~|null|Null|NULL|)$"),
    ["~", "n", "N", ""],
)


def _scalar(node: yaml.ScalarNode) -> Any:
    """Build a scalar value by the core schema rules."""
    value = node.value
    tag = node.tag
    if tag == "tag:yaml.org,2002:null":
        return None
    if tag == "tag:yaml.org,2002:bool":
        return value.lower() == "true"
    if tag == "tag:yaml.org,2002:int":
        text = value.lstrip("+")
        if text.startswith("0o"):
            return int(text[2:], 8)
        if text.startswith("0x"):
            return int(text[2:], 16)
        return int(text, 10)
    if tag == "tag:yaml.org,2002:float":
        lowered = value.lower()
        if lowered.endswith(".inf"):
            return float("-inf") if lowered.startswith("-") else float("inf")
        if lowered == ".nan":
            return float("nan")
        return float(value)
    return value


@dataclass
class _Where:
    """Marks of one value: where its key starts and where the value starts."""

    key: yaml.Mark
    value: yaml.Mark
    scalar: bool


@dataclass
class Parsed:
    """A YAML document as plain data, with the position of every value."""

    path: Path
    data: Any
    marks: dict[Loc, _Where] = field(default_factory=dict)

    def position(self, loc: Loc, *, at_key: bool = False) -> tuple[int, int, Loc]:
        """(line, column, matched loc) of the deepest known value along ``loc``, 1-based."""
        best: Loc = ()
        current: Loc = ()
        for part in loc:
            candidate = (*current, part)
            if candidate in self.marks:
                current = candidate
                best = current
        where = self.marks[best]
        mark = where.key if (at_key or not where.scalar) else where.value
        return mark.line + 1, mark.column + 1, best


class _YamlProblem(Exception):
    def __init__(self, mark: yaml.Mark | None, message: str) -> None:
        self.mark = mark
        self.message = message
        super().__init__(message)


def parse_yaml(path: Path, text: str | None = None) -> Parsed:
    """Read one YAML document safely; raise :class:`ConfigError` naming file:line:col."""
    name = str(path)
    if text is None:
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise ConfigError(
                    [f"{name}: file is {size:,} bytes; the limit is {MAX_FILE_BYTES:,} bytes"]
                )
            with path.open("rb") as handle:
                raw = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise ConfigError([f"{name}: cannot read: {exc.strerror or exc}"]) from None
        if len(raw) > MAX_FILE_BYTES:
            raise ConfigError([f"{name}: file is larger than the {MAX_FILE_BYTES:,} byte limit"])
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw.count(b"\n", 0, exc.start) + 1
            column = exc.start - raw.rfind(b"\n", 0, exc.start)
            raise ConfigError(
                [f"{name}:{line}:{column}: not UTF-8 text (byte {exc.start})"]
            ) from None
    elif len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise ConfigError([f"{name}: file is larger than the {MAX_FILE_BYTES:,} byte limit"])

    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        raise ConfigError([_reader_problem(name, text, exc)]) from None
    try:
        root = loader.get_single_node()
        if root is None:
            raise ConfigError([f"{name}:1:1: the file is empty"])
        marks: dict[Loc, _Where] = {}
        budget = [0]
        data = _build(root, (), marks, budget, 0, root.start_mark)
    except _YamlProblem as problem:
        raise ConfigError([_at(name, problem.mark, problem.message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem and exc.problem.startswith("but "):
            message = f"{exc.context}, {exc.problem}"
        raise ConfigError([_at(name, mark, f"invalid YAML: {message}")]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([f"{name}: invalid YAML: {exc}"]) from None
    except RecursionError:
        raise ConfigError([f"{name}: nesting is too deep"]) from None
    finally:
        loader.dispose()
    return Parsed(path=path, data=data, marks=marks)


def _reader_problem(name: str, text: str, exc: yaml.reader.ReaderError) -> str:
    """A character YAML refuses (NUL, other control characters), located by line:col."""
    line = text.count("\n", 0, exc.position) + 1
    column = exc.position - text.rfind("\n", 0, exc.position)
    return (
        f"{name}:{line}:{column}: invalid YAML: character #x{exc.character:04x} is not "
        "allowed (control characters cannot appear in a YAML file)"
    )


def _at(name: str, mark: yaml.Mark | None, message: str) -> str:
    if mark is None:
        return f"{name}: {message}"
    return f"{name}:{mark.line + 1}:{mark.column + 1}: {message}"


def _build(
    node: yaml.Node,
    loc: Loc,
    marks: dict[Loc, _Where],
    budget: list[int],
    depth: int,
    key_mark: yaml.Mark,
) -> Any:
    budget[0] += 1
    if budget[0] > MAX_NODES:
        raise _YamlProblem(
            node.start_mark,
            f"the file expands to more than {MAX_NODES:,} values (too many aliases)",
        )
    if depth > MAX_DEPTH:
        raise _YamlProblem(node.start_mark, f"nesting deeper than {MAX_DEPTH} levels")
    if node.tag not in _ALLOWED_TAGS:
        raise _YamlProblem(
            node.start_mark,
            f"the tag {node.tag!r} is not allowed; runbook files hold plain text, numbers, "
            "lists and mappings only",
        )
    marks[loc] = _Where(
        key=key_mark, value=node.start_mark, scalar=isinstance(node, yaml.ScalarNode)
    )
    if isinstance(node, yaml.ScalarNode):
        try:
            return _scalar(node)
        except ValueError:
            raise _YamlProblem(node.start_mark, f"{node.value!r} is not a valid number") from None
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(item, (*loc, index), marks, budget, depth + 1, item.start_mark)
            for index, item in enumerate(node.value)
        ]
    result: dict[Any, Any] = {}
    first_seen: dict[Any, yaml.Mark] = {}
    for key_node, value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge" or (
            isinstance(key_node, yaml.ScalarNode)
            and key_node.style is None
            and key_node.value == "<<"
        ):
            raise _YamlProblem(key_node.start_mark, "merge keys (<<) are not supported")
        if not isinstance(key_node, yaml.ScalarNode):
            raise _YamlProblem(key_node.start_mark, "a key must be plain text, not a list or map")
        key = _scalar(key_node) if key_node.tag in _ALLOWED_TAGS else key_node.value
        if key_node.tag not in _ALLOWED_TAGS:
            raise _YamlProblem(key_node.start_mark, f"the tag {key_node.tag!r} is not allowed")
        if not isinstance(key, str):
            key = str(key) if not isinstance(key, bool) and key is not None else key_node.value
        if key in first_seen:
            first = first_seen[key]
            raise _YamlProblem(
                key_node.start_mark,
                f"duplicate key {key!r} (first at line {first.line + 1}, again at line "
                f"{key_node.start_mark.line + 1})",
            )
        first_seen[key] = key_node.start_mark
        result[key] = _build(value_node, (*loc, key), marks, budget, depth + 1, key_node.start_mark)
    return result


# -- pydantic errors -> file:line:col lines ------------------------------------------


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    loc = error["loc"]
    if kind == "missing":
        return f"missing required field {loc[-1]!r}" if loc else "missing required field"
    if kind == "extra_forbidden":
        return f"unknown field {loc[-1]!r}"
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
    return message


def _dotted(loc: Loc) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top)"


def _expand(errors: list[dict[str, Any]]) -> list[tuple[Loc, str, bool]]:
    """Flatten pydantic errors into (loc, message, at_key), expanding SpecProblems."""
    found: list[tuple[Loc, str, bool]] = []
    for error in errors:
        loc = tuple(error["loc"])
        cause = (error.get("ctx") or {}).get("error")
        if isinstance(cause, SpecProblems):
            for sub_loc, message in cause.problems:
                found.append(((*loc, *sub_loc), message, True))
        else:
            found.append((loc, _message(error), error["type"] == "extra_forbidden"))
    return found


def problems_in(parsed: Parsed, errors: Iterable[tuple[Loc, str, bool]]) -> list[str]:
    """Format located problems as ``file:line:col: field.path: message`` lines."""
    found: list[tuple[int, int, str]] = []
    seen: set[tuple[Loc, str]] = set()
    for loc, message, at_key in errors:
        line, column, _ = parsed.position(loc, at_key=at_key)
        shown = _clean(loc, parsed)
        if (shown, message) in seen:
            continue
        seen.add((shown, message))
        found.append((line, column, f"{parsed.path}:{line}:{column}: {_dotted(shown)}: {message}"))
    return [text for _, _, text in sorted(found, key=lambda item: item[:2])]


def _clean(loc: Loc, parsed: Parsed) -> Loc:
    """Drop pydantic's union-branch names from a location, keeping the document's own keys.

    A part is kept when the document has it at that place, or when it is the last part (a
    missing field or an unknown key) and does not look like a branch name (``literal[...]``,
    ``function-after[...]``, ``constrained-str``, a type name such as ``str``, a discriminator
    tag or a model class name).
    """
    kept: Loc = ()
    for index, part in enumerate(loc):
        if (*kept, part) in parsed.marks:
            kept = (*kept, part)
        elif index == len(loc) - 1 and not _is_branch_name(part):
            kept = (*kept, part)
    return kept


_TYPE_TAGS = frozenset({"str", "int", "float", "bool", "dict", "list", "none", "date"})
"""Names pydantic gives the branches of a plain union (``str | dict[...]``)."""


def _is_branch_name(part: str | int) -> bool:
    return isinstance(part, str) and (
        "[" in part
        or "-" in part
        or part in _TYPE_TAGS
        or part in ("smtp", "webhook", "console")
        or part[:1].isupper()
    )


def validate_model(parsed: Parsed, model: type[M], context: dict[str, Any] | None = None) -> M:
    """Validate parsed data as ``model``; raise ConfigError with every located problem."""
    try:
        return model.model_validate(parsed.data, context=context)
    except ValidationError as exc:
        errors = _expand(exc.errors(include_url=False))
        lines = problems_in(parsed, _with_suggestions(errors, model))
        raise ConfigError(lines) from None


def _with_suggestions(
    errors: list[tuple[Loc, str, bool]], model: type[BaseModel]
) -> list[tuple[Loc, str, bool]]:
    result = []
    for loc, message, at_key in errors:
        if message.startswith("unknown field") and loc:
            fields = _fields_at(model, loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), fields, n=1)
            if close:
                message = f"{message} (did you mean {close[0]!r}?)"
        result.append((loc, message, at_key))
    return result


def _fields_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """Field names of the model(s) found by following ``loc`` from ``model`` (best effort).

    Where a field holds a union of models (a channel is smtp, webhook or console), the fields
    of every branch are candidates.
    """
    current: list[type[BaseModel]] = [model]
    for part in loc:
        if isinstance(part, int):
            continue
        for candidate in current:
            info = candidate.model_fields.get(str(part))
            if info is not None:
                current = _inner_models(info.annotation)
                break
    return list(dict.fromkeys(name for candidate in current for name in candidate.model_fields))


def _inner_models(annotation: Any) -> list[type[BaseModel]]:
    """The models inside ``list[X]``, ``dict[K, X]``, ``X | Y``, ``Annotated[X, ...]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in getattr(annotation, "__args__", ()) or ():
        found.extend(_inner_models(arg))
    origin = getattr(annotation, "__origin__", None)
    if not found and origin is not None and getattr(annotation, "__metadata__", None) is not None:
        found = _inner_models(origin)
    return found


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
        hint = f"; did you mean {close[0]!r}?" if close else ""
        known = ", ".join(sorted(self.playbooks)) or "none"
        raise NotFound(f"no playbook {playbook_id!r}{hint} (playbooks: {known})")


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
            problems.append(f"{path}: no such file or folder")
            continue
        kind = kind_of(path)
        if kind == "scenario":
            continue
        try:
            parsed = parse_yaml(path)
            if kind == "policy":
                loaded = validate_model(parsed, Policy)
                if policy is not None:
                    problems.append(f"{path}:1:1: a second policy file; {policy[1].path} is one")
                    continue
                policy = (loaded, parsed)
            elif kind == "contacts":
                contact_files.append((validate_model(parsed, Contacts, {"partial": True}), parsed))
            else:
                playbook = validate_model(parsed, Playbook)
                if playbook.id in playbooks:
                    line, col, _ = parsed.position(("id",))
                    problems.append(
                        f"{path}:{line}:{col}: id: playbook id {playbook.id!r} is already "
                        f"used by {sources[playbook.id]}"
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
    people, rotations, channels, schedulers = [], [], {}, {}
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
                message = f"channel {name!r} is already configured in {channel_files[name]}"
                duplicates.extend(problems_in(parsed, [(("channels", name), message, True)]))
                continue
            channels[name] = channel
            channel_files[name] = parsed.path
        for name, scheduler in contacts.schedulers.items():
            if name in schedulers:
                message = f"scheduler {name!r} is configured twice"
                duplicates.extend(problems_in(parsed, [(("schedulers", name), message, True)]))
                continue
            schedulers[name] = scheduler
    try:
        merged = Contacts(
            people=people, rotations=rotations, channels=channels, schedulers=schedulers
        )
        return merged, duplicates
    except ValidationError as exc:
        lines = list(duplicates)
        for loc, message, _ in _expand(exc.errors(include_url=False)):
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
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.extend(
                problems_in(where, [(loc, f"nobody in contacts holds role {role!r}{hint}", False)])
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
                                    f"channel {channel!r} is not configured in contacts "
                                    f"(configured: {configured})",
                                    False,
                                )
                            ],
                        )
                    )
        for level, rule in playbook.approval.items():
            for j, role in enumerate(rule.roles):
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
                                        f"platform {platform!r} is not in policy.yaml "
                                        f"(platforms: {', '.join(sorted(platforms))})",
                                        False,
                                    )
                                ],
                            )
                        )
    if policy:
        for loc, role in policy[0].roles_referenced():
            role_problem(policy[1], loc, role)
    return problems
