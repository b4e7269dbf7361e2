"""`finegrid areas …` and `finegrid grids …`."""

from __future__ import annotations

import argparse

from finegrid.cli import CommandError, setup_django
from finegrid.commandtools import atomic_output, domain_errors, operator, read_json


def register(subparsers: argparse._SubParsersAction) -> None:
    areas = subparsers.add_parser("areas", help="administrative areas (行政区划)")
    area_commands = areas.add_subparsers(dest="areas_command", metavar="ACTION", required=True)
    load = area_commands.add_parser(
        "load",
        help="load the shipped 2023 NBS divisions under an area (and its ancestors); "
        "creates each community's community grid; safe to repeat",
    )
    target = load.add_mutually_exclusive_group(required=True)
    target.add_argument("--city", help="city code, e.g. 5101 (成都市)")
    target.add_argument("--area", help="any area code: province, city, district, street…")
    load.set_defaults(func=run_areas_load)
    listing = area_commands.add_parser("list", help="list the areas under an area")
    listing.add_argument("--parent", required=True, help="area code")
    listing.set_defaults(func=run_areas_list)

    grids = subparsers.add_parser("grids", help="the grid tree (网格)")
    grid_commands = grids.add_subparsers(dest="grids_command", metavar="ACTION", required=True)
    import_ = grid_commands.add_parser(
        "import",
        help="create or update grids from a GeoJSON FeatureCollection (all or nothing)",
    )
    import_.add_argument("file", help="GeoJSON file; properties code (required), name, kind…")
    import_.set_defaults(func=run_grids_import)
    apply = grid_commands.add_parser(
        "apply-division",
        help="store `finegrid divide` output: micro-grids, boundaries, visiting orders, and "
        "the dwellings, households and persons each holds (all or nothing)",
    )
    apply.add_argument("file", help="the MICROGRIDS.geojson that `finegrid divide` wrote")
    apply.set_defaults(func=run_apply_division)
    export = grid_commands.add_parser("export", help="write the grids under an area as GeoJSON")
    export.add_argument("--area", required=True, help="area or grid code")
    export.add_argument("-o", "--output", required=True, help="file to write")
    export.add_argument(
        "--kind",
        choices=["community", "general", "micro", "dedicated"],
        help="only grids of this kind; micro-grids carry their visiting order, so the file "
        "can be `finegrid divide --previous`",
    )
    export.set_defaults(func=run_grids_export)


def run_areas_load(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.territory.actions import do_load_areas

    with domain_errors():
        report = do_load_areas(operator(), args.city or args.area)
    created = ", ".join(f"{n} {level}" for level, n in report.created.items()) or "nothing"
    print(f"created {created}; updated {report.updated}; unchanged {report.unchanged}")
    print(f"community grids created: {report.community_grids_created}")
    return 0


def run_areas_list(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.territory import queries

    with domain_errors():
        parent = queries.get_area(operator(), args.parent)
    for area in parent.children.order_by("code"):
        print(f"{area.short_code}\t{area.level}\t{area.name}")
    return 0


def run_grids_import(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.territory.actions import do_import_grids

    collection = read_json(args.file)
    with domain_errors():
        report = do_import_grids(operator(), collection)
    print(f"created {report.created}; updated {report.updated}; unchanged {report.unchanged}")
    return 0


def run_apply_division(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.territory.actions import do_apply_division

    collection = read_json(args.file)
    if not isinstance(collection, dict) or not isinstance(collection.get("features"), list):
        raise CommandError(f"{args.file}: not a GeoJSON FeatureCollection")
    with domain_errors():
        report = do_apply_division(operator(), collection["features"])
    print(
        f"{report.general_grids} general grids: micro-grids created "
        f"{report.micro_grids_created}, kept {report.micro_grids_kept}, removed "
        f"{report.micro_grids_removed}; dwellings placed {report.dwellings_placed}"
    )
    return 0


def run_grids_export(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.territory import queries

    actor = operator()
    with domain_errors():
        node = queries.get_node(actor, args.area)
    grids = queries.grids_under(actor, node).order_by("code")
    if args.kind:
        grids = grids.filter(kind=args.kind)
    body = queries.feature_collection(grids.iterator(), queries.route_properties(grids))
    with atomic_output(args.output) as temporary:
        temporary.write_text(body, encoding="utf-8")
    print(f"wrote {grids.count()} grids to {args.output}")
    return 0
