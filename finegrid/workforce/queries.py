"""Reads of training, points and assessment, always through the reader's scope."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import (
    Count,
    DecimalField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from finegrid.accounts.scope import access, by_key, path_q, require
from finegrid.org.models import Worker
from finegrid.workforce import compute, sources
from finegrid.workforce.models import (
    Appeal,
    AppealStatus,
    AssessmentPeriod,
    AssessmentResult,
    Attendance,
    Certificate,
    Course,
    CourseKind,
    CourseMaterial,
    Enrolment,
    PointEntry,
    QuizAttempt,
    Redemption,
    ResultKind,
    Scheme,
    TrainingSession,
)


def courses(user, action: str = "view") -> QuerySet[Course]:
    return Course.objects.select_related("area").restrict(user, action)


def sessions(user, action: str = "view") -> QuerySet[TrainingSession]:
    return TrainingSession.objects.select_related("course").restrict(user, action)


def schemes(user, action: str = "view") -> QuerySet[Scheme]:
    return Scheme.objects.select_related("area").prefetch_related("rules").restrict(user, action)


def entries(user, action: str = "view") -> QuerySet[PointEntry]:
    return PointEntry.objects.select_related("worker").restrict(user, action)


def periods(user, action: str = "view") -> QuerySet[AssessmentPeriod]:
    return AssessmentPeriod.objects.select_related("area").restrict(user, action)


def results(user, action: str = "view") -> QuerySet[AssessmentResult]:
    return AssessmentResult.objects.select_related("worker", "grid", "period").restrict(
        user, action
    )


def appeals(user, action: str = "view") -> QuerySet[Appeal]:
    return Appeal.objects.select_related("result__worker", "result__period").restrict(user, action)


def get_course(user, ref: Course | int, action: str = "view") -> Course:
    key = by_key(ref)
    queryset = Course.objects.select_related("area")
    return access(user, action, queryset, f"no course with id {key['pk']}", **key)


def get_material(user, ref: int) -> CourseMaterial:
    return access(user, "view", CourseMaterial, f"no material with id {ref}", pk=ref)


def get_session(user, ref: TrainingSession | int, action: str = "view") -> TrainingSession:
    key = by_key(ref)
    queryset = TrainingSession.objects.select_related("course")
    return access(user, action, queryset, f"no training session with id {key['pk']}", **key)


def get_worker(user, ref: Worker | int, action: str = "view") -> Worker:
    key = by_key(ref)
    queryset = Worker.objects.select_related("grid")
    return access(user, action, queryset, f"no worker with id {key['pk']}", **key)


def get_scheme(user, ref: Scheme | int, action: str = "view") -> Scheme:
    key = by_key(ref)
    queryset = Scheme.objects.select_related("area").prefetch_related("rules")
    return access(user, action, queryset, f"no scheme with id {key['pk']}", **key)


def get_entry(user, ref: PointEntry | int, action: str = "view") -> PointEntry:
    key = by_key(ref)
    return access(user, action, PointEntry, f"no point entry with id {key['pk']}", **key)


def get_period(user, ref: AssessmentPeriod | int, action: str = "view") -> AssessmentPeriod:
    key = by_key(ref)
    queryset = AssessmentPeriod.objects.select_related("area")
    return access(user, action, queryset, f"no assessment with id {key['pk']}", **key)


def get_result(user, ref: AssessmentResult | int, action: str = "view") -> AssessmentResult:
    key = by_key(ref)
    queryset = AssessmentResult.objects.select_related("worker", "period", "grid")
    return access(user, action, queryset, f"no assessment result with id {key['pk']}", **key)


def get_appeal(user, ref: Appeal | int, action: str = "view") -> Appeal:
    key = by_key(ref)
    queryset = Appeal.objects.select_related("result__worker", "result__period")
    return access(user, action, queryset, f"no appeal with id {key['pk']}", **key)


def get_certificate(user, ref: int) -> Certificate:
    queryset = Certificate.objects.select_related("worker__grid", "course__area")
    return access(user, "view", queryset, f"no certificate with id {ref}", pk=ref)


def my_posts(user) -> QuerySet[Worker]:
    """The worker posts a user holds (their own, whatever the role)."""
    return Worker.objects.filter(user=user).select_related("grid").order_by("-start")


# --- A worker's record --------------------------------------------------------------------


@dataclass
class TrainingRecord:
    worker: Worker
    enrolments: list[Enrolment]
    attended_hours: Decimal
    attempts: list[QuizAttempt]
    certificates: list[Certificate]

    def as_dict(self) -> dict:
        return {
            "worker": self.worker.pk,
            "name": self.worker.name,
            "attended_hours": str(self.attended_hours),
            "sessions": [
                {
                    "session": e.session_id,
                    "course": e.session.course.title,
                    "kind": e.session.course.kind,
                    "starts_at": e.session.starts_at.isoformat(),
                    "attended": hasattr(e, "attendance"),
                }
                for e in self.enrolments
            ],
            "quizzes": [
                {
                    "course": a.course.title,
                    "taken_at": a.taken_at.isoformat(),
                    "score": a.score,
                    "passed": a.passed,
                    # What was asked and answered, as the quiz was then; attempts stored
                    # before answers kept their texts have only choice indexes: none shown.
                    "answers": [x for x in a.answers if isinstance(x, dict)],
                }
                for a in self.attempts
            ],
            "certificates": [
                {"id": c.pk, "number": c.number, "course": c.course.title}
                for c in self.certificates
            ],
        }


def training_record(user, worker: Worker | int) -> TrainingRecord:
    worker = get_worker(user, worker)
    require(user, "workforce.view_enrolment")
    enrolments = list(
        Enrolment.objects.filter(worker=worker)
        .select_related("session__course", "attendance")
        .order_by("session__starts_at")
    )
    hours = sum(
        (e.session.course.hours for e in enrolments if hasattr(e, "attendance")), Decimal(0)
    )
    return TrainingRecord(
        worker,
        enrolments,
        hours,
        list(QuizAttempt.objects.filter(worker=worker).select_related("course")),
        list(Certificate.objects.filter(worker=worker).select_related("course")),
    )


def points_of(user, worker: Worker | int) -> dict:
    """A worker's ledger (each entry with the record that earned it), redemptions, balance."""
    worker = get_worker(user, worker)
    ledger = list(entries(user).filter(worker=worker).order_by("-month", "-pk"))
    labels = {name: source.label for name, source in sources.available().items()}
    for entry in ledger:
        entry.source_label = labels.get(entry.source, entry.source)
    redeemed = list(Redemption.objects.restrict(user).filter(worker=worker).order_by("-pk"))
    earned = sum((e.points for e in ledger), Decimal(0))
    spent = sum((r.points for r in redeemed), Decimal(0))
    return {
        "worker": worker,
        "entries": ledger,
        "redemptions": redeemed,
        "earned": earned,
        "balance": earned - spent,
    }


def points_table(user, node, month: dt.date) -> Paginator:
    """The active workers at or under ``node`` (all in scope without one), with their
    points of ``month``, all points earned and all redeemed, 50 a page."""
    require(user, "workforce.view_pointentry")
    workers = Worker.objects.restrict(user).active(timezone.localdate())
    if node is not None:
        workers = workers.filter(path_q((node.path,)))

    def total(model, **more):
        rows = model.objects.filter(worker=OuterRef("pk"), **more).values("worker")
        rows = rows.annotate(total=Sum("points")).values("total")
        return Coalesce(Subquery(rows), Value(Decimal(0)), output_field=DecimalField())

    workers = workers.annotate(
        month_points=total(PointEntry, month=month),
        earned=total(PointEntry),
        spent=total(Redemption),
    )
    return Paginator(workers.select_related("grid").order_by("path", "pk"), 50)


# --- Coverage -----------------------------------------------------------------------------


@dataclass
class TrainingCoverage:
    workers: int = 0
    trained: int = 0
    hours: Decimal = Decimal(0)
    by_kind: dict[str, int] = field(default_factory=dict)
    without_induction: list[Worker] = field(default_factory=list)

    def share(self) -> float:
        return self.trained / self.workers if self.workers else 0.0

    def as_dict(self) -> dict:
        return {
            "workers": self.workers,
            "trained": self.trained,
            "share_trained": round(self.share(), 4),
            "hours": str(self.hours),
            "attended_by_kind": self.by_kind,
            "without_induction": [
                {"worker": w.pk, "name": w.name, "grid": w.grid.code, "start": w.start.isoformat()}
                for w in self.without_induction
            ],
        }


def induction_days() -> int:
    return settings.FINEGRID_INDUCTION_DAYS


def training_coverage(user, node, on: dt.date | None = None, days: int | None = None):
    """Under an area or grid: active workers, how many attended any training and for how
    many hours, attendances by course kind, and the workers who took their post more than
    ``days`` days ago without attending induction training within those days."""
    require(user, "org.view_worker")
    require(user, "workforce.view_attendance")
    on = on or timezone.localdate()
    days = induction_days() if days is None else days
    active = list(
        Worker.objects.restrict(user).filter(path_q((node.path,))).active(on).select_related("grid")
    )
    report = TrainingCoverage(workers=len(active))
    attended = Attendance.objects.restrict(user).filter(
        path_q((node.path,)), enrolment__worker__in=[w.pk for w in active]
    )
    report.trained = attended.values("enrolment__worker").distinct().count()
    report.hours = attended.aggregate(h=Sum("enrolment__session__course__hours"))["h"] or Decimal(0)
    report.by_kind = dict(
        Counter(attended.values_list("enrolment__session__course__kind", flat=True))
    )
    inducted: dict[int, dt.date] = {}
    for worker_id, when in attended.filter(
        enrolment__session__course__kind=CourseKind.INDUCTION
    ).values_list("enrolment__worker_id", "checked_in_at"):
        day = timezone.localdate(when)
        inducted[worker_id] = min(day, inducted.get(worker_id, day))
    for worker in active:
        deadline = worker.start + dt.timedelta(days=days)
        if deadline < on and not (worker.pk in inducted and inducted[worker.pk] <= deadline):
            report.without_induction.append(worker)
    return report


# --- Cockpit ------------------------------------------------------------------------------


def cockpit(user, node) -> dict:
    """The workforce panel of the cockpit: training coverage, the distribution of last
    month's points, the lowest-ranked grids of the latest assessment, open appeals."""
    figures: dict = {"coverage": None, "points": [], "lowest": [], "open_appeals": 0}
    if user.has_perm("workforce.view_attendance") and user.has_perm("org.view_worker"):
        figures["coverage"] = training_coverage(user, node)
    under = path_q((node.path,))
    around = Q(path__in=compute.ancestors(node.path)) | path_q((node.path,))
    latest = periods(user).filter(around).order_by("-month", "path").first()
    if latest is not None:
        figures["period"] = latest
        figures["lowest"] = list(
            results(user)
            .filter(under, period=latest, kind=ResultKind.GRID)
            .order_by("total", "path")[:5]
        )
        month = latest.month
    else:
        month = timezone.localdate().replace(day=1)
    totals = (
        entries(user)
        .filter(under, month=month)
        .values("worker")
        .annotate(total=Sum("points"))
        .values_list("total", flat=True)
    )
    bins = Counter(_bin(t) for t in totals)
    figures["points_month"] = month
    figures["points"] = [{"bin": label, "workers": bins.get(label, 0)} for label in BINS]
    figures["open_appeals"] = (
        appeals(user).filter(under, status=AppealStatus.OPEN).aggregate(n=Count("pk"))["n"]
    )
    return figures


BINS = ["<0", "0–10", "10–20", "20–40", "40–80", "≥80"]


def _bin(total: Decimal) -> str:
    if total < 0:
        return BINS[0]
    for label, high in zip(BINS[1:], (10, 20, 40, 80), strict=False):
        if total < high:
            return label
    return BINS[-1]
