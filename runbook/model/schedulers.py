"""Scheduler settings as written in ``contacts/*.yaml``: pure data the contacts embed.

``schedulers: dict[Id, SchedulerConfig]`` in :class:`runbook.model.contacts.Contacts`; the
effects layer builds a working adapter from each (:func:`runbook.effects.scheduler.factory.
build_scheduler`). Like notification channels, a scheduler's secret (its API token) is named by
environment variable only, never written in YAML.

.. code-block:: yaml

    schedulers:
      calendar:
        kind: file
        path: ../shared/content-calendar.csv   # relative to the contacts folder
      postiz:
        kind: http
        base_url: https://schedule.example.com/api/v1
        token_env: RUNBOOK_SCHEDULER_TOKEN
"""

from __future__ import annotations

import urllib.parse
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from runbook.model.base import Duration, Spec

CALENDAR_FORMATS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".yaml": "yaml", ".yml": "yaml"}
"""Calendar file suffixes and the format they imply."""


class FileCalendarConfig(Spec):
    """A content calendar file the team keeps (CSV or YAML) that runbook edits to hold posts."""

    kind: Literal["file"]
    """``file``."""
    path: str = Field(min_length=1)
    """The calendar file; a relative path is relative to the contacts folder."""
    format: Literal["csv", "yaml"] | None = None
    """``csv`` or ``yaml``; left out, it follows the file name (``.csv``, ``.yaml``)."""
    demo: int = Field(default=0, ge=0, le=500)
    """For trying runbook out: when the file is missing, runbook writes this many example
    posts (marked ``[DEMO]``) over the coming week. 0: a real calendar, never written."""

    @model_validator(mode="after")
    def _format_known(self) -> FileCalendarConfig:
        if self.format is None and Path(self.path).suffix.lower() not in CALENDAR_FORMATS:
            raise ValueError(
                f"cannot tell whether {self.path!r} is CSV or YAML; add format: csv or format: yaml"
            )
        return self

    @property
    def resolved_format(self) -> str:
        """The format, given or implied by the file name."""
        return self.format or CALENDAR_FORMATS[Path(self.path).suffix.lower()]


class HttpSchedulerConfig(Spec):
    """A scheduling tool reached over its REST API (see :mod:`runbook.effects.scheduler.http`)."""

    kind: Literal["http"]
    """``http``."""
    base_url: str
    """Address of the API (``https://schedule.example.com/api/v1``), without credentials."""
    token_env: Annotated[str, Field(pattern=r"^[A-Z_][A-Z0-9_]*$")]
    """Environment variable holding the API token (it is a secret; never put it in YAML)."""
    timeout: Duration = timedelta(seconds=10)
    """Give up on one request after this long (``10s``)."""
    page_size: int = Field(default=100, ge=1, le=1000)
    """Posts asked for per page when listing."""
    max_retries: int = Field(default=4, ge=0, le=10)
    """Retries of a request that may succeed later (time-outs, rate limits, server errors)."""
    concurrency: int = Field(default=8, ge=1, le=64)
    """Posts held or released at the same time."""

    @field_validator("base_url")
    @classmethod
    def _http_address(cls, value: str) -> str:
        parts = urllib.parse.urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{value!r} is not a web address; write it like https://host/api")
        if parts.username or parts.password:
            raise ValueError(
                "the address must not hold a user name or password; name the environment "
                "variable holding the token in token_env"
            )
        if parts.query or parts.fragment:
            raise ValueError("the address must not have a ?query or #fragment")
        return value.strip()


SchedulerConfig = Annotated[FileCalendarConfig | HttpSchedulerConfig, Field(discriminator="kind")]
"""One configured scheduler (``kind: file`` or ``kind: http``)."""
