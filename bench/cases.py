"""Cases at scale (not a test). Issue targets, on 2 cores:

- intake through the API ≥ 500 cases/s;
- a filtered case list p95 ≤ 100 ms with 1 million cases in the database;
- the deadline sweep over 1 million open cases ≤ 10 s.

It builds a database (SQLite in FINEGRID_VAR_DIR, a temporary directory unless set, or the
PostgreSQL database of DATABASE_URL, which it empties first: use a scratch one), loads one
street, 30 grids and the illustrative duty lists, then:

1. posts --intake cases one by one to POST /api/cases and --batch cases in requests of
   --batch-size to POST /api/cases/batch, with a bearer token, in-process through the
   whole Django stack (middleware, auth, Ninja, the action, audit, steps, outbox), and
   reports cases/s of each;
2. loads --cases open cases straight in SQL (one INSERT … SELECT over a generated series,
   not through the API: spread over the grids, categories, five open statuses and a
   month of opening times), 1 % of them past their limit;
3. times GET /api/cases with several filter combinations (--queries requests each, pages
   1–5 of 50) and reports p50/p95 per combination and over all (the issue's five; then
   two searches for a Chinese word, on their own);
4. times the deadline sweep (marks and escalates the 1 %, writing a step each).

With --keep (and a FINEGRID_VAR_DIR or DATABASE_URL that already holds the cases) steps
1–2 are skipped and the sweep's marks of the last run are undone first, so the list and
the sweep can be timed again without reloading a million rows; --no-sweep leaves step 4
out.

    .venv/bin/python bench/cases.py [--cases 1000000] [--intake 300] [--batch 5000]
        [--batch-size 500] [--queries 40] [--keep] [--no-sweep]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STREET = "510116001"
BENCH_REF = "20000101-"  # bulk-loaded cases, refs shaped like real ones: 20000101-0000000001


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--intake", type=int, default=300)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="reuse the cases already loaded")
    parser.add_argument("--no-sweep", action="store_true", help="time the lists only")
    args = parser.parse_args()
    os.environ.setdefault("FINEGRID_VAR_DIR", tempfile.mkdtemp(prefix="finegrid-bench-cases-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finegrid.settings")
    os.environ["FINEGRID_TASK_BACKEND"] = "immediate"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if "DATABASE_URL" in os.environ and not args.keep:
        call_command("flush", interactive=False, verbosity=0)
    return run(args)


def setup_street():
    from shapely.geometry import box, mapping

    from finegrid.accounts.actions import do_create_token, do_create_user
    from finegrid.accounts.models import User
    from finegrid.accounts.system import system_actor
    from finegrid.cases.illustrative import do_load_illustrative
    from finegrid.territory.actions import do_create_grid, do_load_areas
    from finegrid.territory.models import AdminArea, Grid

    actor = system_actor("cli")
    if not User.objects.filter(username="bench").exists():
        do_load_areas(actor, STREET)
        communities = list(AdminArea.objects.filter(code__startswith=STREET, level="community"))
        for i, community in enumerate(communities[:10]):
            for g in range(1, 4):
                shape = mapping(
                    box(
                        103.9 + i * 0.01,
                        30.5 + g * 0.003,
                        103.905 + i * 0.01,
                        30.502 + g * 0.003,
                    )
                )
                do_create_grid(actor, code=f"{community.code}-{g:03d}", geometry=shape)
        do_load_illustrative(actor, STREET)
        do_create_user(actor, username="bench", role="street_staff", scopes=[STREET])
    staff = User.objects.get(username="bench")
    _, token = do_create_token(actor, staff, f"bench-{time.time_ns()}")
    grids = list(Grid.objects.filter(code__startswith=STREET).order_by("code"))
    return grids, token


def intake(client, codes, rng, single: int, batch: int, size: int) -> None:
    from finegrid.cases.models import Category

    def item():
        return {
            "category": rng.choice(Category.values),
            "text": "基准测试",
            "grid": rng.choice(codes),
        }

    if single:
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(single):
            answer = client.post("/api/cases", item(), content_type="application/json")
            assert answer.status_code == 201, answer.content
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"intake, one case a request (POST /api/cases): {single} cases in {seconds:.1f} s"
            f" = {single / seconds:.0f} cases/s ({single / cpu:.0f} per CPU-second)"
        )
    if batch:
        started, cpu, done = time.perf_counter(), time.process_time(), 0
        while done < batch:
            n = min(size, batch - done)
            answer = client.post(
                "/api/cases/batch",
                {"items": [item() for _ in range(n)]},
                content_type="application/json",
            )
            assert answer.status_code == 201, answer.content
            done += n
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"intake, {size} cases a request (POST /api/cases/batch): {batch} cases in "
            f"{seconds:.1f} s = {batch / seconds:.0f} cases/s ({batch / cpu:.0f} per CPU-second)"
        )


def load(grids, count: int) -> None:
    """``count`` open cases in one INSERT … SELECT over a generated series (CROSS JOIN
    keeps the series the outer loop on SQLite, which otherwise re-runs it per row)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from finegrid.cases.models import Case, Category, Status
    from finegrid.cases.queries import refresh_statistics

    statuses = [
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.HANDLED,
    ]
    categories = Category.values
    now = timezone.now()
    table = Case._meta.db_table
    pg = connection.vendor == "postgresql"

    def values(alias: str, names: tuple[str, ...], rows: list[tuple]) -> str:
        """A small constant table; SQLite's VALUES names its columns column1, …"""
        body = ", ".join("(" + ", ".join(repr(v) for v in row) + ")" for row in rows)
        if pg:
            return f"(VALUES {body}) AS {alias}({', '.join(names)})"
        columns = ", ".join(f"column{i + 1} AS {name}" for i, name in enumerate(names))
        return f"(SELECT {columns} FROM (VALUES {body})) AS {alias}"

    grid_table = values(
        "g",
        ("k", "grid_id", "community_id", "path"),
        [(i, g.pk, g.community_id, g.path) for i, g in enumerate(grids)],
    )
    category_table = values("c", ("k", "category"), list(enumerate(categories)))
    status_table = values("st", ("k", "status"), [(i, str(s)) for i, s in enumerate(statuses)])
    if pg:
        series = "SELECT generate_series(1, %s) AS i"
        ref = "'20000101-' || lpad(n.i::text, 10, '0')"
        opened = "%s::timestamptz - (n.i %% 40000) * interval '1 minute'"
        late, later = "%s::timestamptz - interval '1 hour'", "%s::timestamptz + interval '3 days'"
        params = [now, now, now, count]
        false = "false"
    else:
        series = (
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %s) "
            "SELECT i FROM s"
        )
        ref = "printf('20000101-%%010d', n.i)"
        stamp = "strftime('%%Y-%%m-%%d %%H:%%M:%%f', %s"
        opened = f"{stamp}, '-' || (n.i %% 40000) || ' minutes')"
        late, later = f"{stamp}, '-1 hours')", f"{stamp}, '+3 days')"
        naive = now.replace(tzinfo=None).isoformat(sep=" ")
        params = [naive, naive, naive, count]
        false = "0"
    sql = f"""
        INSERT INTO {table} (ref, category, urgency, text, channel, source, status,
            resume_status, community_id, grid_id, lon, lat, address, reporter_name,
            reporter_phone_enc, reporter_phone_hash, reporter_phone_masked, anonymous,
            route_rule, opened_at, due_at, overdue, escalation, satisfaction, reopened, path)
        SELECT {ref}, c.category, 'normal', '基准', 'staff', '', st.status, '',
            g.community_id, g.grid_id, NULL, NULL, '', '', '', '', '', {false}, '',
            {opened},
            CASE WHEN n.i %% 100 = 0 THEN {late} ELSE {later} END,
            {false}, '', '', 0, g.path
        FROM ({series}) AS n
        CROSS JOIN {grid_table} CROSS JOIN {category_table} CROSS JOIN {status_table}
        WHERE g.k = n.i %% {len(grids)} AND c.k = n.i %% {len(categories)}
            AND st.k = n.i %% {len(statuses)}
    """
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
    if pg:  # what autovacuum does within a minute of such a load
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    else:  # what the cases worker does in its next round (SQLite has no autovacuum)
        refresh_statistics()
    print(f"loaded {count} cases in SQL in {time.perf_counter() - started:.0f} s")


def undo_sweep() -> None:
    """Forget the marks and steps of an earlier sweep over the loaded cases."""
    from django.db import transaction

    from finegrid.cases.models import Case, CaseStep, StepKind

    with transaction.atomic():
        CaseStep.objects.filter(kind=StepKind.OVERDUE, case__ref__startswith=BENCH_REF).delete()
        Case.objects.filter(ref__startswith=BENCH_REF, overdue=True).update(
            overdue=False, escalation=""
        )


FILTERS = {
    "status+category+grid": "status={status}&category={category}&area={grid}&open=true",
    "category+community, open": "category={category}&area={community}&open=true",
    "status+street": "status={status}&area={street}",
    "overdue, open": "overdue=true&open=true",
    "case number in a grid": "q=20000101-00000{digits}&area={grid}",
}
# Not in the five: a Chinese word that no loaded case contains (the whole grid is
# read) and one that every case contains (the newest are enough).
WORDS = {
    "a word no case has, in a grid": "q=噪音&area={grid}",
    "a word every case has, in a grid": "q=基准&area={grid}",
}


def time_lists(client, grids, rng, queries: int) -> None:
    from finegrid.cases.models import Case, Category

    statuses = ["submitted", "accepted", "dispatched", "in_progress", "handled"]
    everything = []
    for name, template in [*FILTERS.items(), *WORDS.items()]:
        timings = []
        for _ in range(queries):
            grid = rng.choice(grids)
            url = "/api/cases?" + template.format(
                status=rng.choice(statuses),
                category=rng.choice(Category.values),
                grid=grid.code,
                community=grid.community.code,
                street=STREET,
                digits=rng.randrange(10, 99),
            )
            url += f"&page={rng.randint(1, 5)}"
            started = time.perf_counter()
            answer = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert answer.status_code in (200, 404), (url, answer.content[:300])
        if name in FILTERS:
            everything += timings
        print(f"  list {name}: p50 {statistics.median(timings):.0f} ms, p95 {p95(timings):.0f} ms")
    print(
        f"filtered list over {Case.objects.count()} cases: p50 "
        f"{statistics.median(everything):.0f} ms, p95 {p95(everything):.0f} ms "
        f"({len(everything)} requests of the first {len(FILTERS)} combinations)"
    )


def p95(timings: list[float]) -> float:
    ordered = sorted(timings)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def run(args) -> int:
    from django.test import Client
    from django.utils import timezone

    from finegrid import clock
    from finegrid.accounts.system import system_actor
    from finegrid.cases.actions import do_sweep_deadlines
    from finegrid.cases.models import Case

    grids, token = setup_street()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    rng = random.Random(1)
    loaded = Case.objects.filter(ref__startswith=BENCH_REF).exists()
    if args.keep and loaded:
        undo_sweep()
        try:  # the worker's next round, on SQLite; not in code older than it
            from finegrid.cases.queries import refresh_statistics
        except ImportError:
            pass
        else:
            refresh_statistics()
    else:
        intake(client, [g.code for g in grids], rng, args.intake, args.batch, args.batch_size)
        if args.cases:
            load(grids, args.cases)
    if args.queries:
        time_lists(client, grids, rng, args.queries)
    if args.no_sweep:
        return 0
    now = timezone.now()
    with clock.frozen(now):
        started = time.perf_counter()
        marked = do_sweep_deadlines(system_actor("tasks"))
        seconds = time.perf_counter() - started
    print(
        f"deadline sweep: {marked} newly overdue of {Case.objects.open().count()} open "
        f"in {seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
