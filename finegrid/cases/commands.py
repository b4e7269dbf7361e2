"""`finegrid cases …`: cases, duty lists, hotline imports, robots, Open311 keys, and the
background worker."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from finegrid.accounts.commands import _password_options, _read_password
from finegrid.cli import setup_django
from finegrid.commandtools import domain_errors, operator


def register(subparsers: argparse._SubParsersAction) -> None:
    cases = subparsers.add_parser("cases", help="cases, duty lists, 吹哨报到, the worker")
    commands = cases.add_subparsers(dest="cases_command", metavar="ACTION", required=True)

    listing = commands.add_parser("list", help="cases in an area, newest first")
    listing.add_argument("--area", help="area or grid code")
    listing.add_argument("--status", help="status (submitted, accepted, dispatched, …)")
    listing.add_argument("--overdue", action="store_true", help="only overdue cases")
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(func=run_list)

    opening = commands.add_parser("open", help="register a case (staff entry, e.g. hotline)")
    opening.add_argument("--category", required=True)
    opening.add_argument("--text", required=True)
    opening.add_argument("--channel", default="staff")
    opening.add_argument("--household", type=int)
    opening.add_argument("--compound", type=int)
    opening.add_argument("--grid")
    opening.add_argument("--community")
    opening.set_defaults(func=run_open)

    step = commands.add_parser("step", help="take one lifecycle step of a case")
    step.add_argument("case", help="case ref or id")
    step.add_argument("kind", help="accept, dispatch, start, handle, verify, close, …")
    step.add_argument("--note", default="")
    step.add_argument("--unit", type=int, help="unit id (dispatch, reassign)")
    step.set_defaults(func=run_step)

    show = commands.add_parser("show", help="a case and its timeline")
    show.add_argument("case", help="case ref or id")
    show.set_defaults(func=run_show)

    figures = commands.add_parser("figures", help="received, 响应率, 按期结案率, 满意率 …")
    figures.add_argument("--area", help="area or grid code")
    figures.set_defaults(func=run_figures)

    sweep = commands.add_parser("sweep", help="mark overdue cases and escalate them once")
    sweep.set_defaults(func=run_sweep)

    deliver = commands.add_parser("deliver", help="send queued group-robot notifications")
    deliver.set_defaults(func=run_deliver)

    worker = commands.add_parser(
        "worker", help="the background worker: the deadline sweep and deliveries every minute"
    )
    worker.add_argument("--every", type=float, default=60, help="seconds between rounds")
    worker.add_argument("--rounds", type=int, default=0, help="stop after N rounds (0: never)")
    worker.set_defaults(func=run_worker)

    template = commands.add_parser("template", help="write the duty-list workbook template")
    template.add_argument("file", type=Path)
    template.set_defaults(func=run_template)

    load = commands.add_parser("import-lists", help="import units and duty-list items (.xlsx)")
    load.add_argument("area", help="code of the publishing area (a street or district)")
    load.add_argument("file", type=Path)
    load.set_defaults(func=run_import_lists)

    export = commands.add_parser("export-lists", help="export units and items with history")
    export.add_argument("area")
    export.add_argument("file", type=Path)
    export.set_defaults(func=run_export_lists)

    sample = commands.add_parser(
        "load-illustrative", help="load the ILLUSTRATIVE units and items for a street"
    )
    sample.add_argument("street", help="street code")
    sample.set_defaults(func=run_illustrative)

    hotline = commands.add_parser("import-hotline", help="import a 12345 export (.xlsx/.csv)")
    hotline.add_argument("file", type=Path)
    hotline.set_defaults(func=run_hotline)

    robot = commands.add_parser("robot", help="add a group robot (企业微信/钉钉/飞书)")
    robot.add_argument("--node", required=True, help="area, grid code or path it hears about")
    robot.add_argument("--name", required=True)
    robot.add_argument("--kind", default="wecom", help="wecom, dingtalk, feishu or other")
    robot.add_argument("--url", required=True, help="apprise URL, e.g. wecombot://KEY")
    robot.add_argument("--below", action="store_true", help="also everything below the node")
    robot.set_defaults(func=run_robot)

    department = commands.add_parser(
        "department-user",
        help="create a department user bound to a unit (sees only the cases routed or "
        "whistled to it)",
    )
    department.add_argument("username")
    department.add_argument(
        "--unit", type=int, required=True, help="unit id (finegrid cases units)"
    )
    department.add_argument("--name", default="", help="display name")
    _password_options(department)
    department.set_defaults(func=run_department_user)

    unit_list = commands.add_parser("units", help="responsible units with their ids")
    unit_list.add_argument("--kind", help="department, street_office, community, grid, property")
    unit_list.set_defaults(func=run_units)

    open311 = subparsers.add_parser("open311", help="Open311 GeoReport v2 clients")
    keys = open311.add_subparsers(dest="open311_command", metavar="ACTION", required=True)
    key = keys.add_parser("key", help="issue an api_key for a client (shown once)")
    key.add_argument("name")
    key.add_argument("--scope", required=True, help="area code the client may report in")
    key.set_defaults(func=run_open311_key)


def _case_line(case) -> str:
    overdue = " OVERDUE" if case.overdue else ""
    unit = case.unit.name if case.unit_id else "-"
    return f"{case.ref}  {case.status:<11} {case.category:<10} {unit}  {case.address}{overdue}"


def run_list(args) -> int:
    setup_django()
    from finegrid.cases import queries
    from finegrid.territory import queries as territory

    actor = operator()
    with domain_errors():
        path = territory.get_node(actor, args.area).path if args.area else None
        found = queries.filter_cases(
            queries.cases(actor), path=path, status=args.status, overdue=args.overdue or None
        )
        for case in found[: args.limit]:
            print(_case_line(case))
    return 0


def run_open(args) -> int:
    setup_django()
    from finegrid.cases.actions import do_open_case

    with domain_errors():
        case = do_open_case(
            operator(),
            category=args.category,
            text=args.text,
            channel=args.channel,
            household=args.household,
            compound=args.compound,
            grid=args.grid,
            community=args.community,
        )
    print(f"opened {case.ref}: {case.route_rule}")
    return 0


def run_step(args) -> int:
    setup_django()
    from finegrid.cases.actions import do_step

    with domain_errors():
        case = do_step(operator(), args.case, args.kind, note=args.note, unit=args.unit)
    print(_case_line(case))
    return 0


def run_show(args) -> int:
    setup_django()
    from django.utils import timezone

    from finegrid.cases.actions import get_case

    with domain_errors():
        case = get_case(operator(), args.case)
    print(_case_line(case))
    print(case.text)
    for step in case.steps.order_by("at", "pk"):
        when = timezone.localtime(step.at)
        print(f"  {when:%Y-%m-%d %H:%M}  {step.kind:<9} {step.actor_label}  {step.note}")
    return 0


def run_figures(args) -> int:
    setup_django()
    from finegrid.cases import figures, queries
    from finegrid.territory import queries as territory

    actor = operator()
    with domain_errors():
        cases = queries.cases(actor)
        if args.area:
            cases = queries.filter_cases(cases, path=territory.get_node(actor, args.area).path)
        print(json.dumps(figures.rates(cases), ensure_ascii=False, indent=2))
    return 0


def run_sweep(args) -> int:
    setup_django()
    from finegrid.accounts.system import system_actor
    from finegrid.cases.actions import do_sweep_deadlines

    print(f"{do_sweep_deadlines(system_actor('tasks'))} cases newly overdue")
    return 0


def run_deliver(args) -> int:
    setup_django()
    from finegrid.cases import notify

    print(json.dumps(notify.deliver()))
    return 0


def run_worker(args) -> int:
    """Enqueue the sweep, a delivery and a check of SQLite's statistics each round and run
    the django-tasks database queue in between (so notifications queued by requests go
    out within a round)."""
    setup_django()
    import time

    from django.conf import settings

    from finegrid.cases import tasks

    database = settings.TASKS["default"]["BACKEND"].startswith("django_tasks_db")
    rounds = 0
    print("cases worker: deadline sweep and notifications every", args.every, "s", flush=True)
    while True:
        tasks.sweep_deadlines.enqueue()
        tasks.deliver_notifications.enqueue()
        tasks.refresh_statistics.enqueue()  # SQLite's planner statistics, when stale
        if database:
            _drain()
        rounds += 1
        if args.rounds and rounds >= args.rounds:
            return 0
        time.sleep(args.every)


def _drain() -> None:
    """Run every task ready in the database queue, in this process."""
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="finegrid-cases",
        excluded_queue_names=[],
    ).run()


def run_template(args) -> int:
    setup_django()
    from finegrid.cases.dutylists import template

    args.file.write_bytes(template())
    print(f"wrote {args.file}")
    return 0


def run_import_lists(args) -> int:
    setup_django()
    from finegrid.cases.dutylists import do_import_duty_lists, read_workbook

    with domain_errors():
        units, items = read_workbook(args.file.read_bytes())
        report = do_import_duty_lists(operator(), args.area, units, items)
    print(
        f"units: {report.units_created} created, {report.units_updated} updated; items: "
        f"{report.items_created} created, {report.items_changed} changed, "
        f"{report.items_retired} retired, {report.items_unchanged} unchanged"
    )
    return 0


def run_export_lists(args) -> int:
    setup_django()
    from finegrid.cases.dutylists import export_rows, workbook_bytes

    with domain_errors():
        units, items = export_rows(operator(), args.area, history=True)
    args.file.write_bytes(workbook_bytes(units, items))
    print(f"wrote {args.file}: {len(units)} units, {len(items)} item versions")
    return 0


def run_illustrative(args) -> int:
    setup_django()
    from finegrid.cases.illustrative import do_load_illustrative

    with domain_errors():
        report = do_load_illustrative(operator(), args.street)
    print(
        f"ILLUSTRATIVE data (not a real list): {report.units_created} units, "
        f"{report.items_created} items"
    )
    return 0


def run_hotline(args) -> int:
    setup_django()
    from finegrid.cases import hotline

    with domain_errors():
        rows = hotline.read(args.file.name, args.file.read_bytes())
        count = hotline.do_import_hotline(operator(), rows)
    print(f"imported {count} hotline cases")
    return 0


def run_robot(args) -> int:
    setup_django()
    from finegrid.cases.actions import do_add_robot

    with domain_errors():
        robot = do_add_robot(
            operator(),
            node=args.node,
            name=args.name,
            kind=args.kind,
            url=args.url,
            below=args.below,
        )
    print(f"robot {robot.name} hears about {robot.path}{' and below' if robot.below else ''}")
    return 0


def run_open311_key(args) -> int:
    setup_django()
    from finegrid.cases.open311 import do_issue_key

    with domain_errors():
        row, key = do_issue_key(operator(), args.name, args.scope)
    print(f"api_key for {row.name} (area {row.area.name}), shown once:\n{key}")
    return 0


def run_department_user(args) -> int:
    setup_django()
    from finegrid.cases.actions import do_create_department_user

    password = _read_password(args)
    with domain_errors():
        user, unit = do_create_department_user(
            operator(), args.unit, username=args.username, password=password, first_name=args.name
        )
    print(f"created {user.username} (department) bound to {unit.name}")
    return 0


def run_units(args) -> int:
    setup_django()
    from finegrid.cases import queries

    units = queries.units(operator())
    if args.kind:
        units = units.filter(kind=args.kind)
    for unit in units:
        members = ",".join(sorted(m.username for m in unit.members.all()))
        print(f"{unit.pk}\t{unit.kind}\t{unit.name}\t{unit.area.code}\t{members}")
    return 0
