#!/usr/bin/env python3
"""A sustained mixed load over real HTTP: locust's virtual users against `finegrid serve`
on PostgreSQL, then every write counted in the database.

It sets up a fresh database (default `finegrid_load`) and FINEGRID_VAR_DIR with
`finegrid setup` and `finegrid demo --no-serve` (the demo's street, 81,548 households),
issues a bearer token to the demo's street staff (`finegrid users token`), and for each
run starts `finegrid serve` with its defaults on a free port of 127.0.0.1 and runs locust
headless for a bounded time (default 50 users for 60 s, see bench/locustfiles/mixed.py):
four in five are an API integration with the token that reads grids, households, persons,
workers and the map layer around a micro-grid of its own, renames that grid and its worker,
and adds dwellings and persons (a quarter of its requests are writes); one in five is
street staff in a browser reading pages.

After each run it counts in the database: every write locust saw succeed must be there
(created rows with the values sent, each renamed grid and worker holding the last name its
user sent, an audit row under the write's request id) and nothing else (no row, rename or
audit row of the run that locust did not see succeed). The figures are the medians of the
runs. Exit status 1 if any request failed or any write was lost or extra.

Usage: python bench/load.py [--users 50] [--seconds 60] [--runs 3] [--area CODE]
                            [--database finegrid_load] [--markdown FILE]
Needs PostgreSQL on 127.0.0.1:5432 (user postgres) and `pip install -r requirements/bench.txt`.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg

HERE = Path(__file__).resolve().parent
LOCUSTFILE = HERE / "locustfiles" / "mixed.py"
SERVER = "postgres://postgres@127.0.0.1:5432"
# The demo's street staff (东升街道) and its password; demo mode must be on to use them.
USERNAME, PASSWORD = "street", "finegrid-demo"
# `python -m finegrid.cli` would define a second CommandError class in __main__.
RUN_CLI = "import sys; from finegrid.cli import main; sys.exit(main(sys.argv[1:]))"


class LoadError(Exception):
    """A step that failed: reported in one line, with exit status 1, without stopping the
    other benchmarks of `make bench`."""


def finegrid(environment: dict, *arguments: str) -> str:
    completed = subprocess.run(
        [sys.executable, "-c", RUN_CLI, *arguments],
        env=environment,
        capture_output=True,
        text=True,
    )
    if completed.returncode:
        raise LoadError(f"finegrid {' '.join(arguments)} failed:\n{completed.stderr}")
    return completed.stdout


def fresh_database(name: str) -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def set_up(environment: dict, area: str) -> str:
    """A demo database and var dir; returns street staff's bearer token."""
    started = time.perf_counter()
    finegrid(environment, "setup")
    finegrid(environment, "demo", "--area", area, "--no-serve")
    token = finegrid(environment, "users", "token", USERNAME, "--name", "load bench").strip()
    print(f"set up in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return token


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get_json(base: str, path: str, token: str):
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


@contextlib.contextmanager
def serving(environment: dict, log_file: Path):
    """`finegrid serve` with its default workers on a free port, from the moment it answers
    until SIGTERM; yields its base URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with log_file.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", RUN_CLI, "serve", "--port", str(port)],
            env=environment,
            stdout=log,
            stderr=log,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urllib.request.urlopen(base + "/login/", timeout=5).close()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise LoadError(f"finegrid serve did not start: see {log_file}") from None
                    time.sleep(0.3)
            yield base
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)


def plan(base: str, token: str, marker: str, users: int) -> dict:
    """For each virtual user, a micro-grid of its own with a worker, a building and a
    household in it, found through the API as an integration would, spread over the
    street's communities."""
    grids = get_json(base, "/api/grids?kind=micro&page_size=1000", token)["items"]
    spread = sorted(grids, key=lambda grid: (grid["code"][-2:], grid["code"]))
    slots = []
    for grid in spread:
        code = grid["code"]
        workers = get_json(base, f"/api/workers?grid={code}&role=micro_worker", token)["items"]
        households = get_json(base, f"/api/households?grid={code}&page_size=1", token)["items"]
        buildings = get_json(base, f"/api/buildings?grid={code}&page_size=1", token)["items"]
        if workers and households and buildings:
            slots.append(
                {
                    "index": len(slots),
                    "grid": grid["id"],
                    "grid_code": code,
                    "community": grid["community"],
                    "worker": workers[0]["id"],
                    "household": households[0]["id"],
                    "building": buildings[0]["ref"],
                }
            )
        if len(slots) == users:
            break
    if len(slots) < users:
        raise LoadError(f"only {len(slots)} micro-grids to share among {users} users")
    return {
        "marker": marker,
        "token": token,
        "username": USERNAME,
        "password": PASSWORD,
        "slots": slots,
    }


def run_locust(
    base: str, plan_file: Path, writes_file: Path, users: int, seconds: int, csv_prefix: Path
):
    environment = {
        **os.environ,
        "FINEGRID_LOAD_PLAN": str(plan_file),
        "FINEGRID_LOAD_WRITES": str(writes_file),
    }
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s",
        # Let every user finish the request it is in, so no write is cut off unseen.
        "--stop-timeout", "30",
        "--host", base, "--csv", str(csv_prefix), "--only-summary", "--loglevel", "WARNING",
    ]  # fmt: skip
    completed = subprocess.run(command, env=environment, capture_output=True, text=True)
    if not writes_file.exists():
        raise LoadError(f"locust failed:\n{completed.stderr}")
    return completed


def read_stats(csv_prefix: Path) -> dict[str, dict]:
    """Locust's per-request figures by name ("Aggregated" for all)."""
    with open(f"{csv_prefix}_stats.csv", encoding="utf-8") as table:
        return {
            row["Name"]: {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50": float(row["50%"]),
                "p95": float(row["95%"]),
            }
            for row in csv.DictReader(table)
        }


def count_writes(database_url: str, marker: str, confirmed: list[dict]) -> dict:
    """Compare the writes locust saw succeed with what the database holds."""
    problems = []
    by_kind = {kind: [w for w in confirmed if w["kind"] == kind] for kind in KINDS}
    with psycopg.connect(database_url) as connection:
        for kind, (table, column) in CREATED.items():
            rows = dict(
                connection.execute(
                    f"SELECT id, {column} FROM {table} WHERE {column} LIKE %s", [f"{marker}%"]
                ).fetchall()
            )
            sent = {w["id"]: w["value"] for w in by_kind[kind]}
            if rows != sent:
                missing = sorted(set(sent.items()) - set(rows.items()))
                extra = sorted(set(rows.items()) - set(sent.items()))
                problems.append(f"{kind}: missing {missing[:5]}, extra {extra[:5]}")
        for kind, table in RENAMED.items():
            last_sent = {}
            for write in by_kind[kind]:  # in the order each user saw them succeed
                last_sent[write["id"]] = write["value"]
            if last_sent:
                held = dict(
                    connection.execute(
                        f"SELECT id, name FROM {table} WHERE id = ANY(%s)", [list(last_sent)]
                    ).fetchall()
                )
                wrong = {k: (v, held.get(k)) for k, v in last_sent.items() if held.get(k) != v}
                if wrong:
                    problems.append(
                        f"{kind}: last name sent ≠ name held: {list(wrong.items())[:5]}"
                    )
            renamed = connection.execute(
                f"SELECT count(*) FROM {table} WHERE name LIKE %s", [f"{marker}%"]
            ).fetchone()[0]
            if renamed != len(last_sent):
                problems.append(f"{kind}: {renamed} renamed in the database, {len(last_sent)} seen")
        audited = {
            row[0]
            for row in connection.execute(
                "SELECT DISTINCT request_id FROM accounts_auditentry WHERE request_id LIKE %s",
                [f"{marker}-%"],
            )
        }
        seen = {w["request_id"] for w in confirmed}
        if audited != seen:
            problems.append(
                f"audit: {len(seen - audited)} confirmed writes without an audit row, "
                f"{len(audited - seen)} audited requests locust did not see succeed"
            )
    return {"confirmed": len(confirmed), "problems": problems}


KINDS = ("grid", "worker", "dwelling", "person")
CREATED = {"dwelling": ("territory_dwelling", "room"), "person": ("people_person", "name")}
RENAMED = {"grid": "territory_grid", "worker": "org_worker"}
REQUEST_KINDS = [
    "GET /api/grids",
    "GET /api/grids/{id}",
    "GET /api/households",
    "GET /api/persons",
    "GET /api/workers",
    "GET /api/map/grids.geojson",
    "PATCH /api/grids/{id}",
    "PATCH /api/workers/{id}",
    "POST /api/dwellings",
    "POST /api/persons",
    "GET /cockpit/",
    "GET /grids/{code}/",
    "GET /map/",
]


def one_run(number: int, environment: dict, token: str, args, scratch: Path):
    marker = f"L{os.getpid()}r{number}"
    plan_file = scratch / f"plan-{number}.json"
    writes_file = scratch / f"writes-{number}.json"
    csv_prefix = scratch / f"run-{number}"
    load_before = round(os.getloadavg()[0], 1)  # other work on the machine skews the figures
    with serving(environment, scratch / f"serve-{number}.log") as base:
        plan_file.write_text(json.dumps(plan(base, token, marker, args.users)), encoding="utf-8")
        run_locust(base, plan_file, writes_file, args.users, args.seconds, csv_prefix)
    stats = read_stats(csv_prefix)
    confirmed = json.loads(writes_file.read_text(encoding="utf-8"))
    counted = count_writes(environment["DATABASE_URL"], marker, confirmed)
    counted["load_before"] = load_before
    total = stats["Aggregated"]
    print(
        f"run {number}: {total['requests']} requests, {total['rps']:.1f}/s, "
        f"{total['failures']} failed; {counted['confirmed']} writes confirmed, "
        f"{len(counted['problems'])} problems {counted['problems']}",
        file=sys.stderr,
    )
    return stats, counted


def report(runs: list, args) -> list[str]:
    def median(name, key):
        values = [stats[name][key] for stats, _ in runs if name in stats]
        return statistics.median(values) if values else float("nan")

    lines = [
        f"{args.users} users for {args.seconds} s against `finegrid serve` (defaults) on "
        f"PostgreSQL, medians of {len(runs)} runs; {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "",
        "| request | requests/s | p50 ms | p95 ms | failures |",
        "|---|---|---|---|---|",
    ]
    for name in [*REQUEST_KINDS, "Aggregated"]:
        label = "**all**" if name == "Aggregated" else f"`{name}`"
        failures = sum(stats.get(name, {}).get("failures", 0) for stats, _ in runs)
        lines.append(
            f"| {label} | {median(name, 'rps'):.1f} | {median(name, 'p50'):.0f} | "
            f"{median(name, 'p95'):.0f} | {failures} |"
        )
    confirmed = [counted["confirmed"] for _, counted in runs]
    problems = sum(len(counted["problems"]) for _, counted in runs)
    lines += [
        "",
        f"Writes confirmed by locust and found in the database: {confirmed} per run; "
        f"lost or extra writes: {problems}. Load average before each run: "
        f"{[counted['load_before'] for _, counted in runs]}.",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--area", default="510116001", help="demo area (default 东升街道)")
    parser.add_argument("--database", default="finegrid_load")
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args(argv)

    try:
        fresh_database(args.database)
        with tempfile.TemporaryDirectory(prefix="finegrid-load-") as scratch:
            environment = {
                **os.environ,
                "DATABASE_URL": f"{SERVER}/{args.database}",
                "FINEGRID_VAR_DIR": str(Path(scratch) / "var"),
                "FINEGRID_DEMO": "1",
            }
            token = set_up(environment, args.area)
            runs = [
                one_run(number, environment, token, args, Path(scratch))
                for number in range(1, args.runs + 1)
            ]
    except (LoadError, psycopg.OperationalError) as error:
        print(f"load: {error}", file=sys.stderr)
        return 1
    lines = report(runs, args)
    print("\n".join(lines))
    if args.markdown:
        args.markdown.write_text("\n".join(lines) + "\n", encoding="utf-8")
    failed = sum(stats["Aggregated"]["failures"] for stats, _ in runs)
    lost = sum(len(counted["problems"]) for _, counted in runs)
    return 1 if failed or lost else 0


if __name__ == "__main__":
    sys.exit(main())
