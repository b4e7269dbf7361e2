"""How long a month's points and assessment take for a whole city's grid workers (issue
target: ≈160,000 workers and the records of one month in ≤ 60 s on 2 cores, on SQLite and
PostgreSQL).

Builds, in a fresh database, Chengdu's divisions (3,047 communities) and under each
community general grids and micro-grids with one worker each, ``--workers`` in all; then a
month of records: every community holds ``--records`` training sessions of a district's
course, which most of its workers attend (each attendance is a record that earns points).
The set-up writes rows in bulk (it is not what is measured). Then it times, through the
actions staff use, as the system actor:

- ``do_compute_points(city, month)``: the ledger from the records (first run);
- the same again, which must append nothing;
- ``do_compute_assessment(city, month)``: every worker's and grid's score and ranks.

    .venv/bin/python bench/workforce_month.py [--workers 160000] [--records 3]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/finegrid_bench_wf .venv/bin/python \\
        bench/workforce_month.py --workers 5000

Without DATABASE_URL it uses SQLite in a temporary var/ directory. With it, the database
is dropped and created anew: point it at a scratch one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MONTH = dt.date(2026, 11, 1)
MICRO_PER_GENERAL = 9


def _fresh_postgres(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def put(model, fields: list[str], rows) -> None:
    """Insert rows giving ``fields``; every other column takes the field's default (an
    ``auto_now`` time: now). PostgreSQL gets them by COPY, SQLite by finegrid.bulk."""
    import json

    from django.db import connection, models
    from django.utils import timezone

    from finegrid.workforce.actions import _insert

    now = timezone.now()
    rest = [
        f
        for f in model._meta.concrete_fields
        if f.attname not in fields and not (f.primary_key and "id" not in fields)
    ]
    filled = []
    for field in rest:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            filled.append(now)
        else:
            filled.append(field.get_default())
    names = (*fields, *(f.attname for f in rest))
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    jsons = [i for i, name in enumerate(names) if isinstance(by_attname[name], models.JSONField)]
    copy = connection.vendor == "postgresql"

    def complete():
        for row in rows:
            values = [*row, *filled]
            if copy:
                for i in jsons:
                    values[i] = json.dumps(values[i], ensure_ascii=False)
            yield values

    _insert(model, names, complete())


def build(workers: int, records: int) -> dict:
    """Grids, workers, courses, sessions, enrolments and attendances, in bulk."""
    from django.db import transaction
    from django.utils import timezone

    from finegrid import bulk
    from finegrid.accounts.models import User
    from finegrid.accounts.system import system_actor
    from finegrid.org.models import Worker
    from finegrid.territory.actions import do_load_areas
    from finegrid.territory.models import AdminArea, AreaLevel, Grid
    from finegrid.workforce import actions
    from finegrid.workforce.models import Attendance, Enrolment, TrainingSession

    actor = system_actor("cli")
    do_load_areas(actor, "5101")
    communities = list(
        AdminArea.objects.filter(level=AreaLevel.COMMUNITY)
        .order_by("code")
        .values_list("pk", "code", "path", "parent__parent_id")
    )
    per_community = max(2, round(workers / len(communities)))
    now = timezone.now()
    zone = timezone.get_current_timezone()
    with transaction.atomic():
        actions.do_create_scheme(
            actor,
            "5101",
            effective_from=MONTH,
            rules=[
                {"source": "training_hours", "points": "2", "component": "worker"},
                {"source": "induction_passed", "points": "5", "component": "bonus"},
                {"source": "visit_on_time", "points": "1", "component": "grid"},
                {"source": "case_raised", "points": "2", "component": "duty"},
                {"source": "case_closed", "points": "1", "component": "duty"},
                {"source": "verification_on_time", "points": "1", "component": "duty"},
                {"source": "satisfaction", "points": "1", "component": "worker"},
                {"source": "step_overdue", "points": "-2", "component": "duty"},
                {"source": "verification_failed", "points": "-1", "component": "duty"},
            ],
            grid_target=8,
            duty_target=8,
            worker_target=10,
        )
        districts = {
            area.pk: actions.do_create_course(
                actor, area.code, title="岗前培训", kind="induction", hours="3"
            )
            for area in AdminArea.objects.filter(level=AreaLevel.DISTRICT, code__startswith="5101")
        }
        grid_rows, posts = [], []
        made = 0
        for pk, code, path, district_id in communities:
            if made >= workers:
                break
            take = min(per_community, workers - made)
            generals = max(1, -(-take // (MICRO_PER_GENERAL + 1)))
            general_index = []
            for g in range(generals):
                general_code = f"{code}-{g + 1:03d}"
                grid_rows.append(
                    [general_code, "general", f"第{g + 1:03d}网格", None, pk, f"{path}/{g + 1:03d}"]
                )
                general_index.append(len(grid_rows) - 1)
                posts.append((len(grid_rows) - 1, "grid_worker", district_id))
            micro = take - generals
            for m in range(micro):
                g = m % generals
                parent_index = general_index[g]
                grid_rows.append(
                    [
                        f"{code}-{g + 1:03d}-{m // generals + 1:02d}",
                        "micro",
                        f"第{g + 1:03d}-{m // generals + 1:02d}微网格",
                        parent_index,
                        pk,
                        f"{path}/{g + 1:03d}/{m // generals + 1:02d}",
                    ]
                )
                posts.append((len(grid_rows) - 1, "micro_worker", district_id))
            made += take
        ids = bulk.reserve_ids(Grid, len(grid_rows))
        for row in grid_rows:
            if row[3] is not None:
                row[3] = ids[row[3]]
        bulk.insert(
            Grid,
            [
                "id",
                "code",
                "kind",
                "name",
                "parent_id",
                "community_id",
                "path",
                "site_kind",
                "geometry",
                "created_at",
                "updated_at",
            ],
            ([pk, *row, "", "", now, now] for pk, row in zip(ids, grid_rows, strict=True)),
        )
        worker_ids = bulk.reserve_ids(Worker, len(posts))
        user_ids = bulk.reserve_ids(User, len(posts))
        put(
            User,
            ["id", "username", "password", "role", "is_active", "date_joined"],
            (
                [uid, f"w{uid}", "!", role, True, now]
                for uid, (_, role, _) in zip(user_ids, posts, strict=True)
            ),
        )
        bulk.insert(
            Worker,
            [
                "id",
                "user_id",
                "role",
                "grid_id",
                "name",
                "phone_enc",
                "phone_hash",
                "phone_masked",
                "start",
                "path",
            ],
            (
                [
                    wid,
                    uid,
                    role,
                    ids[index],
                    f"网格员{wid}",
                    "",
                    "",
                    "",
                    dt.date(2026, 1, 1),
                    grid_rows[index][5],
                ]
                for wid, uid, (index, role, _) in zip(worker_ids, user_ids, posts, strict=True)
            ),
        )
        # Sessions: ``records`` per community, on days 2, 5, 8…, each attended by 90 %.
        by_community: dict[int, list[tuple[int, str]]] = {}
        for wid, (index, _, _) in zip(worker_ids, posts, strict=True):
            by_community.setdefault(grid_rows[index][4], []).append((wid, grid_rows[index][5]))
        community_district = {pk: district for pk, _, _, district in communities}
        session_rows, enrol_rows, attend_rows = [], [], []
        session_ids = bulk.reserve_ids(TrainingSession, len(by_community) * records)
        enrol_ids = iter(bulk.reserve_ids(Enrolment, len(worker_ids) * records))
        attend_ids = iter(bulk.reserve_ids(Attendance, len(worker_ids) * records))
        next_session = iter(session_ids)
        for community_pk, members in by_community.items():
            course = districts[community_district[community_pk]]
            for r in range(records):
                sid = next(next_session)
                start = dt.datetime(MONTH.year, MONTH.month, 2 + 3 * r, 9, tzinfo=zone)
                session_rows.append(
                    [
                        sid,
                        course.pk,
                        start,
                        start + dt.timedelta(hours=3),
                        "社区",
                        "讲师",
                        len(members),
                        "s",
                        course.path,
                    ]
                )
                for n, (wid, path) in enumerate(members):
                    if (n + r) % 10 == 9:
                        continue
                    eid = next(enrol_ids)
                    enrol_rows.append([eid, sid, wid, start, path])
                    attend_rows.append([next(attend_ids), eid, start, "manual", path])
        bulk.insert(
            TrainingSession,
            [
                "id",
                "course_id",
                "starts_at",
                "ends_at",
                "place",
                "trainer",
                "capacity",
                "secret",
                "path",
            ],
            session_rows,
        )
        bulk.insert(Enrolment, ["id", "session_id", "worker_id", "enrolled_at", "path"], enrol_rows)
        bulk.insert(
            Attendance, ["id", "enrolment_id", "checked_in_at", "method", "path"], attend_rows
        )
    return {"workers": len(worker_ids), "grids": len(grid_rows), "records": len(attend_rows)}


def build_activity(households: int, cases: int) -> dict:
    """A month of mobilization and cases for every worker: ``households`` households in
    each worker's grid (a building, its dwellings), one campaign per district over the
    month whose every household its worker visits (8 in 10 reached before the deadline, 1
    after it, 1 not at home); ``cases`` cases a worker registered, verified, closed and
    rated (satisfied or basically), 1 in 10 with an overdue step while the grid's unit held
    it and 1 in 20 with a failed verification first. Each general grid is a cases unit
    whose members are its workers' accounts."""
    import uuid

    from django.db import transaction
    from django.utils import timezone

    from finegrid import bulk
    from finegrid.accounts.system import system_actor
    from finegrid.campaigns.models import Assignment, Campaign, Section, Visit
    from finegrid.cases.models import Case, CaseStep, Unit
    from finegrid.org.models import Worker
    from finegrid.people.models import Household
    from finegrid.territory.models import AdminArea, Building, Dwelling, Entrance

    actor = system_actor("cli")
    zone = timezone.get_current_timezone()
    posts = list(
        Worker.objects.order_by("pk").values_list(
            "pk",
            "user_id",
            "grid_id",
            "path",
            "grid__community_id",
            "grid__community__parent__parent_id",
            "grid__kind",
            "grid__parent_id",
        )
    )
    districts = dict(
        AdminArea.objects.filter(level="district", code__startswith="5101").values_list(
            "pk", "path"
        )
    )
    day = lambda d, h=10: dt.datetime(MONTH.year, MONTH.month, d, h, tzinfo=zone)  # noqa: E731
    counts = {}
    with transaction.atomic():
        # Places: a building per worker's grid, ``households`` dwellings, a household each.
        building_ids = bulk.reserve_ids(Building, len(posts))
        put(
            Building,
            ["id", "ref", "name", "community_id", "grid_id", "path", "geometry"],
            (
                [bid, f"B{bid}", f"{bid}栋", post[4], post[2], post[3], ""]
                for bid, post in zip(building_ids, posts, strict=True)
            ),
        )
        entrance_ids = bulk.reserve_ids(Entrance, len(posts))
        put(
            Entrance,
            ["id", "building_id", "number"],
            ([eid, bid, 1] for eid, bid in zip(entrance_ids, building_ids, strict=True)),
        )
        total = len(posts) * households
        dwelling_ids = bulk.reserve_ids(Dwelling, total)
        household_ids = bulk.reserve_ids(Household, total)
        put(
            Dwelling,
            ["id", "building_id", "entrance_id", "floor", "room", "grid_id", "path"],
            (
                [
                    dwelling_ids[n * households + h],
                    bid,
                    eid,
                    1 + h // 4,
                    f"{h + 1:03d}",
                    post[2],
                    post[3],
                ]
                for n, (bid, eid, post) in enumerate(
                    zip(building_ids, entrance_ids, posts, strict=True)
                )
                for h in range(households)
            ),
        )
        put(
            Household,
            ["id", "dwelling_id", "community_id", "path"],
            (
                [
                    household_ids[n * households + h],
                    dwelling_ids[n * households + h],
                    post[4],
                    post[3],
                ]
                for n, post in enumerate(posts)
                for h in range(households)
            ),
        )
        # Campaigns: one per district, the 1st to the 20th; every household visited once.
        campaign_of = {}
        for district, path in districts.items():
            campaign_of[district] = Campaign.objects.create(
                title="入户走访",
                node_code=path.rsplit("/", 1)[-1],
                node_name="区",
                path=path,
                start=day(1, 8),
                deadline=day(20, 20),
                created_by=actor,
            ).pk
        section_ids = bulk.reserve_ids(Section, len(posts))
        put(
            Section,
            ["id", "campaign_id", "grid_id", "worker_id", "path", "households"],
            (
                [sid, campaign_of[post[5]], post[2], post[0], post[3], households]
                for sid, post in zip(section_ids, posts, strict=True)
            ),
        )
        assignment_ids = bulk.reserve_ids(Assignment, total)
        put(
            Assignment,
            ["id", "campaign_id", "section_id", "household_id", "worker_id", "order", "path"],
            (
                [
                    assignment_ids[n * households + h],
                    campaign_of[post[5]],
                    sid,
                    household_ids[n * households + h],
                    post[0],
                    h + 1,
                    post[3],
                ]
                for n, (sid, post) in enumerate(zip(section_ids, posts, strict=True))
                for h in range(households)
            ),
        )
        outcomes = ["not_home"] + ["reached"] * 9
        put(
            Visit,
            [
                "client_id",
                "campaign_id",
                "assignment_id",
                "outcome",
                "answers",
                "recorded_by_id",
                "recorded_at",
                "path",
            ],
            (
                [
                    uuid.UUID(int=n * households + h + 1).hex,
                    campaign_of[post[5]],
                    assignment_ids[n * households + h],
                    outcomes[(n + h) % 10],
                    {},
                    post[1],
                    day(22 if (n + h) % 10 == 1 else 2 + (n + h) % 18),
                    post[3],
                ]
                for n, post in enumerate(posts)
                for h in range(households)
            ),
        )
        counts["visits"] = total
        # Cases: each general grid is a unit of its workers' accounts.
        generals = {}
        for post in posts:
            general = post[2] if post[6] == "general" else post[7]
            generals.setdefault(general, []).append(post)
        unit_ids = dict(zip(generals, bulk.reserve_ids(Unit, len(generals)), strict=True))
        put(
            Unit,
            ["id", "name", "kind", "area_id", "path"],
            (
                [unit_ids[g], f"网格{g}", "grid", members[0][4], members[0][3][:37]]
                for g, members in generals.items()
            ),
        )
        put(
            Unit.members.through,
            ["unit_id", "user_id"],
            ([unit_ids[g], post[1]] for g, members in generals.items() for post in members),
        )
        unit_of = {post[0]: unit_ids[g] for g, members in generals.items() for post in members}
        case_count = len(posts) * cases
        case_ids = bulk.reserve_ids(Case, case_count)
        plan = []
        for n, post in enumerate(posts):
            for c in range(cases):
                k = n * cases + c
                opened = day(1 + k % 25, 9)
                plan.append((case_ids[k], k, post, opened))
        put(
            Case,
            [
                "id",
                "ref",
                "category",
                "text",
                "channel",
                "status",
                "community_id",
                "grid_id",
                "path",
                "unit_id",
                "opened_at",
                "closed_at",
                "satisfaction",
                "rated_at",
            ],
            (
                [
                    cid,
                    f"W{cid:010d}",
                    "environment",
                    "基准",
                    "worker",
                    "closed",
                    post[4],
                    post[2],
                    post[3],
                    unit_of[post[0]],
                    opened,
                    opened + dt.timedelta(days=2),
                    ("satisfied", "basically", "unsatisfied")[k % 3],
                    opened + dt.timedelta(days=3),
                ]
                for cid, k, post, opened in plan
            ),
        )

        def steps():
            for cid, k, post, opened in plan:
                user, path, unit = post[1], post[3], unit_of[post[0]]
                yield [cid, "open", user, "网格员", None, opened, None, path]
                if k % 10 == 5:
                    late = opened + dt.timedelta(hours=30)
                    yield [cid, "overdue", None, "系统", unit, late, None, path]
                if k % 20 == 7:
                    failed = opened + dt.timedelta(hours=40)
                    yield [cid, "fail", user, "网格员", unit, failed, False, path]
                checked = opened + dt.timedelta(days=2)
                yield [cid, "verify", user, "网格员", unit, checked, k % 7 != 0, path]
                yield [cid, "close", None, "系统", unit, checked, None, path]
                yield [cid, "rate", None, "居民", None, opened + dt.timedelta(days=3), None, path]

        put(
            CaseStep,
            ["case_id", "kind", "actor_id", "actor_label", "unit_id", "at", "on_time", "path"],
            steps(),
        )
        counts["cases"] = case_count
        counts["case steps"] = CaseStep.objects.count()
    return counts


def _forget() -> None:
    """Remove the month's ledger and assessment, so the next run starts afresh."""
    from django.db import transaction

    from finegrid.workforce.models import AssessmentPeriod, PointEntry, PointRun

    with transaction.atomic():
        AssessmentPeriod.objects.filter(month=MONTH).delete()
        PointEntry.objects.filter(month=MONTH).delete()
        PointRun.objects.filter(month=MONTH).delete()


def measure(repeat: int = 1) -> dict[str, list[tuple[float, int]]]:
    """Each step's (seconds, rows) per run, ``repeat`` times."""
    from finegrid.accounts.system import system_actor
    from finegrid.workforce import actions

    actor = system_actor("cli")
    timings: dict[str, list[tuple[float, int]]] = {}

    def timed(label, call):
        started = time.perf_counter()
        result = call()
        seconds = time.perf_counter() - started
        timings.setdefault(label, []).append((seconds, result))
        print(f"    {label}: {seconds:.1f} s", flush=True)

    def points():
        return actions.do_compute_points(actor, "5101", MONTH).appended

    for n in range(repeat):
        if n:
            _forget()
        timed("points", points)
        timed("points again", points)
        timed("assessment", lambda: actions.do_compute_assessment(actor, "5101", MONTH).pk)
    return timings


def _slow_statements(threshold: float):
    """A database execute wrapper printing every statement slower than ``threshold`` s."""

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            seconds = time.perf_counter() - started
            if seconds >= threshold:
                print(f"      {seconds:6.2f} s  {' '.join(sql.split())[:160]}", flush=True)

    return wrapper


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=160_000)
    parser.add_argument("--records", type=int, default=3, help="training records a worker")
    parser.add_argument("--households", type=int, default=10, help="visited, a worker")
    parser.add_argument("--cases", type=int, default=2, help="cases a worker registered")
    parser.add_argument("--repeat", type=int, default=3, help="runs on the same records")
    parser.add_argument("--profile", action="store_true", help="print where the time goes")
    parser.add_argument(
        "--statements",
        type=float,
        metavar="SECONDS",
        help="print each SQL statement of the measured runs taking longer than SECONDS",
    )
    args = parser.parse_args(argv)
    finegrid = ROOT / ".venv" / "bin" / "finegrid"
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "FINEGRID_VAR_DIR": str(Path(folder) / "var")}
        url = env.get("DATABASE_URL", "")
        if url.startswith("postgres"):
            _fresh_postgres(url)
        migrate = [finegrid, "manage", "migrate", "--verbosity", "0"]
        subprocess.run(migrate, env=env, check=True, capture_output=True)
        os.environ.update(env, DJANGO_SETTINGS_MODULE="finegrid.settings")
        import django

        django.setup()
        from django.db import connection

        started = time.perf_counter()
        built = build(args.workers, args.records)
        built |= build_activity(args.households, args.cases)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        print(
            f"{connection.vendor}: {built['workers']} workers on {built['grids']} grids, "
            f"{built['records']} attendances, {built['visits']} visits, {built['cases']} cases "
            f"({built['case steps']} steps) in {MONTH:%Y-%m} "
            f"(set up in {time.perf_counter() - started:.0f} s)",
            flush=True,
        )
        if args.statements is not None:
            connection.execute_wrappers.append(_slow_statements(args.statements))
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            timings = profiler.runcall(measure, 1)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        else:
            timings = measure(args.repeat)
        for label, runs in timings.items():
            seconds = sorted(s for s, _ in runs)
            each = " ".join(f"{s:.1f}" for s, _ in runs)
            print(
                f"  {label:<16} median {statistics.median(seconds):>6.1f} s"
                f"  (runs: {each}; {runs[-1][1]} rows)",
                flush=True,
            )
        if any(rows for label, runs in timings.items() if "again" in label for _, rows in runs):
            print("recomputing appended entries: the ledger is not stable", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
