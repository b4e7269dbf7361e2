"""`finegrid campaigns …`: launch a mobilization, follow it, raise its alerts, close it."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time

from finegrid.cli import CommandError, setup_django
from finegrid.commandtools import atomic_output, domain_errors, operator


def register(subparsers: argparse._SubParsersAction) -> None:
    campaigns = subparsers.add_parser("campaigns", help="door-to-door mobilization (入户动员)")
    commands = campaigns.add_subparsers(dest="campaigns_command", metavar="ACTION", required=True)

    launch = commands.add_parser(
        "launch", help="launch a campaign over an area or grid; prints its id"
    )
    launch.add_argument("--scope", required=True, help="area or grid code")
    launch.add_argument("--title", required=True)
    launch.add_argument("--hours", type=float, default=None, help="time allowed (default 3)")
    launch.add_argument("--start", default=None, help="ISO date and time (default now)")
    launch.add_argument("--purpose", default="")
    launch.add_argument("--script", default="", help="what the worker says at the door")
    launch.add_argument(
        "--checklist", default=None, help='JSON file: [{"question", "type", "choices"}]'
    )
    launch.add_argument(
        "--no-priority", action="store_true", help="do not put vulnerable households first"
    )
    launch.set_defaults(func=run_launch)

    progress = commands.add_parser("progress", help="households reached, late micro-grids")
    progress.add_argument("id", type=int)
    progress.add_argument("--grid", default=None, help="figures under this area or grid")
    progress.add_argument("--json", action="store_true")
    progress.set_defaults(func=run_progress)

    escalate = commands.add_parser(
        "escalate",
        help="raise the alerts due: no visit 30 minutes after the start, or late by the pace",
    )
    escalate.add_argument(
        "--every", type=int, default=0, help="check again every N seconds (until Ctrl-C)"
    )
    escalate.set_defaults(func=run_escalate)

    close = commands.add_parser("close", help="close a campaign")
    close.add_argument("id", type=int)
    close.set_defaults(func=run_close)

    report = commands.add_parser("report", help="the closing report as an Excel file")
    report.add_argument("id", type=int)
    report.add_argument("-o", "--output", required=True, help="FILE.xlsx")
    report.set_defaults(func=run_report)


def _when(text: str | None):
    if text is None:
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--start: {text!r} is not an ISO date and time") from None


def run_launch(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.campaigns.actions import do_launch_campaign, flagged_grids
    from finegrid.commandtools import read_json

    checklist = read_json(args.checklist) if args.checklist else None
    with domain_errors():
        campaign = do_launch_campaign(
            operator(),
            scope=args.scope,
            title=args.title,
            purpose=args.purpose,
            script=args.script,
            checklist=checklist,
            start=_when(args.start),
            hours=args.hours,
            vulnerable_first=not args.no_priority,
        )
    print(campaign.pk)
    import sys

    for section in flagged_grids(campaign):
        print(
            f"no active worker: {section.grid.code} ({section.households} households)",
            file=sys.stderr,
        )
    return 0


def run_progress(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.campaigns import queries

    with domain_errors():
        campaign = queries.get_campaign(operator(), args.id)
        figures = queries.progress(operator(), campaign, args.grid)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, default=str, indent=2))
        return 0
    finish = figures["projected_finish"]
    print(
        f"{figures['title']}: {figures['reached']}/{figures['households']} households reached, "
        f"{figures['micro_grids_done']}/{figures['micro_grids']} micro-grids done, "
        f"{figures['late']} late, {figures['without_worker']} without a worker; projected finish "
        f"{finish.isoformat(timespec='minutes') if finish else '—'} "
        f"(deadline {figures['deadline'].isoformat(timespec='minutes')})"
    )
    return 0


def run_escalate(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.campaigns.actions import do_escalate

    while True:
        for alert in do_escalate(operator()):
            print(f"{alert.section.grid.code}: {alert.get_kind_display()}")
        if not args.every:
            return 0
        time.sleep(args.every)


def run_close(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.campaigns.actions import do_close_campaign

    with domain_errors():
        campaign = do_close_campaign(operator(), args.id)
    print(f"closed campaign {campaign.pk} ({campaign.title})")
    return 0


def run_report(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.campaigns import queries
    from finegrid.campaigns.report import workbook

    with domain_errors():
        campaign = queries.get_campaign(operator(), args.id)
    with atomic_output(args.output) as path:
        path.write_bytes(workbook(operator(), campaign))
    print(f"wrote {args.output}")
    return 0
