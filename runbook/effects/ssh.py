"""SSH signatures: signing an action with a person's key, and checking a signature again.

OpenSSH's ``ssh-keygen -Y sign`` / ``-Y verify`` do the cryptography (the same signatures git
uses), under runbook's own namespace so a signature made for anything else never verifies here.
Signing goes through the key file given, or the ssh-agent when that file is a public key whose
private half the agent holds. Checking uses the person's keys from contacts as the allowed
signers. Failures come back as :class:`~runbook.errors.ActionRefused` with a line a person can
act on; nothing here ever prompts inside the terminal UI (``interactive=False``).
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from runbook.errors import ActionRefused
from runbook.i18n import _
from runbook.model.proof import SIGNATURE_NAMESPACE

MAX_SIGNATURE = 20_000
"""Characters an armored signature may have (an RSA-4096 one is about 1,000)."""
_GOOD = re.compile(r'Good "[^"]+" signature for (\S+) with \S+ key (SHA256:[A-Za-z0-9+/=]+)')
_ARMOR = re.compile(
    r"^-----BEGIN SSH SIGNATURE-----\n[A-Za-z0-9+/=\n]+-----END SSH SIGNATURE-----\n?$"
)


def _ssh_keygen() -> str:
    found = shutil.which("ssh-keygen")
    if found is None:
        raise ActionRefused(
            _("ssh-keygen is not installed here (OpenSSH client: apt-get install openssh-client)")
        )
    return found


def _run(args: list[str], data: str, *, timeout: float, interactive: bool) -> tuple[int, str]:
    env = dict(os.environ)
    if not interactive:
        env["SSH_ASKPASS_REQUIRE"] = "never"
        env.pop("DISPLAY", None)
    try:
        result = subprocess.run(
            [_ssh_keygen(), *args],
            input=data.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            env=env,
            start_new_session=not interactive,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ActionRefused(_("ssh-keygen did not answer in time; try again")) from None
    except OSError as exc:
        raise ActionRefused(_("cannot run ssh-keygen: %(exc)s", exc=exc)) from None
    out = result.stdout.decode("utf-8", "replace") + result.stderr.decode("utf-8", "replace")
    return result.returncode, out


@dataclass(frozen=True)
class Signer:
    """Signs with one key: a private key file, or a public key the ssh-agent holds."""

    key: Path
    interactive: bool = True
    """False in the app: never ask for a passphrase (the agent must hold the key)."""
    person: str = ""
    """Whose key this is (the app's: the person the login proves); empty: the operator's.
    A signer never signs for anyone else: switching person leaves actions unsigned."""

    def sign(self, text: str) -> str:
        """The armored signature of ``text``."""
        if not self.key.exists():
            raise ActionRefused(_("no SSH key at %(key)s", key=self.key))
        code, out = _run(
            ["-Y", "sign", "-q", "-f", str(self.key), "-n", SIGNATURE_NAMESPACE],
            text,
            timeout=120 if self.interactive else 15,
            interactive=self.interactive,
        )
        start = out.find("-----BEGIN SSH SIGNATURE-----")
        end = out.find("-----END SSH SIGNATURE-----")
        if code != 0 or start < 0 or end < 0:
            detail = " ".join(out.split())[:200] or f"exit {code}"
            raise ActionRefused(
                _("could not sign with %(key)s: %(detail)s", key=self.key, detail=detail)
            )
        return out[start : end + len("-----END SSH SIGNATURE-----")] + "\n"


def verify(text: str, signature: str, person: str, keys: list[str]) -> str:
    """Check that ``signature`` is ``person``'s signature of ``text`` by one of ``keys``;
    return the key's fingerprint. Raises ActionRefused saying what is wrong."""
    if not keys:
        raise ActionRefused(
            _("%(person)s has no SSH key in contacts (ssh_keys), so cannot sign", person=person)
        )
    if len(signature) > MAX_SIGNATURE or not _ARMOR.match(signature.replace("\r\n", "\n")):
        raise ActionRefused(_("the signature is not an SSH signature"))
    with tempfile.TemporaryDirectory(prefix="runbook-ssh-") as folder:
        signers = Path(folder) / "allowed_signers"
        signers.write_text(
            "".join(f'{person} namespaces="{SIGNATURE_NAMESPACE}" {key}\n' for key in keys),
            encoding="utf-8",
        )
        sig = Path(folder) / "signature"
        sig.write_text(signature, encoding="utf-8")
        code, out = _run(
            [
                "-Y",
                "verify",
                "-f",
                str(signers),
                "-I",
                person,
                "-n",
                SIGNATURE_NAMESPACE,
                "-s",
                str(sig),
            ],
            text,
            timeout=15,
            interactive=False,
        )
    match = _GOOD.search(out)
    if code != 0 or match is None or match.group(1) != person:
        raise ActionRefused(
            _(
                "the signature is not %(person)s's signature of this action (checked against "
                "%(n)s key(s) listed for %(person)s in contacts)",
                person=person,
                n=len(keys),
            )
        )
    return match.group(2)


def fingerprint(key_line: str) -> str:
    """``SHA256:...`` of a public key line."""
    with tempfile.NamedTemporaryFile("w", suffix=".pub", delete=False) as handle:
        handle.write(key_line.strip() + "\n")
        path = handle.name
    try:
        code, out = _run(["-l", "-f", path], "", timeout=15, interactive=False)
    finally:
        os.unlink(path)
    match = re.search(r"SHA256:[A-Za-z0-9+/=]+", out)
    if code != 0 or match is None:
        raise ActionRefused(_("not a public SSH key"))
    return match.group(0)


def discover(person_keys: list[str], explicit: str | None = None) -> Signer | None:
    """The key to sign with: ``explicit`` (``--key``), else ``RUNBOOK_SSH_KEY``, else a key the
    ssh-agent holds that is one of ``person_keys``, else ``~/.ssh/id_ed25519`` (or ecdsa, rsa).
    None when there is none."""
    chosen = explicit or os.environ.get("RUNBOOK_SSH_KEY")
    if chosen:
        return Signer(Path(chosen).expanduser())
    agent_key = _agent_key(person_keys)
    if agent_key is not None:
        return Signer(agent_key, interactive=False)
    home = Path.home() / ".ssh"
    wanted = {" ".join(k.split()[:2]) for k in person_keys}
    for name in ("id_ed25519", "id_ecdsa", "id_rsa"):
        if not (home / name).exists():
            continue
        try:
            public = (home / f"{name}.pub").read_text(encoding="utf-8")
        except OSError:
            public = ""
        if not wanted or " ".join(public.split()[:2]) in wanted:
            return Signer(home / name)
    return None


def _agent_key(person_keys: list[str]) -> Path | None:
    """A public key file for a key the agent holds that is one of ``person_keys``."""
    if not os.environ.get("SSH_AUTH_SOCK") or not person_keys or shutil.which("ssh-add") is None:
        return None
    try:
        listed = subprocess.run(
            ["ssh-add", "-L"], capture_output=True, timeout=5, check=False, text=True
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    wanted = {" ".join(k.split()[:2]) for k in person_keys}
    for line in listed.stdout.splitlines():
        if " ".join(line.split()[:2]) in wanted:
            handle = tempfile.NamedTemporaryFile(
                "w", prefix="runbook-agent-", suffix=".pub", delete=False
            )
            with handle:
                handle.write(line.strip() + "\n")
            atexit.register(_remove, handle.name)  # ssh-keygen needs it until the end
            return Path(handle.name)
    return None


def _remove(path: str) -> None:
    """Remove a public key file written for the agent (gone already: fine)."""
    try:
        os.unlink(path)
    except OSError:
        pass
