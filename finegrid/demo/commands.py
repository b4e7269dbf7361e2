"""`finegrid demo`: set up a synthetic street and serve it."""

from __future__ import annotations

import argparse
import json
import time

from finegrid.cli import CommandError, at_least, setup_django
from finegrid.web.commands import add_server_arguments, serve

DEFAULT_AREA = "510116001"  # 双流区东升街道


def register(subparsers: argparse._SubParsersAction) -> None:
    demo = subparsers.add_parser(
        "demo",
        help="generate a synthetic street (default 双流区东升街道), divide it into "
        "micro-grids, staff it and serve it (needs FINEGRID_DEMO=1)",
    )
    demo.add_argument("--area", default=DEFAULT_AREA, help="area code (street, community…)")
    demo.add_argument("--seed", type=at_least(0), default=1, help="same seed, same demo")
    demo.add_argument(
        "--workers", type=at_least(1), default=None, help="build processes (default: CPUs)"
    )
    demo.add_argument("--no-serve", action="store_true", help="set up, then stop")
    add_server_arguments(demo, workers_flag="--server-workers")
    demo.set_defaults(func=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    from finegrid import divisions
    from finegrid.demo import build

    if not settings.DEMO_MODE:
        raise CommandError(
            "the demo uses well-known passwords and runs only in demo mode: "
            "FINEGRID_DEMO=1 finegrid demo (or make demo)"
        )
    try:
        area = divisions.get(args.area)
    except divisions.UnknownDivision as error:
        raise CommandError(str(error)) from None
    call_command("migrate", interactive=False, verbosity=0)
    state_file = settings.VAR_DIR / "demo.json"
    wanted = {"area": area.code, "seed": args.seed}
    state = json.loads(state_file.read_text()) if state_file.exists() else None
    if state and {k: state.get(k) for k in wanted} == wanted:
        print(f"the demo of {area.name} (seed {args.seed}) is already set up")
    elif state:
        raise CommandError(
            f"{settings.VAR_DIR} holds the demo of {state['area']} with seed {state['seed']}; "
            "use another FINEGRID_VAR_DIR (or remove that one) for another area or seed"
        )
    else:
        build.refuse_if_not_empty()
        started = time.perf_counter()
        state = {**wanted, **build.build(area, args.seed, workers=args.workers)}
        state["seconds"] = round(time.perf_counter() - started, 1)
        state_file.write_text(json.dumps(state, ensure_ascii=False, indent=2))
    build.print_summary(state, args.host, args.port)
    if not args.no_serve:
        serve(args)
    return 0
