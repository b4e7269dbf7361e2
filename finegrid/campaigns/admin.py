"""Admin of campaigns: read-only lists, scoped like everything else; campaigns are
launched, visited, reassigned and closed through the pages, the API and the command line,
whose actions keep the counters right."""

from __future__ import annotations

from django.contrib import admin

from finegrid.adminsite import ReadOnlyAdmin
from finegrid.campaigns.models import Alert, Assignment, Campaign, Section, Visit


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyAdmin):
    list_display = ("title", "node_name", "start", "deadline", "households", "closed_at")
    search_fields = ("title", "node_code")


@admin.register(Section)
class SectionAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "grid", "worker", "households", "done", "visits", "finished_at")
    list_select_related = ("campaign", "grid", "worker")
    search_fields = ("grid__code",)


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "household", "worker", "order", "priority", "outcome")
    list_filter = ("outcome",)
    list_select_related = ("campaign", "household__dwelling__building", "worker")


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "assignment", "outcome", "recorded_by", "recorded_at")
    list_filter = ("outcome",)
    list_select_related = ("campaign", "recorded_by")


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("campaign", "section", "kind", "raised_at", "resolved_at")
    list_filter = ("kind",)
    list_select_related = ("campaign", "section__grid")
