"""Users, their scopes, API tokens and the append-only audit log."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from finegrid.accounts.roles import STAFF_ROLES, Role
from finegrid.accounts.scope import ScopedQuerySet, assigned_paths


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, default=Role.RESIDENT)
    is_demo = models.BooleanField(
        _("演示账号"), default=False, help_text=_("只能在演示模式（FINEGRID_DEMO=1）下登录")
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    @property
    def is_staff_role(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def path(self) -> str:
        """Where the user's audit rows are filed (their first scope node), so staff who
        see that node can read them."""
        paths = assigned_paths(self) if self.pk else ()
        return paths[0] if paths else ""

    @property
    def label(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username


class ScopeAssignment(models.Model):
    """One node of the area/grid tree a user may see (with everything below it)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("用户")
    )
    area = models.ForeignKey(
        "territory.AdminArea",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("行政区划"),
    )
    grid = models.ForeignKey(
        "territory.Grid",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("网格"),
    )

    class Meta:
        verbose_name = _("管辖范围")
        verbose_name_plural = _("管辖范围")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(area__isnull=False, grid__isnull=True)
                    | models.Q(area__isnull=True, grid__isnull=False)
                ),
                name="scope_assignment_one_node",
            ),
            models.UniqueConstraint(fields=["user", "area"], name="scope_assignment_unique_area"),
            models.UniqueConstraint(fields=["user", "grid"], name="scope_assignment_unique_grid"),
        ]

    def __str__(self) -> str:
        return f"{self.user.username} → {self.node}"

    @property
    def node(self):
        return self.area or self.grid

    @property
    def path(self) -> str:
        return self.node.path


class ApiToken(models.Model):
    """A bearer token for the REST API. Only a SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(max_length=12, help_text=_("令牌开头几位，便于辨认"))
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def path(self) -> str:
        return self.user.path


class AuditAction(models.TextChoices):
    CREATE = "create", _("新建")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    UNMASK = "unmask", _("查看明文")


class AppendOnly(Exception):
    """Raised on any attempt to change or remove an audit row."""


class AuditQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise AppendOnly("audit rows are never updated")

    def delete(self):
        raise AppendOnly("audit rows are never deleted")


class AuditEntry(models.Model):
    """Who changed what, when, from which request, with the values before and after.

    Rows are written by finegrid.accounts.audit and never updated or deleted: ``save``
    refuses an existing row, ``delete`` always refuses, and so do the queryset's bulk
    ``update``/``delete``. The actor is kept as id and label, not a foreign key, so that
    removing a user can never touch the log.
    """

    time = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(_("操作人 ID"), null=True, blank=True)
    actor_label = models.CharField(_("操作人"), max_length=200)
    action = models.CharField(_("操作"), max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(_("对象类型"), max_length=64)
    object_id = models.CharField(_("对象 ID"), max_length=64)
    object_label = models.CharField(_("对象"), max_length=300)
    path = models.CharField(_("范围路径"), max_length=200, db_index=True, blank=True)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    request_id = models.CharField(_("请求 ID"), max_length=64, db_index=True)
    reason = models.CharField(_("事由"), max_length=500, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("audit rows are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("audit rows are never deleted")

    @property
    def changed_fields(self) -> list[str]:
        before, after = self.before or {}, self.after or {}
        return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
