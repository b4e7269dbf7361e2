"""`finegrid users …` and `finegrid audit`."""

from __future__ import annotations

import argparse
import getpass
import sys

from finegrid.cli import CommandError, setup_django
from finegrid.commandtools import domain_errors, operator


def register(subparsers: argparse._SubParsersAction) -> None:
    users = subparsers.add_parser("users", help="user accounts, roles and scopes")
    commands = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)

    create = commands.add_parser("create", help="create a user with a role and a scope")
    create.add_argument("username")
    create.add_argument("--role", required=True, help="city_admin, community_staff, …")
    create.add_argument(
        "--scope", action="append", required=True, help="area or grid code (repeatable)"
    )
    create.add_argument("--name", default="", help="display name")
    _password_options(create)
    create.set_defaults(func=run_create)

    listing = commands.add_parser("list", help="list users")
    listing.set_defaults(func=run_list)

    password = commands.add_parser("set-password", help="set a user's password")
    password.add_argument("username")
    _password_options(password)
    password.set_defaults(func=run_set_password)

    scope = commands.add_parser("set-scope", help="replace a user's scope")
    scope.add_argument("username")
    scope.add_argument("--scope", action="append", required=True, help="area or grid code")
    scope.set_defaults(func=run_set_scope)

    for name, active in (("activate", True), ("deactivate", False)):
        toggle = commands.add_parser(name, help=f"{name} a user's account")
        toggle.add_argument("username")
        toggle.set_defaults(func=run_set_active, active=active)

    token = commands.add_parser("token", help="issue an API token (printed once)")
    token.add_argument("username")
    token.add_argument("--name", required=True, help="what the token is for")
    token.add_argument("--days", type=int, default=None, help="expire after N days")
    token.set_defaults(func=run_token)

    audit = subparsers.add_parser("audit", help="read the audit trail")
    audit.add_argument("--object-type", help="e.g. territory.grid, accounts.user")
    audit.add_argument("--object-id", help="the object's id")
    audit.add_argument("--request-id", help="everything one request or command changed")
    audit.add_argument("--limit", type=int, default=50)
    audit.add_argument("--json", action="store_true", help="one JSON object per line")
    audit.set_defaults(func=run_audit)


def _password_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    parser.add_argument(
        "--no-password", action="store_true", help="no password: the account cannot log in yet"
    )


def _read_password(args: argparse.Namespace) -> str | None:
    if getattr(args, "no_password", False):
        return None
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    if not sys.stdin.isatty():
        raise CommandError("give --password-stdin or --no-password when not at a terminal")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Password (again): "):
        raise CommandError("the two passwords differ")
    return first


def run_create(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.accounts.actions import do_create_user

    password = _read_password(args)
    with domain_errors():
        user = do_create_user(
            operator(),
            username=args.username,
            role=args.role,
            scopes=args.scope,
            password=password,
            first_name=args.name,
        )
    print(f"created {user.username} ({user.role}) with scope {', '.join(args.scope)}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.accounts.queries import users

    for user in users(operator()):
        scopes = ",".join(a.node.code for a in user.assignments.all())
        state = "" if user.is_active else "\t(inactive)"
        print(f"{user.username}\t{user.role}\t{scopes}{state}")
    return 0


def _get_user(username: str):
    from finegrid.accounts.queries import get_user

    with domain_errors():
        return get_user(operator(), username)


def run_set_password(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.accounts.actions import do_set_password

    user = _get_user(args.username)
    password = _read_password(args)
    if password is None:
        raise CommandError("give a password")
    with domain_errors():
        do_set_password(operator(), user, password)
    print(f"password set for {user.username}")
    return 0


def run_set_scope(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.accounts.actions import do_set_scopes

    user = _get_user(args.username)
    with domain_errors():
        do_set_scopes(operator(), user, args.scope)
    print(f"{user.username} now sees {', '.join(args.scope)}")
    return 0


def run_set_active(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.accounts.actions import do_update_user

    user = _get_user(args.username)
    with domain_errors():
        do_update_user(operator(), user, is_active=args.active)
    print(f"{user.username} is {'active' if args.active else 'inactive'}")
    return 0


def run_token(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.accounts.actions import do_create_token

    user = _get_user(args.username)
    with domain_errors():
        token, secret = do_create_token(operator(), user, args.name, args.days)
    print(secret)
    print(
        f"token {token.prefix}… for {user.username}: store it now, it is not shown again",
        file=sys.stderr,
    )
    return 0


def run_audit(args: argparse.Namespace) -> int:
    setup_django()
    from finegrid.accounts.queries import audit_entries
    from finegrid.accounts.schemas import AuditOut

    entries = audit_entries(
        operator(),
        object_type=args.object_type,
        object_id=args.object_id,
        request_id=args.request_id,
    )[: args.limit]
    for entry in entries:
        if args.json:
            print(AuditOut.from_orm(entry).model_dump_json())
        else:
            changed = ",".join(entry.changed_fields)
            print(
                f"{entry.time:%Y-%m-%d %H:%M:%S}\t{entry.actor_label}\t{entry.action}\t"
                f"{entry.object_label}\t{changed}\t{entry.request_id}"
            )
    return 0
