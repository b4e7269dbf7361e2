"""Scopes: every user sees and changes only the subtrees of the area/grid tree they are
assigned to, and only what their role allows there.

Grid-scoped rows carry a materialized ``path`` of short codes from the province down
(``51/5101/510116/510116001/510116001005/003/07``); a user's scope is the set of paths
of their assigned nodes, and a row is in scope when its path equals one of them or lies
below it.

There is one way to reach a row: ``Model.objects.restrict(user, action)`` for lists, and
``access(user, action, queryset, ...)`` for the one object a request names — the object
it changes and every object its path or body refers to. Missing and out of scope give the
same answer (NotFound); in scope with a role that may only look gives PermissionDenied.
Every caller is a real user: the command line, the demo and background work act as the
system actor (finegrid.accounts.system), never as "nobody means everybody".
"""

from __future__ import annotations

import functools
import operator

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q

from finegrid.accounts.roles import UNIT_ROLES
from finegrid.errors import NotFound

# Sentinel for "no restriction" (superusers and the system actor).
EVERYWHERE: None = None

ACTIONS = ("view", "add", "change", "delete")


def scope_paths(user) -> tuple[str, ...] | None:
    """The paths a user may see; ``None`` means everywhere. Cached on the user object."""
    if user is None:
        raise TypeError("scopes need an actor; the command line acts as the system actor")
    if not user.is_authenticated or not user.is_active:
        return ()
    if user.is_superuser:
        return EVERYWHERE
    if user.role in UNIT_ROLES:
        # A department's reach is its unit's cases (finegrid.cases), no part of the tree.
        return ()
    cached = getattr(user, "_finegrid_scope_paths", None)
    if cached is None:
        cached = assigned_paths(user)
        user._finegrid_scope_paths = cached
    return cached


def assigned_paths(user) -> tuple[str, ...]:
    """The paths of the nodes a user is assigned to, whether or not the account is active."""
    return tuple(sorted(a.path for a in user.assignments.select_related("area", "grid")))


def forget_scope(user) -> None:
    """Drop the cached scope after the user's assignments change."""
    user.__dict__.pop("_finegrid_scope_paths", None)


@models.CharField.register_lookup
class Below(models.Lookup):
    """``path__below=p``: the paths strictly below ``p``, written so that an index on the
    path can seek to them. PostgreSQL does that for ``LIKE 'p/%'`` (with the
    varchar_pattern_ops index); SQLite's LIKE ignores case and so never uses an index,
    and there it is the range ``'p/' <= path < 'p0'`` ('0' follows '/', and SQLite
    compares text byte by byte)."""

    lookup_name = "below"

    def as_sql(self, compiler, connection):
        return models.lookups.StartsWith(self.lhs, f"{self.rhs}/").as_sql(compiler, connection)

    def as_sqlite(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        return f"({lhs} >= %s AND {lhs} < %s)", [*params, f"{self.rhs}/", f"{self.rhs}0"]


def path_q(paths: tuple[str, ...], field: str = "path") -> Q:
    """Rows whose ``field`` is one of ``paths`` (at least one) or below one of them."""
    return functools.reduce(
        operator.or_, (Q(**{field: p}) | Q(**{f"{field}__below": p}) for p in paths)
    )


def covers(paths: tuple[str, ...] | None, path: str) -> bool:
    """Whether a scope includes ``path``."""
    if paths is EVERYWHERE:
        return True
    return any(path == p or path.startswith(f"{p}/") for p in paths)


def in_scope(user, path: str) -> bool:
    return covers(scope_paths(user), path)


def permission(model: type[models.Model], action: str) -> str:
    meta = model._meta
    return f"{meta.app_label}.{action}_{meta.model_name}"


def require(actor, perm: str) -> None:
    """The actor's role grants ``perm``, or PermissionDenied naming it."""
    if actor is None:
        raise TypeError("actions need an actor; the command line acts as the system actor")
    if not actor.has_perm(perm):
        raise PermissionDenied(f"your role may not do this ({perm})")


def require_place(actor, action: str, model: type[models.Model], path: str, missing: str):
    """The actor may ``action`` a ``model`` row at ``path`` (a row about to be created or
    moved there): the role first (403), then the scope (404, like a missing place)."""
    require(actor, permission(model, action))
    if not in_scope(actor, path):
        raise NotFound(missing)


class ScopedQuerySet(models.QuerySet):
    """QuerySet of a grid-scoped model; ``scope_field`` names its path column."""

    scope_field = "path"

    def restrict(self, user, action: str = "view"):
        """The rows ``user`` may ``action``: none unless their role may do that to this
        model (a partner sees places, not people), else those in their scope, narrowed
        further by ``narrow`` where a role sees less than its scope (a resident)."""
        if user is None:
            raise TypeError("restrict() needs an actor; the command line acts as the system actor")
        if not user.has_perm(permission(self.model, action)):
            return self.none()
        paths = scope_paths(user)
        if paths is EVERYWHERE:
            return self
        if not paths:
            return self.none()
        return self.filter(self.reach(paths, action)).narrow(user, action)

    def reach(self, paths: tuple[str, ...], action: str) -> Q:
        """Rows a scope of ``paths`` reaches for ``action``: those at or below them."""
        return self.in_paths(paths)

    def in_paths(self, paths: tuple[str, ...]) -> Q:
        """Rows at or below ``paths``."""
        return path_q(paths, self.scope_field)

    def narrow(self, user, action: str):
        """Rows of the scope this user's role may reach; all of them unless a model says."""
        return self


class SharedDownward(ScopedQuerySet):
    """Rows an area shares with the places below it (a street's rating period or offer):
    seen from below as well, changed only by those whose scope holds them."""

    def reach(self, paths: tuple[str, ...], action: str) -> Q:
        reached = super().reach(paths, action)
        if action != "view":
            return reached
        return reached | Q(**{f"{self.scope_field}__in": ancestor_paths(paths)})


def ancestor_paths(paths: tuple[str, ...]) -> set[str]:
    """The paths strictly above each of ``paths``."""
    return {p.rsplit("/", n)[0] for p in paths for n in range(1, p.count("/") + 1)}


def access(user, action: str, queryset, missing: str, **lookup):
    """The one row of ``queryset`` matching ``lookup`` that ``user`` may ``action``.

    Missing and out of scope both raise NotFound(missing); a row the user may see but
    whose role may not ``action`` it raises PermissionDenied. Every action looks up the
    object it changes and every object a request names through here."""
    if isinstance(queryset, type):
        queryset = queryset.objects.all()
    found = queryset.restrict(user, action).filter(**lookup).first()
    if found is not None:
        return found
    if action != "view" and queryset.restrict(user, "view").filter(**lookup).exists():
        raise PermissionDenied(f"your role may not do this ({permission(queryset.model, action)})")
    raise NotFound(missing)


def by_key(ref, key: str = "pk") -> dict:
    """The lookup of a reference given as a row (its primary key) or as a value of ``key``."""
    if isinstance(ref, models.Model):
        return {"pk": ref.pk}
    return {key: ref}
