"""Admin for users (created and changed through actions) and the read-only audit log."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from finegrid.accounts import actions, queries
from finegrid.accounts.models import AuditEntry, User
from finegrid.adminsite import ActionAdmin, ActionForm, ReadOnlyAdmin


def _codes(text: str) -> list[str]:
    return [code for code in text.replace(",", " ").split() if code]


class UserAddForm(ActionForm):
    scopes = forms.CharField(label=_("管辖范围"), help_text=_("行政区划或网格编码，多个用逗号分隔"))
    password = forms.CharField(
        label=_("密码"),
        widget=forms.PasswordInput,
        required=False,
        help_text=_("留空则账号暂不能登录"),
    )

    class Meta:
        model = User
        fields = ("username", "first_name", "role")

    def perform(self, data):
        return actions.do_create_user(
            self.actor,
            username=data["username"],
            role=data["role"],
            scopes=_codes(data["scopes"]),
            password=data.get("password") or None,
            first_name=data.get("first_name", ""),
        )


class UserChangeForm(ActionForm):
    scopes = forms.CharField(label=_("管辖范围"), help_text=_("行政区划或网格编码，多个用逗号分隔"))

    class Meta:
        model = User
        fields = ("first_name", "last_name", "email", "role", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["scopes"] = ", ".join(a.node.code for a in self.instance.assignments.all())

    def perform(self, data):
        stored = User.objects.get(pk=self.instance.pk)
        changes = {k: data[k] for k in self.changed_data if k in actions.USER_EDITABLE}
        actions.do_update_user(self.actor, stored, **changes)
        if "scopes" in self.changed_data:
            actions.do_set_scopes(self.actor, stored, _codes(data["scopes"]))
        return stored


@admin.register(User)
class UserAdmin(ActionAdmin):
    list_display = ("username", "first_name", "role", "scope_codes", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name", "last_name")

    add_form, change_form = UserAddForm, UserChangeForm

    def get_queryset(self, request):
        return queries.users(request.user)

    def get_fields(self, request, obj=None):
        if obj:
            return ("first_name", "last_name", "email", "role", "is_active", "scopes")
        return ("username", "first_name", "role", "scopes", "password")

    # No delete_action: accounts are deactivated, never deleted, so the log names them.

    @admin.display(description=_("管辖范围"))
    def scope_codes(self, user):
        return ", ".join(a.node.code for a in user.assignments.all())


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit log, read-only: no add, change or delete, in the admin or anywhere."""

    list_display = ("time", "actor_label", "action", "object_type", "object_label", "request_id")
    list_filter = ("action", "object_type")
    search_fields = ("object_label", "object_id", "request_id", "actor_label")
    date_hierarchy = "time"

    def get_queryset(self, request):
        return queries.audit_entries(request.user)
