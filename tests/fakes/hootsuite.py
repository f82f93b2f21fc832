"""A fake Hootsuite REST API, following its reference for Messages and Social Profiles.

* ``GET /v1/socialProfiles`` -> ``{"data": [{"id", "type", "socialNetworkUsername"}]}``;
* ``GET /v1/messages?startTime&endTime[&state][&socialProfileIds][&limit][&cursor]``: both
  times required, ``endTime`` after ``startTime`` and at most 4 weeks (28 days) later, else
  400 ``{"errors": [{"code": 1003, "message": ...}]}``; ``limit`` 1..100 (default 50);
  answers ``{"data": [message...], "cursor": {"next": <opaque> | null}}``;
* ``GET /v1/messages/{id}`` -> ``{"data": [message]}``; 404 ``{"errors": [{"code": 4004}]}``
  once deleted;
* ``DELETE /v1/messages/{id}`` -> 204 (a deleted or unknown message: 404);
* ``POST /v1/messages`` ``{"text", "socialProfileIds", "scheduledSendTime", "mediaUrls",
  "media", "tags"}`` -> ``{"data": [{"id", "state": "SCHEDULED", ...}]}``; the time must be
  in the future, each profile known;
* ``Authorization: Bearer <token>``, else 401 ``{"errors": [{"code": 1001}]}``; with
  ``per_second`` set, more requests than that in one second get 429 (Hootsuite sends no
  ``Retry-After``).

A message: ``{"id", "state", "text", "socialProfile": {"id"}, "scheduledSendTime",
"mediaUrls": [{"url"}], "media": [{"id"}], "tags", "postUrl"}``.
"""

from __future__ import annotations

import base64
import itertools
import time
from datetime import datetime, timedelta
from typing import Any

from tests.fakes.base import Answer, FakeProduct, Seen, iso, parse_time

WINDOW = timedelta(days=28)


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
        }
        self.messages: dict[str, dict[str, Any]] = {}
        self._ids = itertools.count(9_000_000)
        self._recent: list[float] = []

    def add(
        self,
        message_id: str,
        when: datetime,
        text: str,
        profile: str = "115185509",
        media_urls: tuple[str, ...] = (),
    ) -> None:
        """A scheduled message."""
        self.messages[message_id] = {
            "id": message_id,
            "state": "SCHEDULED",
            "text": text,
            "socialProfile": {"id": profile},
            "scheduledSendTime": iso(when),
            "mediaUrls": [{"url": u} for u in media_urls],
            "media": [],
            "tags": ["campaign"],
            "postUrl": None,
        }

    def scheduled(self) -> list[dict[str, Any]]:
        """The messages still scheduled."""
        return [m for m in self.messages.values() if m["state"] == "SCHEDULED"]

    def error_body(self, status: int, message: str) -> Any:
        return {"errors": [{"code": status * 10, "message": message}]}

    def _error(self, status: int, code: int, message: str) -> Answer:
        return Answer(status, {"errors": [{"code": code, "message": message}]})

    def route(self, seen: Seen) -> Answer:
        if seen.headers.get("authorization") != f"Bearer {self.token}":
            return self._error(401, 1001, "Invalid or expired access token")
        if self.per_second is not None:
            now = time.monotonic()
            self._recent = [t for t in self._recent if now - t < 1.0] + [now]
            if len(self._recent) > self.per_second:
                return self._error(429, 1429, "Rate limit exceeded")
        parts = seen.path.strip("/").split("/")
        if parts == ["v1", "socialProfiles"] and seen.method == "GET":
            data = [
                {"id": pid, "type": kind, "socialNetworkUsername": f"brand-{kind.lower()}"}
                for pid, kind in self.profiles.items()
            ]
            return Answer(200, {"data": data})
        if parts == ["v1", "messages"]:
            if seen.method == "GET":
                return self._list(seen.query)
            if seen.method == "POST":
                return self._create(seen.body)
        if len(parts) == 3 and parts[:2] == ["v1", "messages"]:
            message = self.messages.get(parts[2])
            if message is None or message["state"] == "DELETED":
                return self._error(404, 4004, "Message not found")
            if seen.method == "GET":
                return Answer(200, {"data": [message]})
            if seen.method == "DELETE":
                message["state"] = "DELETED"
                return Answer(204, None)
        return self._error(404, 4040, f"No route {seen.method} {seen.path}")

    def _list(self, query: dict[str, list[str]]) -> Answer:
        start = parse_time((query.get("startTime") or [""])[0])
        end = parse_time((query.get("endTime") or [""])[0])
        if start is None or end is None:
            return self._error(400, 1003, "startTime and endTime are required")
        if end <= start or end - start > WINDOW:
            return self._error(400, 1003, "endTime must be after startTime, at most 4 weeks")
        try:
            limit = int((query.get("limit") or ["50"])[0])
        except ValueError:
            limit = 0
        if not 1 <= limit <= 100:
            return self._error(400, 1003, "limit must be between 1 and 100")
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
        offset = int(base64.b64decode(cursor).decode()) if cursor else 0
        page = found[offset : offset + limit]
        more = offset + limit < len(found)
        token = base64.b64encode(str(offset + limit).encode()).decode() if more else None
        return Answer(200, {"data": [dict(m) for m in page], "cursor": {"next": token}})

    def _create(self, body: Any) -> Answer:
        if not isinstance(body, dict) or not body.get("text") and not body.get("mediaUrls"):
            return self._error(400, 1003, "text or media is required")
        profiles = body.get("socialProfileIds") or []
        if not profiles or any(p not in self.profiles for p in profiles):
            return self._error(400, 1003, "unknown social profile")
        when = parse_time(str(body.get("scheduledSendTime") or ""))
        if when is None or when <= self.now():
            return self._error(400, 1003, "scheduledSendTime must be in the future")
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
            }
            created.append({"id": message_id, "state": "SCHEDULED"})
        return Answer(200, {"data": created})
