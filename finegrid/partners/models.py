"""Co-governance (共建共治): partner organizations, the compounds they serve, part-time
committee members, owners' committees and their assemblies, ratings, purchased services
and the compounds' public accounts (公区收益公示)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from finegrid.accounts.roles import Role
from finegrid.accounts.scope import ScopedQuerySet, SharedDownward
from finegrid.org.models import PartyOrg
from finegrid.people.models import Household, Person
from finegrid.territory.models import AdminArea, Compound, Dwelling, Grid


class PartnerKind(models.TextChoices):
    PROPERTY = "property", _("物业服务企业")
    OWNERS_COMMITTEE = "owners_committee", _("业主委员会")
    SOCIAL_ORG = "social_org", _("社会组织")
    RESIDENT_UNIT = "resident_unit", _("驻区单位")
    NEW_ORG = "new_org", _("两新组织")


def served_compounds(user):
    """Ids of the compounds the partner organizations of ``user`` serve today."""
    today = dt.date.today()
    return (
        Service.objects.filter(partner__accounts__user=user, compound__isnull=False)
        .filter(start__lte=today)
        .filter(models.Q(end__isnull=True) | models.Q(end__gte=today))
        .values("compound_id")
    )


class PartnerNarrowed(ScopedQuerySet):
    """A partner user sees, within their scope, only what concerns their organization's
    compounds (``compound_lookup``); a resident sees none of it unless a model says."""

    compound_lookup = "compound"

    def narrow(self, user, action: str):
        if user.role == Role.PARTNER:
            return self.filter(**{f"{self.compound_lookup}__in": served_compounds(user)})
        return self


class PartnerQuerySet(SharedDownward):
    def narrow(self, user, action: str):
        if user.role == Role.PARTNER:
            return self.filter(accounts__user=user)
        return self


class Partner(models.Model):
    """An organization that governs with the party and the government (共建单位)."""

    kind = models.CharField(_("类型"), max_length=24, choices=PartnerKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True, help_text=_("GB 32100-2015，18 位")
    )
    area = models.ForeignKey(
        AdminArea, on_delete=models.PROTECT, related_name="+", verbose_name=_("登记所在")
    )
    party_org = models.ForeignKey(
        PartyOrg,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="partners",
        verbose_name=_("党组织"),
    )
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_post = models.CharField(_("联系人职务"), max_length=50, blank=True)
    phone = models.CharField(
        _("单位电话"), max_length=20, blank=True, help_text=_("单位对外公开的服务电话")
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    # A property company is the responsible unit (finegrid.cases) of the compounds it
    # serves: its accounts are members of these units and so work their cases.
    units = models.ManyToManyField(
        "cases.Unit", blank=True, related_name="partners", verbose_name=_("责任单位")
    )
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        verbose_name = _("共建单位")
        verbose_name_plural = _("共建单位")
        ordering = ["path", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~models.Q(credit_code=""),
                name="partner_credit_code_once",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PartnerAccount(models.Model):
    """A login acting for a partner organization (role ``partner``)."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="accounts", verbose_name=_("共建单位")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="partner_accounts",
        verbose_name=_("账号"),
    )
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = PartnerQuerySet.as_manager()

    class Meta:
        verbose_name = _("共建单位账号")
        verbose_name_plural = _("共建单位账号")
        constraints = [
            models.UniqueConstraint(fields=["partner", "user"], name="partner_account_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.partner}"


class ServiceQuerySet(PartnerNarrowed):
    def active(self, on: dt.date | None = None):
        on = on or dt.date.today()
        return self.filter(start__lte=on).filter(models.Q(end__isnull=True) | models.Q(end__gte=on))


class Service(models.Model):
    """A partner serving one compound or one grid from a start date to an optional end
    date; a change of property company ends one row and starts another (history kept)."""

    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="services", verbose_name=_("共建单位")
    )
    compound = models.ForeignKey(
        Compound,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partner_services",
        verbose_name=_("小区/院落"),
    )
    grid = models.ForeignKey(
        Grid,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partner_services",
        verbose_name=_("网格"),
    )
    start = models.DateField(_("起始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("服务范围")
        verbose_name_plural = _("服务范围")
        ordering = ["path", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(compound__isnull=False, grid__isnull=True)
                | models.Q(compound__isnull=True, grid__isnull=False),
                name="service_one_place",
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner} @ {self.compound or self.grid}"

    @property
    def place(self):
        return self.compound or self.grid


class CommitteeMember(models.Model):
    """A part-time committee member (兼职委员): a partner's party-member head sitting on a
    street or community committee for a term."""

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="committee_seats", verbose_name=_("人员")
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        related_name="committee_members",
        verbose_name=_("所在单位"),
    )
    post = models.CharField(_("单位职务"), max_length=50)
    committee = models.ForeignKey(
        AdminArea, on_delete=models.PROTECT, related_name="+", verbose_name=_("所任委员会")
    )
    start = models.DateField(_("任期开始"))
    end = models.DateField(_("任期结束"), null=True, blank=True)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("兼职委员")
        verbose_name_plural = _("兼职委员")
        ordering = ["path", "start"]

    def __str__(self) -> str:
        return f"{self.person.name} ({self.partner})"


# --- Owners' committees and assemblies ------------------------------------------------------


class CommitteeRole(models.TextChoices):
    CHAIR = "chair", _("主任")
    VICE_CHAIR = "vice_chair", _("副主任")
    MEMBER = "member", _("委员")


class CommitteeTerm(models.Model):
    """One term (届) of a compound's owners' committee."""

    committee = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="terms", verbose_name=_("业主委员会")
    )
    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="committee_terms", verbose_name=_("小区")
    )
    number = models.PositiveSmallIntegerField(_("届次"))
    start = models.DateField(_("任期开始"))
    end = models.DateField(_("任期结束"))
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = PartnerNarrowed.as_manager()

    class Meta:
        verbose_name = _("业委会任期")
        verbose_name_plural = _("业委会任期")
        ordering = ["compound", "number"]
        constraints = [
            models.UniqueConstraint(fields=["compound", "number"], name="committee_term_once")
        ]

    def __str__(self) -> str:
        return f"{self.compound} 第{self.number}届"


class TermMemberQuerySet(PartnerNarrowed):
    compound_lookup = "term__compound"


class TermMember(models.Model):
    term = models.ForeignKey(
        CommitteeTerm, on_delete=models.CASCADE, related_name="members", verbose_name=_("任期")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="+", verbose_name=_("人员")
    )
    role = models.CharField(_("职务"), max_length=16, choices=CommitteeRole.choices)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = TermMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("业委会委员")
        verbose_name_plural = _("业委会委员")
        constraints = [models.UniqueConstraint(fields=["term", "person"], name="term_member_once")]

    def __str__(self) -> str:
        return f"{self.person.name} ({self.get_role_display()})"


class DwellingAreaQuerySet(PartnerNarrowed):
    compound_lookup = "dwelling__building__compound"


class DwellingArea(models.Model):
    """The floor area of a dwelling's exclusive part (专有部分面积), in m², as data."""

    dwelling = models.OneToOneField(
        Dwelling, on_delete=models.CASCADE, related_name="floor_area", verbose_name=_("房屋")
    )
    area = models.DecimalField(_("专有部分面积（㎡）"), max_digits=9, decimal_places=2)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = DwellingAreaQuerySet.as_manager()

    class Meta:
        verbose_name = _("房屋面积")
        verbose_name_plural = _("房屋面积")

    def __str__(self) -> str:
        return f"{self.dwelling}: {self.area} ㎡"


class Matter(models.TextChoices):
    """What an owners' assembly decides (Civil Code Art. 278, items 1–9)."""

    RULES = "rules", _("制定和修改业主大会议事规则")
    STATUTE = "statute", _("制定和修改管理规约")
    COMMITTEE = "committee", _("选举业主委员会或者更换业主委员会成员")
    MANAGER = "manager", _("选聘和解聘物业服务企业或者其他管理人")
    USE_FUND = "use_fund", _("使用建筑物及其附属设施的维修资金")
    RAISE_FUND = "raise_fund", _("筹集建筑物及其附属设施的维修资金")
    REBUILD = "rebuild", _("改建、重建建筑物及其附属设施")
    COMMON_USE = "common_use", _("改变共有部分的用途或者利用共有部分从事经营活动")
    OTHER = "other", _("有关共有部分和共同管理权利的其他重大事项")


# Art. 278 ¶2: items 6–8 need three quarters of the participating area and owners; the
# others a majority of them.
QUALIFIED_MATTERS = frozenset({Matter.RAISE_FUND, Matter.REBUILD, Matter.COMMON_USE})


class DecisionStatus(models.TextChoices):
    OPEN = "open", _("表决中")
    CLOSED = "closed", _("已计票")


class AssemblyDecision(models.Model):
    """A matter put to the owners' assembly (业主大会) of a compound."""

    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("小区")
    )
    title = models.CharField(_("事项"), max_length=200)
    matter = models.CharField(_("事项类别"), max_length=16, choices=Matter.choices)
    held_on = models.DateField(_("表决日期"))
    status = models.CharField(
        _("状态"), max_length=8, choices=DecisionStatus.choices, default=DecisionStatus.OPEN
    )
    outcome = models.JSONField(_("计票结果"), null=True, blank=True)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = PartnerNarrowed.as_manager()

    class Meta:
        verbose_name = _("业主大会决定")
        verbose_name_plural = _("业主大会决定")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title


class Choice(models.TextChoices):
    YES = "yes", _("同意")
    NO = "no", _("反对")
    ABSTAIN = "abstain", _("弃权")


class VoteQuerySet(PartnerNarrowed):
    compound_lookup = "decision__compound"


class AssemblyVote(models.Model):
    """The vote cast for one dwelling (one exclusive part, one owner: 法释〔2009〕7号 §9)."""

    decision = models.ForeignKey(
        AssemblyDecision, on_delete=models.CASCADE, related_name="votes", verbose_name=_("决定")
    )
    dwelling = models.ForeignKey(
        Dwelling, on_delete=models.PROTECT, related_name="+", verbose_name=_("房屋")
    )
    choice = models.CharField(_("表决意见"), max_length=8, choices=Choice.choices)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = VoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("表决票")
        verbose_name_plural = _("表决票")
        constraints = [
            models.UniqueConstraint(fields=["decision", "dwelling"], name="vote_once_per_dwelling")
        ]

    def __str__(self) -> str:
        return f"{self.dwelling}: {self.get_choice_display()}"


# --- Ratings ----------------------------------------------------------------------------------


class PeriodStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")
    PUBLISHED = "published", _("已公布")


class RatingPeriod(models.Model):
    """A rating round of the property companies under an area; its score settings are
    copied in when it opens, so that changing the settings never changes a past grade."""

    area = models.ForeignKey(
        AdminArea, on_delete=models.PROTECT, related_name="+", verbose_name=_("组织单位")
    )
    name = models.CharField(_("名称"), max_length=100)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    status = models.CharField(
        _("状态"), max_length=10, choices=PeriodStatus.choices, default=PeriodStatus.OPEN
    )
    config = models.JSONField(_("评分规则"))
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = SharedDownward.as_manager()

    class Meta:
        verbose_name = _("评价周期")
        verbose_name_plural = _("评价周期")
        ordering = ["-end", "-id"]

    def __str__(self) -> str:
        return self.name


class SurveyQuerySet(PartnerNarrowed):
    """Residents see their own household's answers only."""

    def narrow(self, user, action: str):
        if user.role == Role.RESIDENT:
            return self.filter(household__members__user=user)
        return super().narrow(user, action)


class SurveyAnswer(models.Model):
    """One household's answer to the satisfaction phone survey (once per period)."""

    period = models.ForeignKey(
        RatingPeriod, on_delete=models.PROTECT, related_name="answers", verbose_name=_("周期")
    )
    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="+", verbose_name=_("小区")
    )
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="+", verbose_name=_("户")
    )
    score = models.PositiveSmallIntegerField(_("满意度"), help_text=_("1 非常不满意 … 5 非常满意"))
    comment = models.CharField(_("意见"), max_length=500, blank=True)
    answered_at = models.DateTimeField(_("回访时间"), auto_now_add=True)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        verbose_name = _("满意度回访")
        verbose_name_plural = _("满意度回访")
        constraints = [
            models.UniqueConstraint(fields=["period", "household"], name="survey_once_per_period")
        ]

    def __str__(self) -> str:
        return f"{self.compound} {self.score}"


class PartyRoleLevel(models.TextChoices):
    STRONG = "strong", _("作用发挥好")
    FAIR = "fair", _("作用发挥一般")
    WEAK = "weak", _("作用发挥差")
    NONE = "none", _("未建党组织")


class PartyRoleQuerySet(ScopedQuerySet):
    def narrow(self, user, action: str):
        if user.role == Role.PARTNER:
            return self.filter(partner__accounts__user=user)
        return self


class PartyRole(models.Model):
    """The community's judgement of a partner's party organization in a period."""

    period = models.ForeignKey(
        RatingPeriod, on_delete=models.PROTECT, related_name="party_roles", verbose_name=_("周期")
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="party_roles", verbose_name=_("共建单位")
    )
    level = models.CharField(_("党组织作用"), max_length=8, choices=PartyRoleLevel.choices)
    reason = models.CharField(_("理由"), max_length=500)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = PartyRoleQuerySet.as_manager()

    class Meta:
        verbose_name = _("党组织作用评价")
        verbose_name_plural = _("党组织作用评价")
        constraints = [
            models.UniqueConstraint(fields=["period", "partner"], name="party_role_once")
        ]

    def __str__(self) -> str:
        return f"{self.partner}: {self.get_level_display()}"


class RecordKind(models.TextChoices):
    GOOD = "good", _("良好记录")
    BAD = "bad", _("不良记录")


class PartnerRecord(models.Model):
    """A good or bad record of a partner in one compound (e.g. cutting water or power
    illegally is a bad record)."""

    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="records", verbose_name=_("共建单位")
    )
    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="+", verbose_name=_("小区")
    )
    kind = models.CharField(_("类型"), max_length=8, choices=RecordKind.choices)
    points = models.PositiveSmallIntegerField(_("分值"))
    occurred_on = models.DateField(_("发生日期"))
    description = models.CharField(_("事由"), max_length=500)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = PartnerNarrowed.as_manager()

    class Meta:
        verbose_name = _("良好/不良记录")
        verbose_name_plural = _("良好/不良记录")
        ordering = ["-occurred_on", "-id"]

    def __str__(self) -> str:
        return f"{self.partner} {self.get_kind_display()} {self.points}"


class Rating(models.Model):
    """A property company's score and grade for one compound and period. Versions: a
    correction of a closed period adds a version; the latest is ``current``."""

    period = models.ForeignKey(
        RatingPeriod, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("周期")
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("物业服务企业")
    )
    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("小区")
    )
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    current = models.BooleanField(_("现行版本"), default=True)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=2)
    grade = models.CharField(_("等级"), max_length=4)
    inputs = models.JSONField(_("计算依据"))
    reason = models.CharField(_("更正理由"), max_length=500, blank=True)
    computed_at = models.DateTimeField(_("计算时间"), auto_now_add=True)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = PartnerNarrowed.as_manager()

    class Meta:
        verbose_name = _("物业评价")
        verbose_name_plural = _("物业评价")
        ordering = ["period", "compound", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "partner", "compound", "version"], name="rating_version_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner} @ {self.compound}: {self.grade}"


# --- Purchased services ------------------------------------------------------------------


class ServiceCategory(models.TextChoices):
    CULTURE = "culture", _("社区文化")
    SANITATION = "sanitation", _("环境卫生")
    ELDERLY = "elderly", _("养老服务")
    CHILDREN = "children", _("儿童服务")
    SAFETY = "safety", _("平安建设")
    GREENING = "greening", _("绿化养护")
    OTHER = "other", _("其他")


class ServiceItem(models.Model):
    """One item of the catalogue of public services the government buys (政府购买服务)."""

    code = models.CharField(_("编号"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    category = models.CharField(_("类别"), max_length=16, choices=ServiceCategory.choices)
    illustrative = models.BooleanField(
        _("示例数据"), default=False, help_text=_("来自内置示例目录，非官方公布目录")
    )

    class Meta:
        verbose_name = _("购买服务目录")
        verbose_name_plural = _("购买服务目录")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ServiceOffer(models.Model):
    """An item offered by an area for a year, with its budget."""

    item = models.ForeignKey(
        ServiceItem, on_delete=models.PROTECT, related_name="offers", verbose_name=_("服务项目")
    )
    area = models.ForeignKey(
        AdminArea, on_delete=models.PROTECT, related_name="+", verbose_name=_("购买单位")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    budget = models.DecimalField(_("预算（元）"), max_digits=12, decimal_places=2)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = SharedDownward.as_manager()

    class Meta:
        verbose_name = _("购买服务项目")
        verbose_name_plural = _("购买服务项目")
        ordering = ["-year", "item"]

    def __str__(self) -> str:
        return f"{self.year} {self.item.name} ({self.area.name})"


class Award(models.Model):
    """An offer awarded to a partner; ``rank`` is the partner's place in the ranking when
    awarded, and a reason is required when it is not the first."""

    offer = models.OneToOneField(
        ServiceOffer, on_delete=models.PROTECT, related_name="award", verbose_name=_("项目")
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="awards", verbose_name=_("承接单位")
    )
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    rank = models.PositiveSmallIntegerField(_("排名"))
    ranking = models.JSONField(_("授予时的排名"))
    reason = models.CharField(_("未按排名授予的理由"), max_length=500, blank=True)
    awarded_on = models.DateField(_("授予日期"))
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = SharedDownward.as_manager()

    class Meta:
        verbose_name = _("服务授予")
        verbose_name_plural = _("服务授予")
        ordering = ["-awarded_on", "-id"]

    def __str__(self) -> str:
        return f"{self.offer} → {self.partner}"


# --- Public accounts (公区收益公示) ---------------------------------------------------------


class LedgerStatus(models.TextChoices):
    DRAFT = "draft", _("填报中")
    CONFIRMED = "confirmed", _("已确认")
    PUBLISHED = "published", _("已公示")


class Ledger(models.Model):
    """A compound's income and spending from its common parts in one quarter. Entered
    by one side (property company or owners' committee), confirmed by the other (the
    community where there is no committee), then published; a published ledger never
    changes: a correction is a new version."""

    compound = models.ForeignKey(
        Compound, on_delete=models.PROTECT, related_name="ledgers", verbose_name=_("小区")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    status = models.CharField(
        _("状态"), max_length=10, choices=LedgerStatus.choices, default=LedgerStatus.DRAFT
    )
    entered_by = models.ForeignKey(
        Partner,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("填报单位"),
    )
    confirmed_by = models.ForeignKey(
        Partner,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("确认单位"),
    )
    confirmed_by_community = models.BooleanField(_("由社区确认"), default=False)
    confirmed_on = models.DateField(_("确认日期"), null=True, blank=True)
    published_on = models.DateField(_("公示日期"), null=True, blank=True)
    correction = models.CharField(_("更正说明"), max_length=500, blank=True)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = PartnerNarrowed.as_manager()

    class Meta:
        verbose_name = _("公区收益台账")
        verbose_name_plural = _("公区收益台账")
        ordering = ["compound", "-year", "-quarter", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["compound", "year", "quarter", "version"], name="ledger_version_once"
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="ledger_quarter"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.compound} {self.year}Q{self.quarter} v{self.version}"

    @property
    def slug(self) -> str:
        return f"{self.year}q{self.quarter}"


class EntryKind(models.TextChoices):
    PARKING = "parking", _("停车收益")
    ADVERTISING = "advertising", _("广告收益")
    ELEVATOR_ADS = "elevator_ads", _("电梯广告")
    VENUE_RENT = "venue_rent", _("场地租赁")
    OTHER_INCOME = "other_income", _("其他收入")
    REPAIR = "repair", _("维修养护")
    CLEANING = "cleaning", _("保洁绿化")
    ACTIVITIES = "activities", _("社区活动")
    COMMITTEE = "committee", _("业委会工作经费")
    TAX = "tax", _("税费")
    OTHER_EXPENSE = "other_expense", _("其他支出")


INCOME_KINDS = frozenset(
    {
        EntryKind.PARKING,
        EntryKind.ADVERTISING,
        EntryKind.ELEVATOR_ADS,
        EntryKind.VENUE_RENT,
        EntryKind.OTHER_INCOME,
    }
)


class EntryQuerySet(PartnerNarrowed):
    compound_lookup = "ledger__compound"


class LedgerEntry(models.Model):
    """One line of a ledger: income (positive kinds) or spending."""

    ledger = models.ForeignKey(
        Ledger, on_delete=models.CASCADE, related_name="entries", verbose_name=_("台账")
    )
    kind = models.CharField(_("科目"), max_length=16, choices=EntryKind.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    description = models.CharField(_("说明"), max_length=200)
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("台账明细")
        verbose_name_plural = _("台账明细")
        ordering = ["ledger", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"

    @property
    def is_income(self) -> bool:
        return self.kind in INCOME_KINDS
