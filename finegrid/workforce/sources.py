"""Where points come from: one small function per source.

A source reads the records of one month under some paths and yields, for each record
that earns (or costs) points, ``(worker_id, record_id, quantity)``: the worker it counts
for, the record's id and how many units of the rule it is worth (an hour of training, one
household reached on time). The rule table (``Rule.source``) prices the units.

Sources whose app is not installed are simply absent: adding the cases or campaigns app
adds their sources here, and the schemes that price them start to count.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from finegrid.accounts.scope import path_q

Rows = Iterable[tuple[int, object, object]]


@dataclass(frozen=True)
class Source:
    name: str
    label: str
    record_type: str  # the ledger's name of the records it reads ("workforce.attendance")
    read: Callable[[tuple[str, ...], dt.datetime, dt.datetime], Rows]
    app: str = "workforce"


def training_hours(paths: tuple[str, ...], start: dt.datetime, end: dt.datetime) -> Rows:
    """Each attendance of the month: the course's hours."""
    from finegrid.workforce.models import Attendance

    return Attendance.objects.filter(
        path_q(paths), checked_in_at__gte=start, checked_in_at__lt=end
    ).values_list("enrolment__worker_id", "pk", "enrolment__session__course__hours")


def induction_passed(paths: tuple[str, ...], start: dt.datetime, end: dt.datetime) -> Rows:
    """Each certificate of an induction course issued in the month: one."""
    from finegrid.workforce.models import Certificate, CourseKind

    for worker_id, pk in Certificate.objects.filter(
        path_q(paths), issued_at__gte=start, issued_at__lt=end, course__kind=CourseKind.INDUCTION
    ).values_list("worker_id", "pk"):
        yield worker_id, pk, 1


_reading: contextvars.ContextVar[dict | None] = contextvars.ContextVar("reading", default=None)


@contextlib.contextmanager
def reading(paths: tuple[str, ...]):
    """While the sources of one computation read: each account's worker post under
    ``paths`` is looked up once, not once per source."""
    token = _reading.set({})
    try:
        yield
    finally:
        _reading.reset(token)


def _workers_by_user(paths: tuple[str, ...]) -> dict[int, int]:
    """Each account's worker post under ``paths`` (its latest, when it holds several)."""
    from finegrid.org.models import Worker

    cache = _reading.get()
    if cache is not None and paths in cache:
        return cache[paths]
    posts = dict(
        Worker.objects.filter(path_q(paths), user__isnull=False)
        .order_by("start", "pk")
        .values_list("user_id", "pk")
    )
    if cache is not None:
        cache[paths] = posts
    return posts


def _by_user(rows, paths: tuple[str, ...]) -> Rows:
    """(user id, record id) rows as (worker id, record id, 1) for accounts holding a post."""
    workers = _workers_by_user(paths)
    for user_id, record_id in rows:
        if user_id in workers:
            yield workers[user_id], record_id, 1


# --- Door-to-door mobilization (finegrid.campaigns) ----------------------------------------


def visits_on_time(paths: tuple[str, ...], start: dt.datetime, end: dt.datetime) -> Rows:
    """Each household reached before its campaign's deadline: one, for its visitor."""
    from django.db.models import F

    from finegrid.campaigns.models import Outcome, Visit

    for worker_id, pk in Visit.objects.filter(
        path_q(paths),
        recorded_at__gte=start,
        recorded_at__lt=end,
        recorded_at__lte=F("campaign__deadline"),
        outcome=Outcome.REACHED,
        assignment__worker__isnull=False,
    ).values_list("assignment__worker_id", "pk"):
        yield worker_id, pk, 1


# --- Cases (finegrid.cases) ----------------------------------------------------------------


def _steps(paths, start, end, kind: str, **more):
    from finegrid.cases.models import CaseStep

    return CaseStep.objects.filter(path_q(paths), at__gte=start, at__lt=end, kind=kind, **more)


def _opened_by(steps):
    """(the account that registered the step's case, the step's id) of each step."""
    from django.db.models import OuterRef, Subquery

    from finegrid.cases.models import CaseStep

    opener = CaseStep.objects.filter(case=OuterRef("case"), kind="open").values("actor_id")
    return steps.annotate(opener=Subquery(opener[:1])).values_list("opener", "pk")


def cases_raised(paths: tuple[str, ...], start: dt.datetime, end: dt.datetime) -> Rows:
    """Each case a worker registered (its opening step): one."""
    steps = _steps(paths, start, end, "open", actor__isnull=False)
    return _by_user(steps.values_list("actor_id", "pk"), paths)


def cases_closed(paths: tuple[str, ...], start: dt.datetime, end: dt.datetime) -> Rows:
    """Each case a worker registered that was closed: one, for that worker."""
    return _by_user(_opened_by(_steps(paths, start, end, "close")), paths)


def verifications_on_time(paths: tuple[str, ...], start: dt.datetime, end: dt.datetime) -> Rows:
    """Each verification a worker made within its limit: one."""
    steps = _steps(paths, start, end, "verify", on_time=True, actor__isnull=False)
    return _by_user(steps.values_list("actor_id", "pk"), paths)


def satisfied(paths: tuple[str, ...], start: dt.datetime, end: dt.datetime) -> Rows:
    """Each rating of 满意 or 基本满意 of a case a worker registered: one."""
    steps = _steps(paths, start, end, "rate", case__satisfaction__in=("satisfied", "basically"))
    return _by_user(_opened_by(steps), paths)


def steps_overdue(paths: tuple[str, ...], start: dt.datetime, end: dt.datetime) -> Rows:
    """Each overdue step of a case while a grid unit held it: one, for each of its members
    who holds a worker post (price it negative: a deduction)."""
    steps = _steps(paths, start, end, "overdue", unit__kind="grid", unit__members__isnull=False)
    return _by_user(steps.values_list("unit__members", "pk"), paths)


def verifications_failed(paths: tuple[str, ...], start: dt.datetime, end: dt.datetime) -> Rows:
    """Each failed verification of a case a grid unit handled: one, for each of its members
    who holds a worker post (price it negative)."""
    steps = _steps(paths, start, end, "fail", case__unit__kind="grid")
    return _by_user(steps.values_list("case__unit__members", "pk"), paths)


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
