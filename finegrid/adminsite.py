"""What every app's admin shares: the site's titles, scoping, and forms that go through
the same actions as the API, so the admin can never skip a rule or the audit log."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import transaction
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


class ActionForm(forms.ModelForm):
    """A form whose clean() performs the action (in a savepoint), so the action's errors
    show on the form; the admin then saves nothing itself (see ActionAdmin)."""

    actor = None

    def perform(self, data: dict):
        """Run the action for the cleaned data; return the saved object."""
        raise NotImplementedError

    def clean(self):
        data = super().clean()
        if not self.errors:
            with as_form_errors(), transaction.atomic():
                self.result = self.perform(data)
        return data

    def validate_unique(self):
        """The action checks uniqueness, and has already saved the row."""


class ActionAdmin(admin.ModelAdmin):
    """A ModelAdmin scoped to the user, whose forms are ActionForms and whose deletions
    go through ``delete_action``."""

    add_form: type[ActionForm] | None = None
    change_form: type[ActionForm] | None = None
    delete_action = None  # the do_delete_* function, called as (actor, obj)

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        chosen = self.change_form if obj else self.add_form
        if chosen is not None:
            kwargs["form"] = chosen
        form = super().get_form(request, obj, change, **kwargs)
        form.actor = request.user
        return form

    def has_add_permission(self, request):
        return self.add_form is not None and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.change_form is not None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.delete_action is not None and super().has_delete_permission(request, obj)

    def save_form(self, request, form, change):
        return form.result

    def save_model(self, request, obj, form, change):
        """Saved by the action in the form's clean()."""

    def save_related(self, request, form, formsets, change):
        """Saved by the action too."""

    def delete_model(self, request, obj):
        # Rows with protected children never get here: the admin's own delete page lists
        # what blocks the deletion.
        type(self).delete_action(request.user, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyAdmin(ActionAdmin):
    """Rows changed elsewhere (by import, by pages): listed and shown, never edited here."""
