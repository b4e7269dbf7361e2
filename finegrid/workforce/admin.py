"""Admin for training, points and assessment, scoped, with changes through the actions."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from finegrid.adminsite import ActionAdmin, ActionForm, ReadOnlyAdmin
from finegrid.workforce import actions
from finegrid.workforce.models import (
    Appeal,
    AssessmentPeriod,
    AssessmentResult,
    Attendance,
    Certificate,
    Course,
    Enrolment,
    PointEntry,
    Redemption,
    Scheme,
    TrainingSession,
)


class CourseAddForm(ActionForm):
    area_code = forms.CharField(label=_("主办单位（区划代码）"))

    class Meta:
        model = Course
        fields = ("title", "kind", "hours", "description", "pass_mark")

    def perform(self, data):
        return actions.do_create_course(
            self.actor,
            data["area_code"].strip(),
            title=data["title"],
            kind=data["kind"],
            hours=data["hours"],
            description=data.get("description") or "",
            pass_mark=data["pass_mark"],
        )


@admin.register(Course)
class CourseAdmin(ActionAdmin):
    list_display = ("title", "kind", "hours", "area")
    list_filter = ("kind",)
    search_fields = ("title",)
    list_select_related = ("area",)
    add_form = CourseAddForm

    def get_fields(self, request, obj=None):
        if obj:
            return ("title", "kind", "hours", "description", "pass_mark", "area")
        return ("area_code", "title", "kind", "hours", "description", "pass_mark")


class SessionAddForm(ActionForm):
    class Meta:
        model = TrainingSession
        fields = ("course", "starts_at", "ends_at", "place", "trainer", "capacity")

    def perform(self, data):
        values = {k: data[k] for k in ("starts_at", "ends_at", "place", "trainer", "capacity")}
        return actions.do_schedule_session(self.actor, data["course"], **values)


@admin.register(TrainingSession)
class SessionAdmin(ActionAdmin):
    list_display = ("course", "starts_at", "place", "trainer", "capacity")
    list_select_related = ("course",)
    add_form = SessionAddForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "course" in form.base_fields:
            form.base_fields["course"].queryset = Course.objects.restrict(request.user, "change")
        return form


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    list_display = ("worker", "session", "enrolled_at")
    list_select_related = ("worker", "session__course")


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ("enrolment", "checked_in_at", "method")
    list_filter = ("method",)
    list_select_related = ("enrolment__worker", "enrolment__session__course")


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ("number", "worker", "course", "issued_at")
    list_select_related = ("worker", "course")
    search_fields = ("number", "worker__name")


@admin.register(Scheme)
class SchemeAdmin(ReadOnlyAdmin):
    list_display = (
        "area",
        "version",
        "effective_from",
        "grid_weight",
        "duty_weight",
        "worker_weight",
        "bonus_cap",
    )
    list_select_related = ("area",)


@admin.register(PointEntry)
class PointEntryAdmin(ReadOnlyAdmin):
    list_display = ("worker", "month", "source", "record_type", "record_id", "points", "kind")
    list_filter = ("kind", "source", "month")
    search_fields = ("worker__name", "record_id")
    list_select_related = ("worker",)


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = ("worker", "points", "item", "created_at")
    list_select_related = ("worker",)


@admin.register(AssessmentPeriod)
class PeriodAdmin(ReadOnlyAdmin):
    list_display = ("area", "month", "status", "computed_at", "published_at")
    list_filter = ("status",)
    list_select_related = ("area",)


@admin.register(AssessmentResult)
class ResultAdmin(ReadOnlyAdmin):
    list_display = ("period", "kind", "worker", "grid", "total", "rank_community", "rank_street")
    list_filter = ("kind",)
    list_select_related = ("period__area", "worker", "grid")


class AppealDecideForm(ActionForm):
    class Meta:
        model = Appeal
        fields = ("status", "decision", "corrected_total")

    def perform(self, data):
        stored = Appeal.objects.get(pk=self.instance.pk)
        return actions.do_decide_appeal(
            self.actor,
            stored,
            status=data["status"],
            decision=data.get("decision") or "",
            corrected_total=data.get("corrected_total"),
        )


@admin.register(Appeal)
class AppealAdmin(ActionAdmin):
    list_display = ("result", "status", "filed_at", "decided_at")
    list_filter = ("status",)
    list_select_related = ("result__period__area", "result__worker", "result__grid")
    change_form = AppealDecideForm

    def get_fields(self, request, obj=None):
        return ("result", "reason", "status", "decision", "corrected_total")

    def get_readonly_fields(self, request, obj=None):
        return ("result", "reason")
