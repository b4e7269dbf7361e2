"""The monthly assessment computed in the database (finegrid.workforce.compute.assess)
gives, on generated ledgers and schemes, the scores and ranks of the Python computation it
replaced (kept here as the reference)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from django.db.models import Q, Sum

from finegrid.accounts.scope import path_q
from finegrid.org.actions import do_assign_worker
from finegrid.org.models import Worker
from finegrid.workforce import actions
from finegrid.workforce.compute import COMMUNITY_PATH, STREET_PATH, Schemes, month_end
from finegrid.workforce.models import AssessmentResult, Component, EntryKind, PointEntry
from tests.conftest import COMMUNITY_A, COMMUNITY_B, system

STREET = COMMUNITY_A[:9]
NOVEMBER = dt.date(2026, 11, 1)
CENT = Decimal("0.01")
SOURCES = ["training_hours", "induction_passed", "visit_on_time", "case_raised", "satisfaction"]


# --- The reference: the former computation in Python --------------------------------------


@dataclass
class Score:
    worker_id: int | None
    grid_id: int
    path: str
    points: Decimal
    grid: Decimal
    duty: Decimal
    worker: Decimal
    bonus: Decimal
    total: Decimal
    rank_community: int = 0
    rank_street: int = 0


def _part(weight: int, points: Fraction, target: Decimal) -> Decimal:
    """As before, except that the mean and the share are exact fractions: with Decimal's 28
    digits, 30 × 0.25 / 12 = 0.625 came out as 0.62499…, rounded to 0.62 where half up
    says 0.63."""
    if target <= 0:
        return Decimal(0)
    share = min(Fraction(1), max(Fraction(0), Fraction(points) / Fraction(target)))
    return (Decimal(int(weight * share * 100 + Fraction(1, 2))) / 100).quantize(CENT)


def _rank(scores: list[Score], width: int, attribute: str) -> None:
    groups: dict[str, list[Score]] = defaultdict(list)
    for score in scores:
        groups[score.path[:width]].append(score)
    for members in groups.values():
        members.sort(key=lambda s: (-s.total, s.path, s.worker_id or 0))
        previous, rank = None, 0
        for position, score in enumerate(members, start=1):
            if score.total != previous:
                rank, previous = position, score.total
            setattr(score, attribute, rank)


def reference(path: str, month: dt.date) -> tuple[list[Score], list[Score]]:
    schemes = Schemes(path, month)
    first, last = month, month_end(month)
    workers = list(
        Worker.objects.filter(path_q((path,)), start__lte=last)
        .filter(Q(end__isnull=True) | Q(end__gte=first))
        .values_list("pk", "grid_id", "path")
        .order_by("path", "pk")
    )
    net: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    totals = (
        PointEntry.objects.filter(path_q((path,)), month=month)
        .values_list("worker_id", "source")
        .annotate(total=Sum("points"))
    )
    for worker_id, source, total in totals:
        net[worker_id][source] += total
    parts: dict[int, dict[str, Decimal]] = {}
    for worker_id, _grid_id, worker_path in workers:
        scheme = schemes.for_path(worker_path)
        rules = schemes.rules[scheme.pk] if scheme else {}
        sums = dict.fromkeys(Component.values, Decimal(0))
        for source, total in net[worker_id].items():
            rule = rules.get(source)
            sums[rule.component if rule else Component.WORKER] += total
        parts[worker_id] = sums
    grid_points: dict[int, list[Decimal]] = defaultdict(list)
    for worker_id, grid_id, _ in workers:
        grid_points[grid_id].append(parts[worker_id][Component.GRID])
    worker_scores = []
    for worker_id, grid_id, worker_path in workers:
        scheme, sums = schemes.for_path(worker_path), parts[worker_id]
        team = grid_points[grid_id]
        if scheme is None:
            grid = duty = own = bonus = Decimal(0)
        else:
            mean = Fraction(sum(team)) / len(team)
            grid = _part(scheme.grid_weight, mean, scheme.grid_target)
            duty = _part(scheme.duty_weight, sums[Component.DUTY], scheme.duty_target)
            own = _part(scheme.worker_weight, sums[Component.WORKER], scheme.worker_target)
            bonus = min(Decimal(scheme.bonus_cap), max(Decimal(0), sums[Component.BONUS]))
            bonus = bonus.quantize(CENT, ROUND_HALF_UP)
        worker_scores.append(
            Score(
                worker_id,
                grid_id,
                worker_path,
                sum(sums.values(), Decimal(0)),
                grid,
                duty,
                own,
                bonus,
                grid + duty + own + bonus,
            )
        )
    by_grid: dict[int, list[Score]] = defaultdict(list)
    for score in worker_scores:
        by_grid[score.grid_id].append(score)
    grid_scores = []
    for grid_id, members in by_grid.items():
        count = len(members)

        def mean(field: str, members=members, count=count) -> Decimal:
            total = sum((getattr(m, field) for m in members), Decimal(0))
            return (total / count).quantize(CENT, ROUND_HALF_UP)

        grid_scores.append(
            Score(
                None,
                grid_id,
                members[0].path,
                sum((m.points for m in members), Decimal(0)),
                mean("grid"),
                mean("duty"),
                mean("worker"),
                mean("bonus"),
                mean("total"),
            )
        )
    for scores in (worker_scores, grid_scores):
        _rank(scores, COMMUNITY_PATH, "rank_community")
        _rank(scores, STREET_PATH, "rank_street")
    return worker_scores, grid_scores


# --- The comparison -----------------------------------------------------------------------


def _stored(period) -> list[tuple]:
    return sorted(
        (
            r.kind,
            r.worker_id or 0,
            r.grid_id,
            r.path,
            r.points,
            r.grid_score,
            r.duty_score,
            r.worker_score,
            r.bonus,
            r.total,
            r.rank_community,
            r.rank_street,
        )
        for r in AssessmentResult.objects.filter(period=period)
    )


def _expected(path: str, month: dt.date) -> list[tuple]:
    workers, grids = reference(path, month)
    return sorted(
        (
            kind,
            s.worker_id or 0,
            s.grid_id,
            s.path,
            s.points.quantize(CENT),
            s.grid,
            s.duty,
            s.worker,
            s.bonus,
            s.total,
            s.rank_community,
            s.rank_street,
        )
        for kind, scores in (("worker", workers), ("grid", grids))
        for s in scores
    )


@pytest.fixture
def crew(world):
    """Eleven workers: several to a grid (grid means), in two communities of one street,
    two of them outside November (ended before it, started after it)."""
    grids = world.grids
    posts = [
        (grids.general, "grid_worker", dt.date(2026, 1, 1), None),
        (grids.general, "grid_worker", dt.date(2026, 3, 1), None),
        (grids.general, "grid_worker", dt.date(2026, 3, 1), dt.date(2026, 10, 31)),
        (grids.general2, "grid_worker", dt.date(2026, 5, 1), dt.date(2026, 11, 3)),
        (grids.general2, "grid_worker", dt.date(2026, 11, 30), None),
        (grids.micro, "micro_worker", dt.date(2026, 1, 1), None),
        (grids.micro, "micro_worker", dt.date(2026, 12, 1), None),
        (grids.micro2, "micro_worker", dt.date(2026, 1, 1), None),
        (grids.other_street, "grid_worker", dt.date(2026, 1, 1), None),
        (grids.other_street, "grid_worker", dt.date(2026, 1, 1), None),
        (grids.other_street, "grid_worker", dt.date(2026, 2, 1), None),
    ]
    return [
        do_assign_worker(system(), grid, role=role, name=f"网格员{n}", start=start, end=end)
        for n, (grid, role, start, end) in enumerate(posts)
    ]


def _scheme(area: str, rules: list[tuple[str, str]], weights: tuple, targets: tuple, cap: int):
    grid_weight, duty_weight = weights
    return actions.do_create_scheme(
        system(),
        area,
        effective_from=NOVEMBER,
        rules=[{"source": s, "points": "1", "component": c} for s, c in rules],
        grid_weight=grid_weight,
        duty_weight=duty_weight,
        worker_weight=100 - grid_weight - duty_weight,
        bonus_cap=cap,
        grid_target=targets[0],
        duty_target=targets[1],
        worker_target=targets[2],
    )


def _entries(crew, entries) -> None:
    actor = system()
    PointEntry.objects.bulk_create(
        PointEntry(
            worker=crew[w],
            month=NOVEMBER if not other_month else dt.date(2026, 10, 1),
            source=SOURCES[s],
            record_type="test",
            record_id=str(n),
            quantity=Decimal(1),
            points=Decimal(cents) / 100,
            kind=EntryKind.ADJUSTMENT if adjusted else EntryKind.EARNED,
            created_by=actor,
            path=crew[w].path,
        )
        for n, (w, s, cents, other_month, adjusted) in enumerate(entries)
    )


def test_a_share_exactly_half_a_cent_rounds_up(world, crew):
    """Duty 30 of a target of 12 points, 0.25 points reached: 30 × 0.25 / 12 = 0.625 → 0.63."""
    _scheme(STREET, [("case_raised", "duty")], (50, 30), ("100", "12", "20"), 10)
    _entries(crew, [(0, 3, 25, False, False)])
    period = actions.do_compute_assessment(system(), STREET, NOVEMBER)
    result = AssessmentResult.objects.get(period=period, worker=crew[0])
    assert (result.duty_score, result.total) == (Decimal("0.63"), Decimal("0.63"))
    assert _stored(period) == _expected(period.path, NOVEMBER)


def test_scores_and_ranks_match_the_python_computation(world, crew):
    from django.db import transaction
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hypothesis_settings
    from hypothesis import strategies as st

    cents = st.one_of(
        st.integers(-3000, 6000),
        st.sampled_from([25, 50, 100, 250, 300, 500, 1000, -100, 1]),
    )
    entries = st.lists(
        st.tuples(
            st.integers(0, len(crew) - 1),
            st.integers(0, len(SOURCES) - 1),
            cents,
            st.integers(0, 4).map(lambda n: n == 0),
            st.booleans(),
        ),
        max_size=40,
    )
    targets = st.tuples(*[st.sampled_from(["0.1", "0.3", "2.4", "8", "12", "20", "60"])] * 3)
    weights = st.sampled_from([(50, 30), (30, 30), (60, 10), (0, 100), (33, 33), (100, 0)])
    rules = st.lists(
        st.tuples(st.sampled_from(SOURCES), st.sampled_from(Component.values)),
        unique_by=lambda rule: rule[0],
        max_size=len(SOURCES),
    )
    scheme = st.tuples(rules, weights, targets, st.integers(0, 15))
    areas = st.sampled_from(["street", "community B", "both", "none"])

    @hypothesis_settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(entries, scheme, scheme, areas)
    def run(generated, street_scheme, community_scheme, where):
        try:
            with transaction.atomic():
                if where in ("street", "both"):
                    _scheme(STREET, *street_scheme)
                if where in ("community B", "both"):
                    _scheme(COMMUNITY_B, *community_scheme)
                _entries(crew, generated)
                period = actions.do_compute_assessment(system(), STREET, NOVEMBER)
                assert _stored(period) == _expected(period.path, NOVEMBER)
                raise _Rollback
        except _Rollback:
            pass

    run()


class _Rollback(Exception):
    pass
