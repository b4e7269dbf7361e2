"""Cases (事件/诉求): every resident problem from intake to a rated close, the units and
duty lists that say who must act, 吹哨报到, the compound group stream, group robots and
Open311 clients.

A case is grid-scoped: its ``path`` is the path of the finest grid it lies in (its
household's or compound's grid, else its community). Its history is its steps
(``CaseStep``): who did what, when, with which note and evidence.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from finegrid.accounts.roles import Role
from finegrid.accounts.scope import EVERYWHERE, ScopedQuerySet, scope_paths
from finegrid.territory.models import AdminArea, Compound, Grid

# --- Units and duty lists -------------------------------------------------------------


class UnitKind(models.TextChoices):
    DEPARTMENT = "department", _("区级部门")
    STREET_OFFICE = "street_office", _("街道科室")
    COMMUNITY = "community", _("社区")
    GRID = "grid", _("网格")
    PROPERTY = "property", _("物业服务企业")


class Level(models.TextChoices):
    """The level a duty item makes responsible, bottom up; escalation climbs it."""

    GRID = "grid", _("网格")
    COMMUNITY = "community", _("社区")
    STREET = "street", _("街道")
    DISTRICT = "district", _("区级部门")
    PROPERTY = "property", _("物业")


class Unit(models.Model):
    """A responsible unit (责任单位): who a duty item makes act. ``path`` is the path of the
    area it belongs to (a district department: the district's) and scopes who manages it;
    its members are the accounts that work its cases."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=UnitKind.choices)
    area = models.ForeignKey(
        AdminArea, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属区划")
    )
    compound = models.ForeignKey(
        Compound,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("服务小区"),
        help_text=_("物业服务企业负责其服务的小区"),
    )
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    # A unit's duty phone is a public contact of the post, not personal data.
    contact_phone = models.CharField(_("值班电话"), max_length=20, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="case_units", verbose_name=_("成员")
    )
    illustrative = models.BooleanField(_("示例数据"), default=False)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("责任单位")
        verbose_name_plural = _("责任单位")
        ordering = ["path", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["area", "name"], name="unit_name_per_area"),
        ]

    def __str__(self) -> str:
        return self.name


class DutyList(models.TextChoices):
    DUTY = "duty", _("职责任务清单")
    SERVICE = "service", _("公共服务事项清单")
    TERRITORIAL = "territorial", _("属地管理重点领域责任分工清单")


class Category(models.TextChoices):
    """What a case is about; duty items route a category to a unit."""

    PARKING = "parking", _("车辆乱停")
    ELEVATOR = "elevator", _("电梯故障")
    SANITATION = "sanitation", _("环境卫生")
    UTILITIES = "utilities", _("水电气")
    NOISE = "noise", _("噪音扰民")
    FACILITY = "facility", _("公共设施")
    SAFETY = "safety", _("安全隐患")
    DISPUTE = "dispute", _("邻里纠纷")
    PROPERTY = "property", _("物业服务")
    GREENING = "greening", _("绿化管护")
    HELP = "help", _("困难帮扶")
    OTHER = "other", _("其他")


class Urgency(models.TextChoices):
    EMERGENCY = "emergency", _("紧急")
    URGENT = "urgent", _("水电气急件")
    NORMAL = "normal", _("一般")
    COMPLEX = "complex", _("复杂")


class DutyItem(models.Model):
    """One version of an item of a duty list. A change (moved to another level, another
    lead unit, retired with a reason) writes a new version and closes the old one, so the
    record of what was cleared from communities stays. ``path`` is the publishing area's
    (a street's list covers its communities)."""

    list = models.CharField(_("清单"), max_length=16, choices=DutyList.choices)
    code = models.CharField(_("编号"), max_length=32)
    version = models.PositiveIntegerField(_("版本"), default=1)
    title = models.CharField(_("事项"), max_length=200)
    category = models.CharField(_("事件类别"), max_length=16, choices=Category.choices)
    level = models.CharField(_("责任层级"), max_length=16, choices=Level.choices)
    lead_unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lead_items",
        verbose_name=_("牵头单位"),
    )
    supporting_units = models.ManyToManyField(
        Unit, blank=True, related_name="supporting_items", verbose_name=_("配合单位")
    )
    handle_days = models.PositiveSmallIntegerField(_("办理时限（工作日）"), null=True, blank=True)
    legal_basis = models.TextField(_("法律依据"), blank=True)
    active = models.BooleanField(_("有效"), default=True)
    change_note = models.CharField(_("变更说明"), max_length=200, blank=True)
    retired_reason = models.CharField(_("取消理由"), max_length=200, blank=True)
    valid_from = models.DateTimeField(_("生效时间"))
    valid_to = models.DateTimeField(_("失效时间"), null=True, blank=True)
    illustrative = models.BooleanField(_("示例数据"), default=False)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("清单事项")
        verbose_name_plural = _("清单事项")
        ordering = ["list", "code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["path", "list", "code", "version"], name="duty_item_version_once"
            ),
            models.UniqueConstraint(
                fields=["path", "list", "code"],
                condition=Q(valid_to__isnull=True),
                name="duty_item_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title} (v{self.version})"


# --- Cases ----------------------------------------------------------------------------


class Channel(models.TextChoices):
    RESIDENT = "resident", _("居民自报")
    WORKER = "worker", _("网格员上报")
    HOTLINE = "hotline", _("12345热线")
    STREAM = "stream", _("小区群")
    CAMPAIGN = "campaign", _("入户走访")
    OPEN311 = "open311", _("Open311")
    STAFF = "staff", _("工作人员录入")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("待受理")
    ACCEPTED = "accepted", _("已立案")
    DISPATCHED = "dispatched", _("已派遣")
    IN_PROGRESS = "in_progress", _("处置中")
    HANDLED = "handled", _("待核查")
    VERIFIED = "verified", _("已核查")
    CLOSED = "closed", _("已结案")
    SUSPENDED = "suspended", _("已挂起")
    REFUSED = "refused", _("不予受理")
    CANCELLED = "cancelled", _("已撤销")


OPEN_STATUSES = frozenset(
    {
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.HANDLED,
        Status.VERIFIED,
        Status.SUSPENDED,
    }
)
FINAL_STATUSES = frozenset({Status.CLOSED, Status.REFUSED, Status.CANCELLED})


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASICALLY = "basically", _("基本满意")
    UNSATISFIED = "unsatisfied", _("不满意")


class CaseQuerySet(ScopedQuerySet):
    """A user's cases: those in their scope (a resident: their own; a partner: their
    compounds'), plus those routed or whistled to a unit they are a member of."""

    def restrict(self, user, action: str = "view"):
        scoped = super().restrict(user, action)
        if not user.is_authenticated or scope_paths(user) is EVERYWHERE:
            return scoped
        if not user.has_perm(f"cases.{action}_case"):
            return scoped
        units = Unit.objects.filter(members=user).values("pk")
        if not units.exists():
            return scoped
        routed = Q(unit__in=units) | Q(whistles__calls__unit__in=units)
        return self.filter(
            Q(pk__in=scoped.values("pk")) | Q(pk__in=self.filter(routed).values("pk"))
        )

    def narrow(self, user, action: str):
        if user.role == Role.RESIDENT:
            return self.filter(Q(reporter=user) | Q(household__members__user=user)).distinct()
        if user.role == Role.PARTNER:
            return self.filter(compound__isnull=False)
        return self

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)


class Case(models.Model):
    """One resident problem through its lifecycle (GB/T 30428: 信息采集 → 立案 → 派遣 →
    处置 → 反馈 → 核查 → 结案 → 评价)."""

    AUDIT_EXCLUDE = ("reporter_phone_enc", "reporter_phone_hash")

    ref = models.CharField(_("编号"), max_length=24, unique=True)
    category = models.CharField(_("类别"), max_length=16, choices=Category.choices)
    urgency = models.CharField(
        _("紧急程度"), max_length=16, choices=Urgency.choices, default=Urgency.NORMAL
    )
    text = models.TextField(_("内容"))
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices)
    source = models.CharField(_("来源引用"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    resume_status = models.CharField(max_length=16, blank=True, editable=False)
    community = models.ForeignKey(
        AdminArea, on_delete=models.PROTECT, related_name="+", verbose_name=_("社区")
    )
    grid = models.ForeignKey(
        Grid,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("网格"),
    )
    compound = models.ForeignKey(
        Compound,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("小区/院落"),
    )
    household = models.ForeignKey(
        "people.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("户"),
    )
    lon = models.FloatField(_("经度"), null=True, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    address = models.CharField(_("地点"), max_length=200, blank=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_cases",
        verbose_name=_("反映人账号"),
    )
    reporter_name = models.CharField(_("反映人"), max_length=50, blank=True)
    reporter_phone_enc = models.TextField(blank=True)
    reporter_phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    reporter_phone_masked = models.CharField(_("反映人电话"), max_length=11, blank=True)
    anonymous = models.BooleanField(_("对其他居民匿名"), default=False)
    duty_item = models.ForeignKey(
        DutyItem,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("清单事项"),
    )
    route_rule = models.CharField(_("派遣依据"), max_length=300, blank=True)
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("责任单位"),
    )
    opened_at = models.DateTimeField(_("登记时间"), db_index=True)
    accepted_at = models.DateTimeField(_("立案时间"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("派遣时间"), null=True, blank=True)
    handled_at = models.DateTimeField(_("处置完成时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结案时间"), null=True, blank=True)
    # The deadline of the stage the case is in, and of the whole case (for 按期结案).
    due_at = models.DateTimeField(_("本环节时限"), null=True, blank=True, db_index=True)
    handle_due_at = models.DateTimeField(_("办结时限"), null=True, blank=True)
    overdue = models.BooleanField(_("已超时"), default=False, db_index=True)
    escalation = models.CharField(_("督办层级"), max_length=16, choices=Level.choices, blank=True)
    accepted_on_time = models.BooleanField(_("按时响应"), null=True, blank=True)
    closed_on_time = models.BooleanField(_("按期结案"), null=True, blank=True)
    satisfaction = models.CharField(
        _("评价"), max_length=16, choices=Satisfaction.choices, blank=True
    )
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    reopened = models.PositiveSmallIntegerField(_("重新办理次数"), default=0)
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duplicates",
        verbose_name=_("合并至"),
    )
    path = models.CharField(_("路径"), max_length=80)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("事件")
        verbose_name_plural = _("事件")
        ordering = ["-opened_at", "-pk"]
        # The list shows cases newest first, filtered by status, category, place or
        # overdue (queries.page_cases): each of these indexes holds one filter's cases in
        # that order, with the status and path the scope and the other filters check, so
        # a page and its count read the index alone, about as many entries as they need.
        indexes = [
            models.Index(fields=["path"], name="case_path_like", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["status", "due_at"], name="case_status_due"),
            models.Index(fields=["status", "opened_at", "id", "path"], name="case_status_opened"),
            models.Index(
                fields=["category", "opened_at", "id", "status", "path"],
                name="case_category_opened",
            ),
            models.Index(
                fields=["category", "status", "opened_at", "id", "path"],
                name="case_category_status_opened",
            ),
            models.Index(fields=["path", "opened_at", "id"], name="case_path_opened"),
            models.Index(
                fields=["opened_at", "id", "status", "path"],
                condition=Q(overdue=True),
                name="case_overdue_opened",
            ),
        ]
        permissions = [
            ("dispatch_case", _("可受理、派遣事件")),
            ("handle_case", _("可处置事件")),
            ("verify_case", _("可核查事件")),
            ("whistle_case", _("可吹哨")),
        ]

    def __str__(self) -> str:
        return f"{self.ref} {self.get_category_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class StepKind(models.TextChoices):
    OPEN = "open", _("登记")
    ACCEPT = "accept", _("立案")
    REFUSE = "refuse", _("不予受理")
    DISPATCH = "dispatch", _("派遣")
    START = "start", _("开始处置")
    SEND_BACK = "send_back", _("退回")
    REASSIGN = "reassign", _("改派")
    HANDLE = "handle", _("处置完成")
    VERIFY = "verify", _("核查通过")
    FAIL = "fail", _("核查不通过")
    CLOSE = "close", _("结案")
    RATE = "rate", _("评价")
    REOPEN = "reopen", _("重新办理")
    SUSPEND = "suspend", _("挂起")
    RESUME = "resume", _("恢复")
    EXTEND = "extend", _("延期")
    REQUEST = "request", _("申请挂起/延期")
    CANCEL = "cancel", _("撤销")
    MERGE = "merge", _("合并")
    OVERDUE = "overdue", _("超时督办")
    WHISTLE = "whistle", _("吹哨")
    REPORT = "report", _("报到")
    NOTE = "note", _("备注")


class CaseStep(models.Model):
    """One step of a case's history: who did what when, the status before and after,
    the note and evidence, and whether the stage it ended was within its time limit."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("环节"), max_length=16, choices=StepKind.choices)
    from_status = models.CharField(_("原状态"), max_length=16, choices=Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, choices=Status.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_label = models.CharField(_("操作人"), max_length=150)
    unit = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("单位"),
    )
    at = models.DateTimeField(_("时间"), db_index=True)
    note = models.TextField(_("说明"), blank=True)
    evidence = models.JSONField(_("佐证材料"), default=list, blank=True)
    on_time = models.BooleanField(_("按时"), null=True, blank=True)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("事件环节")
        verbose_name_plural = _("事件环节")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.case.ref} {self.get_kind_display()}"


class CasePhoto(models.Model):
    """A photo of a case (at intake or as handling evidence), stored without metadata."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    step = models.ForeignKey(
        CaseStep, null=True, blank=True, on_delete=models.SET_NULL, related_name="photos"
    )
    image = models.FileField(_("照片"), upload_to="cases/%Y/%m/")
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    path = models.CharField(max_length=80, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("事件照片")
        verbose_name_plural = _("事件照片")

    def __str__(self) -> str:
        return self.image.name


# --- 吹哨报到 ---------------------------------------------------------------------------


class Whistle(models.Model):
    """A street blows the whistle on a case: it summons departments, each must report."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="whistles")
    street = models.ForeignKey(
        AdminArea, on_delete=models.PROTECT, related_name="+", verbose_name=_("街道")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("吹哨时间"))
    note = models.TextField(_("说明"), blank=True)
    path = models.CharField(max_length=80, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("吹哨")
        verbose_name_plural = _("吹哨")

    def __str__(self) -> str:
        return f"吹哨 {self.case.ref}"


class Response(models.TextChoices):
    GOOD = "good", _("好")
    FAIR = "fair", _("较好")
    POOR = "poor", _("差")


class WhistleCall(models.Model):
    """One department summoned by a whistle: its report (报到) and the street's rating."""

    whistle = models.ForeignKey(Whistle, on_delete=models.CASCADE, related_name="calls")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="whistle_calls", verbose_name=_("部门")
    )
    due_at = models.DateTimeField(_("报到时限"))
    reported_at = models.DateTimeField(_("报到时间"), null=True, blank=True)
    report = models.TextField(_("报到说明"), blank=True)
    rating = models.CharField(_("评价"), max_length=8, choices=Response.choices, blank=True)
    path = models.CharField(max_length=80, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("报到")
        verbose_name_plural = _("报到")
        constraints = [
            models.UniqueConstraint(fields=["whistle", "unit"], name="whistle_call_once")
        ]

    def __str__(self) -> str:
        return f"{self.unit} @ {self.whistle.case.ref}"


# --- The compound group stream -----------------------------------------------------------


class StreamMessage(models.Model):
    """A message in a compound's group (小区群): from a member, or a case step posted back."""

    compound = models.ForeignKey(Compound, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(_("发言人"), max_length=150)
    text = models.TextField(_("内容"))
    at = models.DateTimeField(_("时间"), db_index=True)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    path = models.CharField(max_length=80, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("小区群消息")
        verbose_name_plural = _("小区群消息")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.author_label}: {self.text[:30]}"


# --- Group robots and the notification outbox ------------------------------------------


class RobotKind(models.TextChoices):
    WECOM = "wecom", _("企业微信")
    DINGTALK = "dingtalk", _("钉钉")
    FEISHU = "feishu", _("飞书")
    OTHER = "other", _("其他")


class Robot(models.Model):
    """A group robot that hears about the cases of a node (an area, grid or compound path)
    and, when ``below`` is set, of everything under it. ``url`` is an apprise URL
    (``wecombot://KEY``, ``dingtalk://TOKEN``, ``feishu://TOKEN``…) and is a secret."""

    AUDIT_EXCLUDE = ("url",)

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("平台"), max_length=16, choices=RobotKind.choices)
    url = models.CharField(_("推送地址"), max_length=500)
    below = models.BooleanField(_("含下级"), default=False)
    active = models.BooleanField(_("启用"), default=True)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")

    def __str__(self) -> str:
        return self.name


class Notification(models.Model):
    """One message for one robot, written in the same transaction as what caused it, and
    delivered later by the background worker (so a robot that is down never loses or
    blocks a case)."""

    robot = models.ForeignKey(Robot, on_delete=models.CASCADE, related_name="notifications")
    text = models.TextField()
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    failed = models.BooleanField(default=False)
    last_error = models.CharField(max_length=300, blank=True)
    path = models.CharField(max_length=80, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["next_attempt_at", "pk"]

    def __str__(self) -> str:
        return f"{self.robot}: {self.text[:30]}"


# --- Open311 clients -----------------------------------------------------------------------


class Open311Key(models.Model):
    """An Open311 client's ``api_key``: shown once, stored hashed, limited to one area."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    area = models.ForeignKey(AdminArea, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("Open311 客户端")
        verbose_name_plural = _("Open311 客户端")

    def __str__(self) -> str:
        return self.name
