"""Roles and what each may do. Where a user may do it is their scope (finegrid.accounts.scope).

Roles grant Django permissions through finegrid.accounts.backends.RoleBackend, so the
admin, the API and the actions all ask the same ``user.has_perm(...)``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("市级管理员")
    DISTRICT_STAFF = "district_staff", _("区县工作人员")
    STREET_STAFF = "street_staff", _("街道工作人员")
    COMMUNITY_STAFF = "community_staff", _("社区工作人员")
    GRID_WORKER = "grid_worker", _("专职网格员")
    MICRO_WORKER = "micro_worker", _("微网格员")
    DEDICATED_WORKER = "dedicated_worker", _("专属网格员")
    RESIDENT = "resident", _("居民")
    PARTNER = "partner", _("共建单位")


# Staff roles work in the admin and may manage users of lower rank inside their scope.
STAFF_ROLES = frozenset(
    {Role.CITY_ADMIN, Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.COMMUNITY_STAFF}
)

RANK = {
    Role.CITY_ADMIN: 40,
    Role.DISTRICT_STAFF: 30,
    Role.STREET_STAFF: 20,
    Role.COMMUNITY_STAFF: 10,
    Role.GRID_WORKER: 5,
    Role.MICRO_WORKER: 3,
    Role.DEDICATED_WORKER: 3,
    Role.RESIDENT: 1,
    Role.PARTNER: 1,
}

_VIEW_TERRITORY = {"territory.view_adminarea", "territory.view_grid"}
_EDIT_GRIDS = {"territory.add_grid", "territory.change_grid", "territory.delete_grid"}
_MANAGE_USERS = {
    "accounts.view_user",
    "accounts.add_user",
    "accounts.change_user",
    "accounts.view_scopeassignment",
    "accounts.add_scopeassignment",
    "accounts.change_scopeassignment",
    "accounts.delete_scopeassignment",
}
_READ_AUDIT = {"accounts.view_auditentry"}
_STAFF = _VIEW_TERRITORY | _EDIT_GRIDS | _MANAGE_USERS | _READ_AUDIT

PERMISSIONS: dict[str, frozenset[str]] = {
    Role.CITY_ADMIN: frozenset(_STAFF | {"territory.change_adminarea"}),
    Role.DISTRICT_STAFF: frozenset(_STAFF),
    Role.STREET_STAFF: frozenset(_STAFF),
    Role.COMMUNITY_STAFF: frozenset(_STAFF),
    Role.GRID_WORKER: frozenset(_VIEW_TERRITORY),
    Role.MICRO_WORKER: frozenset(_VIEW_TERRITORY),
    Role.DEDICATED_WORKER: frozenset(_VIEW_TERRITORY),
    Role.RESIDENT: frozenset(_VIEW_TERRITORY),
    Role.PARTNER: frozenset(_VIEW_TERRITORY),
}
