"""`finegrid workforce …`: courses, points, assessment and training coverage."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from finegrid.cli import setup_django
from finegrid.commandtools import atomic_output, domain_errors, operator


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a month like 2026-11") from None


def register(subparsers: argparse._SubParsersAction) -> None:
    workforce = subparsers.add_parser(
        "workforce", help="grid workers' training, points (积分) and assessment (考核)"
    )
    commands = workforce.add_subparsers(dest="workforce_command", metavar="ACTION", required=True)

    course = commands.add_parser("course", help="create a training course")
    course.add_argument("--area", required=True, help="code of the area that runs it")
    course.add_argument("--title", required=True)
    course.add_argument("--kind", required=True, help="induction, topical or refresher")
    course.add_argument("--hours", required=True)
    course.set_defaults(func=run_course)

    scheme = commands.add_parser("scheme", help="add a version of an area's points scheme")
    scheme.add_argument("--area", required=True, help="area code")
    scheme.add_argument("--from", dest="effective_from", type=_month, required=True, help="YYYY-MM")
    scheme.add_argument(
        "--rule",
        action="append",
        default=[],
        metavar="SOURCE:POINTS:COMPONENT",
        help="e.g. training_hours:2:worker (repeat)",
    )
    scheme.set_defaults(func=run_scheme)

    points = commands.add_parser("points", help="compute a month's points ledger of an area")
    points.add_argument("--area", required=True)
    points.add_argument("--month", type=_month, required=True, help="YYYY-MM")
    points.set_defaults(func=run_points)

    assess = commands.add_parser("assess", help="compute (and publish) a monthly assessment")
    assess.add_argument("--area", required=True)
    assess.add_argument("--month", type=_month, required=True, help="YYYY-MM")
    assess.add_argument("--publish", action="store_true", help="publish it: it cannot change")
    assess.add_argument("-o", "--output", help="also write it as an Excel workbook")
    assess.set_defaults(func=run_assess)

    coverage = commands.add_parser(
        "coverage", help="training coverage and workers without induction in time"
    )
    coverage.add_argument("--area", required=True, help="area or grid code")
    coverage.add_argument("--days", type=int, help="induction within this many days of the post")
    coverage.add_argument("--json", action="store_true")
    coverage.set_defaults(func=run_coverage)


def run_course(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.workforce.actions import do_create_course

    with domain_errors():
        course = do_create_course(
            operator(), args.area, title=args.title, kind=args.kind, hours=args.hours
        )
    kind = course.get_kind_display()
    print(f"created course {course.pk}: {course.title} ({kind}, {course.hours} h)")
    return 0


def run_scheme(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.cli import CommandError
    from finegrid.workforce.actions import do_create_scheme

    rules = []
    for text in args.rule:
        parts = text.split(":")
        if len(parts) != 3:
            raise CommandError(f"--rule {text!r}: expected SOURCE:POINTS:COMPONENT")
        rules.append({"source": parts[0], "points": parts[1], "component": parts[2]})
    with domain_errors():
        scheme = do_create_scheme(
            operator(), args.area, effective_from=args.effective_from, rules=rules
        )
    print(f"created {scheme} from {scheme.effective_from:%Y-%m} with {len(rules)} rules")
    return 0


def run_points(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.workforce.actions import do_compute_points

    with domain_errors():
        run = do_compute_points(operator(), args.area, args.month)
    print(f"{run.area.name} {run.month:%Y-%m}: {run.appended} entries appended")
    return 0


def run_assess(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.workforce import export
    from finegrid.workforce.actions import do_compute_assessment, do_publish_assessment

    actor = operator()
    with domain_errors():
        period = do_compute_assessment(actor, args.area, args.month)
        if args.publish:
            period = do_publish_assessment(actor, period)
    workers = period.results.filter(kind="worker").count()
    grids = period.results.filter(kind="grid").count()
    print(f"{period}: {workers} workers, {grids} grids, {period.get_status_display()}")
    if args.output:
        with atomic_output(args.output) as path:
            path.write_bytes(export.assessment_xlsx(actor, period))
        print(f"wrote {args.output}")
    return 0


def run_coverage(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.territory.queries import get_node
    from finegrid.workforce.queries import training_coverage

    actor = operator()
    with domain_errors():
        report = training_coverage(actor, get_node(actor, args.area), days=args.days)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return 0
    print(f"workers: {report.workers}, trained: {report.trained} ({report.share():.1%})")
    print(f"hours: {report.hours}")
    print(f"without induction in time: {len(report.without_induction)}")
    for worker in report.without_induction:
        print(f"  {worker.name} {worker.grid.code} since {worker.start:%Y-%m-%d}")
    return 0
