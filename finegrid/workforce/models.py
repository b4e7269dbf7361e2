"""Grid workers' training, points (积分) and monthly assessment (考核).

Training: courses (岗前 induction, 专题 topical, 轮训 refresher) with hours, materials and
a short quiz; sessions with a time, place, trainer and capacity; enrolment; attendance by
QR check-in; certificates. Points: a versioned scheme of rules per area, and an append-only
ledger whose every entry names the record that earned it. Assessment: a monthly period per
area whose results (per worker and per grid) are computed from the ledger, ranked, appealed
and, once published, never changed.

Every row carries the materialized ``path`` of where it belongs: a course and its sessions
the area or grid that runs them, everything about a worker that worker's grid.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from finegrid.accounts.scope import ScopedQuerySet, path_q, scope_paths
from finegrid.org.models import Worker
from finegrid.territory.models import AdminArea, Grid


class OfferedQuerySet(ScopedQuerySet):
    """Courses and sessions: a worker sees those run at or *above* their grid (the street's
    course is for every community under it), as well as those below their scope."""

    def restrict(self, user, action: str = "view"):
        rows = super().restrict(user, action)
        if action != "view" or rows.query.is_empty():
            return rows
        paths = scope_paths(user)
        if not paths:  # everywhere (None) is already everything; nowhere stays nothing
            return rows
        above = {"/".join(p.split("/")[:n]) for p in paths for n in range(1, p.count("/") + 1)}
        return self.filter(path_q(paths) | Q(path__in=above))


class CourseKind(models.TextChoices):
    INDUCTION = "induction", _("岗前培训")
    TOPICAL = "topical", _("专题培训")
    REFRESHER = "refresher", _("轮训")


class Course(models.Model):
    """A training course, run by an area (or a grid) for the workers under it."""

    title = models.CharField(_("课程名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=CourseKind.choices)
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1)
    description = models.TextField(_("简介"), blank=True)
    pass_mark = models.PositiveSmallIntegerField(_("及格分"), default=80)
    area = models.ForeignKey(
        AdminArea, on_delete=models.PROTECT, related_name="courses", verbose_name=_("主办单位")
    )
    path = models.CharField(_("路径"), max_length=80, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = OfferedQuerySet.as_manager()

    class Meta:
        verbose_name = _("培训课程")
        verbose_name_plural = _("培训课程")
        ordering = ["path", "title"]

    def __str__(self) -> str:
        return self.title


def material_path(instance: CourseMaterial, filename: str) -> str:
    return f"workforce/materials/{instance.course_id}/{filename}"


class CourseMaterial(models.Model):
    """A file of a course (slides, a handbook); served only to readers of the course."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="materials", verbose_name=_("课程")
    )
    title = models.CharField(_("名称"), max_length=100)
    file = models.FileField(_("文件"), upload_to=material_path, max_length=200)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    AUDIT_MASKED = {"file": str}  # the stored file's name

    objects = OfferedQuerySet.as_manager()

    class Meta:
        verbose_name = _("课程资料")
        verbose_name_plural = _("课程资料")

    def __str__(self) -> str:
        return self.title


class QuizQuestion(models.Model):
    """One multiple-choice question of a course's quiz."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="questions", verbose_name=_("课程")
    )
    number = models.PositiveSmallIntegerField(_("题号"))
    text = models.CharField(_("题目"), max_length=300)
    choices = models.JSONField(_("选项"))
    answer = models.PositiveSmallIntegerField(_("正确选项"))
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = OfferedQuerySet.as_manager()

    class Meta:
        verbose_name = _("测验题")
        verbose_name_plural = _("测验题")
        ordering = ["course", "number"]
        constraints = [
            models.UniqueConstraint(fields=["course", "number"], name="question_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text}"


class TrainingSession(models.Model):
    """One sitting of a course: when, where, who teaches, how many may come."""

    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("课程")
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=100)
    trainer = models.CharField(_("授课人"), max_length=50)
    capacity = models.PositiveIntegerField(_("名额"))
    # The secret the rotating check-in codes are derived from; never shown.
    secret = models.CharField(max_length=64, editable=False)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    AUDIT_EXCLUDE = ("secret",)

    objects = OfferedQuerySet.as_manager()

    class Meta:
        verbose_name = _("培训场次")
        verbose_name_plural = _("培训场次")
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.course.title} {self.starts_at:%Y-%m-%d %H:%M}"


class Enrolment(models.Model):
    """A worker's place in a session."""

    session = models.ForeignKey(
        TrainingSession, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("场次")
    )
    worker = models.ForeignKey(
        Worker, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("网格员")
    )
    enrolled_at = models.DateTimeField(_("报名时间"), auto_now_add=True)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        constraints = [models.UniqueConstraint(fields=["session", "worker"], name="enrolment_once")]

    def __str__(self) -> str:
        return f"{self.worker.name} @ {self.session}"


class CheckInMethod(models.TextChoices):
    QR = "qr", _("扫码签到")
    MANUAL = "manual", _("补签")


class Attendance(models.Model):
    """A worker was there: checked in with the session's code, or recorded by staff."""

    enrolment = models.OneToOneField(
        Enrolment, on_delete=models.PROTECT, related_name="attendance", verbose_name=_("报名")
    )
    checked_in_at = models.DateTimeField(_("签到时间"))
    method = models.CharField(_("方式"), max_length=8, choices=CheckInMethod.choices)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("签到")
        verbose_name_plural = _("签到")

    def __str__(self) -> str:
        return f"{self.enrolment} ✓"


class QuizAttempt(models.Model):
    worker = models.ForeignKey(
        Worker, on_delete=models.PROTECT, related_name="quiz_attempts", verbose_name=_("网格员")
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="attempts", verbose_name=_("课程")
    )
    answers = models.JSONField(_("作答"))
    score = models.PositiveSmallIntegerField(_("得分"))
    passed = models.BooleanField(_("通过"))
    taken_at = models.DateTimeField(_("时间"), auto_now_add=True)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("测验")
        verbose_name_plural = _("测验")
        ordering = ["-taken_at"]

    def __str__(self) -> str:
        return f"{self.worker.name} {self.course.title} {self.score}"


class Certificate(models.Model):
    """Issued once a worker attended a session of the course and passed its quiz."""

    worker = models.ForeignKey(
        Worker, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("网格员")
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("课程")
    )
    number = models.CharField(_("证书编号"), max_length=40, unique=True)
    issued_at = models.DateTimeField(_("颁发时间"))
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("培训证书")
        verbose_name_plural = _("培训证书")
        constraints = [
            models.UniqueConstraint(fields=["worker", "course"], name="certificate_once")
        ]

    def __str__(self) -> str:
        return self.number


# --- Points ------------------------------------------------------------------------------


class Component(models.TextChoices):
    """The parts of the monthly assessment a rule's points count towards."""

    GRID = "grid", _("网格成效")
    DUTY = "duty", _("履职情况")
    WORKER = "worker", _("个人表现")
    BONUS = "bonus", _("加分")


class Scheme(models.Model):
    """A version of an area's points rules and assessment weights. Never edited: a change
    is a new version; the version in force for a worker and month is the latest one, of the
    nearest area above the worker, whose ``effective_from`` is not after the month."""

    area = models.ForeignKey(
        AdminArea, on_delete=models.PROTECT, related_name="schemes", verbose_name=_("地区")
    )
    version = models.PositiveIntegerField(_("版本"))
    effective_from = models.DateField(_("生效月份"))
    grid_weight = models.PositiveSmallIntegerField(_("网格成效分值"), default=50)
    duty_weight = models.PositiveSmallIntegerField(_("履职情况分值"), default=30)
    worker_weight = models.PositiveSmallIntegerField(_("个人表现分值"), default=20)
    bonus_cap = models.PositiveSmallIntegerField(_("加分上限"), default=10)
    grid_target = models.DecimalField(_("网格成效满分积分"), max_digits=8, decimal_places=1)
    duty_target = models.DecimalField(_("履职情况满分积分"), max_digits=8, decimal_places=1)
    worker_target = models.DecimalField(_("个人表现满分积分"), max_digits=8, decimal_places=1)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = OfferedQuerySet.as_manager()

    class Meta:
        verbose_name = _("积分考核方案")
        verbose_name_plural = _("积分考核方案")
        ordering = ["path", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["area", "version"], name="scheme_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.area.name} v{self.version}"


class Rule(models.Model):
    """Points for one unit of a source (an hour of training, a household reached on time)."""

    scheme = models.ForeignKey(
        Scheme, on_delete=models.CASCADE, related_name="rules", verbose_name=_("方案")
    )
    source = models.CharField(_("来源"), max_length=32)
    points = models.DecimalField(_("每次积分"), max_digits=6, decimal_places=2)
    component = models.CharField(_("计入"), max_length=8, choices=Component.choices)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = OfferedQuerySet.as_manager()

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")
        constraints = [models.UniqueConstraint(fields=["scheme", "source"], name="rule_once")]

    def __str__(self) -> str:
        return f"{self.source} {self.points}"


class PointRun(models.Model):
    """One computation of an area's points for a month: what it appended."""

    area = models.ForeignKey(AdminArea, on_delete=models.PROTECT, verbose_name=_("地区"))
    month = models.DateField(_("月份"))
    appended = models.PositiveIntegerField(_("新增条目"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("积分计算")
        verbose_name_plural = _("积分计算")

    def __str__(self) -> str:
        return f"{self.area.name} {self.month:%Y-%m}"


class EntryKind(models.TextChoices):
    EARNED = "earned", _("获得")
    CORRECTION = "correction", _("更正")
    REVERSAL = "reversal", _("冲销")
    ADJUSTMENT = "adjustment", _("人工调整")


class PointEntry(models.Model):
    """One line of the append-only points ledger. It names the record that earned it
    (``record_type`` and ``record_id``: an attendance, a visit, a case step); a change of
    the records or the rules later appends a correction or reversal, never an edit."""

    worker = models.ForeignKey(
        Worker, on_delete=models.PROTECT, related_name="point_entries", verbose_name=_("网格员")
    )
    month = models.DateField(_("月份"))
    source = models.CharField(_("来源"), max_length=32)
    record_type = models.CharField(_("记录类型"), max_length=40)
    record_id = models.CharField(_("记录编号"), max_length=40)
    quantity = models.DecimalField(_("数量"), max_digits=8, decimal_places=2)
    points = models.DecimalField(_("积分"), max_digits=8, decimal_places=2)
    kind = models.CharField(_("类型"), max_length=12, choices=EntryKind.choices)
    scheme = models.ForeignKey(
        Scheme, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("方案")
    )
    run = models.ForeignKey(
        PointRun, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("计算批次")
    )
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("更正条目")
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("积分条目")
        verbose_name_plural = _("积分条目")
        ordering = ["month", "worker", "pk"]
        indexes = [models.Index(fields=["month", "path"], name="point_month_path")]

    def __str__(self) -> str:
        return f"{self.worker.name} {self.source} {self.points:+}"


class Redemption(models.Model):
    """Points spent on recognition or a small reward, against the worker's balance."""

    worker = models.ForeignKey(
        Worker, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("网格员")
    )
    points = models.DecimalField(_("积分"), max_digits=8, decimal_places=2)
    item = models.CharField(_("兑换内容"), max_length=100)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("积分兑换")
        verbose_name_plural = _("积分兑换")

    def __str__(self) -> str:
        return f"{self.worker.name} {self.item}"


# --- Assessment --------------------------------------------------------------------------


class PeriodStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")


class AssessmentPeriod(models.Model):
    """An area's monthly assessment; its results are recomputed while a draft and frozen
    once published."""

    area = models.ForeignKey(
        AdminArea, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("地区")
    )
    month = models.DateField(_("月份"))
    status = models.CharField(
        _("状态"), max_length=12, choices=PeriodStatus.choices, default=PeriodStatus.DRAFT
    )
    computed_at = models.DateTimeField(_("计算时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = OfferedQuerySet.as_manager()  # seen from below, like a course

    class Meta:
        verbose_name = _("月度考核")
        verbose_name_plural = _("月度考核")
        ordering = ["-month", "path"]
        constraints = [models.UniqueConstraint(fields=["area", "month"], name="assessment_once")]

    def __str__(self) -> str:
        return f"{self.area.name} {self.month:%Y-%m}"


class ResultKind(models.TextChoices):
    WORKER = "worker", _("网格员")
    GRID = "grid", _("网格")


class AssessmentResult(models.Model):
    """The score of one worker or one grid in a period, with its ranks."""

    period = models.ForeignKey(
        AssessmentPeriod, on_delete=models.CASCADE, related_name="results", verbose_name=_("考核")
    )
    kind = models.CharField(_("对象"), max_length=8, choices=ResultKind.choices)
    worker = models.ForeignKey(
        Worker, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("网格员")
    )
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, verbose_name=_("网格"))
    points = models.DecimalField(_("当月积分"), max_digits=10, decimal_places=2)
    grid_score = models.DecimalField(_("网格成效"), max_digits=6, decimal_places=2)
    duty_score = models.DecimalField(_("履职情况"), max_digits=6, decimal_places=2)
    worker_score = models.DecimalField(_("个人表现"), max_digits=6, decimal_places=2)
    bonus = models.DecimalField(_("加分"), max_digits=6, decimal_places=2)
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=2)
    rank_community = models.PositiveIntegerField(_("社区排名"))
    rank_street = models.PositiveIntegerField(_("街道排名"))
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("考核结果")
        verbose_name_plural = _("考核结果")
        ordering = ["period", "kind", "rank_street"]

    def __str__(self) -> str:
        who = self.worker.name if self.worker_id else self.grid.code
        return f"{self.period} {who} {self.total}"


class AppealStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    UPHELD = "upheld", _("申诉成立")
    REJECTED = "rejected", _("驳回")


class Appeal(models.Model):
    """A worker's appeal (申诉) against their result, and its decision. The published
    result stays as it was; an upheld appeal carries the corrected total."""

    result = models.ForeignKey(
        AssessmentResult, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("结果")
    )
    reason = models.TextField(_("申诉理由"))
    status = models.CharField(
        _("状态"), max_length=10, choices=AppealStatus.choices, default=AppealStatus.OPEN
    )
    decision = models.TextField(_("处理意见"), blank=True)
    corrected_total = models.DecimalField(
        _("更正后总分"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(_("申诉时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("申诉")
        verbose_name_plural = _("申诉")
        ordering = ["-filed_at"]

    def __str__(self) -> str:
        return f"{self.result} {self.get_status_display()}"
