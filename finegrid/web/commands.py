"""Project-wide subcommands: setup, serve and a pass-through to Django's manage."""

from __future__ import annotations

import argparse
from pathlib import Path

from finegrid.cli import setup_django


def register(subparsers: argparse._SubParsersAction) -> None:
    setup = subparsers.add_parser(
        "setup",
        help="prepare a deployment: create the database if needed, migrate, compile "
        "translations, collect static files",
    )
    setup.add_argument("--no-migrate", action="store_true", help="skip the database steps")
    setup.set_defaults(func=run_setup)

    serve = subparsers.add_parser("serve", help="run the web server (development/demo server)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--host", default="127.0.0.1")
    serve.set_defaults(func=run_serve)

    manage = subparsers.add_parser(
        "manage", help="run a Django management command (e.g. `finegrid manage createsuperuser`)"
    )
    manage.add_argument("arguments", nargs=argparse.REMAINDER)
    manage.set_defaults(func=run_manage)


def compile_translations(locale_dir: Path) -> int:
    """Compile every .po catalogue to .mo with Babel, so no gettext install is needed."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    count = 0
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
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


def run_setup(args: argparse.Namespace) -> int:
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    compiled = compile_translations(settings.LOCALE_PATHS[0])
    print(f"compiled {compiled} translation catalogue(s)")
    call_command("collectstatic", interactive=False, verbosity=0)
    if not args.no_migrate:
        ensure_database()
        call_command("migrate", interactive=False, verbosity=1)
    return 0


def run_serve(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import call_command

    call_command("runserver", f"{args.host}:{args.port}", use_reloader=False)
    return 0


def run_manage(args: argparse.Namespace) -> int:
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["finegrid manage", *args.arguments])
    return 0
