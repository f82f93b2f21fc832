"""A fake Buffer GraphQL API, following developers.buffer.com (Quick Start, Posts & Scheduling,
Error Handling, API Limits, and the schema reference for ``posts``, ``editPost`` and
``EditPostInput``).

One endpoint, ``POST /`` with ``{"query", "variables"}``. "GraphQL always returns HTTP 200":
errors are read from the body, and only the gateway and the rate limiter use other statuses.
It understands the operations runbook sends, not arbitrary GraphQL:

* no ``Authorization`` header: HTTP 401 ``{"errors": [{"extensions": {"code":
  "UNAUTHENTICATED"}}]}`` (the gateway); a wrong key: HTTP 200 ``{"data": null, "errors":
  [{"extensions": {"code": "UNAUTHORIZED"}}]}``;
* ``posts(input: $input, first: $first, after: $after)`` with ``input: {organizationId,
  filter: {status: [...]}}`` -> ``{"data": {"posts": {"edges": [{"node": {"id", "text",
  "status", "dueAt", "channelId", "channelService", "schedulingType"}, "cursor"}],
  "pageInfo": {"hasNextPage", "endCursor"}}}}``; ``first`` at most 100; an unknown
  organization is a ``NOT_FOUND`` error, HTTP 200;
* aliased ``editPost(input: $pN)`` mutations (at most 30 aliases a document: past that, a plain
  error naming the limit, no data), each answered with its own typed result, HTTP 200
  whatever happens: ``{"__typename": "PostActionSuccess", "post": {...}}`` or a
  ``MutationError`` (``NotFoundError``, ``InvalidInputError``, ``UnexpectedError``) with its
  ``message``. ``EditPostInput``'s fields only (another is a validation error);
  ``saveToDraft: true`` makes a draft, ``false`` schedules it again; ``mode`` and
  ``schedulingType`` left out change nothing (the post keeps its time and its way of
  publishing); ``mode: customScheduled`` needs a ``dueAt`` ahead;
* anything else: ``{"errors": [{"extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]}``;
* with ``per_15_minutes`` set, requests past it get HTTP 429 ``RATE_LIMIT_EXCEEDED`` with the
  window that ran out (``extensions.window``) and the wait in a ``Retry-After`` header (or,
  with ``wait_in_body``, as ``extensions.retryAfter``, as an earlier version of the guide
  shows).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from tests.fakes.base import Answer, FakeProduct, Seen, iso, parse_time

ALIAS = re.compile(r"(\w+)\s*:\s*editPost\(\s*input:\s*\$(\w+)\s*\)")
MAX_ALIASES = 30
"""Buffer's query limit: aliases per document."""
EDIT_FIELDS = frozenset(
    {
        "id",
        "aiAssisted",
        "approvalChange",
        "assets",
        "draftId",
        "dueAt",
        "ideaId",
        "metadata",
        "mode",
        "saveToDraft",
        "schedulingType",
        "source",
        "tagIds",
        "text",
    }
)
"""``EditPostInput``'s fields."""
SHARE_MODES = frozenset({"addToQueue", "shareNow", "shareNext", "customScheduled"})
SCHEDULING_TYPES = frozenset({"automatic", "notification"})


class FakeBuffer(FakeProduct):
    """Buffer's GraphQL API (see the module docstring)."""

    def __init__(
        self,
        key: str,
        organization: str,
        *,
        per_15_minutes: int | None = None,
        wait_in_body: bool = False,
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.per_15_minutes = per_15_minutes
        self.wait_in_body = wait_in_body
        self.key = key
        self.organization = organization
        self.posts: dict[str, dict[str, Any]] = {}
        self.refuse: dict[str, str] = {}
        """Post id -> message: editPost on it answers an UnexpectedError (HTTP 200)."""

    def add(
        self,
        post_id: str,
        when: datetime,
        text: str,
        service: str = "instagram",
        scheduling: str = "automatic",
    ) -> None:
        """A scheduled post on a channel of ``service``."""
        self.posts[post_id] = {
            "id": post_id,
            "text": text,
            "status": "scheduled",
            "dueAt": iso(when),
            "channelId": f"ch-{service}",
            "channelService": service,
            "schedulingType": scheduling,
        }

    def error_body(self, status: int, message: str) -> Any:
        return {"errors": [{"message": message, "extensions": {"code": "UNEXPECTED"}}]}

    @staticmethod
    def _error(code: str, message: str, status: int = 200) -> Answer:
        error: dict[str, Any] = {"message": message}
        if code:
            error["extensions"] = {"code": code}
        return Answer(status, {"data": None, "errors": [error]})

    def route(self, seen: Seen) -> Answer:
        given = seen.headers.get("authorization")
        if not given:
            return self._error(
                "UNAUTHENTICATED", "An authentication JWT or Access Token is required", 401
            )
        if self.per_15_minutes is not None and len(self.seen) > self.per_15_minutes:
            extensions: dict[str, Any] = {"code": "RATE_LIMIT_EXCEEDED", "window": "15m"}
            headers = {}
            if self.wait_in_body:
                extensions |= {"limitType": "CLIENT_ACCOUNT", "retryAfter": 900}
            else:
                headers["Retry-After"] = "900"
            error = {
                "message": "Too many requests from this client. Please try again later.",
                "extensions": extensions,
            }
            return Answer(429, {"errors": [error]}, headers)
        if seen.method != "POST" or seen.path not in ("/", "/graphql"):
            return Answer(404, {"errors": [{"message": "Not found"}]})
        if given != f"Bearer {self.key}":
            return self._error("UNAUTHORIZED", "Invalid API key")
        body = seen.body if isinstance(seen.body, dict) else {}
        query = str(body.get("query") or "")
        variables = body.get("variables") if isinstance(body.get("variables"), dict) else {}
        if query.lstrip().startswith("mutation"):
            return self._mutate(query, variables)
        if "posts(" in query:
            return self._list(variables)
        return self._error("GRAPHQL_VALIDATION_FAILED", "Cannot query this field")

    def _list(self, variables: dict[str, Any]) -> Answer:
        wanted = variables.get("input") if isinstance(variables.get("input"), dict) else {}
        if wanted.get("organizationId") != self.organization:
            return self._error("NOT_FOUND", "Organization not found")
        first = variables.get("first") or 20
        if not isinstance(first, int) or not 1 <= first <= 100:
            return self._error("BAD_USER_INPUT", "first must be between 1 and 100")
        statuses = set((wanted.get("filter") or {}).get("status") or ["scheduled"])
        found = sorted(
            (p for p in self.posts.values() if p["status"] in statuses),
            key=lambda p: (p["dueAt"], p["id"]),
        )
        after = variables.get("after")
        start = 0
        if after:
            ids = [p["id"] for p in found]
            start = ids.index(after) + 1 if after in ids else len(ids)
        page = found[start : start + first]
        edges = [{"node": dict(p), "cursor": p["id"]} for p in page]
        info = {
            "hasNextPage": start + first < len(found),
            "endCursor": page[-1]["id"] if page else None,
        }
        return Answer(200, {"data": {"posts": {"edges": edges, "pageInfo": info}}})

    def _mutate(self, query: str, variables: dict[str, Any]) -> Answer:
        pairs = ALIAS.findall(query)
        if not pairs:
            return self._error("GRAPHQL_VALIDATION_FAILED", "Unknown mutation")
        if len(pairs) > MAX_ALIASES:
            return self._error("", "Query exceeds maximum allowed aliases. Please simplify.")
        data = {}
        for alias, name in pairs:
            if f"${name}: EditPostInput!" not in query or name not in variables:
                return self._error("GRAPHQL_VALIDATION_FAILED", f"Variable ${name} is not defined")
            given = variables[name]
            unknown = set(given) - EDIT_FIELDS if isinstance(given, dict) else set()
            if unknown:
                return self._error(
                    "BAD_USER_INPUT",
                    f'Variable "${name}" got invalid value; field "{sorted(unknown)[0]}" is not '
                    'defined by type "EditPostInput"',
                )
            data[alias] = self._edit(given)
        return Answer(200, {"data": data})

    def _edit(self, given: Any) -> dict[str, Any]:
        if not isinstance(given, dict):
            return {"__typename": "InvalidInputError", "message": "input is required"}
        post = self.posts.get(str(given.get("id")))
        if post is None:
            return {"__typename": "NotFoundError", "message": "Post not found"}
        if post["id"] in self.refuse:
            return {"__typename": "UnexpectedError", "message": self.refuse[post["id"]]}
        if post["status"] in ("sent", "sending"):
            return {"__typename": "InvalidInputError", "message": "Post has already been sent"}
        mode = given.get("mode")
        kind = given.get("schedulingType")
        if mode is not None and mode not in SHARE_MODES:
            return {"__typename": "InvalidInputError", "message": f"Unknown mode {mode}"}
        if kind is not None and kind not in SCHEDULING_TYPES:
            return {"__typename": "InvalidInputError", "message": f"Unknown type {kind}"}
        if mode == "customScheduled":
            when = parse_time(str(given.get("dueAt") or ""))
            if when is None or when <= self.now():
                return {"__typename": "InvalidInputError", "message": "dueAt must be ahead"}
            post["dueAt"] = iso(when)
        if kind is not None:
            post["schedulingType"] = kind
        if given.get("saveToDraft") is True:
            post["status"] = "draft"
        elif given.get("saveToDraft") is False:
            post["status"] = "scheduled"
        post_view = {k: post[k] for k in ("id", "status", "dueAt", "schedulingType")}
        return {"__typename": "PostActionSuccess", "post": post_view}
