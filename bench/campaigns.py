#!/usr/bin/env python3
"""Campaigns at scale: launching over an area, visits recorded through the API over real
HTTP, and the progress view's latency while they stream in.

It builds the demo of ``--area`` (default the demo street, 东升街道) in a fresh
FINEGRID_VAR_DIR (SQLite) or PostgreSQL database (``--database NAME``) unless ``--var``
names one already built, then:

Each of ``--runs`` runs (default 3; the figures are their medians):

1. launches a campaign over the area in this process and times it, and gives the
   households launched a second and the launch of the issue's whole city (8 million
   households) at that rate — an extrapolation: a launch is linear in households;
2. starts `finegrid serve` (its defaults) and sends ``--visits`` outcomes for distinct
   households of that campaign from ``--clients`` threads with the street staff's bearer
   token, counting visits a second: one outcome a request (`POST …/visits`), then, unless
   ``--batch 0``, ``--batch-visits`` more in a phone's queues of ``--batch`` outcomes a
   request (`POST …/visits/batch`, each client sending the households of consecutive
   doors, as a worker's phone does); ``--batch 50,500`` measures each size in turn;
3. meanwhile reads `GET /api/campaigns/{id}/progress` (the whole area) in a loop and
   reports its p50 and p95; with ``--city-sections N`` it reads instead, as the city's
   administrator (the demo's ``admin``), the progress of a synthetic campaign over the
   whole city of N micro-grids (the issue's ~140,000), loaded once in SQL: N synthetic
   micro-grids spread over the city's districts, streets and communities, and a section
   each with counters part-way (see ``load_city``) — the city view's cost while visits
   stream in to the street's campaign;
4. checks that the stored counters equal a count of the visit table.

Usage: python bench/campaigns.py [--area 510116001] [--visits 4000] [--clients 8]
                                 [--batch 50[,500]] [--batch-visits 8000] [--runs 3]
                                 [--city-sections 140000] [--var DIR] [--database NAME]
Not a test: `make bench` runs it; the figures go in the README. ``--batch 0`` measures
code without the batch endpoint (the baseline).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from load import finegrid, serving  # noqa: E402

SERVER = "postgres://postgres@127.0.0.1:5432"


def environment(args) -> dict:
    env = {**os.environ, "FINEGRID_DEMO": "1"}
    if args.var:
        env["FINEGRID_VAR_DIR"] = args.var
    else:
        env["FINEGRID_VAR_DIR"] = tempfile.mkdtemp(prefix="finegrid-campaigns-")
    if args.database:
        env["DATABASE_URL"] = f"{SERVER}/{args.database}"
    return env


def build(env: dict, area: str) -> float:
    started = time.perf_counter()
    finegrid(env, "setup")
    finegrid(env, "demo", "--area", area, "--no-serve")
    return time.perf_counter() - started


def launch(area: str) -> tuple[int, float, int]:
    from finegrid.accounts.system import system_actor
    from finegrid.campaigns.actions import do_launch_campaign

    started = time.perf_counter()
    campaign = do_launch_campaign(system_actor("cli"), scope=area, title="bench")
    return campaign.pk, time.perf_counter() - started, campaign.households


def households(campaign_id: int, count: int) -> list[int]:
    from finegrid.campaigns.models import Assignment

    rows = Assignment.objects.filter(campaign_id=campaign_id).order_by("pk")
    return list(rows.values_list("household_id", flat=True)[:count])


CITY_HOUSEHOLDS = 8_000_000


def post_visits(base, token, campaign_id, targets, clients, batch=0) -> tuple[float, int]:
    """Seconds to post an outcome for each of ``targets``, and the failures: one a
    request, or queues of ``batch`` (each client a run of consecutive doors)."""
    import requests

    size = -(-len(targets) // clients)
    chunks = (
        [targets[i : i + size] for i in range(0, len(targets), size)]
        if batch
        else [targets[i::clients] for i in range(clients)]
    )
    failures = []

    def body(household):
        return {"client_id": str(uuid.uuid4()), "household": household, "outcome": "reached"}

    def work(chunk):
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        url = f"{base}/api/campaigns/{campaign_id}/visits"
        if batch:
            for start in range(0, len(chunk), batch):
                queue = [body(h) for h in chunk[start : start + batch]]
                answer = session.post(f"{url}/batch", json={"visits": queue}, timeout=120)
                statuses = [r["status"] for r in answer.json()["results"]] if answer.ok else []
                if answer.status_code != 200 or statuses.count(201) != len(queue):
                    failures.append(answer.status_code)
            return
        for household in chunk:
            answer = session.post(url, json=body(household), timeout=60)
            if answer.status_code != 201:
                failures.append(answer.status_code)

    threads = [threading.Thread(target=work, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, len(failures)


def load_city(sections: int) -> int:
    """A campaign over the city of ``sections`` synthetic micro-grids, written in SQL
    (finegrid.bulk): the grids spread over 20 districts × 20 streets × 10 communities
    of made-up paths under the city's (the grids hang off one real community, which no
    progress read looks at), each with its section of 60 households, some visited, a
    few finished, one in fifty without a worker. Returns the campaign's id."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from finegrid import bulk
    from finegrid.accounts.models import User
    from finegrid.campaigns.models import Campaign, Section
    from finegrid.org.models import Worker
    from finegrid.territory.models import AdminArea, Grid, GridKind

    started = time.perf_counter()
    city = AdminArea.objects.get(level="city", path="51/5101")
    community = AdminArea.objects.filter(level="community").order_by("pk").first()
    worker = Worker.objects.order_by("pk").first()
    now = timezone.now()
    with transaction.atomic():
        campaign = Campaign.objects.create(
            title="city bench",
            node_code=city.code,
            node_name=city.name,
            path=city.path,
            start=now - dt.timedelta(minutes=90),
            deadline=now + dt.timedelta(minutes=90),
            households=60 * sections,
            created_by=User.objects.get(username="admin"),
        )
        paths = []
        for n in range(sections):
            district, street, place, grid = n % 20, n // 20 % 20, n // 400 % 10, n // 4000
            paths.append(
                f"{city.path}/99{district:04d}/99{district:04d}{street:03d}"
                f"/99{district:04d}{street:03d}{place:03d}/g{grid:02d}/{n % 100:02d}"
            )
        first = bulk.reserve_ids(Grid, sections)
        columns = ("id", "code", "kind", "name", "community_id", "site_kind", "path")
        columns += ("geometry", "created_at", "updated_at")
        bulk.insert(
            Grid,
            columns,
            (
                (pk, f"BENCH{pk}", GridKind.MICRO, "基准", community.pk, "", path, "", now, now)
                for pk, path in zip(first, paths, strict=True)
            ),
        )
        columns = ("campaign_id", "grid_id", "worker_id", "path", "households", "done")
        columns += ("reached", "not_home", "refused", "moved", "needs_help", "visits")
        columns += ("first_visit_at", "last_visit_at", "finished_at", "estimate_minutes")

        def section(n, pk, path):
            done = n * 7 % 61
            moment = now - dt.timedelta(minutes=n % 80)
            return (
                campaign.pk,
                pk,
                None if n % 50 == 0 else worker.pk,
                path,
                60,
                done,
                done,
                n % 5,
                0,
                0,
                0,
                done + n % 5,
                moment if done else None,
                moment if done else None,
                moment if done == 60 else None,
                150.0 + n % 60,
            )

        bulk.insert(
            Section,
            columns,
            (section(n, pk, path) for n, (pk, path) in enumerate(zip(first, paths, strict=True))),
        )
    print(
        f"loaded a city campaign of {sections} sections in SQL in "
        f"{time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    return campaign.pk


def watch_progress(base, token, campaign_id, stop: threading.Event, latencies: list):
    import requests

    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    while not stop.is_set():
        started = time.perf_counter()
        session.get(f"{base}/api/campaigns/{campaign_id}/progress", timeout=60).raise_for_status()
        latencies.append(time.perf_counter() - started)
        time.sleep(0.2)


def counters_match(campaign_id: int) -> bool:
    from django.db.models import Sum

    from finegrid.campaigns.models import Section, Visit

    done = Section.objects.filter(campaign_id=campaign_id).aggregate(n=Sum("done"))["n"]
    return done == Visit.objects.filter(campaign_id=campaign_id).count()


def one_run(args, env, token, city=None) -> dict:
    """Launch, visits one a request and in queues, progress meanwhile (of the street's
    campaign, or of ``city``: (campaign id, token)), counters checked."""
    campaign_id, seconds, count = launch(args.area)
    figures = {
        "launch_seconds": round(seconds, 2),
        "households": count,
        "launch_households_per_second": round(count / seconds),
        "city_launch_seconds_extrapolated": round(CITY_HOUSEHOLDS * seconds / count, 1),
    }
    phases = [("single", 0, args.visits)]
    for size in args.batch:
        phases.append((f"batch_{size}", size, args.batch_visits))
    targets = households(campaign_id, sum(count for *_, count in phases))
    latencies: list[float] = []
    with serving(env, Path(env["FINEGRID_VAR_DIR"]) / "serve.log") as base:
        taken = 0
        for name, batch, count in phases:
            mine, taken = targets[taken : taken + count], taken + count
            stop = threading.Event()
            watched, reader = city or (campaign_id, token)
            watcher = threading.Thread(
                target=watch_progress, args=(base, reader, watched, stop, latencies)
            )
            watcher.start()
            elapsed, failures = post_visits(base, token, campaign_id, mine, args.clients, batch)
            stop.set()
            watcher.join()
            figures[f"{name}_visits"] = len(mine)
            figures[f"{name}_failures"] = failures
            figures[f"{name}_visits_per_second"] = round(len(mine) / elapsed, 1)
    latencies.sort()
    figures.update(
        progress_reads=len(latencies),
        progress_p50_ms=round(1000 * statistics.median(latencies), 1) if latencies else None,
        progress_p95_ms=round(1000 * latencies[int(0.95 * (len(latencies) - 1))], 1)
        if latencies
        else None,
        counters_match=counters_match(campaign_id),
    )
    return figures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--area", default="510116001")
    parser.add_argument("--visits", type=int, default=4000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--batch",
        type=lambda text: [int(n) for n in text.split(",") if int(n)],
        default=[50],
        help="outcomes a queue, or several sizes (50,500) measured in turn; 0: none",
    )
    parser.add_argument("--batch-visits", type=int, default=8000, help="visits sent in queues")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--var", default=None, help="FINEGRID_VAR_DIR of a demo already built")
    parser.add_argument("--database", default=None, help="PostgreSQL database name")
    parser.add_argument(
        "--city-sections",
        type=int,
        default=0,
        help="read the progress of a synthetic city campaign of this many sections",
    )
    args = parser.parse_args(argv)
    env = environment(args)
    figures = {"area": args.area, "database": "postgresql" if args.database else "sqlite"}
    if not args.var:
        figures["demo_build_seconds"] = round(build(env, args.area), 1)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finegrid.settings")
    import django

    django.setup()
    token = finegrid(env, "users", "token", "street", "--name", "campaigns bench").strip()
    city = None
    if args.city_sections:
        admin = finegrid(env, "users", "token", "admin", "--name", "campaigns bench").strip()
        city = (load_city(args.city_sections), admin)
        figures["city_sections"] = args.city_sections
    runs = []
    for number in range(args.runs):
        runs.append(one_run(args, env, token, city))
        print(json.dumps({"run": number + 1, **runs[-1]}), file=sys.stderr)
    for key, value in runs[0].items():
        if isinstance(value, bool):
            figures[key] = all(run[key] for run in runs)
        elif isinstance(value, int | float) and value is not None:
            figures[key] = statistics.median(run[key] for run in runs)
    figures.update(runs=args.runs, cores=os.cpu_count(), load_average=os.getloadavg())
    print(json.dumps(figures, indent=2))
    failed = any(value for run in runs for key, value in run.items() if key.endswith("_failures"))
    return 0 if not failed and figures["counters_match"] else 1


if __name__ == "__main__":
    sys.exit(main())
