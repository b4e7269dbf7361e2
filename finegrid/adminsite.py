"""What every app's admin shares: the site's titles and the bridge from domain errors to
form errors and messages, so the admin goes through the same actions as the API."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from finegrid.errors import Conflict, InvalidInput, NotFound

admin.site.site_header = _("finegrid 微网实格管理后台")
admin.site.site_title = _("finegrid 管理后台")
admin.site.index_title = _("数据管理")


@contextlib.contextmanager
def as_form_errors() -> Iterator[None]:
    """Inside a form's clean(): domain errors become the form's errors."""
    try:
        yield
    except InvalidInput as error:
        raise forms.ValidationError(error.problems) from None
    except (NotFound, Conflict, PermissionDenied) as error:
        raise forms.ValidationError(str(error)) from None


class ActionAdmin(admin.ModelAdmin):
    """A ModelAdmin whose rows are scoped to the user and deleted through an action."""

    delete_action = None  # the do_delete_* function, called as (actor, obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.actor = request.user
        return form

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user)

    def delete_model(self, request, obj):
        # Rows with protected children never get here: the admin's own delete page lists
        # what blocks the deletion.
        type(self).delete_action(request.user, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    """For rows that only the application writes: listed and shown, never edited here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
