"""The arithmetic of points and assessment, from the records to the numbers.

``append_points`` prices the month's records under the schemes in force and appends to the
ledger the difference from what it already holds (inside the database: the action calls it
in its transaction); ``ledger_net`` is the ledger's net per record; ``assess`` turns a
month's ledger into scores and ranks.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from finegrid.accounts.scope import path_q
from finegrid.org.models import Worker
from finegrid.workforce import sources
from finegrid.workforce.models import Component, EntryKind, PointEntry, Scheme

CENT = Decimal("0.01")
# Lengths of a street's and a community's path ("51/5101/510116/510116001[/510116001005]").
STREET_PATH = 24
COMMUNITY_PATH = 37


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


def _scheme_areas(path: str, month: dt.date) -> tuple[list[tuple[str, int]], list[tuple]]:
    """The scheme in force for each community (path prefix) of the workers under ``path``,
    and the rules of those schemes as (scheme id, source, points in cents)."""
    schemes = Schemes(path, month)
    prefixes = (
        Worker.objects.filter(path_q((path,)))
        .annotate(prefix=Substr("path", 1, COMMUNITY_PATH))
        .values_list("prefix", flat=True)
        .distinct()
        .order_by()
    )
    areas = [(p, s.pk) for p in prefixes if (s := schemes.for_path(p)) is not None]
    rules = [
        (scheme_id, source, int(rule.points * 100))
        for scheme_id, by_source in schemes.rules.items()
        for source, rule in by_source.items()
    ]
    return areas, rules


def _under(column: str, path: str) -> tuple[str, list[str]]:
    """SQL for ``path_q`` on one column: the path itself or below it."""
    return f"({column} = %s OR {column} LIKE %s)", [path, f"{path}/%"]


KEY = ("worker_id", "source", "record_type", "record_id")
# Half-up rounding (away from zero, as Decimal's ROUND_HALF_UP) of ten-thousandths to cents,
# in integers so that SQLite's floating point never decides a cent.
_CENTS = "CASE WHEN p >= 0 THEN (p + 50) / 100 ELSE -((50 - p) / 100) END"


def _analyze(cursor, *tables: str) -> None:
    """PostgreSQL plans a temporary table blind (autovacuum never analyzes one) and, taking
    a city's rows for a few, joins them by nested loops; SQLite's plans need no statistics."""
    if connection.vendor == "postgresql":
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


def append_points(path: str, month: dt.date, run_id: int, actor_id: int) -> int:
    """Append to the ledger what brings the month's computed entries under ``path`` in line
    with what the records earn under the schemes in force: a first entry for a new record,
    a correction by the difference for one whose worth changed, and a reversal for one that
    no longer earns anything. Returns how many entries went in.

    A city's month is millions of records: every step runs in the database, set-based —
    the records priced per (worker, source) by joins on the schemes of the workers'
    communities, the ledger netted per record with one GROUP BY, and the difference
    inserted with one INSERT … SELECT (in key order, so entry ids follow the records)."""
    start, end = month_bounds(month)
    areas, rules = _scheme_areas(path, month)
    ops = connection.ops
    worker = ops.quote_name(Worker._meta.db_table)
    ledger = ops.quote_name(PointEntry._meta.db_table)
    keys = ", ".join(KEY)
    on = " AND ".join(f"n.{k} = e.{k}" for k in KEY)
    # The sources' rows are written out first: joined straight away, their correlated
    # subqueries (an account's post) would be evaluated once for the join and again for
    # the select.
    selects, params = [], []
    for name, source in sources.available().items():
        sql, source_params = source.read((path,), start, end).order_by().query.sql_with_params()
        selects.append(
            "SELECT r.w_id AS worker_id, %s AS source, %s AS record_type,"
            f" CAST(r.r_id AS TEXT) AS record_id, r.qty AS quantity FROM ({sql}) r"
        )
        params += [name, source.record_type, *source_params]
    worker_under, worker_under_params = _under("w.path", path)
    under, under_params = _under("path", path)
    steps = [
        (
            "CREATE TEMP TABLE wf_expected AS SELECT worker_id, source, record_type, record_id,"
            f" quantity, scheme_id, path, {_CENTS} AS cents FROM ("
            " SELECT r.worker_id, r.source, r.record_type, r.record_id, r.quantity,"
            " a.scheme_id, w.path, CAST(ROUND(r.quantity * 100) AS BIGINT) * u.cents AS p"
            f" FROM wf_records r JOIN {worker} w ON w.id = r.worker_id"
            f" JOIN wf_area a ON a.prefix = SUBSTR(w.path, 1, {COMMUNITY_PATH})"
            " JOIN wf_rule u ON u.scheme_id = a.scheme_id AND u.source = r.source"
            f" WHERE {worker_under}) x",
            worker_under_params,
        ),
        (
            f"CREATE TEMP TABLE wf_net AS SELECT {keys}, CAST(ROUND(SUM(points) * 100) AS BIGINT)"
            f" AS cents FROM {ledger} WHERE month = %s AND kind <> %s AND {under}"
            f" GROUP BY {keys}",
            [ops.adapt_datefield_value(month), EntryKind.ADJUSTMENT, *under_params],
        ),
        (f"CREATE INDEX wf_net_key ON wf_net ({keys})", None),
        ("DELETE FROM wf_expected WHERE cents = 0", None),
        (f"CREATE INDEX wf_expected_key ON wf_expected ({keys})", None),
    ]
    insert = (
        f"INSERT INTO {ledger} ({keys}, quantity, points, kind, scheme_id, run_id, month,"
        " created_by_id, path, note, created_at)"
        f" SELECT {keys}, quantity, cents / 100.0, kind, scheme_id, %s, %s, %s, path, '', %s"
        " FROM ("
        " SELECT e.worker_id, e.source, e.record_type, e.record_id, e.quantity,"
        " e.cents - COALESCE(n.cents, 0) AS cents,"
        " CASE WHEN n.cents IS NULL THEN %s ELSE %s END AS kind, e.scheme_id, e.path, 0 AS late"
        f" FROM wf_expected e LEFT JOIN wf_net n ON {on}"
        " WHERE n.cents IS NULL OR n.cents <> e.cents"
        " UNION ALL"
        " SELECT n.worker_id, n.source, n.record_type, n.record_id, 0, -n.cents, %s, NULL,"
        f" w.path, 1 FROM wf_net n JOIN {worker} w ON w.id = n.worker_id"
        f" LEFT JOIN wf_expected e ON {on} WHERE n.cents <> 0 AND e.worker_id IS NULL"
        f") x ORDER BY late, {keys}"
    )
    insert_params = [
        run_id,
        ops.adapt_datefield_value(month),
        actor_id,
        ops.adapt_datetimefield_value(timezone.now()),
        EntryKind.EARNED,
        EntryKind.CORRECTION,
        EntryKind.REVERSAL,
    ]
    temporary = ("wf_area", "wf_rule", "wf_records", "wf_expected", "wf_net")
    with connection.cursor() as cursor:
        for table in temporary:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            "CREATE TEMP TABLE wf_area (prefix VARCHAR(80) PRIMARY KEY, scheme_id BIGINT)"
        )
        cursor.execute(
            "CREATE TEMP TABLE wf_rule (scheme_id BIGINT, source VARCHAR(32), cents BIGINT)"
        )
        cursor.executemany("INSERT INTO wf_area VALUES (%s, %s)", areas)
        cursor.executemany("INSERT INTO wf_rule VALUES (%s, %s, %s)", rules)
        cursor.execute("CREATE TEMP TABLE wf_records AS " + " UNION ALL ".join(selects), params)
        _analyze(cursor, "wf_area", "wf_rule", "wf_records")
        for sql, args in steps:
            cursor.execute(sql, args)
        _analyze(cursor, "wf_expected", "wf_net")
        cursor.execute(insert, insert_params)
        appended = cursor.rowcount
        for table in temporary:
            cursor.execute(f"DROP TABLE {table}")
    return appended


def ledger_net(path: str, month: dt.date) -> dict[tuple[int, str, str, str], Decimal]:
    """The ledger's computed entries of the month under ``path``, summed per record
    (manual adjustments are the staff's, not the computation's, and stay out)."""
    rows = (
        PointEntry.objects.filter(path_q((path,)), month=month)
        .exclude(kind=EntryKind.ADJUSTMENT)
        .values_list("worker_id", "source", "record_type", "record_id")
        .annotate(total=Sum("points"))
    )
    return {(w, s, t, r): total for w, s, t, r, total in rows}


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
