"""The arithmetic of points and assessment, from the records to the numbers.

``expected_points`` is what the ledger of a month should add up to, computed afresh from the
records and the schemes in force; ``reconcile`` turns the difference between that and the
ledger into the entries to append; ``assess`` turns a month's ledger into scores and ranks.
No writes here: the actions do those.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q, Sum
from django.utils import timezone

from finegrid.accounts.scope import path_q
from finegrid.org.models import Worker
from finegrid.workforce import sources
from finegrid.workforce.models import Component, EntryKind, PointEntry, Scheme

CENT = Decimal("0.01")
# Lengths of a street's and a community's path ("51/5101/510116/510116001[/510116001005]").
STREET_PATH = 24
COMMUNITY_PATH = 37

Key = tuple[int, str, str, str]  # worker, source, record type, record id


def month_start(value: dt.date) -> dt.date:
    return value.replace(day=1)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of the month and of the next, in the local time zone."""
    start = dt.datetime(month.year, month.month, 1)
    days = calendar.monthrange(month.year, month.month)[1]
    zone = timezone.get_current_timezone()
    return (
        timezone.make_aware(start, zone),
        timezone.make_aware(start + dt.timedelta(days=days), zone),
    )


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def ancestors(path: str) -> list[str]:
    """``path`` and every path above it."""
    parts = path.split("/")
    return ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]


class Schemes:
    """The scheme in force for each path in a month: the latest version of the nearest
    area at or above the path whose ``effective_from`` is not after the month."""

    def __init__(self, path: str, month: dt.date):
        found = (
            Scheme.objects.filter(effective_from__lte=month)
            .filter(Q(path__in=ancestors(path)) | path_q((path,)))
            .prefetch_related("rules")
            .order_by("path", "-version")
        )
        self.latest: dict[str, Scheme] = {}
        for scheme in found:
            self.latest.setdefault(scheme.path, scheme)
        self.rules = {s.pk: {r.source: r for r in s.rules.all()} for s in self.latest.values()}
        self._cache: dict[str, Scheme | None] = {}

    def for_path(self, path: str) -> Scheme | None:
        # Schemes belong to areas, and no area lies below a community: every grid of a
        # community shares its community's answer.
        key = path[:COMMUNITY_PATH]
        if key not in self._cache:
            chosen = None
            for candidate in reversed(ancestors(key)):
                if candidate in self.latest:
                    chosen = self.latest[candidate]
                    break
            self._cache[key] = chosen
        return self._cache[key]


def expected_points(path: str, month: dt.date) -> dict[Key, tuple[Decimal, Decimal, int]]:
    """What every record of the month under ``path`` earns under the schemes in force:
    key → (quantity, points, scheme id). Records worth nothing are left out."""
    start, end = month_bounds(month)
    schemes = Schemes(path, month)
    worker_paths = dict(Worker.objects.filter(path_q((path,))).values_list("pk", "path"))
    expected = {}
    # A city's month is millions of records over a handful of schemes and quantities: the
    # scheme of each worker and the worth of each (rule, quantity) are looked up once.
    scheme_of: dict[int, Scheme | None] = {}
    for worker_id, worker_path in worker_paths.items():
        scheme_of[worker_id] = schemes.for_path(worker_path)
    with sources.reading((path,)):
        for name, source in sources.available().items():
            price: dict[tuple[int, object], tuple[Decimal, Decimal, int] | None] = {}
            for worker_id, record_id, quantity in source.read((path,), start, end):
                scheme = scheme_of.get(worker_id)
                if scheme is None:
                    continue
                worth = price.get((scheme.pk, quantity), False)
                if worth is False:
                    rule = schemes.rules[scheme.pk].get(name)
                    worth = None
                    if rule is not None:
                        amount = Decimal(quantity)
                        points = (amount * rule.points).quantize(CENT, ROUND_HALF_UP)
                        worth = (amount, points, scheme.pk) if points else None
                    price[(scheme.pk, quantity)] = worth
                if worth is not None:
                    expected[(worker_id, name, source.record_type, str(record_id))] = worth
    return expected


def ledger_net(path: str, month: dt.date) -> dict[Key, Decimal]:
    """The ledger's computed entries of the month under ``path``, summed per record
    (manual adjustments are the staff's, not the computation's, and stay out)."""
    rows = (
        PointEntry.objects.filter(path_q((path,)), month=month)
        .exclude(kind=EntryKind.ADJUSTMENT)
        .values_list("worker_id", "source", "record_type", "record_id")
        .annotate(total=Sum("points"))
    )
    return {(w, s, t, r): total for w, s, t, r, total in rows}


@dataclass
class Line:
    key: Key
    quantity: Decimal
    points: Decimal
    kind: str
    scheme_id: int | None


def reconcile(
    expected: dict[Key, tuple[Decimal, Decimal, int]], net: dict[Key, Decimal]
) -> list[Line]:
    """The entries that make the ledger's net equal what the records earn: a first entry
    for a new record, a correction by the difference for one whose worth changed, and a
    reversal for one that no longer earns anything."""
    lines = []
    for key in sorted(expected):
        quantity, points, scheme_id = expected[key]
        if key not in net:
            lines.append(Line(key, quantity, points, EntryKind.EARNED, scheme_id))
        elif net[key] != points:
            lines.append(Line(key, quantity, points - net[key], EntryKind.CORRECTION, scheme_id))
    for key in sorted(set(net) - set(expected)):
        if net[key]:
            lines.append(Line(key, Decimal(0), -net[key], EntryKind.REVERSAL, None))
    return lines


# --- Assessment ---------------------------------------------------------------------------


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


def _part(weight: int, points: Decimal, target: Decimal) -> Decimal:
    if target <= 0:
        return Decimal(0)
    share = min(Decimal(1), max(Decimal(0), points / target))
    return (weight * share).quantize(CENT, ROUND_HALF_UP)


def _rank(scores: list[Score], width: int, attribute: str) -> None:
    """Competition ranks (1, 2, 2, 4) by total within each area of ``width`` path chars."""
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


def assess(path: str, month: dt.date) -> tuple[list[Score], list[Score]]:
    """Each worker's and each grid's scores for the month under ``path``: every component
    is its weight times the share of its target reached (the grid component on the mean of
    the grid's workers), plus bonus points up to the cap; a grid scores the mean of its
    workers. Ranked per community and per street."""
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
            grid = _part(scheme.grid_weight, sum(team) / len(team), scheme.grid_target)
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
