"""Every page string has its English: each shipped catalogue holds every translatable
string of the code it covers (as `make messages` would extract them today), and none is
left untranslated or fuzzy. A string added to a template without refreshing the
catalogue shows Chinese to an English reader; this is where that is caught."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import finegrid

PACKAGE = Path(finegrid.__file__).parent
REPOSITORY = PACKAGE.parent
CATALOGUE = Path("locale/en/LC_MESSAGES/django.po")


def catalogues(root: Path) -> dict[str, Path]:
    """The project's catalogue and those of the apps that keep their own, by directory."""
    found = {".": root / CATALOGUE}
    for app_catalogue in sorted(root.glob(f"*/{CATALOGUE}")):
        found[app_catalogue.parents[3].name] = app_catalogue
    return found


def messages(path: Path) -> dict[str, object]:
    with path.open("rb") as file:
        return {message.id: message for message in read_po(file) if message.id}


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext (xgettext) is not installed")
def test_every_catalogue_holds_every_string_of_its_code(tmp_path):
    copy = tmp_path / "finegrid"
    shutil.copytree(
        PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "divisions", "static", "data")
    )
    shutil.copy(REPOSITORY / "manage.py", tmp_path / "manage.py")
    shipped = catalogues(PACKAGE)
    apps = [name for name in shipped if name != "."]
    extract = [sys.executable, str(tmp_path / "manage.py"), "makemessages", "-l", "en"]
    # manage.py beside the copy imports the copy's settings, so the copy's catalogues are
    # the ones written; the shipped ones must come out untouched.
    before = {name: path.read_bytes() for name, path in shipped.items()}
    run = {"check": True, "capture_output": True, "env": {**os.environ, "FINEGRID_TESTING": "1"}}
    subprocess.run([*extract, *(f"--ignore={app}/*" for app in apps)], cwd=copy, **run)
    for app in apps:
        subprocess.run(extract, cwd=copy / app, **run)
    for name, extracted in catalogues(copy).items():
        missing = sorted(set(messages(extracted)) - set(messages(shipped[name])))
        assert (name, missing) == (name, [])
    assert {name: path.read_bytes() for name, path in shipped.items()} == before


@pytest.mark.parametrize("name", sorted(catalogues(PACKAGE)))
def test_no_message_is_left_untranslated_or_fuzzy(name):
    found = messages(catalogues(PACKAGE)[name])
    assert [key for key, m in found.items() if not m.string or m.fuzzy] == []
