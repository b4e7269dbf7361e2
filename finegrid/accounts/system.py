"""The system actor: who acts when no person does (the command line, the demo builder,
background work). It is a real, named account so that every audit row names its actor,
and it can never sign in: it has no usable password, no token, and the login backend
refuses it."""

from __future__ import annotations

import getpass

from finegrid.accounts.models import User
from finegrid.accounts.roles import Role

SYSTEM_USERNAME = "system"


def system_actor(channel: str) -> User:
    """The system account, acting for ``channel`` ("cli", "demo", "tasks"); the audit log
    names it ``system:<channel>`` (for the command line, with the operating-system user)."""
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is None:
        user = User(
            username=SYSTEM_USERNAME, role=Role.CITY_ADMIN, is_superuser=True, first_name="系统"
        )
        user.set_unusable_password()
        user.save()
    user.channel = f"cli:{_os_user()}" if channel == "cli" else channel
    return user


def is_system(user) -> bool:
    return getattr(user, "username", None) == SYSTEM_USERNAME


def _os_user() -> str:
    try:
        return getpass.getuser()
    except OSError:
        return "unknown"
