"""`finegrid org …`: party organizations, workers and the coverage report."""

from __future__ import annotations

import argparse
import json

from finegrid.cli import setup_django
from finegrid.commandtools import domain_errors, operator


def register(subparsers: argparse._SubParsersAction) -> None:
    org = subparsers.add_parser("org", help="party organizations, grid workers, coverage")
    commands = org.add_subparsers(dest="org_command", metavar="ACTION", required=True)

    party = commands.add_parser("party-org", help="set up the party organization of a grid")
    party.add_argument("--grid", required=True, help="grid code")
    party.add_argument("--name", default="", help="name (default from the grid)")
    party.set_defaults(func=run_party_org)

    assign = commands.add_parser("assign", help="assign a worker to a grid")
    assign.add_argument("--grid", required=True, help="grid code")
    assign.add_argument(
        "--role", required=True, help="grid_leader, grid_worker, micro_worker or dedicated_worker"
    )
    assign.add_argument("--name", default="", help="the worker's name")
    assign.add_argument("--phone", default="", help="mobile number")
    assign.add_argument("--person", type=int, help="id of the registered person (a resident)")
    assign.set_defaults(func=run_assign)

    coverage = commands.add_parser(
        "coverage",
        help="grids without a worker or party organization, micro-grid workers living "
        "elsewhere, general grids outside 300–500 households",
    )
    coverage.add_argument("--area", required=True, help="area or grid code")
    coverage.add_argument("--json", action="store_true", help="the whole report as JSON")
    coverage.set_defaults(func=run_coverage)


def run_party_org(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.org.actions import do_create_party_org

    with domain_errors():
        org = do_create_party_org(operator(), args.grid, name=args.name)
    print(f"created {org.name} ({org.get_kind_display()}) on {org.grid.code}")
    return 0


def run_assign(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.org.actions import do_assign_worker

    with domain_errors():
        worker = do_assign_worker(
            operator(),
            args.grid,
            role=args.role,
            name=args.name,
            phone=args.phone,
            person=args.person,
        )
    print(f"assigned {worker.name} as {worker.get_role_display()} of {worker.grid.code}")
    return 0


def run_coverage(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.org.queries import coverage
    from finegrid.territory.queries import get_node

    actor = operator()
    with domain_errors():
        report = coverage(actor, get_node(actor, args.area))
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return 0
    for kind, count in report.grids.items():
        missing_worker = len(report.without_worker.get(kind, []))
        missing_org = len(report.without_party_org.get(kind, []))
        print(
            f"{kind}: {count} grids, {missing_worker} without a worker, "
            f"{missing_org} without a party organization"
        )
    print(f"share of grids without a party organization: {report.share_without_party_org():.1%}")
    print(
        f"micro-grid workers not living in their micro-grid: {len(report.workers_living_elsewhere)}"
    )
    print(f"general grids outside 300–500 households: {len(report.general_out_of_range)}")
    return 0
