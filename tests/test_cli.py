import subprocess
import sys

from finegrid.cli import COMMAND_MODULES, build_parser


def test_help_lists_every_subcommand():
    completed = subprocess.run(
        [sys.executable, "-m", "finegrid.cli", "--help"], capture_output=True, text=True, check=True
    )
    subparsers = build_parser()._subparsers._group_actions[0]
    assert COMMAND_MODULES
    for name in subparsers.choices:
        assert name in completed.stdout


def test_unknown_subcommand_is_refused_with_usage():
    completed = subprocess.run(
        [sys.executable, "-m", "finegrid.cli", "no-such-command"], capture_output=True, text=True
    )
    assert completed.returncode == 2
    assert "invalid choice: 'no-such-command'" in completed.stderr


def test_the_command_line_acts_as_the_named_system_actor(world, client, capsys):
    """No command acts as nobody: its changes are the system actor's, named with the
    operating-system user who ran it, and that account can never sign in, even with a
    password someone set on it, nor get a token."""
    import getpass

    from finegrid.accounts.models import AuditEntry, User
    from finegrid.cli import main

    assert main(["org", "party-org", "--grid", "510116001005"]) == 0
    entry = AuditEntry.objects.get(object_type="org.partyorg")
    assert entry.actor_label == f"system:cli:{getpass.getuser()}"
    assert entry.request_id.startswith("cli-")
    system = User.objects.get(pk=entry.actor_id, username="system")
    system.set_password("a-password-someone-set")
    system.save()
    client.post("/login/", {"username": "system", "password": "a-password-someone-set"})
    assert "_auth_user_id" not in client.session
    assert main(["users", "token", "system", "--name", "x"]) == 1
    assert "no user system" in capsys.readouterr().err
