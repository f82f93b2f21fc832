"""Shared building blocks of the spec models: the strict base class, ids and durations.

Specs are what people write in YAML; they are strict (unknown fields are errors) and frozen
(nothing changes a loaded playbook in memory). Durations read like ``15m``, ``2h`` or
``1h30m`` and are held as :class:`datetime.timedelta`.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from typing import Annotated, Any, ClassVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from runbook.i18n import _, formats

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
"""Ids are words joined by ``-``, ``_`` or ``.`` (``legal``, ``sev-1``)."""

DURATION_PATTERN = r"^\s*(\d+\s*d)?\s*(\d+\s*h)?\s*(\d+\s*m)?\s*(\d+\s*s)?\s*$"
_DURATION_RE = re.compile(DURATION_PATTERN)
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


FIELD_DOCS = os.environ.get("RUNBOOK_FIELD_DOCS") == "1"
"""Read each field's docstring into its model (the JSON Schema descriptions). Reading them
parses the models' source (~0.1 s at every start), so only ``runbook schema`` turns it on."""


MAX_ENTRIES = 200
"""Entries of any list or mapping in a spec, unless the model's ``SIZES`` says otherwise
(questions, rules, templates, phrases, ...)."""
MAX_CHARS = 20_000
"""Characters of any text in a spec (a statement template, an explanation, a phrase)."""


class Spec(BaseModel):
    """Base of every YAML-backed spec: unknown fields are errors, instances are frozen, and
    every list, mapping and text is bounded (:data:`MAX_ENTRIES`, :data:`MAX_CHARS`, or the
    model's ``SIZES``), checked before anything inside is built."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=FIELD_DOCS)
    SIZES: ClassVar[dict[str, int]] = {}
    """Per field, a bound other than :data:`MAX_ENTRIES` (``people: 10000``)."""

    @model_validator(mode="before")
    @classmethod
    def _sizes_bounded(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        problems = ProblemList()
        for key, value in data.items():
            if isinstance(value, list | dict):
                limit = cls.SIZES.get(str(key), MAX_ENTRIES)
                if len(value) > limit:
                    problems.add(
                        (key,),
                        _(
                            "has %(n)s entries; at most %(limit)s",
                            n=format(len(value), ","),
                            limit=format(limit, ","),
                        ),
                    )
                elif isinstance(value, list):
                    for index, item in enumerate(value):
                        if isinstance(item, str) and len(item) > MAX_CHARS:
                            problems.add((key, index), _too_long(item))
                else:
                    for name, item in value.items():
                        if isinstance(item, str) and len(item) > MAX_CHARS:
                            problems.add((key, name), _too_long(item))
            elif isinstance(value, str) and len(value) > MAX_CHARS:
                problems.add((key,), _too_long(value))
        problems.raise_if_any()
        return data


def _too_long(text: str) -> str:
    return _(
        "is %(n)s characters long; at most %(limit)s",
        n=formats.number(len(text), digits=0),
        limit=formats.number(MAX_CHARS, digits=0),
    )


MAX_DURATION_SECONDS = 90 * 86400
"""The longest duration a file may set (``runbook.model.limits.MAX_DURATION``)."""


def parse_duration(value: Any) -> timedelta:
    """Parse ``15m``, ``2h``, ``1h30m``, ``45s`` or ``1d``; refuse anything else."""
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError(_("a duration is written like 15m, 2h or 1h30m"))
    text = value.strip()
    match = _DURATION_RE.match(text)
    if not text or not match or not any(match.groups()):
        raise ValueError(
            _("%(value)s is not a duration; write it like 15m, 2h or 1h30m", value=repr(value))
        )
    seconds = 0
    for part in match.groups():
        if part:
            part = part.replace(" ", "")
            if len(part) > 10:
                raise ValueError(
                    _("%(text)s is longer than the longest duration allowed (90d)", text=text)
                )
            seconds += int(part[:-1]) * _UNITS[part[-1]]
    if seconds <= 0:
        raise ValueError(_("a duration must be longer than zero"))
    if seconds > MAX_DURATION_SECONDS:
        raise ValueError(_("%(text)s is longer than the longest duration allowed (90d)", text=text))
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """Write a duration the way people type it (``1h30m``)."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return sign + ("".join(parts) or "0s")


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": DURATION_PATTERN,
            "description": "A duration such as 15m, 2h or 1h30m.",
        }
    ),
]
"""A span of time written like ``15m``, ``2h`` or ``1h30m``."""

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=64)]
"""A short name used to refer to a thing from elsewhere (``legal``, ``SEV1``, ``holding``)."""


class SpecProblems(ValueError):
    """Several problems found by a cross-field check, each with a location inside the spec.

    Raised from model validators; :mod:`runbook.loading` finds it in pydantic's error context
    and reports every problem at its own ``file:line:col`` instead of at the model's start.
    """

    def __init__(self, problems: list[tuple[tuple[str | int, ...], str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(message for _, message in problems))


class ProblemList:
    """Collects ``(location, message)`` pairs and raises them together."""

    def __init__(self) -> None:
        self.items: list[tuple[tuple[str | int, ...], str]] = []

    def add(self, loc: tuple[str | int, ...], message: str) -> None:
        """Record one problem at ``loc`` (relative to the model being validated)."""
        self.items.append((loc, message))

    def unique(self, ids: list[str], what: str, loc: tuple[str | int, ...]) -> None:
        """Record a problem for every id used twice (located at its second use); ``what`` is
        marked with ``N_`` by the caller and said in the language in force."""
        seen: set[str] = set()
        for index, item in enumerate(ids):
            if item in seen:
                self.add(
                    (*loc, index, "id"),
                    _("%(what)s id %(id)s is used twice", what=_(what), id=repr(item)),
                )
            seen.add(item)

    def raise_if_any(self) -> None:
        """Raise :class:`SpecProblems` when anything was recorded."""
        if self.items:
            raise SpecProblems(self.items)
