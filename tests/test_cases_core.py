"""The core of cases: intake, the lifecycle to a rated close, figures, notifications."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from finegrid import clock
from finegrid.cases import figures, notify
from finegrid.cases.actions import (
    do_open_case,
    do_rate_case,
    do_step,
    do_sweep_deadlines,
)
from finegrid.cases.illustrative import do_load_illustrative
from finegrid.cases.models import Case, CaseStep, Notification, Robot, Unit
from finegrid.errors import InvalidInput, NotFound
from finegrid.people.actions import do_link_account
from tests.conftest import COMMUNITY_A, system

MONDAY = timezone.make_aware(dt.datetime(2026, 11, 30, 9, 0))


@pytest.fixture
def frozen():
    with clock.frozen(MONDAY):
        yield


@pytest.fixture
def unit(world):
    do_load_illustrative(system(), "510116001")
    return Unit.objects.get(kind="community", area__code=COMMUNITY_A)


def worker_case(world, registry) -> Case:
    """A parking case a grid worker raises for 张建国's household."""
    return do_open_case(
        world.users.grid_worker,
        category="parking",
        text="乱停",
        channel="worker",
        household=registry.zhang,
    )


def run(actor, case, *kinds, unit=None):
    for kind in kinds:
        case = do_step(actor, case, kind, note="好" if kind != "dispatch" else "", unit=unit)
    return case


def test_a_resident_raises_a_problem_and_rates_its_close(world, registry, unit, frozen):
    resident = world.users.resident
    do_link_account(system(), registry.zhang.head, resident)
    case = do_open_case(resident, category="sanitation", text="楼下垃圾堆放", channel="resident")
    assert (case.household, case.reporter, case.status) == (registry.zhang, resident, "submitted")
    assert case.path == registry.zhang.path
    # Acceptance within one working day: Monday 09:00 → Tuesday 09:00.
    assert case.due_at == MONDAY + dt.timedelta(days=1)
    staff = world.users.community_staff
    case = run(staff, case, "accept", "dispatch", unit=unit)
    assert case.unit == unit
    # General cases: 7 working days to handle.
    assert case.handle_due_at == timezone.make_aware(dt.datetime(2026, 12, 9, 9, 0))
    clock.advance(dt.timedelta(days=2))
    case = run(staff, case, "start", "handle")
    case = run(world.users.grid_worker, case, "verify")
    case = run(staff, case, "close")
    assert (case.status, case.closed_on_time) == ("closed", True)
    case = do_rate_case(resident, case, "satisfied")
    assert case.satisfaction == "satisfied"
    kinds = list(CaseStep.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == ["open", "accept", "dispatch", "start", "handle", "verify", "close", "rate"]
    assert figures.rates(Case.objects.all()) | {} == {
        "total": 1,
        "closed": 1,
        "on_time": 1.0,
        "satisfied": 1.0,
        "responded": 1.0,
        "resolved": 1.0,
        "rated": 1,
        "reopened": 0,
        "overdue": 0,
        "whistled": 0,
    }


def test_unsatisfied_within_seven_days_reopens(world, registry, unit, frozen):
    resident = world.users.resident
    do_link_account(system(), registry.zhang.head, resident)
    case = do_open_case(resident, category="dispute", text="楼上漏水", channel="resident")
    staff = world.users.community_staff
    case = run(staff, case, "accept", "dispatch", unit=unit)
    case = run(staff, case, "handle")
    case = run(world.users.grid_worker, case, "verify")
    case = run(staff, case, "close")
    case = do_rate_case(resident, case, "unsatisfied")
    assert (case.status, case.reopened, case.satisfaction) == ("in_progress", 1, "")


def test_illegal_steps_are_refused_and_nothing_is_written(world, registry, unit, frozen):
    case = worker_case(world, registry)
    with pytest.raises(InvalidInput, match="is not possible now"):
        do_step(world.users.community_staff, case, "close")
    with pytest.raises(InvalidInput, match="needs a reason"):
        do_step(world.users.community_staff, case, "refuse")
    assert CaseStep.objects.filter(case=case).count() == 1
    with pytest.raises(PermissionDenied):
        do_step(world.users.micro_worker, case, "accept")
    with pytest.raises(NotFound):
        do_step(world.users.outsider, case, "accept")


def test_overdue_cases_escalate_one_level(world, registry, unit, frozen):
    Robot.objects.create(
        name="第001网格群", kind="wecom", url="wecombot://KEY", path=world.grids.general.path
    )
    case = worker_case(world, registry)
    assert do_sweep_deadlines(system()) == 0
    clock.advance(dt.timedelta(days=1, minutes=1))
    assert do_sweep_deadlines(system()) == 1
    assert do_sweep_deadlines(system()) == 0
    case.refresh_from_db()
    assert (case.overdue, case.escalation) == (True, "grid")
    # The micro-grid's case escalates to its general grid, whose group hears of it.
    assert list(Notification.objects.values_list("text", flat=True)) == [
        f"督办：事件 {case.ref}【车辆乱停】已超时，请网格跟进"
    ]
    assert case.steps.last().note == "超过时限（2026-12-01 09:00），督办至网格"


def test_each_stage_deadline_missed_climbs_one_more_level(world, registry, unit, frozen):
    case = worker_case(world, registry)
    clock.advance(dt.timedelta(days=1, minutes=1))
    assert do_sweep_deadlines(system()) == 1
    # Accepted late: the dispatch deadline starts now, and the case is not overdue for it.
    case = run(world.users.community_staff, case, "accept")
    assert (case.overdue, case.escalation) == (False, "grid")
    assert do_sweep_deadlines(system()) == 0
    clock.advance(dt.timedelta(days=1, minutes=1))
    assert do_sweep_deadlines(system()) == 1
    case.refresh_from_db()
    assert (case.overdue, case.escalation) == (True, "community")
    notes = list(case.steps.filter(kind="overdue").values_list("note", flat=True))
    assert notes == [
        "超过时限（2026-12-01 09:00），督办至网格",
        "超过时限（2026-12-02 09:01），督办至社区",
    ]


def test_figures_per_grid_and_unit_equal_the_figures_of_each_subset(world, registry, unit):
    """One grouped pass per sheet gives what ``rates`` gives for each grid's and unit's
    cases; a case whistled twice counts once in every figure and twice as 吹哨."""
    from finegrid.cases import report
    from finegrid.cases.actions import do_whistle_case

    staff = world.users.community_staff
    parked = [worker_case(world, registry) for _ in range(3)]
    litter = do_open_case(
        staff, category="sanitation", text="垃圾", channel="staff", grid=world.grids.general
    )
    run(staff, litter, "accept", "dispatch", "handle", unit=unit)
    department = Unit.objects.get(name__contains="水务局")
    run(staff, parked[1], "accept")
    do_whistle_case(system(), parked[1], [department])
    do_whistle_case(system(), parked[1], [department])
    everything = Case.objects.all()
    grids = report.by_grid(everything)
    assert sorted((row["grid"], row["total"], row["whistled"], row["open"]) for row in grids) == [
        (world.grids.general.code, 1, 0, 1),
        (parked[0].grid.code, 3, 2, 3),
    ]
    for row in grids:
        subset = everything.filter(grid__code=row["grid"])
        assert {key: row[key] for key in figures.rates(subset)} == figures.rates(subset)
    assert (figures.rates(everything)["total"], figures.rates(everything)["whistled"]) == (4, 2)
    units = report.by_unit(everything)
    assert [(row["unit"], row["total"]) for row in units] == [(unit.name, 1)]
    assert {key: units[0][key] for key in figures.rates(everything)} == figures.rates(
        everything.filter(unit=unit)
    )


def test_a_dead_robot_never_blocks_a_case(world, registry, unit, frozen):
    Robot.objects.create(
        name="社区群",
        kind="other",
        url="json://127.0.0.1:9/",
        path=COMMUNITY_PATH(world),
        below=True,
    )
    case = worker_case(world, registry)
    assert Case.objects.filter(pk=case.pk).exists()
    assert notify.deliver() == {"sent": 0, "retried": 1, "failed": 0}
    note = Notification.objects.get()
    assert (note.sent_at, note.attempts, note.failed) == (None, 1, False)
    assert note.last_error


def COMMUNITY_PATH(world):
    return world.grids.general.path.rsplit("/", 1)[0]
