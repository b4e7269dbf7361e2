"""Kill -9 in the middle of `finegrid demo` (build), `registry import` and `grids
apply-division` leaves the database as it was before.

The commands run as real subprocesses on a database of their own: a SQLite file, or,
when DATABASE_URL names PostgreSQL, a dedicated database (its name + ``_kill``). Each is
stopped inside its transaction by the test-only FINEGRID_TEST_PAUSE_AT hook
(finegrid/killpoint.py), which prints the row counts it sees there: more rows than before,
so it is provably mid-write. Then SIGKILL, and every table must hold exactly the rows it
held before (compared by content, read with the database driver, not Django).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tests.registry_data import ROSTER
from tests.test_demo import VILLAGE

FINEGRID = str(Path(sys.executable).with_name("finegrid"))
PAUSED = re.compile(r"paused at ([\w-]+): (.*)")


class Database:
    """The subprocesses' database and a raw reader of it."""

    def __init__(self, var_dir: Path):
        self.var_dir = var_dir
        url = os.environ.get("DATABASE_URL", "")
        self.env = {
            **os.environ,
            "FINEGRID_VAR_DIR": str(var_dir),
            "FINEGRID_DEMO": "1",
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("FINEGRID_TESTING", None)
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        self.postgres = url.startswith(("postgres://", "postgresql://"))
        if self.postgres:
            parts = urlsplit(url)
            self.name = parts.path.lstrip("/") + "_kill"
            self.url = urlunsplit(parts._replace(path="/" + self.name))
            self.admin_url = urlunsplit(parts._replace(path="/postgres"))
            self.env["DATABASE_URL"] = self.url
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self._admin(f'CREATE DATABASE "{self.name}"')
        else:
            self.env.pop("DATABASE_URL", None)
            self.path = var_dir / "finegrid.sqlite3"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(sql)

    def drop(self) -> None:
        if self.postgres:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def _rows(self):
        if self.postgres:
            import psycopg

            connection = psycopg.connect(self.url)
            tables_sql = (
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        else:
            connection = sqlite3.connect(self.path)
            tables_sql = (
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        try:
            cursor = connection.cursor()
            cursor.execute(tables_sql)
            for (table,) in cursor.fetchall():
                cursor.execute(f'SELECT * FROM "{table}"')
                yield table, cursor.fetchall()
        finally:
            connection.close()

    def snapshot(self) -> dict[str, tuple[int, str]]:
        """Every table's row count and a digest of its rows, in any order."""
        return {
            table: (
                len(rows),
                hashlib.sha256("\n".join(sorted(map(repr, rows))).encode()).hexdigest(),
            )
            for table, rows in self._rows()
        }

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [FINEGRID, *args], env=self.env, capture_output=True, text=True, timeout=900
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    def kill_at(self, point: str, *args: str) -> dict[str, int]:
        """Run a command until it pauses at ``point`` inside its transaction, SIGKILL it,
        and return the row counts it saw there."""
        log = self.var_dir / f"{point}.stderr"
        with log.open("w") as stderr:
            process = subprocess.Popen(
                [FINEGRID, *args],
                env={**self.env, "FINEGRID_TEST_PAUSE_AT": point},
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )
            try:
                deadline = time.monotonic() + 900
                while not (found := PAUSED.search(log.read_text())):
                    assert process.poll() is None, log.read_text()[-2000:]
                    assert time.monotonic() < deadline, f"{point} never paused"
                    time.sleep(0.2)
                os.killpg(process.pid, signal.SIGKILL)
            finally:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        assert process.returncode == -signal.SIGKILL
        assert found.group(1) == point
        return {k: int(v) for k, v in (pair.split("=") for pair in found.group(2).split())}

    def settle(self) -> None:
        """On PostgreSQL, wait until the killed client's server process has gone (its
        transaction rolled back) before reading."""
        if not self.postgres:
            return
        import psycopg

        deadline = time.monotonic() + 60
        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            while connection.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [self.name]
            ).fetchone()[0]:
                assert time.monotonic() < deadline, "the killed client's session stays open"
                time.sleep(0.2)


def swapped_division(path: Path) -> None:
    """A division that moves one part of a micro-grid to its neighbour in the same
    general grid, so that applying it must write."""
    collection = json.loads(path.read_text())
    by_general: dict[str, list[dict]] = {}
    for feature in collection["features"]:
        by_general.setdefault(feature["properties"]["general_grid"], []).append(feature)
    first, second = next(
        features
        for features in by_general.values()
        if len(features) > 1 and len(features[0]["properties"]["parts"]) > 1
    )[:2]
    second["properties"]["parts"].append(first["properties"]["parts"].pop())
    path.write_text(json.dumps(collection, ensure_ascii=False))


def test_kill_9_mid_write_leaves_the_database_as_it_was(tmp_path):
    database = Database(tmp_path)
    try:
        database.run("manage", "migrate", "--verbosity", "0")
        empty = database.snapshot()
        assert empty["people_household"][0] == 0

        # The demo, killed once it has written the village's households.
        seen = database.kill_at(
            "demo-build", "demo", "--area", VILLAGE, "--no-serve", "--workers", "1"
        )
        assert seen["people_household"] > 0
        assert seen["accounts_auditentry"] > 0
        database.settle()
        assert database.snapshot() == empty
        assert not (tmp_path / "demo.json").exists()

        # The demo runs to its end on what the killed one left.
        database.run("demo", "--area", VILLAGE, "--no-serve", "--workers", "1")
        built = database.snapshot()
        assert built["people_person"][0] > 1000

        # A roster import, killed once its persons are written.
        roster = tmp_path / "roster.csv"
        with roster.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(
                handle, fieldnames=list(dict.fromkeys(k for r in ROSTER for k in r))
            )
            writer.writeheader()
            writer.writerows(ROSTER)
        seen = database.kill_at(
            "registry-import", "registry", "import", str(roster), "--community", VILLAGE
        )
        assert seen["people_person"] == built["people_person"][0] + len(ROSTER)
        database.settle()
        assert database.snapshot() == built

        # A re-division, killed once its moves are written.
        files = {name: tmp_path / f"{name}.geojson" for name in ("b", "g", "p", "m")}
        database.run("registry", "buildings", "export", "--area", VILLAGE, "-o", str(files["b"]))
        for kind, name in (("general", "g"), ("micro", "p")):
            database.run(
                "grids", "export", "--area", VILLAGE, "--kind", kind, "-o", str(files[name])
            )
        database.run(
            "divide",
            str(files["b"]),
            "--grids",
            str(files["g"]),
            "--previous",
            str(files["p"]),
            "-o",
            str(files["m"]),
            "--workers",
            "1",
        )
        swapped_division(files["m"])
        seen = database.kill_at("apply-division", "grids", "apply-division", str(files["m"]))
        assert seen["accounts_auditentry"] > built["accounts_auditentry"][0]
        database.settle()
        assert database.snapshot() == built

        # Nothing is left locked or half-written: the same import now goes through.
        out = database.run("registry", "import", str(roster), "--community", VILLAGE)
        assert "persons created 4" in out
    finally:
        database.drop()
