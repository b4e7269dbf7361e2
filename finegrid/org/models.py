"""The party organization mirrored on the grids, and the workers who staff the grids."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from finegrid.accounts.scope import ScopedQuerySet
from finegrid.people.models import Person
from finegrid.territory.models import Grid, GridKind


class PartyOrgKind(models.TextChoices):
    COMMUNITY_COMMITTEE = "community_committee", _("社区党委")
    GRID_BRANCH = "grid_branch", _("网格党支部")
    MICRO_GROUP = "micro_group", _("微网格党小组")
    DEDICATED_ORG = "dedicated_org", _("专属网格党组织")


# The grid kind each party organization mirrors, and the kind of its parent organization.
MIRRORS = {
    PartyOrgKind.COMMUNITY_COMMITTEE: (GridKind.COMMUNITY, None),
    PartyOrgKind.GRID_BRANCH: (GridKind.GENERAL, PartyOrgKind.COMMUNITY_COMMITTEE),
    PartyOrgKind.MICRO_GROUP: (GridKind.MICRO, PartyOrgKind.GRID_BRANCH),
    PartyOrgKind.DEDICATED_ORG: (GridKind.DEDICATED, PartyOrgKind.COMMUNITY_COMMITTEE),
}
ORG_KIND_FOR_GRID = {grid_kind: org_kind for org_kind, (grid_kind, _) in MIRRORS.items()}


class PartyOrg(models.Model):
    """A party organization (党组织) on one grid; its parent mirrors the grid's parent."""

    kind = models.CharField(_("类型"), max_length=24, choices=PartyOrgKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    grid = models.OneToOneField(
        Grid, on_delete=models.PROTECT, related_name="party_org", verbose_name=_("网格")
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("上级党组织"),
    )
    founded = models.DateField(_("成立日期"), null=True, blank=True)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name


class MemberRole(models.TextChoices):
    SECRETARY = "secretary", _("书记")
    DEPUTY = "deputy", _("副书记")
    GROUP_LEADER = "group_leader", _("党小组长")
    MEMBER = "member", _("党员")


class PartyMembership(models.Model):
    """A party member (a person flagged 党员) belonging to an organization."""

    org = models.ForeignKey(
        PartyOrg, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("党组织")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="party_memberships", verbose_name=_("人员")
    )
    role = models.CharField(
        _("职务"), max_length=16, choices=MemberRole.choices, default=MemberRole.MEMBER
    )
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        constraints = [models.UniqueConstraint(fields=["org", "person"], name="membership_once")]

    def __str__(self) -> str:
        return f"{self.person} @ {self.org}"


class WorkerRole(models.TextChoices):
    GRID_LEADER = "grid_leader", _("网格长")
    GRID_WORKER = "grid_worker", _("专职网格员")
    MICRO_WORKER = "micro_worker", _("微网格员")
    DEDICATED_WORKER = "dedicated_worker", _("专属网格员")


# The grid kind each worker role serves.
SERVES = {
    WorkerRole.GRID_LEADER: GridKind.GENERAL,
    WorkerRole.GRID_WORKER: GridKind.GENERAL,
    WorkerRole.MICRO_WORKER: GridKind.MICRO,
    WorkerRole.DEDICATED_WORKER: GridKind.DEDICATED,
}


class WorkerQuerySet(ScopedQuerySet):
    def active(self, on: dt.date | None = None):
        on = on or dt.date.today()
        return self.filter(start__lte=on).filter(models.Q(end__isnull=True) | models.Q(end__gte=on))


class Worker(models.Model):
    """Someone assigned to a grid from a start date to an optional end date. A micro-grid
    worker is usually a resident of that micro-grid (then ``person`` is set)."""

    AUDIT_EXCLUDE = ("phone_enc", "phone_hash")

    role = models.CharField(_("角色"), max_length=24, choices=WorkerRole.choices)
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="workers", verbose_name=_("网格")
    )
    name = models.CharField(_("姓名"), max_length=50)
    person = models.ForeignKey(
        Person,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="worker_roles",
        verbose_name=_("登记人员"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="worker_roles",
        verbose_name=_("登录账号"),
    )
    phone_enc = models.TextField(blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    phone_masked = models.CharField(_("联系电话"), max_length=11, blank=True)
    start = models.DateField(_("起始日期"), default=dt.date.today)
    end = models.DateField(_("结束日期"), null=True, blank=True)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = WorkerQuerySet.as_manager()

    class Meta:
        verbose_name = _("网格员")
        verbose_name_plural = _("网格员")
        ordering = ["path", "role", "start"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"
