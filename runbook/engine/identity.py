"""Who is operating, and how that is proven: the operator's identity for one process.

The operating-system account runbook runs under is read from the process's real user id (not
from ``$USER`` or ``$LOGNAME``, which anyone can set). When contacts map that account to a
person (``logins: [...]``), runbook acts as that person with proof ``login`` and needs no
``--as``. On the team store a PostgreSQL role mapped to a person gives proof ``db-role``, and
the database refuses any other actor for that role. Naming someone else with ``--as`` (or
``RUNBOOK_OPERATOR``, or switching person in the app) is a *claim*: allowed where the policy
says so, always recorded as ``claimed`` with the person the login proves behind it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Literal

from runbook.errors import RunbookError
from runbook.i18n import _
from runbook.model.contacts import Contacts
from runbook.model.proof import APPROVAL_SERVER, Proof


def os_account() -> str:
    """The operating-system account of this process, from its real user id."""
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, OSError):  # Windows, or a uid with no passwd entry
        import getpass

        try:
            return getpass.getuser()
        except (KeyError, OSError):
            return ""


@dataclass(frozen=True)
class Identity:
    """The person operating and how it is proven (see module docstring)."""

    person: str
    method: Literal["login", "db-role", "claimed"]
    """``login``, ``db-role`` or ``claimed``."""
    account: str = ""
    """The operating-system account of the process."""
    behind: str = ""
    """For a claim: the person the login (or database role) proves, if any."""
    db_role: str = ""

    def proof(self) -> Proof:
        """The proof stamped on the events this operator records."""
        return Proof(
            method=self.method,
            account=self.account,
            behind=self.behind,
            db_role=self.db_role,
        )

    def system_proof(self) -> Proof:
        """The proof of runbook's own steps recorded by this operator's process."""
        return Proof(method="system", account=self.account, behind=self.person)

    def words(self) -> str:
        """``login``, ``claimed (typed by tom)``, ``database role tom_rb``."""
        return self.proof().words()


def resolve(
    contacts: Contacts,
    requested: str | None,
    *,
    account: str,
    db_role: str = "",
    db_person: str | None = None,
) -> Identity:
    """The identity of a process running under ``account`` that asked to act as
    ``requested`` (None: whoever the login or database role proves).

    ``db_role``/``db_person``: the team store's role and the person the database maps it to.
    Raises :class:`RunbookError` (one line saying what to do) when nobody can be determined or
    the name is unknown.
    """
    people = contacts.people
    ids = ", ".join(p.id for p in people[:8]) + (", ..." if len(people) > 8 else "")
    if db_person == APPROVAL_SERVER:
        raise RunbookError(
            _(
                "you are connected to the team store as database role %(db_role)s, the approval "
                "server's (runbook serve): it records only decisions made through approval "
                "links; connect with your own role to work on incidents",
                db_role=repr(db_role),
            )
        )
    if db_person:
        if contacts.person(db_person) is None:
            raise RunbookError(
                _(
                    "the team store maps database role %(db_role)s to %(db_person)s, who is not "
                    "a person in contacts; ask whoever runs the team store to fix the mapping",
                    db_role=repr(db_role),
                    db_person=repr(db_person),
                )
            )
        if requested and requested != db_person:
            raise RunbookError(
                _(
                    "you are connected to the team store as database role %(db_role)s, which is "
                    "%(db_person)s: you can only act as %(db_person)s (drop --as %(requested)s)",
                    db_role=repr(db_role),
                    db_person=db_person,
                    requested=requested,
                )
            )
        return Identity(db_person, "db-role", account=account, db_role=db_role)
    login = contacts.person_with_login(account)
    if requested is None or requested == "":
        if login is None:
            raise RunbookError(
                _(
                    "who is operating? your login %(account)s is not mapped to anyone in "
                    "contacts (add it to your entry's logins); or pass --as PERSON or set "
                    "RUNBOOK_OPERATOR (people: %(ids)s)",
                    account=repr(account),
                    ids=ids,
                )
            )
        return Identity(login.id, "login", account=account)
    if contacts.person(requested) is None:
        raise RunbookError(
            _(
                "%(requested)s is not a person in contacts (people: %(ids)s)",
                requested=repr(requested),
                ids=ids,
            )
        )
    if login is not None and login.id == requested:
        return Identity(requested, "login", account=account)
    return Identity(
        requested, "claimed", account=account, behind=login.id if login is not None else ""
    )
