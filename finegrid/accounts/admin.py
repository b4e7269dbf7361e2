"""Admin for users (created and changed through actions) and the read-only audit log."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from finegrid.accounts import actions, queries
from finegrid.accounts.models import AuditEntry, User
from finegrid.accounts.roles import Role
from finegrid.adminsite import ReadOnlyAdmin, as_form_errors


def _codes(text: str) -> list[str]:
    return [code for code in text.replace(",", " ").split() if code]


class ActionForm(forms.ModelForm):
    """A form whose clean() performs the action, so the action's errors show on the form
    and the admin's own save is skipped (see UserAdmin.save_form)."""

    def validate_unique(self):
        """The action has checked uniqueness, and has already saved the row."""


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

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        with as_form_errors():
            self.result = actions.do_create_user(
                self.actor,
                username=data["username"],
                role=data["role"],
                scopes=_codes(data["scopes"]),
                password=data.get("password") or None,
                first_name=data.get("first_name", ""),
            )
        return data


class UserChangeForm(ActionForm):
    scopes = forms.CharField(label=_("管辖范围"), help_text=_("行政区划或网格编码，多个用逗号分隔"))

    class Meta:
        model = User
        fields = ("first_name", "last_name", "email", "role", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["scopes"] = ", ".join(a.node.code for a in self.instance.assignments.all())

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        stored = User.objects.get(pk=self.instance.pk)
        changes = {k: data[k] for k in self.changed_data if k in actions.USER_EDITABLE}
        with as_form_errors(), transaction.atomic():
            actions.do_update_user(self.actor, stored, **changes)
            if "scopes" in self.changed_data:
                actions.do_set_scopes(self.actor, stored, _codes(data["scopes"]))
        self.result = stored
        return data


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ("username", "first_name", "role", "scope_codes", "is_active", "last_login")
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name", "last_name")

    def get_queryset(self, request):
        return queries.users(request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = UserChangeForm if obj else UserAddForm
        form = super().get_form(request, obj, change, **kwargs)
        form.actor = request.user
        form.base_fields["role"].choices = Role.choices
        return form

    def get_fields(self, request, obj=None):
        if obj:
            return ("first_name", "last_name", "email", "role", "is_active", "scopes")
        return ("username", "first_name", "role", "scopes", "password")

    def save_form(self, request, form, change):
        return form.result

    def save_model(self, request, obj, form, change):
        """Saved by the action in the form's clean()."""

    def save_related(self, request, form, formsets, change):
        """Scopes were saved by the action too; the user form has no other relations."""

    def has_delete_permission(self, request, obj=None):
        return False  # accounts are deactivated, never deleted: the audit log names them

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
