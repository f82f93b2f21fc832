"""A fake Hootsuite REST API, following its published reference (Swagger ``Hootsuite REST API``
1.0, Messages and Social Profiles; "API rate limits").

* ``GET /v1/socialProfiles`` -> ``{"data": [{"id", "type", "socialNetworkUsername"}]}``;
* ``GET /v1/messages?startTime&endTime[&state][&socialProfileIds][&limit][&cursor]``: both
  times required (else 400, code 4000 "Schema validation failed"), ``endTime`` after
  ``startTime`` and at most 4 weeks (28 days) later (else 400, code 40020 "Specified date range
  is too large"); ``limit`` 1..100 (default 50); answers in increasing scheduled time
  ``{"data": [message...], "metadata": {"cursor": {"next": <opaque> | null, "previous": ...}}}``
  (a cursor not made here: 400, code 3020 "Invalid cursor format");
* ``GET /v1/messages/{id}`` -> ``{"data": message}`` (one message: an object); a deleted or
  unknown message is 404, code 4001 "Resource not found";
* ``DELETE /v1/messages/{id}`` -> 200 with an empty data envelope ``{"data": {}}``; a message
  that is no longer scheduled (sent) cannot be deleted: 400, code 40003;
* ``GET /v1/media/{id}`` -> ``{"data": {"id", "state": "READY" | "QUEUED", "downloadUrl"}}``
  for media uploaded to Hootsuite (``uploads``), 404 code 4001 once removed;
* ``POST /v1/messages`` ``{"text", "socialProfileIds", "scheduledSendTime", "mediaUrls",
  "media", "tags", "targeting", "privacy", "location", "emailNotification", "webhookUrls",
  "extendedInfo"}`` -> ``{"data": [{"id", "state": "SCHEDULED"}, ...]}`` (one per profile);
  the time must be in the future and end with ``Z``, each profile known;
* errors ``{"errors": [{"code", "message", "id"}]}``; ``Authorization: Bearer <token>``, else
  401 (code 1000 with no token, 1001 with a wrong one); with ``per_second`` set, more requests
  than that in one second get 429 code 1043 "Too many requests", and, as the reference says,
  no ``Retry-After``: the client backs off on its own.

A message: ``{"id", "state", "text", "socialProfile": {"id"}, "scheduledSendTime",
"mediaUrls": [{"url"}], "media": [{"id"}], "tags", "postUrl"}`` and, when set, the optional
fields above.
"""

from __future__ import annotations

import base64
import itertools
import time
import urllib.parse
import uuid
from datetime import datetime, timedelta
from typing import Any

from tests.fakes.base import Answer, FakeProduct, Seen, iso, parse_time

WINDOW = timedelta(days=28)
OPTIONAL = ("targeting", "privacy", "location", "emailNotification", "webhookUrls", "extendedInfo")
"""Message fields kept as given when present."""


class FakeHootsuite(FakeProduct):
    """Hootsuite's REST API (see the module docstring)."""

    def __init__(self, token: str, *, per_second: int | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self.token = token
        self.per_second = per_second
        self.profiles = {
            "115185509": "TWITTER",
            "115185510": "FACEBOOKPAGE",
            "115185511": "INSTAGRAMBUSINESS",
            "115185512": "LINKEDINCOMPANY",
            "115185513": "PINTEREST",
        }
        self.messages: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, str] = {}
        """Media uploaded to Hootsuite: id -> state (``READY``, ``QUEUED``)."""
        self._ids = itertools.count(9_000_000)
        self._recent: list[float] = []

    def add(
        self,
        message_id: str,
        when: datetime,
        text: str,
        profile: str = "115185509",
        media_urls: tuple[str, ...] = (),
        media_ids: tuple[str, ...] = (),
        **optional: Any,
    ) -> None:
        """A scheduled message (``media_ids``: media uploaded to Hootsuite; ``optional``: any
        of :data:`OPTIONAL`)."""
        self.messages[message_id] = {
            "id": message_id,
            "state": "SCHEDULED",
            "text": text,
            "socialProfile": {"id": profile},
            "scheduledSendTime": iso(when),
            "mediaUrls": [{"url": u} for u in media_urls],
            "media": [{"id": m} for m in media_ids],
            "tags": ["campaign"],
            "postUrl": None,
            **{k: v for k, v in optional.items() if k in OPTIONAL},
        }

    def scheduled(self) -> list[dict[str, Any]]:
        """The messages still scheduled."""
        return [m for m in self.messages.values() if m["state"] == "SCHEDULED"]

    def error_body(self, status: int, message: str) -> Any:
        return {"errors": [{"code": 9000 if status >= 500 else 5000, "message": message}]}

    @staticmethod
    def _error(status: int, code: int, message: str) -> Answer:
        body = {"errors": [{"code": code, "message": message, "id": str(uuid.uuid4())}]}
        return Answer(status, body)

    def route(self, seen: Seen) -> Answer:
        given = seen.headers.get("authorization")
        if not given:
            return self._error(401, 1000, "Missing or duplicate access token")
        if given != f"Bearer {self.token}":
            return self._error(401, 1001, "Invalid access token")
        if self.per_second is not None:
            now = time.monotonic()
            self._recent = [t for t in self._recent if now - t < 1.0] + [now]
            if len(self._recent) > self.per_second:
                return self._error(429, 1043, "Too many requests")
        parts = [urllib.parse.unquote(part) for part in seen.path.strip("/").split("/")]
        if parts == ["v1", "socialProfiles"] and seen.method == "GET":
            data = [
                {"id": pid, "type": kind, "socialNetworkUsername": f"brand-{kind.lower()}"}
                for pid, kind in self.profiles.items()
            ]
            return Answer(200, {"data": data})
        if len(parts) == 3 and parts[:2] == ["v1", "media"] and seen.method == "GET":
            state = self.uploads.get(parts[2])
            if state is None:
                return self._error(404, 4001, "Resource not found")
            data = {"id": parts[2], "state": state}
            if state == "READY":
                data |= {
                    "downloadUrl": f"{self.url}/media/{parts[2]}",
                    "downloadUrlDurationSeconds": 1799,
                }
            return Answer(200, {"data": data})
        if parts == ["v1", "messages"]:
            if seen.method == "GET":
                return self._list(seen.query)
            if seen.method == "POST":
                return self._create(seen.body)
        if len(parts) == 3 and parts[:2] == ["v1", "messages"]:
            message = self.messages.get(parts[2])
            if message is None or message["state"] == "DELETED":
                return self._error(404, 4001, "Resource not found")
            if seen.method == "GET":
                return Answer(200, {"data": dict(message)})
            if seen.method == "DELETE":
                if message["state"] not in ("SCHEDULED", "PENDING_APPROVAL"):
                    return self._error(
                        400,
                        40003,
                        "You have attempted to delete a message that cannot be deleted in its "
                        "current state",
                    )
                message["state"] = "DELETED"
                return Answer(200, {"data": {}})
        return self._error(404, 4001, f"Resource not found: {seen.method} {seen.path}")

    def _list(self, query: dict[str, list[str]]) -> Answer:
        start = parse_time((query.get("startTime") or [""])[0])
        end = parse_time((query.get("endTime") or [""])[0])
        if start is None or end is None:
            return self._error(400, 4000, "Schema validation failed: startTime and endTime")
        if end <= start:
            return self._error(400, 4000, "Schema validation failed: endTime before startTime")
        if end - start > WINDOW:
            return self._error(400, 40020, "Specified date range is too large")
        try:
            limit = int((query.get("limit") or ["50"])[0])
        except ValueError:
            limit = 0
        if not 1 <= limit <= 100:
            return self._error(400, 4000, "Schema validation failed: limit")
        state = (query.get("state") or [""])[0]
        profiles = set(query.get("socialProfileIds") or [])
        found = sorted(
            (
                m
                for m in self.messages.values()
                if (not state or m["state"] == state)
                and (not profiles or m["socialProfile"]["id"] in profiles)
                and start <= (parse_time(m["scheduledSendTime"]) or start) < end
            ),
            key=lambda m: (m["scheduledSendTime"], m["id"]),
        )
        cursor = (query.get("cursor") or [""])[0]
        try:
            offset = int(base64.b64decode(cursor, validate=True).decode()) if cursor else 0
        except ValueError:
            return self._error(400, 3020, "Invalid cursor format")
        page = found[offset : offset + limit]
        more = offset + limit < len(found)
        token = base64.b64encode(str(offset + limit).encode()).decode() if more else None
        previous = base64.b64encode(str(max(0, offset - limit)).encode()).decode()
        body: dict[str, Any] = {"data": [dict(m) for m in page]}
        if len(found) > limit:  # "a cursor will be created if the results exceed the limit"
            body["metadata"] = {"cursor": {"next": token, "previous": previous if offset else None}}
        return Answer(200, body)

    def _create(self, body: Any) -> Answer:
        if not isinstance(body, dict) or not body.get("text") and not body.get("mediaUrls"):
            return self._error(400, 4000, "Schema validation failed: text or media is required")
        profiles = body.get("socialProfileIds") or []
        if not profiles or any(p not in self.profiles for p in profiles):
            return self._error(400, 2306, "Missing social profile ID")
        given = str(body.get("scheduledSendTime") or "")
        when = parse_time(given)
        if when is None or not given.endswith("Z"):
            return self._error(400, 4000, "Schema validation failed: dates must end with 'Z'")
        if when <= self.now():
            return self._error(400, 4000, "Schema validation failed: scheduledSendTime is past")
        created = []
        for profile in profiles:
            message_id = str(next(self._ids))
            self.messages[message_id] = {
                "id": message_id,
                "state": "SCHEDULED",
                "text": body.get("text", ""),
                "socialProfile": {"id": profile},
                "scheduledSendTime": iso(when),
                "mediaUrls": list(body.get("mediaUrls") or []),
                "media": list(body.get("media") or []),
                "tags": list(body.get("tags") or []),
                "postUrl": None,
                **{k: body[k] for k in OPTIONAL if body.get(k) is not None},
            }
            created.append({"id": message_id, "state": "SCHEDULED"})
        return Answer(200, {"data": created})
