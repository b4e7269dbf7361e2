"""`finegrid registry …`: rosters, buildings and personal-data keys."""

from __future__ import annotations

import argparse
import time

from finegrid.cli import CommandError, setup_django
from finegrid.commandtools import atomic_output, domain_errors, operator, read_json


def register(subparsers: argparse._SubParsersAction) -> None:
    registry = subparsers.add_parser(
        "registry", help="the registry: buildings, households and persons (人房关联)"
    )
    commands = registry.add_subparsers(dest="registry_command", metavar="ACTION", required=True)

    template = commands.add_parser("template", help="write the household roster template")
    template.add_argument("-o", "--output", required=True, help="a .xlsx or .csv file")
    template.set_defaults(func=run_template)

    import_ = commands.add_parser(
        "import", help="import a household roster (.xlsx/.csv) into a community, all or nothing"
    )
    import_.add_argument("file")
    import_.add_argument("--community", required=True, help="12-digit community code")
    import_.set_defaults(func=run_import)

    export = commands.add_parser("export", help="export the roster of an area or grid")
    export.add_argument("--area", required=True, help="area or grid code")
    export.add_argument("-o", "--output", required=True, help="a .xlsx or .csv file")
    export.add_argument(
        "--unmasked", action="store_true", help="ID and phone numbers in clear (audited)"
    )
    export.add_argument("--reason", default="", help="why the export must be unmasked")
    export.set_defaults(func=run_export)

    buildings = commands.add_parser("buildings", help="buildings as GeoJSON")
    building_commands = buildings.add_subparsers(
        dest="buildings_command", metavar="ACTION", required=True
    )
    b_import = building_commands.add_parser(
        "import", help="create or update buildings from GeoJSON (the divide input format)"
    )
    b_import.add_argument("file")
    b_import.add_argument("--community", help="place every building in this community")
    b_import.add_argument(
        "--repair-geometry",
        action="store_true",
        help="repair invalid footprints as `finegrid divide --repair-geometry` does, and list them",
    )
    b_import.set_defaults(func=run_buildings_import)
    b_export = building_commands.add_parser(
        "export", help="write the buildings under an area as `finegrid divide` input"
    )
    b_export.add_argument("--area", required=True, help="area or grid code")
    b_export.add_argument("-o", "--output", required=True)
    b_export.set_defaults(func=run_buildings_export)

    rotate = commands.add_parser(
        "rotate-keys",
        help="re-encrypt personal data with the first key of FINEGRID_FIELD_KEYS and re-hash "
        "it with FINEGRID_LOOKUP_KEY",
    )
    rotate.set_defaults(func=run_rotate_keys)


def run_template(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.people import roster

    with atomic_output(args.output) as temporary:
        roster.write_template(temporary)
    print(f"wrote the roster template to {args.output}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.people import roster
    from finegrid.people.actions import do_import_roster

    started = time.perf_counter()
    try:
        cells = list(roster.read(args.file))
    except OSError as error:
        raise CommandError(f"{args.file}: {error.strerror}") from None
    except roster.RosterFormatError as error:
        raise CommandError(str(error)) from None
    with domain_errors():
        report = do_import_roster(operator(), args.community, cells)
    print(
        f"{report.rows} rows; households created {report.households['created']}, "
        f"existing {report.households['existing']}; persons created "
        f"{report.persons['created']}, updated {report.persons['updated']}, unchanged "
        f"{report.persons['unchanged']}; buildings created {report.buildings_created}, "
        f"dwellings created {report.dwellings_created} ({time.perf_counter() - started:.1f} s)"
    )
    return 0


def run_export(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.people import roster
    from finegrid.people.actions import do_export_roster

    with domain_errors():
        rows = do_export_roster(operator(), args.area, unmasked=args.unmasked, reason=args.reason)
    with atomic_output(args.output) as temporary:
        try:
            roster.write(temporary, rows)
        except roster.RosterFormatError as error:
            raise CommandError(str(error)) from None
    state = "unmasked (audited)" if args.unmasked else "masked"
    print(f"wrote {len(rows)} persons, {state}, to {args.output}")
    return 0


def run_buildings_import(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.territory.actions import do_import_buildings

    collection = read_json(args.file)
    with domain_errors():
        report = do_import_buildings(operator(), collection, args.community, args.repair_geometry)
    for repair in report.repaired:
        print(f"repaired {repair['id']}: {repair['reason']}")
    print(
        f"buildings created {report.created}, updated {report.updated}, unchanged "
        f"{report.unchanged}, moved {report.moved}; compounds created "
        f"{report.compounds_created}; dwellings created {report.dwellings_created}"
        + (f"; footprints repaired {len(report.repaired)}" if args.repair_geometry else "")
    )
    return 0


def run_buildings_export(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.accounts.scope import path_q
    from finegrid.territory import queries

    actor = operator()
    with domain_errors():
        node = queries.get_node(actor, args.area)
    buildings = queries.buildings(actor).filter(path_q((node.path,))).order_by("ref")
    with atomic_output(args.output) as temporary:
        temporary.write_text(queries.building_features(buildings), encoding="utf-8")
    print(f"wrote {buildings.count()} buildings to {args.output}")
    return 0


def run_rotate_keys(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.org.actions import do_reseal_workers
    from finegrid.people.actions import do_rotate_keys

    print(f"re-sealed {do_rotate_keys()} persons and {do_reseal_workers()} workers")
    return 0
