"""The one safe YAML loader runbook uses, and the position of every value it read.

YAML 1.2's core schema where YAML 1.1 surprises people: ``on``/``off``/``yes``/``no`` stay
strings, ``1:30`` is not 90, ``012`` is twelve and dates stay text until a model asks for a date.
Duplicate keys, language tags such as ``!!python/object`` and merge keys are refused; files are
size-limited and alias expansion is bounded, so a hostile or broken file is an error message,
never a hang or a crash. Problems name ``file:line:col``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from runbook.errors import ConfigError
from runbook.i18n import _, formats
from runbook.model.text import decode_utf8

MAX_FILE_BYTES = 1024 * 1024
"""Largest YAML file accepted (1 MiB): playbooks are a few KiB."""
MAX_NODES = 100_000
"""Most values a file may expand to, counting every alias use (stops "billion laughs")."""
MAX_DEPTH = 64
"""Deepest nesting accepted (stops recursive aliases)."""

Loc = tuple[str | int, ...]

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


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The same, on libyaml's parser (ten times faster): a file it cannot read is read again
    by :class:`_Loader`, whose messages name the problem in the words the tests expect."""

    yaml_implicit_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}


for _loader in (_Loader, _FastLoader):
    _loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )
    _loader.add_implicit_resolver(
        "tag:yaml.org,2002:int",
        re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
        list("-+0123456789"),
    )
    _loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(
            r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
        ),
        list("-+0123456789."),
    )
    _loader.add_implicit_resolver(
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
                    [
                        _(
                            "%(name)s: file is %(size)s bytes; the limit is %(max_file_bytes)s "
                            "bytes",
                            name=name,
                            size=formats.number(size, digits=0),
                            max_file_bytes=formats.number(MAX_FILE_BYTES, digits=0),
                        )
                    ]
                )
            with path.open("rb") as handle:
                raw = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise ConfigError(
                [_("%(name)s: cannot read: %(value)s", name=name, value=exc.strerror or exc)]
            ) from None
        if len(raw) > MAX_FILE_BYTES:
            raise ConfigError(
                [
                    _(
                        "%(name)s: file is larger than the %(max_file_bytes)s byte limit",
                        name=name,
                        max_file_bytes=formats.number(MAX_FILE_BYTES, digits=0),
                    )
                ]
            )
        try:
            text = decode_utf8(raw, name)
        except ValueError as exc:
            raise ConfigError([str(exc)]) from None
    elif len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise ConfigError(
            [
                _(
                    "%(name)s: file is larger than the %(max_file_bytes)s byte limit",
                    name=name,
                    max_file_bytes=formats.number(MAX_FILE_BYTES, digits=0),
                )
            ]
        )

    if _FastLoader is not _Loader:
        fast = _FastLoader(text)
        try:
            root = fast.get_single_node()
            if root is not None:
                marks: dict[Loc, _Where] = {}
                data = _build(root, (), marks, [0], 0, root.start_mark)
                return Parsed(path=path, data=data, marks=marks)
        except (yaml.YAMLError, _YamlProblem, RecursionError, ValueError):
            pass  # read again below: the same problem, in the pure-Python parser's words
        finally:
            fast.dispose()
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as exc:
        raise ConfigError([_reader_problem(name, text, exc)]) from None
    try:
        root = loader.get_single_node()
        if root is None:
            raise ConfigError([_("%(name)s:1:1: the file is empty", name=name)])
        marks = {}
        budget = [0]
        data = _build(root, (), marks, budget, 0, root.start_mark)
    except _YamlProblem as problem:
        raise ConfigError([_at(name, problem.mark, problem.message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = exc.problem or exc.context or "invalid YAML"
        if "'\\t'" in message:
            message += " (a tab: indent with spaces)"
        if exc.context and exc.problem and exc.problem.startswith("but "):
            message = f"{exc.context}, {exc.problem}"
        raise ConfigError(
            [_at(name, mark, _("invalid YAML: %(message)s", message=message))]
        ) from None
    except yaml.YAMLError as exc:
        raise ConfigError([_("%(name)s: invalid YAML: %(exc)s", name=name, exc=exc)]) from None
    except RecursionError:
        raise ConfigError([_("%(name)s: nesting is too deep", name=name)]) from None
    finally:
        loader.dispose()
    return Parsed(path=path, data=data, marks=marks)


def _reader_problem(name: str, text: str, exc: yaml.reader.ReaderError) -> str:
    """A character YAML refuses (NUL, other control characters), located by line:col."""
    line = text.count("\n", 0, exc.position) + 1
    column = exc.position - text.rfind("\n", 0, exc.position)
    return _(
        "%(name)s:%(line)s:%(column)s: invalid YAML: character #x%(character)s is not allowed "
        "(control characters cannot appear in a YAML file)",
        name=name,
        line=line,
        column=column,
        character=format(exc.character, "04x"),
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
            _(
                "the file expands to more than %(max_nodes)s values (too many aliases)",
                max_nodes=formats.number(MAX_NODES, digits=0),
            ),
        )
    if depth > MAX_DEPTH:
        raise _YamlProblem(
            node.start_mark, _("nesting deeper than %(max_depth)s levels", max_depth=MAX_DEPTH)
        )
    if node.tag not in _ALLOWED_TAGS:
        raise _YamlProblem(
            node.start_mark,
            _(
                "the tag %(tag)s is not allowed; runbook files hold plain text, numbers, lists "
                "and mappings only",
                tag=repr(node.tag),
            ),
        )
    marks[loc] = _Where(
        key=key_mark, value=node.start_mark, scalar=isinstance(node, yaml.ScalarNode)
    )
    if isinstance(node, yaml.ScalarNode):
        try:
            return _scalar(node)
        except ValueError:
            raise _YamlProblem(
                node.start_mark, _("%(value)s is not a valid number", value=repr(node.value))
            ) from None
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
            and not key_node.style  # plain (libyaml says "", the Python parser None)
            and key_node.value == "<<"
        ):
            raise _YamlProblem(key_node.start_mark, "merge keys (<<) are not supported")
        if not isinstance(key_node, yaml.ScalarNode):
            raise _YamlProblem(key_node.start_mark, "a key must be plain text, not a list or map")
        key = _scalar(key_node) if key_node.tag in _ALLOWED_TAGS else key_node.value
        if key_node.tag not in _ALLOWED_TAGS:
            raise _YamlProblem(
                key_node.start_mark, _("the tag %(tag)s is not allowed", tag=repr(key_node.tag))
            )
        if not isinstance(key, str):
            key = str(key) if not isinstance(key, bool) and key is not None else key_node.value
        if key in first_seen:
            first = first_seen[key]
            raise _YamlProblem(
                key_node.start_mark,
                _(
                    "duplicate key %(key)s (first at line %(first)s, again at line %(again)s)",
                    key=repr(key),
                    first=first.line + 1,
                    again=key_node.start_mark.line + 1,
                ),
            )
        first_seen[key] = key_node.start_mark
        result[key] = _build(value_node, (*loc, key), marks, budget, depth + 1, key_node.start_mark)
    return result
