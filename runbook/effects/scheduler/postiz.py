"""Postiz (open source, cloud or self-hosted) through its public API: hold = draft.

Follows the Postiz public API reference (docs.postiz.com/public-api):

* ``GET  {base}/posts?startDate=<ISO>&endDate=<ISO>`` lists the posts in a date window
  (``{"posts": [{"id", "group", "publishDate", "state"|"status", "content", "integration":
  {"id", "name", "identifier"}, ...}]}``), one request for the whole horizon (no pages);
* ``PUT  {base}/posts/{id}/status`` ``{"status": "draft"}`` holds (state ``DRAFT``: Postiz
  stops the post's publishing workflow), ``{"status": "schedule"}`` releases (state ``QUEUE``,
  published at its stored date).

The API key goes in ``Authorization: <key>`` (no ``Bearer``). Postiz Cloud allows 30 requests
an hour: runbook spends that budget one request per post and records the posts past it as not
held, with the time to ``runbook retry``. runbook never uses ``DELETE /posts/{id}`` (it deletes
the whole cross-platform group). A release keeps the post's stored date: Postiz's status call
cannot move it, so a new time is reported as not done (change it in Postiz).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from runbook.effects import Post
from runbook.effects.scheduler.api import ApiError
from runbook.effects.scheduler.product import DRAFT, ProductScheduler, excerpt
from runbook.errors import EffectError
from runbook.i18n import _

STATES = {"QUEUE": "scheduled", "DRAFT": "held", "PUBLISHED": "published", "ERROR": "error"}
"""Postiz post states and runbook's words for them."""


def channel_of(integration: Any) -> str:
    """``x``, ``linkedin``, ``instagram`` from a Postiz integration (``linkedin-page`` is
    LinkedIn)."""
    if not isinstance(integration, dict):
        return ""
    identifier = str(integration.get("identifier") or integration.get("providerIdentifier") or "")
    return identifier.split("-")[0].lower()


class PostizScheduler(ProductScheduler):
    """Postiz's public API as a scheduler (see the module docstring)."""

    product = "Postiz"
    hold_method = DRAFT

    def __init__(self, *args: Any, horizon_days: int = 90, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.horizon = timedelta(days=horizon_days)

    def list_posts(self) -> list[Post]:
        """Every post from now to the horizon, scheduled, held (draft) or other."""
        now = self.clock.now()
        answer = self.client.call(
            "GET",
            "posts",
            query={"startDate": _iso(now), "endDate": _iso(now + self.horizon)},
        )
        if not isinstance(answer, dict) or not isinstance(answer.get("posts"), list):
            raise EffectError(_('Postiz: GET /posts did not answer with a list ("posts": [...])'))
        return [self._post(item) for item in answer["posts"] if isinstance(item, dict)]

    def _post(self, item: dict[str, Any]) -> Post:
        state = str(item.get("state") or item.get("status") or "").upper()
        if state == "SCHEDULED":
            state = "QUEUE"
        return Post(
            id=str(item.get("id")),
            channel=channel_of(item.get("integration")),
            scheduled_at=str(item.get("publishDate") or ""),
            excerpt=excerpt(str(item.get("content") or "")),
            status=STATES.get(state, state.lower()),
            scheduler=self.name,
            hold=self.hold_method,
        )

    def _set(self, pid: str, status: str, want: str) -> dict[str, Any]:
        answer = self.client.call(
            "PUT", f"posts/{quote(pid, safe='')}/status", body={"status": status}
        )
        state = str(answer.get("state") or "").upper() if isinstance(answer, dict) else ""
        if state and state != want:
            raise ApiError(
                f"Postiz answered that the post is now {state}, not {want}", transient=False
            )
        return answer if isinstance(answer, dict) else {}

    def _hold_one(self, post_id: str, key: str) -> dict[str, Any]:
        self._set(post_id, "draft", "DRAFT")
        return self.held(post_id)

    def _release_one(self, post_id: str, key: str, new_time: str | None) -> dict[str, Any]:
        if new_time:
            raise EffectError(
                _(
                    "Postiz keeps a post's stored date when it is released; it stays a draft: "
                    "set its time (%(new_time)s) and schedule it in Postiz",
                    new_time=new_time,
                ),
            )
        self._set(post_id, "schedule", "QUEUE")
        return self.released(post_id)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
