"""Personal approval links: made when a draft is submitted, checked when someone uses one.

A link carries, in the clear, what it is for (incident, draft, version, content hash, person,
link id, expiry) and a keyed hash (HMAC-SHA256) of all of it under the team's link secret, so
changing any byte of it makes it worthless. It is single-use (the event log records the link
id of every decision made with it), short-lived (``approval_links.valid_for``, 2 hours by
default) and bound to one person and one exact text.

The secret is read from the environment variable named in contacts (``RUNBOOK_LINK_SECRET``),
else from a key file in runbook's data folder, created on first use, readable by its owner
only. It is never written to a file people edit, to the event log or to an export: events hold
link *ids*, and the receipt of a decision (a keyed hash ``runbook verify`` can recompute).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from runbook.errors import RunbookError
from runbook.i18n import _
from runbook.model.contacts import ApprovalLinks

MAX_TOKEN = 1200
"""Characters a link token may have (a real one is about 250)."""
MIN_SECRET = 16
"""Characters a secret from the environment must have at least."""
_TAG = b"runbook-link-v1."


class LinkError(RunbookError):
    """A link that cannot be used; ``claim`` holds what it said, when it could be read."""

    def __init__(self, message: str, claim: LinkClaim | None = None) -> None:
        self.claim = claim
        super().__init__(message)


@dataclass(frozen=True)
class LinkClaim:
    """What a link is for."""

    incident_id: str
    draft_id: str
    version: int
    content_hash: str
    person: str
    link_id: str
    expires: datetime


def link_id(effect_id: str, person: str) -> str:
    """The id of the link an approval request (``effect_id``) sends ``person``."""
    return hashlib.sha256(f"{effect_id}/{person}".encode()).hexdigest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class LinkKeys:
    """The team's link secret and what is made with it (see module docstring)."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < MIN_SECRET:
            raise RunbookError(
                _(
                    "the approval-link secret must be at least %(min_secret)s bytes",
                    min_secret=MIN_SECRET,
                )
            )
        self._secret = secret

    @classmethod
    def load(
        cls, settings: ApprovalLinks, data_dir: Path | None = None, *, create: bool = True
    ) -> LinkKeys:
        """The secret from ``settings.secret_env``, else the key file (made on first use,
        unless ``create`` is False: checking receipts never invents a secret)."""
        from_env = os.environ.get(settings.secret_env, "")
        if from_env:
            if len(from_env) < MIN_SECRET:
                raise RunbookError(
                    _(
                        "%(secret_env)s is too short for an approval-link secret (at least "
                        "%(min_secret)s characters)",
                        secret_env=settings.secret_env,
                        min_secret=MIN_SECRET,
                    )
                )
            return cls(from_env.encode("utf-8"))
        return cls(_key_file(data_dir, create))

    def _mac(self, *parts: str) -> bytes:
        return hmac.new(self._secret, "\x1f".join(parts).encode("utf-8"), "sha256").digest()

    # -- links ----------------------------------------------------------------------------
    def make(self, claim: LinkClaim) -> str:
        """The token of a link (goes in the URL; a secret in its own right)."""
        body = {
            "i": claim.incident_id,
            "d": claim.draft_id,
            "v": claim.version,
            "h": claim.content_hash,
            "p": claim.person,
            "l": claim.link_id,
            "e": int(claim.expires.timestamp()),
        }
        payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8"))
        mac = hmac.new(self._secret, _TAG + payload.encode("ascii"), "sha256").digest()
        return f"{payload}.{_b64(mac)}"

    def read(self, token: str, now: datetime) -> LinkClaim:
        """What ``token`` is for; LinkError when altered, unreadable or expired (an expired
        or otherwise refused link still says what it claimed, for the record)."""
        if not token or len(token) > MAX_TOKEN or token.count(".") != 1:
            raise LinkError(_("this is not a runbook approval link (it may be cut short)"))
        payload, mac = token.split(".")
        claim = _parse(payload)
        try:
            given = _unb64(mac)
        except (binascii.Error, ValueError):
            raise LinkError(
                _("this link was altered: its signature does not match"), claim
            ) from None
        expected = hmac.new(self._secret, _TAG + payload.encode("ascii"), "sha256").digest()
        if not hmac.compare_digest(given, expected):
            raise LinkError(_("this link was altered: its signature does not match"), claim)
        if claim is None:
            raise LinkError(_("this link cannot be read"))
        if now >= claim.expires:
            raise LinkError(
                _(
                    "this link expired at %(expires)s UTC; ask for a new one",
                    expires=format(claim.expires, "%Y-%m-%d %H:%M"),
                ),
                claim,
            )
        return claim

    # -- what decisions carry ---------------------------------------------------------------
    def receipt(self, claim: LinkClaim, decision: str, at: str) -> str:
        """The keyed hash recorded with a decision made through a link."""
        return self._mac(
            "receipt-v1",
            claim.incident_id,
            claim.draft_id,
            str(claim.version),
            claim.content_hash,
            claim.person,
            claim.link_id,
            decision,
            at,
        ).hex()[:40]

    def check_receipt(
        self,
        receipt: str,
        *,
        incident_id: str,
        draft_id: str,
        version: int,
        content_hash: str,
        person: str,
        link: str,
        decision: str,
        at: str,
    ) -> bool:
        """True when ``receipt`` is the one this secret gives for that decision."""
        claim = LinkClaim(
            incident_id, draft_id, version, content_hash, person, link, datetime.now(UTC)
        )
        return hmac.compare_digest(receipt, self.receipt(claim, decision, at))

    def csrf(self, cookie: str, link: str) -> str:
        """The form token of an approval page, tied to the browser's cookie and the link."""
        return _b64(self._mac("csrf-v1", cookie, link))


def _parse(payload: str) -> LinkClaim | None:
    try:
        body = json.loads(_unb64(payload))
        return LinkClaim(
            incident_id=str(body["i"])[:40],
            draft_id=str(body["d"])[:40],
            version=int(body["v"]),
            content_hash=str(body["h"])[:64],
            person=str(body["p"])[:64],
            link_id=str(body["l"])[:40],
            expires=datetime.fromtimestamp(int(body["e"]), UTC),
        )
    except (ValueError, KeyError, TypeError, OverflowError, binascii.Error, OSError):
        return None


def _key_file(data_dir: Path | None, create: bool) -> bytes:
    """The secret kept in ``link.key`` in runbook's data folder (created 0600 on first use)."""
    if data_dir is None:
        from platformdirs import user_data_path

        data_dir = user_data_path("runbook", appauthor=False)
    path = data_dir / "link.key"
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        if not create:
            raise RunbookError(_("no approval-link key at %(path)s", path=path)) from None
    except (OSError, ValueError) as exc:
        raise RunbookError(
            _("cannot read the approval-link key %(path)s: %(exc)s", path=path, exc=exc)
        ) from None
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fresh = secrets.token_bytes(32)
        temp = path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(fresh.hex() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temp, path)  # first writer wins; a racing process reads the winner's key
        except FileExistsError:
            pass
        finally:
            os.unlink(temp)
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except OSError as exc:
        raise RunbookError(
            _("cannot create the approval-link key %(path)s: %(exc)s", path=path, exc=exc)
        ) from None
