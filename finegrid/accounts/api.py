"""REST API for the signed-in user and the audit trail."""

from django.core.exceptions import PermissionDenied
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from finegrid.accounts import queries
from finegrid.accounts.schemas import AuditOut, MeOut
from finegrid.apicommon import READ_ERRORS, ErrorOut, Pages, actor

router = Router(tags=["accounts"])


@router.get("/me", response={200: MeOut, **READ_ERRORS})
def me(request):
    """Who you are, your role, your scope and your permissions."""
    user = actor(request)
    scopes = [
        {
            "code": a.node.code,
            "name": a.node.name,
            "kind": a.area.level if a.area_id else a.grid.kind,
        }
        for a in user.assignments.select_related("area", "grid")
    ]
    return {
        "username": user.username,
        "name": user.get_full_name(),
        "role": user.role,
        "scopes": scopes,
        "permissions": sorted(user.get_all_permissions()),
    }


class AuditFilters(Schema):
    object_type: str | None = None
    object_id: str | None = None
    request_id: str | None = None
    actor: str | None = None


@router.get("/audit", response={200: list[AuditOut], **READ_ERRORS, 403: ErrorOut})
@paginate(Pages)
def audit_trail(request, filters: Query[AuditFilters]):
    """The audit trail of objects in your scope, newest first (staff roles)."""
    user = actor(request)
    if not user.has_perm("accounts.view_auditentry"):
        raise PermissionDenied("your role may not read the audit trail")
    values = filters.dict()
    return queries.audit_entries(user, actor_label=values.pop("actor"), **values)
