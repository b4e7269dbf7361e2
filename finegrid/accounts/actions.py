"""Every change to users, their scopes and API tokens, each checked and audited.

A staff actor manages only users of lower rank whose scope lies inside their own; the
system actor (the command line) and superusers manage everyone. The system account
itself is managed by nobody.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from finegrid.accounts import audit
from finegrid.accounts.models import ApiToken, AuditAction, ScopeAssignment, User
from finegrid.accounts.roles import RANK, STAFF_ROLES, Role
from finegrid.accounts.scope import assigned_paths, covers, forget_scope, scope_paths
from finegrid.accounts.system import SYSTEM_USERNAME, is_system
from finegrid.errors import Conflict, InvalidInput, NotFound
from finegrid.territory.models import AdminArea, Grid
from finegrid.territory.queries import get_node

TOKEN_PREFIX = "fg_"
USER_EDITABLE = ("first_name", "last_name", "email", "role", "is_active")


def _require_manager(actor, role: str) -> None:
    """The actor may manage users and outranks ``role`` (the CLI and superusers always do)."""
    if actor.is_superuser:
        return
    if not actor.has_perm("accounts.change_user"):
        raise PermissionDenied("your role may not manage users")
    if RANK.get(role, 0) >= RANK.get(actor.role, 0):
        raise PermissionDenied(f"your role may not manage users with the role {role}")


def _require_manageable(actor, user: User) -> None:
    """The user is one the actor manages; a user outside the actor's scope is 'not found'."""
    if is_system(user):
        raise NotFound(f"no user {user.username}")
    if actor.is_superuser:
        return
    paths = scope_paths(actor)
    if not all(covers(paths, path) for path in assigned_paths(user) or ("",)):
        raise NotFound(f"no user {user.username}")
    _require_manager(actor, user.role)


def _resolve_scopes(actor, scope_codes: list[str]) -> list[AdminArea | Grid]:
    if not scope_codes:
        raise InvalidInput("scopes: give at least one area or grid code")
    nodes = []
    for code in scope_codes:
        try:
            nodes.append(get_node(actor, code))
        except NotFound:
            raise InvalidInput(f"scopes: no area or grid {code} in your scope") from None
    return nodes


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise InvalidInput([f"password: {message}" for message in error.messages]) from None


def _user_snapshot(user: User) -> dict:
    return audit.snapshot(user) | {"scopes": [a.node.code for a in user.assignments.all()]}


def _assign(user: User, nodes: list[AdminArea | Grid]) -> None:
    user.assignments.all().delete()
    ScopeAssignment.objects.bulk_create(
        ScopeAssignment(
            user=user,
            area=node if isinstance(node, AdminArea) else None,
            grid=node if isinstance(node, Grid) else None,
        )
        for node in nodes
    )
    forget_scope(user)


def follow_home(actor, user: User, home: AdminArea | Grid) -> None:
    """A resident's scope is where their household lives, so it moves with the household
    (whoever moved it; the change is in the user's audit trail)."""
    before = _user_snapshot(user)
    _assign(user, [home])
    after = _user_snapshot(user)
    if after != before:
        audit.record(actor, AuditAction.UPDATE, user, before=before, after=after, reason="moved")


@transaction.atomic
def do_create_user(
    actor,
    *,
    username: str,
    role: str,
    scopes: list[str],
    password: str | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> User:
    """Create a user with a role and scope. Without a password the account cannot log
    in until one is set."""
    if role not in Role.values:
        raise InvalidInput(f"role: {role!r} is not one of {', '.join(Role.values)}")
    _require_manager(actor, role)
    username = (username or "").strip()
    if not username or len(username) > 150:
        raise InvalidInput("username: must be 1 to 150 characters")
    if User.objects.filter(username=username).exists() or username == SYSTEM_USERNAME:
        raise Conflict(f"username: {username} is taken")
    nodes = _resolve_scopes(actor, scopes)
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=role in STAFF_ROLES,
    )
    if password is None:
        user.set_unusable_password()
    else:
        _check_password(password, user)
        user.set_password(password)
    user.save()
    _assign(user, nodes)
    audit.record(actor, AuditAction.CREATE, user, after=_user_snapshot(user))
    return user


@transaction.atomic
def do_update_user(actor, user: User, **changes) -> User:
    _require_manageable(actor, user)
    unknown = sorted(set(changes) - set(USER_EDITABLE))
    if unknown:
        raise InvalidInput([f"{name}: cannot be changed here" for name in unknown])
    if "role" in changes:
        if changes["role"] not in Role.values:
            raise InvalidInput(f"role: {changes['role']!r} is not one of {', '.join(Role.values)}")
        _require_manager(actor, changes["role"])
    before = _user_snapshot(user)
    for name, value in changes.items():
        setattr(user, name, value)
    user.is_staff = user.role in STAFF_ROLES
    after = _user_snapshot(user)
    if after != before:
        user.save()
        audit.record(actor, AuditAction.UPDATE, user, before=before, after=after)
    return user


@transaction.atomic
def do_set_scopes(actor, user: User, scopes: list[str]) -> User:
    _require_manageable(actor, user)
    nodes = _resolve_scopes(actor, scopes)
    before = _user_snapshot(user)
    _assign(user, nodes)
    after = _user_snapshot(user)
    if after != before:
        audit.record(actor, AuditAction.UPDATE, user, before=before, after=after)
    return user


@transaction.atomic
def do_set_password(actor, user: User, password: str) -> None:
    """Set a password (validated). The log records that it changed, never the value."""
    if actor.pk != user.pk:
        _require_manageable(actor, user)
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(actor, AuditAction.UPDATE, user, before={}, after={}, reason="password set")


@transaction.atomic
def do_create_token(
    actor, user: User, name: str, valid_days: int | None = None
) -> tuple[ApiToken, str]:
    """Make an API token; the secret is returned once and only its digest is stored."""
    if actor.pk != user.pk or is_system(user):
        _require_manageable(actor, user)
    if not name or len(name) > 100:
        raise InvalidInput("name: must be 1 to 100 characters")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = timezone.now() + dt.timedelta(days=valid_days) if valid_days else None
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[:10], digest=token_digest(secret), expires_at=expires
    )
    audit.record(actor, AuditAction.CREATE, token)
    return token, secret


@transaction.atomic
def do_revoke_token(actor, token: ApiToken) -> None:
    if actor.pk != token.user_id:
        _require_manageable(actor, token.user)
    audit.record(actor, AuditAction.DELETE, token, before=audit.snapshot(token))
    token.delete()


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def authenticate_token(secret: str) -> User | None:
    """The active user a bearer token belongs to, or None; notes when it was last used."""
    token = (
        ApiToken.objects.select_related("user").filter(digest=token_digest(secret)).first()
        if secret.startswith(TOKEN_PREFIX)
        else None
    )
    if token is None or not token.user.is_active or is_system(token.user):
        return None
    if token.user.is_demo and not settings.DEMO_MODE:
        return None
    now = timezone.now()
    if token.expires_at and token.expires_at <= now:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
