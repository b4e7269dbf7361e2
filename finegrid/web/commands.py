"""Project-wide subcommands: setup, serve and a pass-through to Django's manage."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from gunicorn.app.base import BaseApplication

from finegrid.cli import CommandError, at_least, setup_django


def register(subparsers: argparse._SubParsersAction) -> None:
    setup = subparsers.add_parser(
        "setup",
        help="prepare a deployment: create the database if needed, migrate, compile "
        "translations, collect static files",
    )
    setup.add_argument("--no-migrate", action="store_true", help="skip the database steps")
    setup.set_defaults(func=run_setup)

    serve = subparsers.add_parser(
        "serve",
        help="run the web server: gunicorn with several worker processes, static files by "
        "WhiteNoise (put an HTTPS reverse proxy in front of it in production)",
    )
    add_server_arguments(serve)
    serve.set_defaults(func=run_serve)

    manage = subparsers.add_parser(
        "manage", help="run a Django management command (e.g. `finegrid manage createsuperuser`)"
    )
    manage.add_argument("arguments", nargs=argparse.REMAINDER)
    manage.set_defaults(func=run_manage)


def compile_translations(package_dir: Path) -> int:
    """Compile every .po catalogue of the package (its own and each app's ``locale``) to
    .mo with Babel, so no gettext install is needed."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    count = 0
    for po_path in sorted(package_dir.glob("**/locale/*/LC_MESSAGES/*.po")):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with po_path.with_suffix(".mo").open("wb") as mo_file:
            write_mo(mo_file, catalog)
        count += 1
    return count


def ensure_database() -> None:
    """Create the PostgreSQL database named in DATABASE_URL when it does not exist yet."""
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        Path(settings.DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        return
    import psycopg
    from psycopg import sql

    params = settings.DATABASES["default"]
    name = params["NAME"]
    with psycopg.connect(
        dbname="postgres",
        user=params.get("USER") or None,
        password=params.get("PASSWORD") or None,
        host=params.get("HOST") or None,
        port=params.get("PORT") or None,
        autocommit=True,
    ) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def prepare_district_outlines(node_modules: Path) -> None:
    """Convert Chengdu's district outlines from npm (the repository does not carry them:
    they stay under AMap's terms), and check the file FINEGRID_DISTRICT_OUTLINES names,
    if any, so that a bad one fails here rather than in the middle of a demo."""
    from finegrid.synth import outlines

    if (node_modules / outlines.CHENGDU_MODULE).exists():
        done = "converted" if outlines.convert_chengdu(node_modules) else "kept"
        print(f"{done} Chengdu's district outlines: {outlines.CONVERTED}")
    else:
        print(f"not converting Chengdu's district outlines: no {node_modules / outlines.PACKAGE}")
    own = outlines.configured()
    if own != outlines.CONVERTED:
        try:
            count = len(outlines.load(own))
        except outlines.OutlineError as error:
            raise CommandError(str(error)) from None
        print(f"district outlines in use: {own} (districts: {count})")


def run_setup(args: argparse.Namespace) -> int:
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    compiled = compile_translations(settings.PACKAGE_DIR)
    print(f"compiled {compiled} translation catalogue(s)")
    call_command("collectstatic", interactive=False, verbosity=0)
    prepare_district_outlines(settings.NODE_MODULES)
    if not args.no_migrate:
        ensure_database()
        call_command("migrate", interactive=False, verbosity=1)
    return 0


def default_workers() -> int:
    """gunicorn's rule of thumb, two workers per core plus one: 5 on two cores."""
    return 2 * (os.cpu_count() or 1) + 1


def add_server_arguments(parser: argparse.ArgumentParser, workers_flag: str = "--workers") -> None:
    """The options of the web server, shared by `finegrid serve` and `finegrid demo`."""
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--port", type=at_least(0), default=8000, help="port (8000)")
    parser.add_argument(
        workers_flag,
        dest="server_workers",
        type=at_least(1),
        default=default_workers(),
        metavar="N",
        help=f"server processes (default {default_workers()}: twice the cores, plus one)",
    )
    parser.add_argument(
        "--threads",
        type=at_least(1),
        default=1,
        metavar="N",
        help="threads per server process (default 1)",
    )
    parser.add_argument(
        "--timeout",
        type=at_least(1),
        default=120,
        metavar="SECONDS",
        help="restart a server process that spends longer on one request (default 120, "
        "room for a large roster import)",
    )


class _Server(BaseApplication):
    """gunicorn run from inside the finegrid command, on finegrid's WSGI application."""

    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from finegrid.wsgi import application

        return application


def serve(args: argparse.Namespace) -> None:
    """Serve finegrid with gunicorn until it is stopped (SIGTERM or Ctrl-C)."""
    from django.db import connections

    # Workers are forked from this process: none may inherit its database connections.
    connections.close_all()
    host = f"[{args.host}]" if ":" in args.host else args.host  # an IPv6 address
    _Server(
        {
            "bind": f"{host}:{args.port}",
            "workers": args.server_workers,
            "threads": args.threads,
            "timeout": args.timeout,
            "proc_name": "finegrid",
            # Load Django once and fork: workers share its memory and start at once.
            "preload_app": True,
            # No control socket in $HOME, which every server on the machine would share.
            "control_socket_disable": True,
        }
    ).run()


def run_serve(args: argparse.Namespace) -> int:
    setup_django()
    serve(args)
    return 0


def run_manage(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["finegrid manage", *args.arguments])
    return 0
