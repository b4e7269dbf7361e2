"""Admin for cases, units, duty items, group robots and Open311 clients. Cases change only
through their lifecycle (pages, API, CLI): the admin shows them; units are added through
the action."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from finegrid.adminsite import ActionAdmin, ActionForm, ReadOnlyAdmin
from finegrid.cases import actions
from finegrid.cases.models import Case, CaseStep, DutyItem, Robot, StreamMessage, Unit, WhistleCall


class CaseStepInline(admin.TabularInline):
    model = CaseStep
    fields = ("kind", "at", "actor_label", "unit", "note", "on_time")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = (
        "ref",
        "category",
        "status",
        "address",
        "unit",
        "opened_at",
        "due_at",
        "overdue",
    )
    list_filter = ("status", "category", "channel", "overdue")
    search_fields = ("ref", "text")
    list_select_related = ("unit",)
    date_hierarchy = "opened_at"
    exclude = ("reporter_phone_enc", "reporter_phone_hash")
    inlines = [CaseStepInline]


class UnitAddForm(ActionForm):
    area_code = forms.CharField(label=_("所属区划代码"))

    class Meta:
        model = Unit
        fields = ("name", "kind", "contact_name", "contact_phone")

    def perform(self, data):
        return actions.do_create_unit(
            self.actor,
            name=data["name"],
            kind=data["kind"],
            area=data["area_code"].strip(),
            contact_name=data.get("contact_name") or "",
            contact_phone=data.get("contact_phone") or "",
        )


@admin.register(Unit)
class UnitAdmin(ActionAdmin):
    list_display = ("name", "kind", "area", "contact_name", "contact_phone", "illustrative")
    list_filter = ("kind", "illustrative")
    search_fields = ("name",)
    list_select_related = ("area",)
    add_form = UnitAddForm

    def get_fields(self, request, obj=None):
        if obj:
            return (
                "name",
                "kind",
                "area",
                "compound",
                "contact_name",
                "contact_phone",
                "illustrative",
            )
        return ("name", "kind", "area_code", "contact_name", "contact_phone")


@admin.register(DutyItem)
class DutyItemAdmin(ReadOnlyAdmin):
    list_display = (
        "code",
        "version",
        "title",
        "list",
        "category",
        "level",
        "lead_unit",
        "active",
        "illustrative",
    )
    list_filter = ("list", "level", "active", "illustrative")
    search_fields = ("code", "title")
    list_select_related = ("lead_unit",)


@admin.register(WhistleCall)
class WhistleCallAdmin(ReadOnlyAdmin):
    list_display = ("whistle", "unit", "due_at", "reported_at", "rating")
    list_select_related = ("whistle__case", "unit")


@admin.register(StreamMessage)
class StreamMessageAdmin(ReadOnlyAdmin):
    list_display = ("compound", "author_label", "at", "case")
    list_select_related = ("compound", "case")


@admin.register(Robot)
class RobotAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "path", "below", "active")
    exclude = ("url",)
