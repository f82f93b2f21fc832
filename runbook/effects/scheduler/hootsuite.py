"""Hootsuite through its REST API (``platform.hootsuite.com/v1``): hold = record, then delete.

Hootsuite has no way to unschedule a message, so holding one deletes it after its complete
record is in runbook's event log, and releasing it makes it again from that record. Follows
Hootsuite's REST API reference (Messages, Social Profiles):

* ``GET /v1/socialProfiles`` -> ``{"data": [{"id", "type", "socialNetworkUsername"}]}``: which
  network each profile is on (``TWITTER`` -> ``x``, ``FACEBOOKPAGE`` -> ``facebook``, ...);
* ``GET /v1/messages?startTime=<ISO>&endTime=<ISO>&state=SCHEDULED&limit=<n>[&cursor=<c>]
  [&socialProfileIds=<id>...]``: both times required and at most four weeks apart, so runbook
  walks the horizon window by window (a wider one is refused, error 40020), each window cursor
  by cursor (``{"data": [...], "metadata": {"cursor": {"next": <c> | null}}}``); every message
  ``{"id", "state", "text", "socialProfile": {"id"}, "scheduledSendTime", "mediaUrls":
  [{"url"}], "media": [{"id"}], "tags"}`` and, when set, ``targeting``, ``privacy``,
  ``location``, ``emailNotification``, ``webhookUrls`` and ``extendedInfo`` (a Pinterest
  board): all of it is the record;
* ``DELETE /v1/messages/{id}`` holds; ``GET /v1/messages/{id}`` (``{"data": message}``) says
  whether a message no longer listed was deleted (404, error 4001) or sent (``state: SENT``);
* ``POST /v1/messages`` with the record's fields -> ``{"data": [{"id", "state"}]}`` recreates.

OAuth access token in ``Authorization: Bearer``; errors ``{"errors": [{"code", "message",
"id"}]}``; 20 requests a second per account (runbook paces itself); a 429 (error 1043) comes
without ``Retry-After``, so runbook backs off on its own clock (one is honoured if sent).
Before recreating, runbook lists the message's minute and takes an identical message (same
profile, text and time) as the copy an interrupted recreate already made; media URLs are
fetched first and media uploaded to Hootsuite looked up (``GET /v1/media/{id}``, ``state:
READY``); a post whose media is gone is not recreated but reported.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from runbook.effects import Outcome, Post
from runbook.effects.scheduler.api import ApiError
from runbook.effects.scheduler.product import DELETE_AND_RECREATE, ProductScheduler, excerpt
from runbook.effects.scheduler.recreate import MAX_MEDIA, media_problem, recreate_time
from runbook.errors import EffectError
from runbook.i18n import _

WINDOW = timedelta(days=28)
"""Hootsuite's longest listing window: four weeks."""
PAGE = 100
"""Messages asked for per page (Hootsuite's maximum ``limit``)."""
MAX_PAGES = 1000
"""Pages read per window at most (a server whose cursor never ends is an error)."""
NETWORKS = {
    "TWITTER": "x",
    "FACEBOOK": "facebook",
    "FACEBOOKPAGE": "facebook",
    "FACEBOOKGROUP": "facebook",
    "INSTAGRAM": "instagram",
    "INSTAGRAMBUSINESS": "instagram",
    "LINKEDIN": "linkedin",
    "LINKEDINCOMPANY": "linkedin",
    "PINTEREST": "pinterest",
    "YOUTUBECHANNEL": "youtube",
    "TIKTOKBUSINESS": "tiktok",
    "THREADS": "threads",
}
"""Hootsuite social profile types and the channel runbook calls them."""
OPTIONAL = ("targeting", "privacy", "location", "emailNotification", "webhookUrls", "extendedInfo")
"""Message fields recorded and sent back on recreate when the message has them."""
NOT_FOUND = 4001
"""Hootsuite's error code for "Resource not found"."""


class HootsuiteScheduler(ProductScheduler):
    """Hootsuite's REST messages API as a scheduler (see the module docstring)."""

    product = "Hootsuite"
    hold_method = DELETE_AND_RECREATE

    def __init__(
        self,
        *args: Any,
        horizon_days: int = 90,
        social_profile_ids: tuple[str, ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.horizon = timedelta(days=horizon_days)
        self.profile_ids = tuple(social_profile_ids)

    # -- listing --------------------------------------------------------------------------
    def _networks(self) -> dict[str, str]:
        answer = self.client.call("GET", "v1/socialProfiles")
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, list):
            raise EffectError(_('Hootsuite: GET /v1/socialProfiles did not answer {"data": [...]}'))
        return {
            str(p.get("id")): NETWORKS.get(
                str(p.get("type") or "").upper(), str(p.get("type") or "").lower()
            )
            for p in data
            if isinstance(p, dict)
        }

    def messages(self, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Every scheduled message from ``start`` to ``end``, four weeks at a time."""
        found: list[dict[str, Any]] = []
        while start < end:
            stop = min(start + WINDOW, end)
            cursor: str | None = None
            seen: set[str] = set()
            for _page in range(MAX_PAGES):
                query: dict[str, Any] = {
                    "startTime": _iso(start),
                    "endTime": _iso(stop),
                    "state": "SCHEDULED",
                    "limit": PAGE,
                }
                if self.profile_ids:
                    query["socialProfileIds"] = list(self.profile_ids)
                if cursor:
                    query["cursor"] = cursor
                answer = self.client.call("GET", "v1/messages", query=query)
                data = answer.get("data") if isinstance(answer, dict) else None
                if not isinstance(data, list):
                    raise EffectError(
                        _('Hootsuite: GET /v1/messages did not answer {"data": [...]}')
                    )
                found += [m for m in data if isinstance(m, dict) and m.get("id") is not None]
                cursor = _next(answer)
                if cursor is None:
                    break
                if cursor in seen:
                    raise EffectError(_("Hootsuite: GET /v1/messages keeps sending the same page"))
                seen.add(cursor)
            else:
                raise EffectError(
                    _("Hootsuite: more than %(max_pages)s pages in four weeks", max_pages=MAX_PAGES)
                )
            start = stop
        return found

    def list_posts(self) -> list[Post]:
        """Every scheduled message from now to the horizon, each with its full record."""
        networks = self._networks()
        now = self.clock.now()
        return [self._post(m, networks) for m in self.messages(now, now + self.horizon)]

    def _post(self, message: dict[str, Any], networks: dict[str, str]) -> Post:
        profile = message.get("socialProfile")
        profile_id = str(profile.get("id")) if isinstance(profile, dict) else ""
        state = str(message.get("state") or "").upper()
        extra = {k: message[k] for k in OPTIONAL if message.get(k) not in (None, [], {})}
        return Post(
            id=str(message["id"]),
            channel=networks.get(profile_id, ""),
            scheduled_at=str(message.get("scheduledSendTime") or ""),
            excerpt=excerpt(str(message.get("text") or "")),
            status="scheduled" if state == "SCHEDULED" else state.lower(),
            scheduler=self.name,
            hold=self.hold_method,
            record={
                "text": str(message.get("text") or ""),
                "socialProfileIds": [profile_id],
                "scheduledSendTime": str(message.get("scheduledSendTime") or ""),
                "mediaUrls": [m for m in message.get("mediaUrls") or [] if isinstance(m, dict)],
                "media": [m for m in message.get("media") or [] if isinstance(m, dict)],
                "tags": [str(t) for t in message.get("tags") or []],
                **extra,
            },
        )

    # -- holding ---------------------------------------------------------------------------
    def _hold_one(self, post_id: str, key: str) -> dict[str, Any]:
        try:
            self.client.call("DELETE", f"v1/messages/{quote(post_id, safe='')}")
        except ApiError as exc:
            if not _not_found(exc):
                raise
        return self.held(post_id)

    def _gone(self, post_id: str) -> dict[str, Any]:
        try:
            answer = self.client.call("GET", f"v1/messages/{quote(post_id, safe='')}")
        except ApiError as exc:
            if _not_found(exc):
                return self.held(post_id)
            raise
        data = answer.get("data") if isinstance(answer, dict) else None
        item = data[0] if isinstance(data, list) and data else data
        state = str(item.get("state") if isinstance(item, dict) else "").upper()
        if state == "SCHEDULED":
            return self._hold_one(post_id, "")
        raise EffectError(
            _("Hootsuite says it is %(value)s; it was not deleted", value=state or "unknown")
        )

    # -- recreating ------------------------------------------------------------------------
    def _recreate_all(
        self, posts: list[dict[str, Any]], key: str, new_times: dict[str, str]
    ) -> Outcome:
        return self.fan_out(
            [p["id"] for p in posts],
            lambda pid: self._recreate_one(next(p for p in posts if p["id"] == pid), new_times),
            "recreate",
        )

    def _recreate_one(self, post: dict[str, Any], new_times: dict[str, str]) -> dict[str, Any]:
        record = post.get("record")
        if not isinstance(record, dict):
            raise EffectError(_("its record is not in the event log; recreate it by hand"))
        asked = new_times.get(post["id"]) or str(record.get("scheduledSendTime") or "")
        when = recreate_time(asked, self.clock.now(), earliest=timedelta(minutes=1))
        urls = [str(m.get("url")) for m in record.get("mediaUrls") or [] if m.get("url")]
        problem = media_problem(urls, self.client.timeout) or self._uploads_problem(record)
        if problem:
            raise EffectError(
                _("%(problem)s; recreate it by hand from its record", problem=problem)
            )
        body = {
            "text": record.get("text", ""),
            "socialProfileIds": list(record.get("socialProfileIds") or []),
            "scheduledSendTime": _iso(when),
            "mediaUrls": record.get("mediaUrls") or [],
            "media": record.get("media") or [],
            "tags": record.get("tags") or [],
            **{k: record[k] for k in OPTIONAL if record.get(k) not in (None, [], {})},
        }
        copy = self._find(body, when)
        if copy is None:
            answer = self.client.call("POST", "v1/messages", body=body)
            data = answer.get("data") if isinstance(answer, dict) else None
            item = data[0] if isinstance(data, list) and data else None
            if not isinstance(item, dict) or item.get("id") is None:
                raise EffectError(_("Hootsuite did not name the recreated message"))
            copy = str(item["id"])
        return self.released(post["id"], _iso(when), recreated_as=copy)

    def _uploads_problem(self, record: dict[str, Any]) -> str:
        """Why some media uploaded to Hootsuite (``media: [{"id"}]``) can no longer be
        attached: ``GET /v1/media/{id}`` no longer finds it (Hootsuite removes uploads 90 days
        after use) or it is not ``READY``. Empty: all of it can."""
        for item in (record.get("media") or [])[:MAX_MEDIA]:
            media_id = str(item.get("id") or "") if isinstance(item, dict) else ""
            if not media_id:
                continue
            try:
                answer = self.client.call("GET", f"v1/media/{quote(media_id, safe='')}")
            except ApiError as exc:
                if _not_found(exc):
                    return f"its media {media_id[:40]} is no longer in Hootsuite"
                raise
            data = answer.get("data") if isinstance(answer, dict) else None
            state = str(data.get("state") or "") if isinstance(data, dict) else ""
            if state.upper() != "READY":
                return f"its media {media_id[:40]} is not ready in Hootsuite ({state or '?'})"
        return ""

    def _find(self, body: dict[str, Any], when: datetime) -> str | None:
        """The id of a message identical to ``body`` (made by an interrupted recreate)."""
        for message in self.messages(when - timedelta(minutes=1), when + timedelta(minutes=1)):
            profile = message.get("socialProfile")
            profile_id = str(profile.get("id")) if isinstance(profile, dict) else ""
            same_time = _parse(str(message.get("scheduledSendTime") or "")) == when
            if (
                message.get("text") == body["text"]
                and [profile_id] == body["socialProfileIds"][:1]
                and same_time
            ):
                return str(message["id"])
        return None


def _next(answer: dict[str, Any]) -> str | None:
    """The next page's cursor: ``metadata.cursor.next`` as Hootsuite's reference has it (a
    top-level ``cursor`` is read too); None on the last page."""
    metadata = answer.get("metadata")
    cursor = metadata.get("cursor") if isinstance(metadata, dict) else None
    if cursor is None:
        cursor = answer.get("cursor")
    if isinstance(cursor, dict):
        cursor = cursor.get("next")
    return str(cursor) if cursor else None


def _not_found(exc: ApiError) -> bool:
    """Hootsuite says the message does not exist (deleted already)."""
    return exc.status == 404 or exc.code == NOT_FOUND


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
