"""Households and persons on dwellings (人房关联), with personal data protected.

ID numbers, phone numbers and sensitive flags are kept only as ciphertext, a keyed hash
for exact search and a masked form for display (finegrid.people.protect); the audit log
records the masked forms, never the values. The birth date is sealed too and only its
year is kept in clear: next to the masked ID number (address code + last four) a clear
birth date would be the whole number.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from finegrid.accounts.roles import Role
from finegrid.accounts.scope import ScopedQuerySet
from finegrid.people import protect
from finegrid.territory.models import AdminArea, Dwelling


class ResidentNarrowed(ScopedQuerySet):
    """A resident's scope is their micro-grid, but of its people they see their own
    household only: the rows whose ``resident_lookup`` leads to their account."""

    resident_lookup = "members__user"

    def narrow(self, user, action: str):
        if user.role != Role.RESIDENT:
            return self
        return self.filter(**{self.resident_lookup: user})


class PersonQuerySet(ResidentNarrowed):
    resident_lookup = "household__members__user"


class Household(models.Model):
    """A household (户) living on one dwelling. Moves keep their history."""

    dwelling = models.OneToOneField(
        Dwelling, on_delete=models.PROTECT, related_name="household", verbose_name=_("房屋")
    )
    community = models.ForeignKey(
        AdminArea, on_delete=models.PROTECT, related_name="+", verbose_name=_("所属社区")
    )
    head = models.ForeignKey(
        "Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("户主"),
    )
    ref = models.CharField(_("编号"), max_length=40, unique=True, null=True, blank=True)
    path = models.CharField(_("路径"), max_length=80, db_index=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    objects = ResidentNarrowed.as_manager()

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        ordering = ["path", "dwelling"]
        permissions = [("unmask_person", _("可查看身份证号、电话等明文"))]

    def __str__(self) -> str:
        return f"{self.dwelling} ({self.head.name if self.head_id else '—'})"


class HouseholdMove(models.Model):
    """A household's move from one dwelling to another."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="moves", verbose_name=_("户")
    )
    from_dwelling = models.ForeignKey(
        Dwelling, on_delete=models.PROTECT, related_name="+", verbose_name=_("迁出房屋")
    )
    to_dwelling = models.ForeignKey(
        Dwelling, on_delete=models.PROTECT, related_name="+", verbose_name=_("迁入房屋")
    )
    moved_at = models.DateTimeField(_("时间"), default=timezone.now)
    path = models.CharField(max_length=80, db_index=True)

    class Meta:
        verbose_name = _("迁移记录")
        verbose_name_plural = _("迁移记录")
        ordering = ["-moved_at"]

    def __str__(self) -> str:
        return f"{self.from_dwelling} → {self.to_dwelling}"


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class ResidenceType(models.TextChoices):
    PERMANENT = "permanent", _("常住")
    FLOATING = "floating", _("流动")
    LODGING = "lodging", _("寄住")
    OVERSEAS = "overseas", _("境外")


class SensitiveFlag(models.TextChoices):
    """Flags that reveal health, welfare or a minor's situation: protected like IDs."""

    DISABLED = "disabled", _("残疾人")
    SUBSISTENCE = "subsistence", _("低保")
    LEFT_BEHIND_CHILD = "left_behind_child", _("留守儿童")
    SERIOUS_ILLNESS = "serious_illness", _("重病患者")
    SEVERE_MENTAL_DISORDER = "severe_mental_disorder", _("严重精神障碍患者")


# The flags grid work runs on every day, kept in plain columns so they can be counted.
PLAIN_FLAGS = {
    "elderly_alone": _("独居老人"),
    "empty_nest": _("空巢老人"),
    "veteran": _("退役军人"),
    "party_member": _("党员"),
}


def seal_birth_date(birth_date: dt.date | None) -> dict:
    """The stored form of a birth date: the year in clear, the date sealed."""
    if birth_date is None:
        return {"birth_year": None, "birth_date_enc": ""}
    return {
        "birth_year": birth_date.year,
        "birth_date_enc": protect.encrypt(birth_date.isoformat()),
    }


def open_birth_date(token: str) -> dt.date | None:
    return dt.date.fromisoformat(protect.decrypt(token)) if token else None


class Person(models.Model):
    """A person registered in a household."""

    AUDIT_EXCLUDE = (
        "id_number_enc",
        "id_number_hash",
        "phone_enc",
        "phone_hash",
        "sensitive_enc",
        "birth_date_enc",
    )

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="members", verbose_name=_("户")
    )
    ref = models.CharField(_("编号"), max_length=40, unique=True, null=True, blank=True)
    name = models.CharField(_("姓名"), max_length=50)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    # The year alone, for ages and statistics; the full date only sealed.
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True)
    birth_date_enc = models.TextField(blank=True)
    relation = models.CharField(_("与户主关系"), max_length=16, choices=Relation.choices)
    residence_type = models.CharField(
        _("人口类型"), max_length=16, choices=ResidenceType.choices, default=ResidenceType.PERMANENT
    )
    id_number_enc = models.TextField(blank=True)
    # Looked up through the unique index of the constraint below.
    id_number_hash = models.CharField(max_length=64, blank=True)
    id_number_masked = models.CharField(_("身份证号"), max_length=18, blank=True)
    phone_enc = models.TextField(blank=True)
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    phone_masked = models.CharField(_("联系电话"), max_length=11, blank=True)
    # Always sealed, even when empty, so that no one can tell who has a sensitive flag.
    sensitive_enc = models.TextField(blank=True, help_text=_("加密保存的敏感标识"))
    elderly_alone = models.BooleanField(PLAIN_FLAGS["elderly_alone"], default=False)
    empty_nest = models.BooleanField(PLAIN_FLAGS["empty_nest"], default=False)
    veteran = models.BooleanField(PLAIN_FLAGS["veteran"], default=False)
    party_member = models.BooleanField(PLAIN_FLAGS["party_member"], default=False)
    tags = models.JSONField(_("标签"), default=list, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
        verbose_name=_("居民账号"),
    )
    path = models.CharField(_("路径"), max_length=80, db_index=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["household", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_hash"],
                condition=~models.Q(id_number_hash=""),
                name="person_id_number_once",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def birth_date(self) -> dt.date | None:
        """The full birth date, opened from its sealed form (pages that show it masked
        show the year only; unmasking shows it whole)."""
        return open_birth_date(self.birth_date_enc)

    def age(self, on: dt.date | None = None) -> int | None:
        """Age in whole years, from the sealed birth date."""
        birth = self.birth_date
        if birth is None:
            return None
        on = on or dt.date.today()
        return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))

    @property
    def plain_flags(self) -> list[str]:
        return [str(label) for name, label in PLAIN_FLAGS.items() if getattr(self, name)]
