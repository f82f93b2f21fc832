"""Pydantic validation errors mapped back to the YAML nodes they came from.

Every problem becomes ``file:line:col: field.path: message``; all problems of a file come out
together, sorted by line, with "did you mean" hints for misspelt fields.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from runbook.errors import ConfigError
from runbook.i18n import N_, _
from runbook.loading.safe_yaml import Loc, Parsed
from runbook.model.base import SpecProblems

M = TypeVar("M", bound=BaseModel)

# -- pydantic errors -> file:line:col lines ------------------------------------------


SHOWN = {"list": N_("a list"), "str": N_("text"), "int": N_("a number"), "NoneType": N_("nothing")}
"""What a value that should be a mapping was instead, in words."""


def _unknown(loc: Loc) -> str:
    return _("unknown field %(field)s", field=repr(loc[-1]))


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    loc = error["loc"]
    if kind == "missing":
        if loc:
            return _("missing required field %(field)s", field=repr(loc[-1]))
        return _("missing required field")
    if kind == "extra_forbidden":
        return _unknown(tuple(loc))
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        found = type(error.get("input")).__name__
        return _(
            "should be a mapping of fields (name: value), not %(found)s",
            found=_(SHOWN[found]) if found in SHOWN else found,
        )
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


def located(errors: Iterable[ErrorDetails]) -> list[tuple[Loc, str, bool]]:
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
        line, column, _end = parsed.position(loc, at_key=at_key)
        shown = _clean(loc, parsed)
        if (shown, message) in seen:
            continue
        seen.add((shown, message))
        found.append((line, column, f"{parsed.path}:{line}:{column}: {_dotted(shown)}: {message}"))
    return [text for _line, _col, text in sorted(found, key=lambda item: item[:2])]


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
        errors = located(exc.errors(include_url=False))
        lines = problems_in(parsed, _with_suggestions(errors, model))
        raise ConfigError(lines) from None


def _with_suggestions(
    errors: list[tuple[Loc, str, bool]], model: type[BaseModel]
) -> list[tuple[Loc, str, bool]]:
    result = []
    for loc, message, at_key in errors:
        if loc and message == _unknown(loc):
            fields = _fields_at(model, loc[:-1])
            close = difflib.get_close_matches(str(loc[-1]), fields, n=1)
            if close:
                message = _(
                    "%(message)s (did you mean %(field)s?)", message=message, field=repr(close[0])
                )
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
