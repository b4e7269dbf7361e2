"""Scopes: every user sees only the subtrees of the area/grid tree they are assigned to.

Grid-scoped rows carry a materialized ``path`` of short codes from the province down
(``51/5101/510116/510116001/510116001005/003/07``); a user's scope is the set of paths
of their assigned nodes, and a row is in scope when its path equals one of them or lies
below it. Every read goes through ``restrict(user)``.
"""

from __future__ import annotations

import functools
import operator

from django.db import models
from django.db.models import Q

# Sentinel for "no restriction" (superusers).
EVERYWHERE: None = None


def scope_paths(user) -> tuple[str, ...] | None:
    """The paths a user may see; ``None`` means everywhere. Cached on the user object."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ()
    if user.is_superuser:
        return EVERYWHERE
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


def path_q(paths: tuple[str, ...], field: str = "path") -> Q:
    """Rows whose ``field`` is one of ``paths`` (at least one) or below one of them."""
    return functools.reduce(
        operator.or_,
        (Q(**{field: p}) | Q(**{f"{field}__startswith": f"{p}/"}) for p in paths),
    )


def covers(paths: tuple[str, ...] | None, path: str) -> bool:
    """Whether a scope includes ``path``."""
    if paths is EVERYWHERE:
        return True
    return any(path == p or path.startswith(f"{p}/") for p in paths)


def in_scope(user, path: str) -> bool:
    return covers(scope_paths(user), path)


class ScopedQuerySet(models.QuerySet):
    """QuerySet of a grid-scoped model; ``scope_field`` names its path column."""

    scope_field = "path"

    def restrict(self, user):
        """The rows ``user`` may read: none unless their role may view this model (a
        partner sees places, not people), else those in their scope."""
        meta = self.model._meta
        if not user.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
            return self.none()
        paths = scope_paths(user)
        if paths is EVERYWHERE:
            return self
        if not paths:
            return self.none()
        return self.filter(self.in_paths(paths))

    def in_paths(self, paths: tuple[str, ...]) -> Q:
        """Rows at or below ``paths``."""
        return path_q(paths, self.scope_field)
