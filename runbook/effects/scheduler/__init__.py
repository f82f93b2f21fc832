"""Schedulers: the tools holding the brand's upcoming posts, behind one small protocol.

runbook keeps its own ledger of what each incident held (in the event log), so adapters only
need to list posts, hold a set, release a set (optionally at new times), read statuses back,
and create posts (an approved statement handed over for publishing). Holding or releasing a
post already in that state is success, and creating again with the same key finds the posts
the first try created instead of adding them twice, which makes retries safe.
Adapters: :mod:`.file_calendar` (a CSV or YAML content calendar), :mod:`.http` (a
scheduler's generic REST API) and the products :mod:`.postiz`, :mod:`.hootsuite`,
:mod:`.buffer` and :mod:`.meta` (see :mod:`.product`: a product that cannot set a post aside
deletes it after its full record is in the event log, and :meth:`Schedulers.recreate` makes it
again on release). :class:`Schedulers` joins several configured schedulers into one.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

from runbook.clock import Clock
from runbook.effects import Outcome, Post
from runbook.errors import EffectError

T = TypeVar("T")

SCHEDULED = "scheduled"
"""Will go out at its time."""
HELD = "held"
"""Held by runbook: will not go out until released."""


class SchedulerAdapter(Protocol):
    """One scheduling tool."""

    name: str
    """The scheduler's name in configuration (``calendar``, ``buffer``)."""

    def list_posts(self) -> list[Post]:
        """Every upcoming post it knows, whatever its status (scheduled, held, ...)."""
        ...

    def hold(self, post_ids: list[str], key: str) -> Outcome:
        """Hold these posts. ``done``: ``{"id", "status": "held"}`` per post held (or already
        held); ``failures``: ``{"id", "error"}``. ``key`` is the idempotency key."""
        ...

    def release(self, post_ids: list[str], key: str, new_times: dict[str, str]) -> Outcome:
        """Put these posts back to ``scheduled``, at ``new_times[id]`` (ISO 8601, UTC) where
        given. Releasing a post that is already scheduled is success."""
        ...

    def status(self, post_ids: list[str]) -> dict[str, str]:
        """Read back the current status of these posts (missing posts: ``missing``)."""
        ...

    def create(self, posts: list[dict[str, Any]], key: str) -> Outcome:
        """Create ``scheduled`` posts, each ``{"channel", "text", "scheduled_at"}`` (ISO 8601,
        UTC; ``now``: the adapter's clock time). ``done``: the created post's
        :meth:`Post.as_dict` plus ``"index"`` (its position in ``posts``); ``failures``:
        ``{"index", "channel", "error", "transient"}``. ``key`` is the idempotency key: each
        post is known by ``key`` and its index, and creating again with the same key reports
        the posts already there as done without creating them twice."""
        ...


def scheduled_time(value: str, clock: Clock) -> str | None:
    """A new post's time: ``now`` as the clock's time (``2026-11-21T14:00:00Z``), an ISO 8601
    date and time as given; None when ``value`` is not a date and time."""
    value = value.strip()
    if value.lower() == "now":
        return clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return None
    return value


class Schedulers:
    """Several configured schedulers joined into one adapter.

    With one scheduler, post ids are the scheduler's own; with several, each id is prefixed
    with the scheduler's name (``calendar:p12``) so ids never collide. New posts go to the
    scheduler named in the post's optional ``"scheduler"``, else to the first configured one.
    """

    name = "schedulers"

    def __init__(self, adapters: list[SchedulerAdapter]) -> None:
        self.adapters = {adapter.name: adapter for adapter in adapters}
        self._qualify = len(adapters) > 1
        self.problems: list[dict[str, str]] = []
        """Schedulers the last :meth:`list_posts` could not read: ``{"id", "error"}``."""

    def _split(self, post_ids: list[str]) -> dict[str, list[str]]:
        routed: dict[str, list[str]] = {}
        for post_id in post_ids:
            if self._qualify:
                name, _, local = post_id.partition(":")
            else:
                name, local = next(iter(self.adapters)), post_id
            routed.setdefault(name, []).append(local)
        return routed

    def _id(self, name: str, local: str) -> str:
        return f"{name}:{local}" if self._qualify else local

    def _all(self, call: Callable[[str, SchedulerAdapter], T]) -> list[tuple[str, T | Exception]]:
        """``call`` on every scheduler at once (each product's API is its own bottleneck),
        in configuration order; an EffectError is returned in place of that result."""

        def one(name: str, adapter: SchedulerAdapter) -> T | Exception:
            try:
                return call(name, adapter)
            except EffectError as exc:
                return exc

        if len(self.adapters) == 1:
            return [(name, one(name, adapter)) for name, adapter in self.adapters.items()]
        with ThreadPoolExecutor(max_workers=len(self.adapters)) as pool:
            futures = [(n, pool.submit(one, n, a)) for n, a in self.adapters.items()]
        return [(name, future.result()) for name, future in futures]

    def list_posts(self) -> list[Post]:
        """Every post of every scheduler (listed at the same time)."""
        posts = []
        self.problems = []
        for name, listed in self._all(lambda _, adapter: adapter.list_posts()):
            if isinstance(listed, Exception):
                self.problems.append({"id": f"{name}:*", "error": str(listed)})
                continue
            for post in listed:
                posts.append(
                    Post(
                        self._id(name, post.id),
                        post.channel,
                        post.scheduled_at,
                        post.excerpt,
                        post.status,
                        name,
                        post.hold,
                        post.record,
                    )
                )
        return posts

    def _each(
        self,
        post_ids: list[str],
        key: str,
        times: dict[str, dict[str, str]] | None = None,
    ) -> Outcome:
        """Hold each scheduler's own posts (or, given ``times``, each scheduler's new times,
        release them), all schedulers at once."""
        outcome = Outcome()
        routed = self._split(post_ids)
        for name in [n for n in routed if n not in self.adapters]:
            outcome.failures += [
                {"id": self._id(name, i), "error": f"no scheduler {name!r}"}
                for i in routed.pop(name)
            ]

        def one(name: str, adapter: SchedulerAdapter) -> Outcome | None:
            ids = routed.get(name)
            if not ids:
                return None
            if times is None:
                return adapter.hold(ids, key)
            return adapter.release(ids, key, times.get(name, {}))

        for name, part in self._all(one):  # every scheduler at once
            ids = routed.get(name, [])
            if isinstance(part, EffectError):  # one broken scheduler never stops the others
                outcome.failures += [
                    {"id": self._id(name, i), "error": str(part), "transient": part.transient}
                    for i in ids
                ]
                continue
            if not isinstance(part, Outcome):
                continue
            outcome.done += [{**d, "id": self._id(name, d["id"])} for d in part.done]
            outcome.failures += [{**f, "id": self._id(name, f["id"])} for f in part.failures]
            outcome.note = "; ".join(filter(None, [outcome.note, part.note]))
        return outcome

    def hold(self, post_ids: list[str], key: str) -> Outcome:
        """Hold posts, each in its own scheduler."""
        return self._each(post_ids, key)

    def release(self, post_ids: list[str], key: str, new_times: dict[str, str]) -> Outcome:
        """Release posts, each in its own scheduler (all schedulers at once)."""
        times: dict[str, dict[str, str]] = {
            name: {
                local: new_times[self._id(name, local)]
                for local in ids
                if self._id(name, local) in new_times
            }
            for name, ids in self._split(post_ids).items()
        }
        return self._each(post_ids, key, times=times)

    def recreate(self, posts: list[dict[str, Any]], key: str, new_times: dict[str, str]) -> Outcome:
        """Recreate deleted posts from their records, each in its own scheduler."""
        outcome = Outcome()
        routed: dict[str, list[dict[str, Any]]] = {}
        for post in posts:
            name, local = self._split([post["id"]]).popitem()
            routed.setdefault(name, []).append({**post, "id": local[0]})
        for name, local_posts in routed.items():
            adapter = self.adapters.get(name)
            ids = [self._id(name, p["id"]) for p in local_posts]
            recreate = getattr(adapter, "recreate", None)
            if recreate is None:
                outcome.failures += [
                    {"id": i, "error": f"scheduler {name!r} cannot recreate posts"} for i in ids
                ]
                continue
            times = {
                p["id"]: new_times[self._id(name, p["id"])]
                for p in local_posts
                if self._id(name, p["id"]) in new_times
            }
            try:
                part = recreate(local_posts, key, times)
            except EffectError as exc:
                outcome.failures += [
                    {"id": i, "error": str(exc), "transient": exc.transient} for i in ids
                ]
                continue
            outcome.done += [{**d, "id": self._id(name, d["id"])} for d in part.done]
            outcome.failures += [{**f, "id": self._id(name, f["id"])} for f in part.failures]
        return outcome

    def check(self) -> list[dict[str, Any]]:
        """Each scheduler's credentials, reachability and the posts it would see (changes
        nothing); an adapter without its own check is listed."""
        results = []
        for name, adapter in self.adapters.items():
            check = getattr(adapter, "check", None)
            if check is not None:
                results.append(check())
                continue
            kind = type(adapter).__name__
            product = {"FileCalendar": "file calendar", "HttpScheduler": "REST API"}.get(kind, kind)
            entry: dict[str, Any] = {"scheduler": name, "product": product, "hold": ""}
            try:
                listed = adapter.list_posts()
            except EffectError as exc:
                results.append({**entry, "ok": False, "error": str(exc)})
                continue
            scheduled = sum(1 for p in listed if p.status == SCHEDULED)
            results.append({**entry, "ok": True, "posts": len(listed), "scheduled": scheduled})
        return results

    def status(self, post_ids: list[str]) -> dict[str, str]:
        """Read statuses back from each scheduler (all at once)."""
        routed = self._split(post_ids)
        found: dict[str, str] = {
            self._id(n, i): "missing" for n, ids in routed.items() for i in ids
        }

        def one(name: str, adapter: SchedulerAdapter) -> dict[str, str]:
            return adapter.status(routed[name]) if routed.get(name) else {}

        for name, statuses in self._all(one):
            if isinstance(statuses, dict):
                for local in routed.get(name, []):
                    found[self._id(name, local)] = statuses.get(local, "missing")
        return found

    def create(self, posts: list[dict[str, Any]], key: str) -> Outcome:
        """Create posts, each in the scheduler it names (``"scheduler"``) or the first one that
        takes new posts (a calendar or REST API before the products that only hold)."""
        outcome = Outcome()
        routed: dict[str, list[int]] = {}
        makers = [n for n, a in self.adapters.items() if getattr(a, "creates", True)]
        first = next(iter(makers or self.adapters), "")  # products above do not take statements
        for index, post in enumerate(posts):
            routed.setdefault(str(post.get("scheduler") or first), []).append(index)
        for name, indexes in routed.items():
            adapter = self.adapters.get(name)
            channels = {i: str(posts[i].get("channel") or "") for i in indexes}
            if adapter is None:
                problem = (
                    f"no scheduler {name!r} is configured" if name else "no scheduler is configured"
                )
                outcome.failures += [
                    {"index": i, "channel": channels[i], "error": problem, "transient": False}
                    for i in indexes
                ]
                continue
            try:
                part = adapter.create([posts[i] for i in indexes], key)
            except EffectError as exc:  # one broken scheduler never stops the others
                outcome.failures += [
                    {
                        "index": i,
                        "channel": channels[i],
                        "error": str(exc),
                        "transient": exc.transient,
                    }
                    for i in indexes
                ]
                continue
            outcome.done += [
                {**d, "id": self._id(name, d["id"]), "index": indexes[d["index"]]}
                for d in part.done
            ]
            outcome.failures += [{**f, "index": indexes[f["index"]]} for f in part.failures]
            outcome.note = "; ".join(filter(None, [outcome.note, part.note]))
        return outcome
