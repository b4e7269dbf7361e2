"""Reads of users and the audit log, always through the reader's scope."""

from __future__ import annotations

from django.db.models import QuerySet

from finegrid.accounts.models import AuditEntry, ScopeAssignment, User
from finegrid.accounts.scope import EVERYWHERE, path_q, scope_paths
from finegrid.accounts.system import SYSTEM_USERNAME
from finegrid.errors import one_or_not_found


def _assignments_in(paths: tuple[str, ...]) -> QuerySet[ScopeAssignment]:
    return ScopeAssignment.objects.filter(path_q(paths, "area__path") | path_q(paths, "grid__path"))


def users(actor) -> QuerySet[User]:
    """Users the actor may see: every assignment of theirs lies inside the actor's scope
    (never the system actor, which nobody manages)."""
    queryset = User.objects.exclude(username=SYSTEM_USERNAME).prefetch_related(
        "assignments__area", "assignments__grid"
    )
    paths = scope_paths(actor)
    if paths is EVERYWHERE:
        return queryset
    if not paths:
        return queryset.none()
    inside = _assignments_in(paths)
    outside = ScopeAssignment.objects.exclude(pk__in=inside.values("pk"))
    return (
        queryset.filter(assignments__in=inside)
        .exclude(assignments__in=outside)
        .distinct()
        .order_by("username")
    )


def get_user(actor, username: str) -> User:
    return one_or_not_found(users(actor), f"no user {username}", username=username)


def audit_entries(
    actor,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    request_id: str | None = None,
    actor_label: str | None = None,
) -> QuerySet[AuditEntry]:
    """The audit trail the actor may read: entries about objects in their scope."""
    queryset = AuditEntry.objects.restrict(actor)
    if object_type:
        queryset = queryset.filter(object_type=object_type)
    if object_id:
        queryset = queryset.filter(object_id=object_id)
    if request_id:
        queryset = queryset.filter(request_id=request_id)
    if actor_label:
        queryset = queryset.filter(actor_label=actor_label)
    return queryset
