"""Admin for party organizations, memberships and workers, through actions."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from finegrid.adminsite import ActionAdmin, ActionForm, ReadOnlyAdmin
from finegrid.org import actions
from finegrid.org.models import PartyMembership, PartyOrg, Worker
from finegrid.territory.queries import get_grid


class GridCodeForm(ActionForm):
    grid_code = forms.CharField(label=_("网格编码"))

    def grid(self, data):
        return get_grid(self.actor, data["grid_code"].strip())


class PartyOrgAddForm(GridCodeForm):
    class Meta:
        model = PartyOrg
        fields = ("name", "founded")

    def perform(self, data):
        return actions.do_create_party_org(
            self.actor, self.grid(data), name=data.get("name") or "", founded=data.get("founded")
        )


@admin.register(PartyOrg)
class PartyOrgAdmin(ActionAdmin):
    list_display = ("name", "kind", "grid", "parent")
    list_filter = ("kind",)
    search_fields = ("name", "grid__code")
    list_select_related = ("grid", "parent")
    add_form = PartyOrgAddForm

    def get_fields(self, request, obj=None):
        return (
            ("kind", "name", "grid", "parent", "founded")
            if obj
            else ("grid_code", "name", "founded")
        )


@admin.register(PartyMembership)
class PartyMembershipAdmin(ReadOnlyAdmin):
    list_display = ("person", "org", "role")
    list_filter = ("role",)
    list_select_related = ("person", "org")


class WorkerAddForm(GridCodeForm):
    phone = forms.CharField(label=_("联系电话"), required=False)

    class Meta:
        model = Worker
        fields = ("role", "name", "start", "end")

    def perform(self, data):
        return actions.do_assign_worker(
            self.actor,
            self.grid(data),
            role=data["role"],
            name=data.get("name") or "",
            phone=data.get("phone") or "",
            start=data.get("start"),
            end=data.get("end"),
        )


class WorkerEndForm(ActionForm):
    class Meta:
        model = Worker
        fields = ("end",)

    def perform(self, data):
        stored = Worker.objects.get(pk=self.instance.pk)
        return actions.do_end_worker(self.actor, stored, data.get("end") or dt.date.today())


@admin.register(Worker)
class WorkerAdmin(ActionAdmin):
    list_display = ("name", "role", "grid", "phone_masked", "start", "end")
    list_filter = ("role",)
    search_fields = ("name", "grid__code")
    list_select_related = ("grid",)
    add_form, change_form = WorkerAddForm, WorkerEndForm

    def get_fields(self, request, obj=None):
        if obj:
            return ("role", "grid", "name", "phone_masked", "start", "end")
        return ("grid_code", "role", "name", "phone", "start", "end")

    def get_readonly_fields(self, request, obj=None):
        return ("role", "grid", "name", "phone_masked", "start") if obj else ()
