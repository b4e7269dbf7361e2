"""Door-to-door mobilization (入户组织动员): a campaign over a node of the tree, one
section per micro-grid (or dedicated grid) with its worker and live counters, one
assignment per household, and the visits recorded at the doors.

Progress is read from the sections' counters, kept up to date by every recorded visit,
never by counting visits: a city's progress view reads ~140,000 small rows, not millions.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from finegrid.accounts.roles import Role
from finegrid.accounts.scope import ScopedQuerySet, path_q, scope_paths
from finegrid.org.models import Worker
from finegrid.people.models import Household
from finegrid.territory.models import Grid


class Outcome(models.TextChoices):
    REACHED = "reached", _("已见面")
    NOT_HOME = "not_home", _("不在家")
    REFUSED = "refused", _("拒绝")
    MOVED = "moved", _("已搬离")
    NEEDS_HELP = "needs_help", _("需帮扶")


# Outcomes after which a household needs no further visit; "not at home" is revisited.
FINAL = frozenset({Outcome.REACHED, Outcome.REFUSED, Outcome.MOVED, Outcome.NEEDS_HELP})


class AnswerType(models.TextChoices):
    YES_NO = "yes_no", _("是/否")
    CHOICE = "choice", _("单选")
    NUMBER = "number", _("数字")
    TEXT = "text", _("文字")


class CampaignQuerySet(ScopedQuerySet):
    def restrict(self, user, action: str = "view"):
        """Seen from above and below (see ``in_paths``); changed only by those whose scope
        holds the campaign's node."""
        found = super().restrict(user, action)
        paths = scope_paths(user)
        if action != "view" and paths:
            found = found.filter(path_q(paths))
        return found

    def in_paths(self, paths: tuple[str, ...]):
        """A campaign concerns everyone under its node and everyone above it: a worker of
        one micro-grid sees the street's campaign that reaches them."""
        above = {p for path in paths for p in _ancestors(path)}
        return path_q(paths) | models.Q(path__in=above)


def _ancestors(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:n]) for n in range(1, len(parts))]


class Campaign(models.Model):
    """A mobilization over one area or grid, from its start to its deadline."""

    title = models.CharField(_("名称"), max_length=100)
    purpose = models.TextField(_("目的"), blank=True)
    script = models.TextField(_("入户话术"), blank=True)
    checklist = models.JSONField(
        _("入户问题"), default=list, blank=True, help_text=_("[{key, question, type, choices}]")
    )
    node_code = models.CharField(_("范围代码"), max_length=32)
    node_name = models.CharField(_("范围"), max_length=100)
    path = models.CharField(_("路径"), max_length=80, db_index=True)
    start = models.DateTimeField(_("开始时间"))
    deadline = models.DateTimeField(_("截止时间"))
    vulnerable_first = models.BooleanField(_("困难群体优先"), default=True)
    households = models.PositiveIntegerField(_("户数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发起人"),
    )
    launched_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("动员任务")
        verbose_name_plural = _("动员任务")
        ordering = ["-start", "-id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.node_name})"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class Section(models.Model):
    """One micro-grid (or dedicated grid) of a campaign: its worker at launch and the
    counters of its households' latest outcomes."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="sections", verbose_name=_("动员任务")
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="+", verbose_name=_("网格")
    )
    worker = models.ForeignKey(
        Worker,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("网格员"),
    )
    path = models.CharField(_("路径"), max_length=80, db_index=True)
    households = models.PositiveIntegerField(_("户数"), default=0)
    done = models.PositiveIntegerField(_("已完成"), default=0)
    reached = models.PositiveIntegerField(Outcome.REACHED.label, default=0)
    not_home = models.PositiveIntegerField(Outcome.NOT_HOME.label, default=0)
    refused = models.PositiveIntegerField(Outcome.REFUSED.label, default=0)
    moved = models.PositiveIntegerField(Outcome.MOVED.label, default=0)
    needs_help = models.PositiveIntegerField(Outcome.NEEDS_HELP.label, default=0)
    visits = models.PositiveIntegerField(_("走访次数"), default=0)
    first_visit_at = models.DateTimeField(null=True, blank=True)
    last_visit_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    estimate_minutes = models.FloatField(_("划分预计用时（分钟）"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("动员网格")
        verbose_name_plural = _("动员网格")
        ordering = ["campaign", "path"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "grid"], name="section_once"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.grid.code}"


class AssignmentQuerySet(ScopedQuerySet):
    def restrict(self, user, action: str = "view"):
        """Staff and grid workers reach the assignments under their scope; a micro-grid or
        dedicated-grid worker only their own (a reassigned household follows its new
        worker, even outside that worker's grid)."""
        if user is None:
            raise TypeError("restrict() needs an actor; the command line acts as the system actor")
        own = models.Q(worker__user=user) if user.is_authenticated else models.Q(pk__in=[])
        if user.is_authenticated and user.role in (Role.MICRO_WORKER, Role.DEDICATED_WORKER):
            if not user.is_active or not user.has_perm(f"campaigns.{action}_assignment"):
                return self.none()
            return self.filter(own)
        scoped = super().restrict(user, action)
        if (
            user.is_authenticated
            and user.role == Role.GRID_WORKER
            and user.is_active
            and user.has_perm(f"campaigns.{action}_assignment")
        ):
            return self.filter(models.Q(pk__in=scoped.values("pk")) | own)
        return scoped


class Assignment(models.Model):
    """One household of a campaign: who visits it, in what order, and its latest outcome.
    ``priority`` says "visit first" without saying why."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("动员任务")
    )
    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("动员网格")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("户")
    )
    worker = models.ForeignKey(
        Worker,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("走访人"),
    )
    order = models.PositiveIntegerField(_("走访顺序"), default=0)
    priority = models.BooleanField(_("优先走访"), default=False)
    outcome = models.CharField(_("最新结果"), max_length=16, choices=Outcome.choices, blank=True)
    visited_at = models.DateTimeField(_("最近走访"), null=True, blank=True)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("入户任务")
        verbose_name_plural = _("入户任务")
        ordering = ["campaign", "section", "-priority", "order"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "household"], name="assignment_once"),
        ]
        indexes = [models.Index(fields=["campaign", "worker"], name="assignment_worker")]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.household_id}"


class Visit(models.Model):
    """One outcome at one door. ``client_id`` is made on the phone, so a retry of the
    same outcome is recognised and never counted twice."""

    client_id = models.UUIDField(_("客户端编号"), unique=True)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="visits", verbose_name=_("动员任务")
    )
    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="visits", verbose_name=_("入户任务")
    )
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices)
    answers = models.JSONField(_("问题回答"), default=dict, blank=True)
    note = models.CharField(_("备注"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("记录人"),
    )
    recorded_at = models.DateTimeField(_("记录时间"))
    case_id = models.BigIntegerField(_("帮扶事件"), null=True, blank=True)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("入户走访")
        verbose_name_plural = _("入户走访")
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.assignment_id}: {self.get_outcome_display()}"


class AlertKind(models.TextChoices):
    NOT_STARTED = "not_started", _("开始30分钟仍无走访")
    LATE = "late", _("预计无法按时完成")


class Alert(models.Model):
    """An escalation about one section, raised once per kind."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("动员任务")
    )
    section = models.ForeignKey(
        Section, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("动员网格")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=AlertKind.choices)
    raised_at = models.DateTimeField(_("预警时间"))
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("动员预警")
        verbose_name_plural = _("动员预警")
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(fields=["section", "kind"], name="alert_once"),
        ]

    def __str__(self) -> str:
        return f"{self.section}: {self.get_kind_display()}"


class Notice(models.Model):
    """A message in the app for one user: a new assignment, an escalation."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("接收人"),
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="notices", verbose_name=_("动员任务")
    )
    text = models.CharField(_("内容"), max_length=300)
    created_at = models.DateTimeField(_("时间"))
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text
