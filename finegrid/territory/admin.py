"""Admin for areas (read-only reference data) and grids (changed through actions)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from finegrid.adminsite import ActionAdmin, ReadOnlyAdmin, as_form_errors
from finegrid.territory import actions
from finegrid.territory.models import AdminArea, Grid, GridKind


@admin.register(AdminArea)
class AdminAreaAdmin(ReadOnlyAdmin):
    """Areas come from the NBS data (`finegrid areas load`); the admin only shows them."""

    list_display = ("code", "name", "level", "parent")
    list_filter = ("level", "is_village")
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    readonly_fields = ("code", "name", "level", "is_village", "parent", "path", "geometry")
    fields = readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).restrict(request.user)


class GridAddForm(forms.ModelForm):
    geometry = forms.CharField(
        label=_("边界 (GeoJSON)"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    class Meta:
        model = Grid
        fields = ("code", "kind", "name", "site_kind", "geometry")

    def clean(self):
        data = super().clean()
        with as_form_errors():
            actions.check_new_grid(self.actor, data, data.get("geometry") or None)
        return data

    def validate_unique(self):
        """check_new_grid already answered, in scope-aware words."""


class GridChangeForm(forms.ModelForm):
    geometry = forms.CharField(
        label=_("边界 (GeoJSON)"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    class Meta:
        model = Grid
        fields = ("name", "site_kind", "geometry")

    def clean(self):
        data = super().clean()
        changes = {name: data.get(name) for name in self.changed_data}
        problems = actions.grid_change_problems(self.instance, changes)
        if problems:
            raise forms.ValidationError(problems)
        return data


@admin.register(Grid)
class GridAdmin(ActionAdmin):
    list_display = ("code", "name", "kind", "site_kind", "community")
    list_filter = ("kind", "site_kind")
    search_fields = ("code", "name")
    list_select_related = ("community",)
    delete_action = actions.do_delete_grid

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = GridChangeForm if obj else GridAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ("code", "kind", "parent", "community", "path") if obj else ()

    def get_fields(self, request, obj=None):
        if obj:
            return ("code", "kind", "parent", "community", "name", "site_kind", "geometry")
        return ("code", "kind", "name", "site_kind", "geometry")

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.kind == GridKind.COMMUNITY:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            # The form has already copied its values onto obj; the action needs the
            # stored row to record what changed.
            stored = Grid.objects.get(pk=obj.pk)
            changes = {name: data.get(name) for name in form.changed_data}
            actions.do_update_grid(request.user, stored, **changes)
            return
        grid = actions.do_create_grid(
            request.user,
            geometry=data.get("geometry") or None,
            code=data["code"],
            kind=data["kind"],
            name=data.get("name") or "",
            site_kind=data.get("site_kind") or "",
        )
        obj.pk = grid.pk
        obj._state.adding = False
