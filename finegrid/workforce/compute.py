"""The arithmetic of points and assessment, from the records to the numbers.

``append_points`` prices the month's records under the schemes in force and appends to the
ledger the difference from what it already holds (inside the database: the action calls it
in its transaction); ``ledger_net`` is the ledger's net per record; ``assess`` turns a
month's ledger into a period's scores and ranks.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Q, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from finegrid.accounts.scope import path_q
from finegrid.org.models import Worker
from finegrid.workforce import sources
from finegrid.workforce.models import (
    AssessmentResult,
    Component,
    EntryKind,
    PointEntry,
    ResultKind,
    Scheme,
)

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


def _schemes_in_force(path: str, month: dt.date) -> tuple[Schemes, list[tuple[str, int]]]:
    """The schemes of the month, and the one in force for each community (path prefix) of
    the workers under ``path`` as (prefix, scheme id)."""
    schemes = Schemes(path, month)
    prefixes = (
        Worker.objects.filter(path_q((path,)))
        .annotate(prefix=Substr("path", 1, COMMUNITY_PATH))
        .values_list("prefix", flat=True)
        .distinct()
        .order_by()
    )
    return schemes, [(p, s.pk) for p in prefixes if (s := schemes.for_path(p)) is not None]


def _scheme_areas(path: str, month: dt.date) -> tuple[list[tuple[str, int]], list[tuple]]:
    """The scheme in force for each community (path prefix) of the workers under ``path``,
    and the rules of those schemes as (scheme id, source, points in cents)."""
    schemes, areas = _schemes_in_force(path, month)
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


def _share_cents(weight: str, numerator: str, denominator: str) -> str:
    """SQL for ``weight`` times the share ``numerator / denominator`` of a target reached,
    between none and all of it, in cents rounded half up: integers only, exact in both
    databases. A target of 0 or less (``denominator`` <= 0) earns nothing."""
    return (
        f"CASE WHEN {denominator} <= 0 OR {numerator} <= 0 THEN 0"
        f" WHEN {numerator} >= {denominator} THEN 100 * {weight}"
        f" ELSE (200 * {weight} * {numerator} + {denominator}) / (2 * {denominator}) END"
    )


def _sum(expression: str) -> str:
    """SQL for a sum of whole numbers that stays one (PostgreSQL sums BIGINTs as NUMERIC,
    and NUMERIC divides into fractions)."""
    return f"CAST(SUM({expression}) AS BIGINT)"


def _mean_cents(column: str) -> str:
    """SQL for the mean of a group's cents, rounded half up (the scores are never negative)."""
    return f"(2 * {_sum(column)} + COUNT(*)) / (2 * COUNT(*))"


def _tenths(value: Decimal) -> int:
    return int((value * 10).to_integral_value(ROUND_HALF_UP))


def assess(period_id: int, path: str, month: dt.date) -> tuple[int, int]:
    """Write into the period each worker's and each grid's scores for the month under
    ``path``; return how many of each. Every component is its weight times the share of its
    target reached (the grid component on the mean of the grid's workers), in cents
    rounded half up; bonus points count up to the cap; a grid scores the mean of its
    workers (rounded half up). Ranks are competition ranks (1, 2, 2, 4) by total, per
    community and per street.

    A city's month is 160,000 workers and millions of entries: it runs in the database,
    set-based, in whole cents — the ledger summed per worker and source, the sources
    mapped to components by the rules of the worker's scheme, grid means by GROUP BY, ranks
    by window functions, and the results inserted with INSERT … SELECT."""
    schemes, areas = _schemes_in_force(path, month)
    weights = [
        (
            s.pk,
            s.grid_weight,
            s.duty_weight,
            s.worker_weight,
            s.bonus_cap,
            _tenths(s.grid_target),
            _tenths(s.duty_target),
            _tenths(s.worker_target),
        )
        for s in schemes.latest.values()
    ]
    components = [
        (scheme_id, source, rule.component)
        for scheme_id, by_source in schemes.rules.items()
        for source, rule in by_source.items()
    ]
    ops = connection.ops
    worker = ops.quote_name(Worker._meta.db_table)
    ledger = ops.quote_name(PointEntry._meta.db_table)
    results = ops.quote_name(AssessmentResult._meta.db_table)
    start, end = (ops.quote_name(Worker._meta.get_field(f).column) for f in ("start", "end"))
    worker_under, worker_under_params = _under("w.path", path)
    under, under_params = _under("path", path)
    first, last = ops.adapt_datefield_value(month), ops.adapt_datefield_value(month_end(month))
    share = {
        "grid": _share_cents("c.grid_weight", "t.grid", "10 * t.n * c.grid_tenths"),
        "duty": _share_cents("c.duty_weight", "s.duty", "10 * c.duty_tenths"),
        "worker": _share_cents("c.worker_weight", "s.own", "10 * c.worker_tenths"),
    }
    component = "COALESCE(u.component, %s)"
    steps = [
        (
            "CREATE TEMP TABLE wf_member AS SELECT w.id AS worker_id, w.grid_id, w.path,"
            f" a.scheme_id FROM {worker} w"
            f" LEFT JOIN wf_area a ON a.prefix = SUBSTR(w.path, 1, {COMMUNITY_PATH})"
            f" WHERE {worker_under} AND w.{start} <= %s AND (w.{end} IS NULL OR w.{end} >= %s)",
            [*worker_under_params, last, first],
        ),
        (
            "CREATE TEMP TABLE wf_source AS SELECT worker_id, source,"
            " CAST(ROUND(SUM(points) * 100) AS BIGINT) AS cents"
            f" FROM {ledger} WHERE month = %s AND {under} GROUP BY worker_id, source",
            [first, *under_params],
        ),
        ("CREATE INDEX wf_source_worker ON wf_source (worker_id)", None),
        (
            "CREATE TEMP TABLE wf_sum AS SELECT m.worker_id, m.grid_id, m.path, m.scheme_id,"
            f" COALESCE({_sum('s.cents')}, 0) AS points,"
            f" COALESCE({_sum(f'CASE WHEN {component} = %s THEN s.cents END')}, 0) AS grid,"
            f" COALESCE({_sum(f'CASE WHEN {component} = %s THEN s.cents END')}, 0) AS duty,"
            f" COALESCE({_sum(f'CASE WHEN {component} = %s THEN s.cents END')}, 0) AS own,"
            f" COALESCE({_sum(f'CASE WHEN {component} = %s THEN s.cents END')}, 0) AS bonus"
            " FROM wf_member m LEFT JOIN wf_source s ON s.worker_id = m.worker_id"
            " LEFT JOIN wf_component u ON u.scheme_id = m.scheme_id AND u.source = s.source"
            " GROUP BY m.worker_id, m.grid_id, m.path, m.scheme_id",
            [
                value
                for name in (Component.GRID, Component.DUTY, Component.WORKER, Component.BONUS)
                for value in (Component.WORKER, name)
            ],
        ),
        (
            f"CREATE TEMP TABLE wf_team AS SELECT grid_id, {_sum('grid')} AS grid, COUNT(*) AS n"
            " FROM wf_sum GROUP BY grid_id",
            None,
        ),
        (
            "CREATE TEMP TABLE wf_score AS SELECT worker_id, grid_id, path, points,"
            " grid, duty, own, bonus, grid + duty + own + bonus AS total FROM ("
            " SELECT s.worker_id, s.grid_id, s.path, s.points,"
            f" CASE WHEN c.id IS NULL THEN 0 ELSE {share['grid']} END AS grid,"
            f" CASE WHEN c.id IS NULL THEN 0 ELSE {share['duty']} END AS duty,"
            f" CASE WHEN c.id IS NULL THEN 0 ELSE {share['worker']} END AS own,"
            " CASE WHEN c.id IS NULL OR s.bonus <= 0 THEN 0"
            " WHEN s.bonus >= 100 * c.bonus_cap THEN 100 * c.bonus_cap ELSE s.bonus END AS bonus"
            " FROM wf_sum s JOIN wf_team t ON t.grid_id = s.grid_id"
            " LEFT JOIN wf_scheme c ON c.id = s.scheme_id) x",
            None,
        ),
    ]
    ranks = (
        f"RANK() OVER (PARTITION BY SUBSTR(path, 1, {COMMUNITY_PATH}) ORDER BY total DESC),"
        f" RANK() OVER (PARTITION BY SUBSTR(path, 1, {STREET_PATH}) ORDER BY total DESC)"
    )
    columns = (
        "period_id, kind, worker_id, grid_id, points, grid_score, duty_score, worker_score,"
        " bonus, total, rank_community, rank_street, path"
    )
    scores = "points / 100.0, grid / 100.0, duty / 100.0, own / 100.0, bonus / 100.0, total / 100.0"
    inserts = [
        (
            f"INSERT INTO {results} ({columns}) SELECT %s, %s, worker_id, grid_id, {scores},"
            f" {ranks}, path FROM wf_score ORDER BY path, worker_id",
            [period_id, ResultKind.WORKER],
        ),
        (
            f"INSERT INTO {results} ({columns}) SELECT %s, %s, NULL, grid_id, {scores},"
            f" {ranks}, path FROM ("
            f" SELECT grid_id, MIN(path) AS path, {_sum('points')} AS points,"
            f" {_mean_cents('grid')} AS grid, {_mean_cents('duty')} AS duty,"
            f" {_mean_cents('own')} AS own, {_mean_cents('bonus')} AS bonus,"
            f" {_mean_cents('total')} AS total FROM wf_score GROUP BY grid_id) g"
            " ORDER BY path, grid_id",
            [period_id, ResultKind.GRID],
        ),
    ]
    temporary = (
        "wf_area",
        "wf_scheme",
        "wf_component",
        "wf_member",
        "wf_source",
        "wf_sum",
        "wf_team",
        "wf_score",
    )
    counts = []
    with connection.cursor() as cursor:
        for table in temporary:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(
            "CREATE TEMP TABLE wf_area (prefix VARCHAR(80) PRIMARY KEY, scheme_id BIGINT)"
        )
        cursor.execute(
            "CREATE TEMP TABLE wf_scheme (id BIGINT PRIMARY KEY, grid_weight BIGINT,"
            " duty_weight BIGINT, worker_weight BIGINT, bonus_cap BIGINT, grid_tenths BIGINT,"
            " duty_tenths BIGINT, worker_tenths BIGINT)"
        )
        cursor.execute(
            "CREATE TEMP TABLE wf_component (scheme_id BIGINT, source VARCHAR(32),"
            " component VARCHAR(8), PRIMARY KEY (scheme_id, source))"
        )
        cursor.executemany("INSERT INTO wf_area VALUES (%s, %s)", areas)
        cursor.executemany("INSERT INTO wf_scheme VALUES (%s, %s, %s, %s, %s, %s, %s, %s)", weights)
        cursor.executemany("INSERT INTO wf_component VALUES (%s, %s, %s)", components)
        _analyze(cursor, "wf_area", "wf_scheme", "wf_component")
        for sql, args in steps:
            cursor.execute(sql, args)
            if sql.startswith("CREATE TEMP TABLE"):
                _analyze(cursor, sql.split()[3])
        for sql, args in inserts:
            cursor.execute(sql, args)
            counts.append(cursor.rowcount)
        for table in temporary:
            cursor.execute(f"DROP TABLE {table}")
    return counts[0], counts[1]
