"""`finegrid partners …`: partners, the service catalogue, dwelling areas, assembly counts
and rating periods."""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json

from finegrid.cli import CommandError, setup_django
from finegrid.commandtools import domain_errors, operator


def register(subparsers: argparse._SubParsersAction) -> None:
    partners = subparsers.add_parser(
        "partners", help="partners, owners' assemblies, ratings, services and public accounts"
    )
    commands = partners.add_subparsers(dest="partners_command", metavar="ACTION", required=True)

    add = commands.add_parser("add", help="register a partner organization")
    add.add_argument(
        "--kind",
        required=True,
        help="property, owners_committee, social_org, resident_unit or new_org",
    )
    add.add_argument("--name", required=True)
    add.add_argument("--area", required=True, help="code of its street or community")
    add.add_argument("--credit-code", default="", help="unified social credit code")
    add.add_argument("--phone", default="", help="the organization's public service number")
    add.set_defaults(func=run_add)

    check = commands.add_parser("check-code", help="check a unified social credit code")
    check.add_argument("code")
    check.set_defaults(func=run_check_code)

    serve = commands.add_parser("serve", help="a partner starts serving a compound")
    serve.add_argument("--partner", type=int, required=True, help="partner id")
    serve.add_argument("--compound", type=int, required=True, help="compound id")
    serve.add_argument("--start", type=dt.date.fromisoformat, help="YYYY-MM-DD (default today)")
    serve.set_defaults(func=run_serve)

    account = commands.add_parser("account", help="let a partner-role user act for a partner")
    account.add_argument("--partner", type=int, required=True, help="partner id")
    account.add_argument("--user", required=True, help="username")
    account.set_defaults(func=run_account)

    catalogue = commands.add_parser(
        "catalogue", help="load the starting catalogue of purchasable public services"
    )
    catalogue.set_defaults(func=run_catalogue)

    areas = commands.add_parser(
        "areas", help="floor areas of dwellings from a CSV file with columns dwelling,area"
    )
    areas.add_argument("file")
    areas.set_defaults(func=run_areas)

    decision = commands.add_parser("decision", help="the count of an assembly decision")
    decision.add_argument("id", type=int)
    decision.add_argument("--close", action="store_true", help="close the vote and store it")
    decision.set_defaults(func=run_decision)

    close = commands.add_parser("close-period", help="close a rating period: rate everyone")
    close.add_argument("id", type=int)
    close.add_argument("--publish", action="store_true", help="and publish it")
    close.set_defaults(func=run_close_period)

    ratings = commands.add_parser("ratings", help="the current ratings of a period")
    ratings.add_argument("id", type=int)
    ratings.add_argument("--json", action="store_true", help="with every input, as JSON")
    ratings.set_defaults(func=run_ratings)


def run_add(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.partners.actions import do_create_partner

    with domain_errors():
        partner = do_create_partner(
            operator(),
            kind=args.kind,
            name=args.name,
            area=args.area,
            credit_code=args.credit_code,
            phone=args.phone,
        )
    print(f"registered {partner.name} ({partner.get_kind_display()}) as partner {partner.pk}")
    return 0


def run_check_code(args: argparse.Namespace) -> int:
    from finegrid.partners.creditcode import CreditCodeError, validate

    try:
        print(f"{validate(args.code)}: valid")
    except CreditCodeError as error:
        raise CommandError(f"{args.code}: {error.reason}") from None
    return 0


def run_serve(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.partners.actions import do_start_service

    with domain_errors():
        service = do_start_service(
            operator(), args.partner, compound=args.compound, start=args.start
        )
    print(f"{service.partner.name} serves {service.compound.name} from {service.start}")
    return 0


def run_account(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.partners.actions import do_add_partner_account

    with domain_errors():
        account = do_add_partner_account(operator(), args.partner, args.user)
    print(f"{account.user.username} acts for {account.partner.name}")
    return 0


def run_catalogue(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.partners.catalogue import do_load_catalogue

    with domain_errors():
        added = do_load_catalogue(operator())
    print(f"added {added} catalogue items")
    return 0


def run_areas(args: argparse.Namespace) -> int:
    """All or nothing: every row is checked inside one transaction."""
    setup_django()
    from django.db import transaction

    from finegrid.partners.actions import do_set_dwelling_area

    try:
        with open(args.file, encoding="utf-8-sig", newline="") as source:
            rows = list(csv.DictReader(source))
    except OSError as error:
        raise CommandError(f"{args.file}: {error.strerror}") from None
    actor = operator()
    with domain_errors(), transaction.atomic():
        for line, row in enumerate(rows, start=2):
            try:
                do_set_dwelling_area(actor, int(row["dwelling"]), row["area"])
            except (KeyError, ValueError, TypeError):
                raise CommandError(
                    f"{args.file}, line {line}: needs a dwelling id and an area"
                ) from None
    print(f"recorded the areas of {len(rows)} dwellings")
    return 0


def run_decision(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.partners import actions, queries

    actor = operator()
    with domain_errors():
        decision = queries.get_decision(actor, args.id)
        if args.close:
            decision = actions.do_close_decision(actor, decision)
    outcome = queries.outcome(decision)
    print(f"{decision.title}: {'passed' if outcome['passed'] else 'not passed'}")
    for check in outcome["checks"]:
        mark = "met" if check["met"] else "NOT met"
        print(
            f"  {check['name']}: {check['part']} of {check['whole']} "
            f"({check['share']:.2%}), needs {check['needed']}: {mark}"
        )
    if outcome["missing_area"]:
        print(f"  {len(outcome['missing_area'])} dwellings have no area yet")
    return 0


def run_close_period(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.partners import actions

    with domain_errors():
        ratings = actions.do_close_period(operator(), args.id)
        if args.publish:
            actions.do_publish_period(operator(), args.id)
    print(f"rated {len(ratings)} compounds{' and published the period' if args.publish else ''}")
    return 0


def run_ratings(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.partners import queries

    actor = operator()
    with domain_errors():
        period = queries.get_period(actor, args.id)
    ratings = list(queries.current_ratings(actor, period))
    if args.json:
        rows = [
            {
                "compound": r.compound.name,
                "partner": r.partner.name,
                "version": r.version,
                "score": str(r.score),
                "grade": r.grade,
                "inputs": r.inputs,
            }
            for r in ratings
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in ratings:
        print(f"{r.compound.name}\t{r.partner.name}\t{r.score}\t{r.grade}\tv{r.version}")
    return 0
