"""The witness: every incident's chain head, written outside the database on each append.

The hash chain shows that no event changed *unless the whole chain was rewritten*: someone
with write access to the database file can change an event and recompute every hash after it,
and the chain is consistent again. The witness closes that hole. After each append the store
writes one line, ``<incident id> <seq> <hash>``, to a file the database does not hold (beside
an SQLite file, ``<db>.witness``; for the team store a file in the user's data folder, or
``RUNBOOK_WITNESS``), appended with one ``write`` after the event is committed. ``runbook
verify`` compares the database's chains with every head the witness saw: a rewritten event no
longer has the witnessed hash, a removed one is missing.

The line is handed to the operating system at once (it survives the process being killed) but
is not forced to disk on every append: the witness only ever lags the database (it is written
after the commit), and a witness that lost its newest lines to a power cut leaves those events
unwitnessed, never flags a false change, so a second disk flush per append (which halved the
append rate) buys nothing. Compaction, which replaces the file, is flushed to disk.

The file stays small: past :data:`MAX_BYTES` it is rewritten keeping each incident's newest
head (a later head covers every event before it, through the chain). Lines that cannot be read
are counted and skipped, never trusted. Writing the witness never fails an append (the event
is already stored): a failure is reported through the store's notice.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runbook.i18n import _

HEADER = "# runbook witness v1: <incident> <seq> <hash> per line, appended after each write\n"
MAX_BYTES = 1 << 20
"""Past this size the file is compacted to each incident's newest head."""
MAX_READ = 64 << 20
"""A witness file larger than this is read only this far (a hostile file cannot exhaust
memory)."""
_LINE = re.compile(r"^([A-Z0-9][A-Z0-9_-]{0,63}) ([1-9][0-9]{0,11}) ([0-9a-f]{64})$")
_HEAD = re.compile(
    r"^\s*([A-Za-z0-9][A-Za-z0-9_-]{0,63})\s*#\s*([1-9][0-9]{0,11})[:\s]+([0-9a-fA-F]{12,64})\s*$"
)


@dataclass
class Heads:
    """Chain heads known from outside the database: incident -> seq -> hash (or a prefix of
    it, at least 12 hex digits, from a notification footer)."""

    by_incident: dict[str, dict[int, str]] = field(default_factory=dict)
    unreadable: int = 0
    """Lines of the witness file that could not be read (skipped)."""
    sources: list[str] = field(default_factory=list)
    """Where the heads came from (file paths, ``--head``)."""

    def add(self, incident_id: str, seq: int, digest: str) -> None:
        """Know that ``incident_id``'s event ``seq`` had hash ``digest``."""
        self.by_incident.setdefault(incident_id, {})[seq] = digest.lower()

    def merge(self, other: Heads) -> None:
        """Add every head of ``other``."""
        for incident_id, seqs in other.by_incident.items():
            for seq, digest in seqs.items():
                self.add(incident_id, seq, digest)
        self.unreadable += other.unreadable
        self.sources.extend(other.sources)

    def of(self, incident_id: str) -> dict[int, str]:
        """The heads known for one incident (empty when none)."""
        return self.by_incident.get(incident_id, {})


def parse_head(text: str) -> tuple[str, int, str]:
    """``INC-7KQ4PX#12:abcdef123456`` (or ``INC-7KQ4PX #12 abcdef123456``, as a notification
    footer writes it) as (incident, seq, hash prefix); ValueError when it is not one."""
    found = _HEAD.match(text.replace("record:", "", 1))
    if found is None:
        raise ValueError(
            _(
                "%(text)r is not a chain head (INCIDENT#SEQ:HASH, at least 12 hex digits)",
                text=text[:80],
            )
        )
    return found.group(1).upper(), int(found.group(2)), found.group(3).lower()


def head_text(incident_id: str, seq: int, digest: str) -> str:
    """The head as ``verify --head`` takes it: ``INC-7KQ4PX#12:<hash>``."""
    return f"{incident_id}#{seq}:{digest}"


class Witness:
    """One witness file (see module docstring)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def record(self, heads: Iterable[tuple[str, int, str]]) -> None:
        """Append one line per (incident, seq, hash) (one ``write``, see the module docstring);
        compact when the file has grown past :data:`MAX_BYTES`. Raises OSError when the file
        cannot be written."""
        lines = "".join(
            f"{incident_id} {seq} {digest}\n"
            for incident_id, seq, digest in heads
            if _LINE.match(f"{incident_id} {seq} {digest}")
        )
        if not lines:
            return
        while True:
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            except FileNotFoundError:  # the first head: its folder is made once
                self.path.parent.mkdir(parents=True, exist_ok=True)
                continue
            try:
                with _locked(fd):
                    try:  # compacted by another process meanwhile: append to the new file
                        replaced = os.stat(self.path).st_ino != os.fstat(fd).st_ino
                    except FileNotFoundError:
                        replaced = True
                    if replaced:
                        continue
                    size = os.fstat(fd).st_size
                    text = (HEADER if size == 0 else "") + lines
                    os.write(fd, text.encode("ascii"))
                    if size + len(text) > MAX_BYTES:
                        self._compact()
                    return
            finally:
                os.close(fd)

    def _compact(self) -> None:
        """Rewrite the file keeping each incident's newest head (under the append lock)."""
        heads = self.read()
        newest = {incident_id: max(seqs.items()) for incident_id, seqs in heads.by_incident.items()}
        text = HEADER + "".join(
            f"{incident_id} {seq} {digest}\n"
            for incident_id, (seq, digest) in sorted(newest.items())
        )
        temporary = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, text.encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, self.path)

    def exists(self) -> bool:
        """True when the file is there."""
        return self.path.is_file()

    def read(self) -> Heads:
        """Every head in the file (empty when there is no file)."""
        heads = Heads(sources=[str(self.path)])
        try:
            with self.path.open("rb") as handle:
                raw = handle.read(MAX_READ)
        except FileNotFoundError:
            return heads
        for line in raw.decode("ascii", "replace").splitlines():
            if not line or line.startswith("#"):
                continue
            found = _LINE.match(line)
            if found is None:
                heads.unreadable += 1
                continue
            heads.add(found.group(1), int(found.group(2)), found.group(3))
        return heads


def location(store_location: str, environ: Mapping[str, str] | None = None) -> Path:
    """Where the witness of the store at ``store_location`` is: ``RUNBOOK_WITNESS``, else
    beside an SQLite file (``<db>.witness``), else for a ``postgresql://`` URL a file in the
    user's data folder named after the database (host, port, name and options: the same file
    whichever role connects; no password ever in a file name)."""
    environ = os.environ if environ is None else environ
    chosen = environ.get("RUNBOOK_WITNESS")
    if chosen:
        return Path(chosen)
    if not store_location.startswith(("postgresql://", "postgres://")):
        return Path(str(store_location) + ".witness")
    from platformdirs import user_data_path

    public = re.sub(r"://[^/@]*@", "://", store_location)  # every login of one database
    name = re.sub(r"[^A-Za-z0-9]+", "-", public.split("://", 1)[1].split("?", 1)[0])[:60]
    digest = hashlib.sha256(public.encode("utf-8")).hexdigest()[:12]
    return user_data_path("runbook", appauthor=False) / "witness" / f"{name}-{digest}.witness"


def disagreement(rows: list[dict[str, Any]], known: Mapping[int, str]) -> tuple[int, str] | None:
    """Where an incident's stored ``rows`` (in seq order) disagree with the heads ``known``
    from outside the database: (the first such seq, what is wrong), or None when they agree."""
    for seq in sorted(known):
        expected = known[seq]
        if seq > len(rows):
            return (
                len(rows) + 1,
                _(
                    "event #%(seq)s was witnessed (hash %(hash)s) but the database holds only "
                    "%(count)s event(s): events were removed from the end",
                    seq=seq,
                    hash=expected[:12],
                    count=len(rows),
                ),
            )
        stored = str(rows[seq - 1].get("hash") or "")
        if not stored.startswith(expected):
            return (
                seq,
                _(
                    "event #%(seq)s is not the event the witness saw (the database has hash "
                    "%(stored)s, the witness %(hash)s): the record was rewritten at or before "
                    "event #%(seq)s and its hashes recomputed",
                    seq=seq,
                    stored=stored[:12],
                    hash=expected[:12],
                ),
            )
    return None


def witness_rows(
    witness: Witness | None,
    rows: list[dict[str, Any]],
    notice: Callable[[str], None] | None,
) -> None:
    """Witness the newest of ``rows`` just stored (one incident's); a failure to write is told
    to ``notice`` (the event is stored: the append stands)."""
    if witness is None or not rows:
        return
    last = rows[-1]
    try:
        witness.record([(str(last["incident_id"]), int(last["seq"]), str(last["hash"]))])
    except OSError as exc:
        if notice is not None:
            notice(
                _(
                    "could not write the witness file %(path)s: %(error)s",
                    path=witness.path,
                    error=exc.strerror or exc,
                )
            )


def _sync(fd: int) -> None:
    """Flush the file's data (and its size) to disk."""
    sync = getattr(os, "fdatasync", os.fsync)
    sync(fd)


class _locked:
    """An exclusive advisory lock on an open file for one block (none where the platform has
    no ``fcntl``)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __enter__(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return
        fcntl.flock(self.fd, fcntl.LOCK_UN)
