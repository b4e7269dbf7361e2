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


def _perms(app: str, models: str, actions: str) -> set[str]:
    return {f"{app}.{action}_{model}" for model in models.split() for action in actions.split()}


_VIEW_TERRITORY = _perms("territory", "adminarea grid route", "view")
_VIEW_PLACES = _perms("territory", "compound building entrance dwelling", "view")
_EDIT_GRIDS = _perms("territory", "grid", "add change delete")
_EDIT_PLACES = _perms("territory", "compound building entrance dwelling", "add change")
_VIEW_PEOPLE = _perms("people", "household person householdmove", "view")
_EDIT_PEOPLE = _perms("people", "household person", "add change")
_UNMASK = {"people.unmask_person"}
_VIEW_ORG = _perms("org", "partyorg partymembership worker", "view")
_EDIT_ORG = _perms("org", "partyorg partymembership worker", "add change delete")
_MANAGE_USERS = _perms("accounts", "user", "view add change") | _perms(
    "accounts", "scopeassignment", "view add change delete"
)
_READ_AUDIT = {"accounts.view_auditentry"}
_WORKER = _VIEW_TERRITORY | _VIEW_PLACES | _VIEW_PEOPLE | _VIEW_ORG
_STAFF = (
    _WORKER | _EDIT_GRIDS | _EDIT_PLACES | _EDIT_PEOPLE | _EDIT_ORG | _MANAGE_USERS | _READ_AUDIT
)

# Unmasking personal data is least privilege: the staff who handle residents' affairs in
# person (community and street) and the city administrator, not districts or workers.
PERMISSIONS: dict[str, frozenset[str]] = {
    Role.CITY_ADMIN: frozenset(_STAFF | _UNMASK | {"territory.change_adminarea"}),
    Role.DISTRICT_STAFF: frozenset(_STAFF),
    Role.STREET_STAFF: frozenset(_STAFF | _UNMASK),
    Role.COMMUNITY_STAFF: frozenset(_STAFF | _UNMASK),
    Role.GRID_WORKER: frozenset(_WORKER | _EDIT_PEOPLE | _EDIT_PLACES),
    Role.MICRO_WORKER: frozenset(_WORKER),
    Role.DEDICATED_WORKER: frozenset(_WORKER),
    # A resident sees their own household only (finegrid.people.queries).
    Role.RESIDENT: frozenset(_VIEW_TERRITORY | _VIEW_PEOPLE | _VIEW_ORG),
    Role.PARTNER: frozenset(_VIEW_TERRITORY | _VIEW_PLACES),
}
