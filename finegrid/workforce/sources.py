"""Where points come from: one small function per source.

A source selects the records of one month under some paths: a query whose rows are, for
each record that earns (or costs) points, ``w_id`` (the worker it counts for; NULL: no
one), ``r_id`` (the record's id) and ``qty`` (how many units of the rule it is worth: an
hour of training, one household reached on time). The rule table (``Rule.source``) prices
the units. A query, not rows: the computation prices and reconciles a city's month inside
the database.

Sources whose app is not installed are simply absent: adding the cases or campaigns app
adds their sources here, and the schemes that price them start to count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db.models import F, OuterRef, QuerySet, Subquery, Value
from django.utils.translation import gettext_lazy as _

from finegrid.accounts.scope import path_q

ONE = Value(1)


@dataclass(frozen=True)
class Source:
    name: str
    label: str
    record_type: str  # the ledger's name of the records it reads ("workforce.attendance")
    read: Callable[[tuple[str, ...], dt.datetime, dt.datetime], QuerySet]
    app: str = "workforce"


def training_hours(paths: tuple[str, ...], start: dt.datetime, end: dt.datetime) -> QuerySet:
    """Each attendance of the month: the course's hours."""
    from finegrid.workforce.models import Attendance

    return Attendance.objects.filter(
        path_q(paths), checked_in_at__gte=start, checked_in_at__lt=end
    ).values(
        w_id=F("enrolment__worker_id"), r_id=F("pk"), qty=F("enrolment__session__course__hours")
    )


def induction_passed(paths: tuple[str, ...], start: dt.datetime, end: dt.datetime) -> QuerySet:
    """Each certificate of an induction course issued in the month: one."""
    from finegrid.workforce.models import Certificate, CourseKind

    return Certificate.objects.filter(
        path_q(paths), issued_at__gte=start, issued_at__lt=end, course__kind=CourseKind.INDUCTION
    ).values(w_id=F("worker_id"), r_id=F("pk"), qty=ONE)


def _by_user(rows: QuerySet, user: str, paths: tuple[str, ...]) -> QuerySet:
    """Rows of an account (the ``user`` column) as rows of its worker post under ``paths``
    (its latest, when it holds several). An account holding no post gives a ``w_id`` of
    NULL, which counts for no one (filtering it here would run the subquery twice)."""
    from finegrid.org.models import Worker

    post = Worker.objects.filter(path_q(paths), user_id=OuterRef(user)).order_by("-start", "-pk")
    return rows.values(w_id=Subquery(post.values("pk")[:1]), r_id=F("pk"), qty=ONE)


# --- Door-to-door mobilization (finegrid.campaigns) ----------------------------------------


def visits_on_time(paths: tuple[str, ...], start: dt.datetime, end: dt.datetime) -> QuerySet:
    """Each household reached before its campaign's deadline: one, for its visitor."""
    from finegrid.campaigns.models import Outcome, Visit

    return Visit.objects.filter(
        path_q(paths),
        recorded_at__gte=start,
        recorded_at__lt=end,
        recorded_at__lte=F("campaign__deadline"),
        outcome=Outcome.REACHED,
        assignment__worker__isnull=False,
    ).values(w_id=F("assignment__worker_id"), r_id=F("pk"), qty=ONE)


# --- Cases (finegrid.cases) ----------------------------------------------------------------


def _steps(paths, start, end, kind: str, **more):
    from finegrid.cases.models import CaseStep

    return CaseStep.objects.filter(path_q(paths), at__gte=start, at__lt=end, kind=kind, **more)


def _opened_by(steps, paths: tuple[str, ...]) -> QuerySet:
    """Each step, for the worker post of the account that registered the step's case."""
    from finegrid.cases.models import CaseStep

    opener = CaseStep.objects.filter(case=OuterRef("case"), kind="open").values("actor_id")
    return _by_user(steps.annotate(opener=Subquery(opener[:1])), "opener", paths)


def cases_raised(paths: tuple[str, ...], start: dt.datetime, end: dt.datetime) -> QuerySet:
    """Each case a worker registered (its opening step): one."""
    return _by_user(_steps(paths, start, end, "open", actor__isnull=False), "actor_id", paths)


def cases_closed(paths: tuple[str, ...], start: dt.datetime, end: dt.datetime) -> QuerySet:
    """Each case a worker registered that was closed: one, for that worker."""
    return _opened_by(_steps(paths, start, end, "close"), paths)


def verifications_on_time(paths: tuple[str, ...], start: dt.datetime, end: dt.datetime) -> QuerySet:
    """Each verification a worker made within its limit: one."""
    steps = _steps(paths, start, end, "verify", on_time=True, actor__isnull=False)
    return _by_user(steps, "actor_id", paths)


def satisfied(paths: tuple[str, ...], start: dt.datetime, end: dt.datetime) -> QuerySet:
    """Each rating of 满意 or 基本满意 of a case a worker registered: one."""
    steps = _steps(paths, start, end, "rate", case__satisfaction__in=("satisfied", "basically"))
    return _opened_by(steps, paths)


def steps_overdue(paths: tuple[str, ...], start: dt.datetime, end: dt.datetime) -> QuerySet:
    """Each overdue step of a case while a grid unit held it: one, for each of its members
    who holds a worker post (price it negative: a deduction)."""
    steps = _steps(paths, start, end, "overdue", unit__kind="grid", unit__members__isnull=False)
    return _by_user(steps.annotate(member=F("unit__members")), "member", paths)


def verifications_failed(paths: tuple[str, ...], start: dt.datetime, end: dt.datetime) -> QuerySet:
    """Each failed verification of a case a grid unit handled: one, for each of its members
    who holds a worker post (price it negative)."""
    steps = _steps(paths, start, end, "fail", case__unit__kind="grid")
    return _by_user(steps.annotate(member=F("case__unit__members")), "member", paths)


_ALL = [
    Source("training_hours", _("培训学时"), "workforce.attendance", training_hours),
    Source("induction_passed", _("通过岗前培训"), "workforce.certificate", induction_passed),
    Source("visit_on_time", _("按时入户"), "campaigns.visit", visits_on_time, "campaigns"),
    Source("case_raised", _("上报事件"), "cases.casestep", cases_raised, "cases"),
    Source("case_closed", _("上报事件办结"), "cases.casestep", cases_closed, "cases"),
    Source("verification_on_time", _("按时核查"), "cases.casestep", verifications_on_time, "cases"),
    Source("satisfaction", _("居民满意"), "cases.casestep", satisfied, "cases"),
    Source("step_overdue", _("环节超时"), "cases.casestep", steps_overdue, "cases"),
    Source("verification_failed", _("核查不通过"), "cases.casestep", verifications_failed, "cases"),
]


def available() -> dict[str, Source]:
    """The sources whose app is installed, by name."""
    return {s.name: s for s in _ALL if apps.is_installed(f"finegrid.{s.app}")}


def register(source: Source) -> None:
    """Add a source (used by the apps that bring their own records)."""
    if source.name not in {s.name for s in _ALL}:
        _ALL.append(source)
