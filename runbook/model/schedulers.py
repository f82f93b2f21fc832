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
      hootsuite:
        kind: hootsuite
        token_env: HOOTSUITE_TOKEN

Products: ``postiz`` (hold = draft), ``hootsuite`` and ``meta`` (hold = record the whole post
in the event log, then delete it; release = recreate it), ``buffer`` (hold = draft).
"""

from __future__ import annotations

import urllib.parse
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from runbook.i18n import _
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
                _(
                    "cannot tell whether %(path)s is CSV or YAML; add format: csv or format: yaml",
                    path=repr(self.path),
                )
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
        return check_address(value)


def check_address(value: str) -> str:
    """``value`` as a web address without credentials, query or fragment (ValueError if not)."""
    parts = urllib.parse.urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            _("%(value)s is not a web address; write it like https://host/api", value=repr(value))
        )
    if parts.username or parts.password:
        raise ValueError(
            _(
                "the address must not hold a user name or password; name the environment "
                "variable holding the token in token_env"
            )
        )
    if parts.query or parts.fragment:
        raise ValueError(_("the address must not have a ?query or #fragment"))
    return value.strip()


class ProductConfig(Spec):
    """Settings every scheduling product's API shares (Postiz, Hootsuite, Buffer, Meta)."""

    base_url: str = ""
    """Address of the product's API; left out, its public address (set it for a self-hosted
    Postiz, or to point at a test server)."""
    token_env: Annotated[str, Field(pattern=r"^[A-Z_][A-Z0-9_]*$")]
    """Environment variable holding the API key or access token (never put it in YAML)."""
    timeout: Duration = timedelta(seconds=10)
    """Give up on one request after this long (``10s``)."""
    max_retries: int = Field(default=4, ge=0, le=10)
    """Retries of a request that may succeed later (time-outs, rate limits, server errors)."""
    concurrency: int = Field(default=8, ge=1, le=64)
    """Requests in flight at the same time."""
    horizon_days: int = Field(default=90, ge=1, le=365)
    """How far ahead runbook looks for scheduled posts (days)."""

    @field_validator("base_url")
    @classmethod
    def _http_address(cls, value: str) -> str:
        return check_address(value) if value.strip() else ""


class PostizConfig(ProductConfig):
    """Postiz (open source; cloud or self-hosted) through its public API: hold = draft."""

    kind: Literal["postiz"]
    """``postiz``."""
    requests_per_hour: int = Field(default=30, ge=1, le=1_000_000)
    """Postiz's request budget (30 an hour on Postiz Cloud; a self-hosted Postiz sets its
    own). Posts past the budget are recorded as not held, with when to ``runbook retry``."""


class HootsuiteConfig(ProductConfig):
    """Hootsuite through its REST messages API: hold = record the message, then delete it."""

    kind: Literal["hootsuite"]
    """``hootsuite``."""
    requests_per_second: int = Field(default=20, ge=1, le=1000)
    """Hootsuite's documented per-account limit (20 requests a second)."""
    social_profile_ids: tuple[str, ...] = ()
    """Only these social profiles (left out: every profile the token can see)."""


class BufferConfig(ProductConfig):
    """Buffer through its GraphQL API: hold = save to draft, release = schedule again."""

    kind: Literal["buffer"]
    """``buffer``."""
    organization_id: str = Field(min_length=1)
    """The Buffer organization whose posts are held."""
    batch: int = Field(default=25, ge=1, le=30)
    """Posts changed per GraphQL request (one aliased mutation each; Buffer allows at most 30
    aliases in one request)."""
    requests_per_15_minutes: int = Field(default=100, ge=1, le=1_000_000)
    """Buffer's request limit per API client (100 every 15 minutes on every plan; its daily
    limit is Buffer's to enforce). Posts past it are recorded as not held, with when to
    ``runbook retry``."""


class MetaConfig(ProductConfig):
    """A Facebook Page's scheduled posts through the Meta Graph API: hold = record, delete."""

    kind: Literal["meta"]
    """``meta``."""
    page_id: str = Field(min_length=1, pattern=r"^[0-9A-Za-z_.-]+$")
    """The Facebook Page's id."""
    graph_version: str = Field(default="v21.0", pattern=r"^v[0-9]+\.[0-9]+$")
    """Graph API version in the address (``v21.0``)."""


PRODUCT_URLS = {
    "postiz": "https://api.postiz.com/public/v1",
    "hootsuite": "https://platform.hootsuite.com",
    "buffer": "https://api.buffer.com",
    "meta": "https://graph.facebook.com",
}
"""Each product's public API address, used when ``base_url`` is left out."""

ProductSchedulerConfig = PostizConfig | HootsuiteConfig | BufferConfig | MetaConfig
"""A scheduling product reached through its own API."""

SchedulerConfig = Annotated[
    FileCalendarConfig
    | HttpSchedulerConfig
    | PostizConfig
    | HootsuiteConfig
    | BufferConfig
    | MetaConfig,
    Field(discriminator="kind"),
]
"""One configured scheduler (``kind: file``, ``http``, ``postiz``, ``hootsuite``, ``buffer``
or ``meta``)."""
