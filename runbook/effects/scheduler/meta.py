"""A Facebook Page's scheduled posts through the Meta Graph API: hold = record, then delete.

The Graph API cannot unschedule a Page post, so holding one deletes it after its complete
record is in runbook's event log, and releasing it publishes it again as a scheduled post from
that record. Follows the Graph API reference (Page ``scheduled_posts``, Page ``feed`` and
``photos``, Post):

* ``GET /{version}/{page-id}/scheduled_posts?fields=...&limit=<n>[&after=<cursor>]`` ->
  ``{"data": [{"id", "message", "scheduled_publish_time", "link", "full_picture"}], "paging":
  {"cursors": {"after"}, "next"}}`` (``scheduled_publish_time`` in Unix seconds);
* ``DELETE /{version}/{post-id}`` -> ``{"success": true}`` holds, sent 50 at a time through
  the batch endpoint (``POST /{version}/`` with ``batch=[{"method", "relative_url"}]`` ->
  ``[{"code", "body"}]``, each body a JSON string); ``GET /{version}/{post-id}
  ?fields=is_published`` tells a post already deleted (error code 100) from one published;
* ``POST /{version}/{page-id}/feed`` (form: ``message``, ``link``, ``published=false``,
  ``scheduled_publish_time``) recreates a text or link post (the link's preview picture,
  ``full_picture``, is Facebook's to make again), ``/photos`` (``url``, ``caption``, ...) a
  photo post. A video or several-photo post (its ``attachments``) cannot be made again from a
  record through these calls, so it is never deleted: it is reported as not held, to hold by
  hand in Meta Business Suite.

Page access token in ``Authorization: Bearer``; errors ``{"error": {"message", "type",
"code", "error_subcode", "fbtrace_id"}}``; rate limiting is error code 4, 17, 32, 613 or
80001, sent without ``Retry-After``: the wait is read from the Business Use Case usage
header (``X-Business-Use-Case-Usage``: ``estimated_time_to_regain_access``, in minutes),
waited out when short, reported with ``runbook retry`` when long. A scheduled time must be 10
minutes to 30 days ahead: a slot that has passed or is too near is not recreated but left to
the operator's review. Before recreating, runbook lists the Page's scheduled posts once and
takes an identical post (same text and time) as the copy an interrupted recreate made.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from runbook.effects import Outcome, Post
from runbook.effects.scheduler.api import ApiError
from runbook.effects.scheduler.product import DELETE_AND_RECREATE, ProductScheduler, excerpt, obj
from runbook.effects.scheduler.recreate import media_problem, recreate_time
from runbook.errors import EffectError
from runbook.i18n import N_, _

KINDS = {"video": N_("a video post"), "several-photo": N_("a post with several photos")}
"""The posts the Graph API cannot make again from a record, in words."""
RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80001})
"""Graph API error codes meaning "too many calls; try again later"."""
EARLIEST = timedelta(minutes=10)
LATEST = timedelta(days=30)
PAGE = 100
MAX_PAGES = 1000
BATCH = 50
"""Requests per Graph batch call (the API's maximum)."""
FIELDS = (
    "id,message,scheduled_publish_time,link,full_picture,is_published,"
    "attachments{media_type,subattachments{media_type}}"
)
"""Post fields listed: everything runbook needs to make the post again, and what it carries."""
USAGE_HEADERS = ("X-Business-Use-Case-Usage", "X-App-Usage", "X-Page-Usage")
"""Graph API headers that report rate-limit use (the first says how long to wait)."""


def regain_wait(headers: Any) -> float | None:
    """Seconds until Meta lets the Page's calls through again, from its usage header
    (``{"<id>": [{"type": "pages", "estimated_time_to_regain_access": <minutes>}]}``)."""
    raw = headers.get(USAGE_HEADERS[0]) if headers is not None else None
    try:
        usage = json.loads(raw) if raw else None
    except ValueError:
        return None
    minutes = [
        entry.get("estimated_time_to_regain_access")
        for entries in (usage.values() if isinstance(usage, dict) else [])
        if isinstance(entries, list)
        for entry in entries
        if isinstance(entry, dict)
    ]
    waits = [m for m in minutes if isinstance(m, int | float) and m >= 0]
    return max(waits) * 60.0 if waits else None


class MetaScheduler(ProductScheduler):
    """A Facebook Page's scheduled posts (see the module docstring)."""

    product = "Meta"
    hold_method = DELETE_AND_RECREATE

    def __init__(self, *args: Any, page_id: str, graph_version: str = "v21.0", **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.page_id = page_id
        self.version = graph_version

    def _path(self, *parts: str) -> str:
        return "/".join([self.version, *(quote(p, safe="") for p in parts)])

    # -- listing --------------------------------------------------------------------------
    def scheduled(self) -> list[dict[str, Any]]:
        """Every scheduled post of the Page, page by page."""
        found: list[dict[str, Any]] = []
        after: str | None = None
        seen: set[str] = set()
        for _page in range(MAX_PAGES):
            query = {"fields": FIELDS, "limit": PAGE, **({"after": after} if after else {})}
            answer = self.client.call(
                "GET", self._path(self.page_id, "scheduled_posts"), query=query
            )
            data = answer.get("data") if isinstance(answer, dict) else None
            if not isinstance(data, list):
                raise EffectError(_('Meta: GET scheduled_posts did not answer {"data": [...]}'))
            found += [p for p in data if isinstance(p, dict) and p.get("id") is not None]
            paging = obj(answer.get("paging"))
            cursors = obj(paging.get("cursors"))
            after = str(cursors.get("after") or "") or None
            if not paging.get("next") or after is None:
                return found
            if after in seen:
                raise EffectError(_("Meta: GET scheduled_posts keeps sending the same page"))
            seen.add(after)
        raise EffectError(
            _("Meta: more than %(max_pages)s pages of scheduled posts", max_pages=MAX_PAGES)
        )

    def list_posts(self) -> list[Post]:
        """Every scheduled post of the Page, each with its full record."""
        return [self._post(item) for item in self.scheduled()]

    def _post(self, item: dict[str, Any]) -> Post:
        when = _from_unix(item.get("scheduled_publish_time"))
        message = str(item.get("message") or "")
        record: dict[str, Any] = {
            "message": message,
            "scheduled_publish_time": item.get("scheduled_publish_time"),
        }
        for field in ("link", "full_picture"):
            if item.get(field):
                record[field] = str(item[field])
        unsupported = _cannot_recreate(item)
        if unsupported:
            record["cannot_recreate"] = unsupported
        return Post(
            id=str(item["id"]),
            channel="facebook",
            scheduled_at=when,
            excerpt=excerpt(message),
            status="published" if item.get("is_published") else "scheduled",
            scheduler=self.name,
            hold=self.hold_method,
            record=record,
        )

    # -- holding ---------------------------------------------------------------------------
    def hold(self, post_ids: list[str], key: str) -> Outcome:
        """Delete the listed scheduled posts 50 to a Graph batch request (a post whose part of
        the batch failed for a reason that may pass is tried again on its own); a post no
        longer listed is looked at alone (gone: held; published: not held)."""
        ids = list(dict.fromkeys(post_ids))
        if not ids:
            return Outcome()
        try:
            found = {p.id: p for p in self.list_posts() if p.status == "scheduled"}
        except EffectError as exc:
            return Outcome(failures=[{"id": i, **self.failure(exc, "hold", i)} for i in ids])
        outcome = Outcome()
        for pid in [
            i for i in ids if i in found and (found[i].record or {}).get("cannot_recreate")
        ]:
            kind = str((found[pid].record or {})["cannot_recreate"])
            refused = EffectError(
                _(
                    "it is %(what)s, which the Graph API cannot make again from its record, so "
                    "runbook did not delete it: hold it by hand in Meta Business Suite",
                    what=_(KINDS[kind]) if kind in KINDS else _("a %(kind)s post", kind=kind),
                ),
                transient=False,
            )
            outcome.failures.append({"id": pid, **self.failure(refused, "hold", pid)})
            del found[pid]
        scheduled = set(found)
        listed = [i for i in ids if i in scheduled]
        chunks = [listed[i : i + BATCH] for i in range(0, len(listed), BATCH)]
        again: list[str] = []
        for chunk in chunks:
            try:
                answers = self._batch_delete(chunk)
            except EffectError as exc:
                outcome.failures += [{"id": i, **self.failure(exc, "hold", i)} for i in chunk]
                continue
            for pid, answer in zip(chunk, answers, strict=True):
                if answer is None:
                    again.append(pid)
                else:
                    outcome.done.append(answer)
        not_deleted = {f["id"] for f in outcome.failures}
        one = self.fan_out(
            [*again, *[i for i in ids if i not in scheduled and i not in not_deleted]],
            lambda pid: self._hold_one(pid, key) if pid in scheduled else self._gone(pid),
            "hold",
        )
        outcome.done += one.done
        outcome.failures += one.failures
        return outcome

    def _batch_delete(self, chunk: list[str]) -> list[dict[str, Any] | None]:
        """One Graph batch request deleting ``chunk``: per post its ``done`` entry, or None
        when its part failed (tried again alone)."""
        batch = [{"method": "DELETE", "relative_url": self._path(pid)} for pid in chunk]
        form = {"batch": json.dumps(batch), "include_headers": "false"}
        answer = self.client.call("POST", f"{self.version}/", form=form)
        if not isinstance(answer, list) or len(answer) != len(chunk):
            raise EffectError(_("Meta: the batch answer does not match the request"))
        results: list[dict[str, Any] | None] = []
        for pid, part in zip(chunk, answer, strict=True):
            body: Any = None
            if isinstance(part, dict):
                try:
                    body = json.loads(str(part.get("body") or "null"))
                except ValueError:
                    body = None
            error = obj(obj(body).get("error"))
            if isinstance(part, dict) and part.get("code") == 200 and obj(body).get("success"):
                results.append(self.held(pid))
            elif error.get("code") == 100:  # already gone
                results.append(self.held(pid))
            else:
                results.append(None)
        return results

    def _hold_one(self, post_id: str, key: str) -> dict[str, Any]:
        try:
            self.client.call("DELETE", self._path(post_id))
        except ApiError as exc:
            if exc.code != 100:  # 100: the object does not exist (already deleted)
                raise
        return self.held(post_id)

    def _gone(self, post_id: str) -> dict[str, Any]:
        try:
            answer = self.client.call("GET", self._path(post_id), query={"fields": "is_published"})
        except ApiError as exc:
            if exc.code == 100 or exc.status == 404:
                return self.held(post_id)
            raise
        if isinstance(answer, dict) and answer.get("is_published"):
            raise EffectError(_("Facebook has already published it; it was not deleted"))
        return self._hold_one(post_id, "")

    # -- recreating ------------------------------------------------------------------------
    def _recreate_all(
        self, posts: list[dict[str, Any]], key: str, new_times: dict[str, str]
    ) -> Outcome:
        try:
            existing = self.scheduled()
        except EffectError as exc:
            return Outcome(
                failures=[{"id": p["id"], **self.failure(exc, "recreate", p["id"])} for p in posts]
            )
        copies = {
            (str(item.get("message") or ""), _from_unix(item.get("scheduled_publish_time"))): str(
                item["id"]
            )
            for item in existing
        }
        by_id = {p["id"]: p for p in posts}
        return self.fan_out(
            list(by_id), lambda pid: self._recreate_one(by_id[pid], new_times, copies), "recreate"
        )

    def _recreate_one(
        self, post: dict[str, Any], new_times: dict[str, str], copies: dict[tuple[str, str], str]
    ) -> dict[str, Any]:
        record = post.get("record")
        if not isinstance(record, dict):
            raise EffectError(_("its record is not in the event log; recreate it by hand"))
        asked = new_times.get(post["id"]) or _from_unix(record.get("scheduled_publish_time"))
        when = recreate_time(asked, self.clock.now(), earliest=EARLIEST, latest=LATEST)
        slot = when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        message = str(record.get("message") or "")
        found = copies.get((message, slot))
        if found is not None:
            return self.released(post["id"], slot, recreated_as=found)
        picture = "" if record.get("link") else str(record.get("full_picture") or "")
        problem = media_problem([picture], self.client.timeout) if picture else ""
        if problem:
            raise EffectError(
                _("%(problem)s; recreate it by hand from its record", problem=problem)
            )
        form = {"published": "false", "scheduled_publish_time": str(int(when.timestamp()))}
        if record.get("link"):  # a link post: its picture is the link's preview
            edge = "feed"
            form |= {"message": message, "link": str(record["link"])}
        elif picture:
            edge = "photos"
            form |= {"url": picture, "caption": message}
        else:
            edge = "feed"
            form |= {"message": message}
        answer = self.client.call("POST", self._path(self.page_id, edge), form=form)
        if not isinstance(answer, dict) or not (answer.get("post_id") or answer.get("id")):
            raise EffectError(_("Meta did not name the recreated post"))
        return self.released(
            post["id"], slot, recreated_as=str(answer.get("post_id") or answer["id"])
        )


def _cannot_recreate(item: dict[str, Any]) -> str:
    """What kind of post this is when the Graph API cannot make it again from runbook's record
    (a video, several photos); empty for a text, link or single-photo post."""
    attachments = obj(item.get("attachments")).get("data")
    for attachment in attachments if isinstance(attachments, list) else []:
        attachment = obj(attachment)
        kind = str(attachment.get("media_type") or "").lower()
        parts = obj(attachment.get("subattachments")).get("data")
        if isinstance(parts, list) and len(parts) > 1:
            return "several-photo" if kind in ("", "album", "photo") else kind
        if kind and kind not in ("photo", "link"):
            return kind
    return ""


def _from_unix(value: Any) -> str:
    """``2026-12-01T09:00:00Z`` from Unix seconds (or an ISO time, as given)."""
    try:
        return datetime.fromtimestamp(int(value), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (TypeError, ValueError):
        return str(value or "")
