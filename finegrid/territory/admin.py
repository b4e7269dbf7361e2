"""Admin for areas (read-only reference data), grids and places, through actions."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from finegrid.adminsite import ActionAdmin, ActionForm, ReadOnlyAdmin
from finegrid.territory import actions
from finegrid.territory.models import (
    AdminArea,
    Building,
    Compound,
    Dwelling,
    Entrance,
    Grid,
    GridKind,
)


def geometry_field() -> forms.CharField:
    return forms.CharField(
        label=_("边界 (GeoJSON)"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )


def changed(form) -> dict:
    return {name: form.cleaned_data.get(name) for name in form.changed_data}


@admin.register(AdminArea)
class AdminAreaAdmin(ReadOnlyAdmin):
    """Areas come from the NBS data (`finegrid areas load`); the admin only shows them."""

    list_display = ("code", "name", "level", "parent")
    list_filter = ("level", "is_village")
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    readonly_fields = ("code", "name", "level", "is_village", "parent", "path", "geometry")
    fields = readonly_fields


class GridAddForm(ActionForm):
    name = forms.CharField(label=_("名称"), required=False, help_text=_("留空则按编码命名"))
    geometry = geometry_field()

    class Meta:
        model = Grid
        fields = ("code", "kind", "name", "site_kind", "geometry")

    def perform(self, data):
        return actions.do_create_grid(
            self.actor,
            geometry=data.get("geometry") or None,
            code=data["code"],
            kind=data["kind"],
            name=data.get("name") or "",
            site_kind=data.get("site_kind") or "",
        )


class GridChangeForm(ActionForm):
    geometry = geometry_field()

    class Meta:
        model = Grid
        fields = ("name", "site_kind", "geometry")

    def perform(self, data):
        return actions.do_update_grid(self.actor, self.instance.pk, **changed(self))


@admin.register(Grid)
class GridAdmin(ActionAdmin):
    list_display = ("code", "name", "kind", "site_kind", "community")
    list_filter = ("kind", "site_kind")
    search_fields = ("code", "name")
    list_select_related = ("community",)
    add_form, change_form = GridAddForm, GridChangeForm
    delete_action = actions.do_delete_grid

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


class CompoundForm(ActionForm):
    community_code = forms.CharField(label=_("社区编码"), required=False)
    geometry = geometry_field()

    class Meta:
        model = Compound
        fields = ("ref", "name", "kind", "geometry")

    def perform(self, data):
        if self.instance.pk:
            return actions.do_update_compound(self.actor, self.instance.pk, **changed(self))
        if not data.get("community_code"):
            raise forms.ValidationError(_("请填写所属社区的 12 位编码"))
        return actions.do_create_compound(
            self.actor,
            ref=data.get("ref") or "",
            community=data["community_code"],
            name=data["name"],
            kind=data["kind"],
            geometry=data.get("geometry") or None,
        )


@admin.register(Compound)
class CompoundAdmin(ActionAdmin):
    list_display = ("ref", "name", "kind", "community", "grid")
    list_filter = ("kind",)
    search_fields = ("ref", "name")
    list_select_related = ("community", "grid")
    add_form = change_form = CompoundForm

    def get_fields(self, request, obj=None):
        if obj:
            return ("name", "kind", "geometry")
        return ("ref", "community_code", "name", "kind", "geometry")


class BuildingChangeForm(ActionForm):
    geometry = geometry_field()

    class Meta:
        model = Building
        fields = (
            "name",
            "kind",
            "floors",
            "entrances",
            "elevator",
            "dwellings_per_floor",
            "geometry",
        )

    def perform(self, data):
        return actions.do_update_building(self.actor, self.instance.ref, **changed(self))


@admin.register(Building)
class BuildingAdmin(ActionAdmin):
    """Buildings are registered by GeoJSON or roster import; here they are described."""

    list_display = ("ref", "name", "compound", "kind", "floors", "entrances", "elevator", "grid")
    list_filter = ("kind", "elevator")
    search_fields = ("ref", "name")
    list_select_related = ("compound", "grid")
    change_form = BuildingChangeForm


@admin.register(Entrance)
class EntranceAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "building")
    search_fields = ("building__ref", "building__name")

    def get_queryset(self, request):
        return Entrance.objects.filter(
            building__in=Building.objects.restrict(request.user)
        ).select_related("building")


@admin.register(Dwelling)
class DwellingAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "floor", "use", "grid")
    list_filter = ("use",)
    search_fields = ("building__ref", "building__name", "room")
    list_select_related = ("building", "entrance", "grid")
