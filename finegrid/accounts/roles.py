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
    DEPARTMENT = "department", _("部门工作人员")


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
    Role.DEPARTMENT: 1,
}

# Roles whose reach is not a part of the area/grid tree but the cases routed or whistled
# to the responsible unit they are bound to (finegrid.cases.models.CaseQuerySet): their
# territorial scope is empty whatever nodes they are assigned to. The assignment (the
# unit's area) only files their audit rows and says which staff manage the account.
UNIT_ROLES = frozenset({Role.DEPARTMENT})


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
_WF = "course coursematerial quizquestion trainingsession enrolment attendance quizattempt"
_WF += " certificate scheme rule pointrun pointentry redemption assessmentperiod"
_WF += " assessmentresult appeal"
_VIEW_WORKFORCE = _perms("workforce", _WF, "view")
_EDIT_WORKFORCE = _perms("workforce", _WF, "add change")
# Workers enrol, check in, take quizzes and appeal for themselves (finegrid.workforce.actions).
_WORKER_SELF = _perms("workforce", "enrolment attendance quizattempt appeal", "add")
_MANAGE_USERS = _perms("accounts", "user", "view add change") | _perms(
    "accounts", "scopeassignment", "view add change delete"
)
_READ_AUDIT = {"accounts.view_auditentry"}
_VIEW_CAMPAIGNS = _perms("campaigns", "campaign section assignment visit alert", "view")
_VISIT = {"campaigns.add_visit"}
_OVERSEE_CAMPAIGNS = _perms("campaigns", "section assignment", "change")
_RUN_CAMPAIGNS = _perms("campaigns", "campaign", "add change") | _OVERSEE_CAMPAIGNS
_PARTNER_MODELS = (
    "partner partneraccount service committeemember committeeterm termmember dwellingarea "
    "assemblydecision assemblyvote ratingperiod surveyanswer partyrole partnerrecord rating "
    "serviceoffer award ledger ledgerentry"
)
_VIEW_PARTNERS = _perms("partners", _PARTNER_MODELS, "view")
_EDIT_PARTNERS = _perms("partners", _PARTNER_MODELS, "add change") | {"partners.view_serviceitem"}
# A partner user keeps its organization's accounts; workers take the satisfaction survey.
_PARTNER_USER = _VIEW_PARTNERS | _perms("partners", "ledger ledgerentry", "add change")
_SURVEY = _perms("partners", "surveyanswer", "add")
_VIEW_CASES = _perms("cases", "case casestep streammessage", "view") | {
    "cases.add_case",
    "cases.add_streammessage",
}
_WORK_CASES = (
    _VIEW_CASES
    | _perms("cases", "whistle whistlecall", "view")
    | {"cases.handle_case", "cases.verify_case"}
)
_MANAGE_CASES = (
    _WORK_CASES
    | _perms("cases", "case unit dutyitem robot", "view add change")
    | {"cases.dispatch_case"}
)
_WHISTLE = {"cases.whistle_case"}
_WORKER = _VIEW_TERRITORY | _VIEW_PLACES | _VIEW_PEOPLE | _VIEW_ORG | _VIEW_WORKFORCE | _WORKER_SELF
_STAFF = (
    _WORKER
    | _EDIT_GRIDS
    | _EDIT_PLACES
    | _EDIT_PEOPLE
    | _EDIT_ORG
    | _EDIT_WORKFORCE
    | _MANAGE_USERS
    | _READ_AUDIT
    | _VIEW_CAMPAIGNS
    | _VISIT
    | _RUN_CAMPAIGNS
    | _VIEW_PARTNERS
    | _EDIT_PARTNERS
)

# Unmasking personal data is least privilege: the staff who handle residents' affairs in
# person (community and street) and the city administrator, not districts or workers.
PERMISSIONS: dict[str, frozenset[str]] = {
    Role.CITY_ADMIN: frozenset(
        _STAFF
        | _UNMASK
        | {"territory.change_adminarea"}
        | _MANAGE_CASES
        | _WHISTLE
        | _perms("partners", "serviceitem", "add")
    ),
    Role.DISTRICT_STAFF: frozenset(_STAFF | _MANAGE_CASES | _WHISTLE),
    Role.STREET_STAFF: frozenset(_STAFF | _UNMASK | _MANAGE_CASES | _WHISTLE),
    Role.COMMUNITY_STAFF: frozenset(_STAFF | _UNMASK | _MANAGE_CASES),
    Role.GRID_WORKER: frozenset(
        _WORKER
        | _EDIT_PEOPLE
        | _EDIT_PLACES
        | _WORK_CASES
        | _VIEW_CAMPAIGNS
        | _VISIT
        | _OVERSEE_CAMPAIGNS
        | _VIEW_PARTNERS
        | _SURVEY
    ),
    Role.MICRO_WORKER: frozenset(
        _WORKER | _VIEW_CASES | {"cases.verify_case"} | _VIEW_CAMPAIGNS | _VISIT
    ),
    Role.DEDICATED_WORKER: frozenset(_WORKER | _WORK_CASES | _VIEW_CAMPAIGNS | _VISIT),
    # A resident sees their own household only (finegrid.people.queries), and their own
    # cases and compound group (finegrid.cases), and their own survey answers.
    Role.RESIDENT: frozenset(
        _VIEW_TERRITORY | _VIEW_PEOPLE | _VIEW_ORG | _VIEW_CASES | {"partners.view_surveyanswer"}
    ),
    # A partner (a property company) handles the cases of its compounds and keeps their
    # public accounts.
    Role.PARTNER: frozenset(
        _VIEW_TERRITORY | _VIEW_PLACES | _VIEW_CASES | {"cases.handle_case"} | _PARTNER_USER
    ),
    # A department (区级部门 or 街道科室) sees the cases dispatched or whistled to its unit
    # and nothing else: it signs for (start) or sends back a case, handles it, and reports
    # (报到) to a whistle.
    Role.DEPARTMENT: frozenset(
        _perms("cases", "case casestep whistle whistlecall", "view") | {"cases.handle_case"}
    ),
}
