"""Admin for co-governance: partners through their actions, the rest read-only (changed by
pages, the API and the command line, which enforce the rules and the audit log)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from finegrid.adminsite import ActionAdmin, ActionForm, ReadOnlyAdmin
from finegrid.partners import actions, catalogue
from finegrid.partners.models import (
    AssemblyDecision,
    Award,
    CommitteeMember,
    CommitteeTerm,
    Ledger,
    Partner,
    PartnerRecord,
    PartyRole,
    Rating,
    RatingPeriod,
    Service,
    ServiceItem,
    ServiceOffer,
)

PARTNER_FIELDS = ("name", "credit_code", "contact_name", "contact_post", "phone", "address")


class PartnerAddForm(ActionForm):
    area_code = forms.CharField(label=_("登记所在（街道或社区代码）"))

    class Meta:
        model = Partner
        fields = ("kind", *PARTNER_FIELDS)

    def perform(self, data):
        return actions.do_create_partner(
            self.actor,
            kind=data["kind"],
            area=data["area_code"].strip(),
            **{name: data.get(name) or "" for name in PARTNER_FIELDS},
        )


class PartnerChangeForm(ActionForm):
    class Meta:
        model = Partner
        fields = PARTNER_FIELDS

    def perform(self, data):
        changes = {name: data.get(name) or "" for name in PARTNER_FIELDS}
        return actions.do_update_partner(self.actor, self.instance.pk, **changes)


@admin.register(Partner)
class PartnerAdmin(ActionAdmin):
    list_display = ("name", "kind", "credit_code", "area")
    list_filter = ("kind",)
    search_fields = ("name", "credit_code")
    list_select_related = ("area",)
    add_form, change_form = PartnerAddForm, PartnerChangeForm

    def get_fields(self, request, obj=None):
        return PARTNER_FIELDS if obj else ("kind", "area_code", *PARTNER_FIELDS)


class ServiceItemForm(ActionForm):
    class Meta:
        model = ServiceItem
        fields = ("code", "name", "category")

    def perform(self, data):
        return catalogue.do_add_service_item(
            self.actor, code=data["code"], name=data["name"], category=data["category"]
        )


@admin.register(ServiceItem)
class ServiceItemAdmin(ActionAdmin):
    """The catalogue is the same everywhere: not scoped."""

    list_display = ("code", "name", "category", "illustrative")
    list_filter = ("category", "illustrative")
    add_form = ServiceItemForm

    def get_queryset(self, request):
        return admin.ModelAdmin.get_queryset(self, request)


@admin.register(Service)
class ServiceAdmin(ReadOnlyAdmin):
    list_display = ("partner", "compound", "grid", "start", "end")
    list_select_related = ("partner", "compound", "grid")


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(ReadOnlyAdmin):
    list_display = ("person", "partner", "post", "committee", "start", "end")
    list_select_related = ("person", "partner", "committee")


@admin.register(CommitteeTerm)
class CommitteeTermAdmin(ReadOnlyAdmin):
    list_display = ("compound", "number", "committee", "start", "end")
    list_select_related = ("compound", "committee")


@admin.register(AssemblyDecision)
class AssemblyDecisionAdmin(ReadOnlyAdmin):
    list_display = ("title", "compound", "matter", "held_on", "status")
    list_filter = ("matter", "status")
    list_select_related = ("compound",)


@admin.register(RatingPeriod)
class RatingPeriodAdmin(ReadOnlyAdmin):
    list_display = ("name", "area", "start", "end", "status")
    list_filter = ("status",)


@admin.register(PartyRole)
class PartyRoleAdmin(ReadOnlyAdmin):
    list_display = ("partner", "period", "level", "reason")


@admin.register(PartnerRecord)
class PartnerRecordAdmin(ReadOnlyAdmin):
    list_display = ("partner", "compound", "kind", "points", "occurred_on", "description")
    list_filter = ("kind",)


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ("partner", "compound", "period", "version", "current", "score", "grade")
    list_filter = ("grade", "current")
    list_select_related = ("partner", "compound", "period")


@admin.register(ServiceOffer)
class ServiceOfferAdmin(ReadOnlyAdmin):
    list_display = ("item", "area", "year", "budget")


@admin.register(Award)
class AwardAdmin(ReadOnlyAdmin):
    list_display = ("offer", "partner", "amount", "rank", "reason", "awarded_on")


@admin.register(Ledger)
class LedgerAdmin(ReadOnlyAdmin):
    list_display = ("compound", "year", "quarter", "version", "status", "published_on")
    list_filter = ("status",)
    list_select_related = ("compound",)
