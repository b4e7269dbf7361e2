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
