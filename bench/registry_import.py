"""How long `finegrid registry import` takes for a large roster (issue target: 100,000
households in ≤ 60 s on SQLite).

Writes a deterministic roster of N households (about 2.6 persons each, valid ID numbers
and phones) into one community, then imports it into a fresh SQLite database in a
temporary var/ directory, several times, and prints the median. Run:

    .venv/bin/python bench/registry_import.py [--households 100000] [--runs 3] [--format csv]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from finegrid import identity  # noqa: E402

COMMUNITY = "510116001005"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "建国秀英丽华志强桂芳明辉海燕文静子涵雨欣浩然思远"


def roster_rows(households: int, seed: int = 7):
    rng = random.Random(seed)
    used: set[str] = set()
    for number in range(households):
        building, rest = divmod(number, 96)
        entrance, rest = divmod(rest, 32)
        floor, door = divmod(rest, 2)
        place = [f"{building + 1}栋", entrance + 1, floor + 1, f"{floor + 1}{door + 1:02d}"]
        size = rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5))
        head = None
        for member in range(size):
            id_number = ""
            while not id_number or id_number in used:
                year = rng.randint(1940, 2020) if member else rng.randint(1940, 1995)
                birth = f"{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
                body = f"510116{birth}{rng.randint(0, 999):03d}"
                id_number = body + identity.id_check_digit(body)
            used.add(id_number)
            name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
            head = head or name
            relation = "户主" if member == 0 else rng.choice(("配偶", "子女", "父母"))
            phone = f"13{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}"
            yield [*place, head, name, relation, "常住", id_number, phone, "", "", "", ""]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    args = parser.parse_args()
    finegrid = ROOT / ".venv" / "bin" / "finegrid"
    with tempfile.TemporaryDirectory() as folder:
        roster_file = Path(folder) / f"roster.{args.format}"
        env = {**os.environ, "FINEGRID_VAR_DIR": str(Path(folder) / "var0")}
        env.pop("DATABASE_URL", None)
        subprocess.run([finegrid, "setup"], env=env, check=True, capture_output=True)
        os.environ.update(env, DJANGO_SETTINGS_MODULE="finegrid.settings")
        import django

        django.setup()
        from finegrid.people import roster

        rows = list(roster_rows(args.households))
        roster.write(roster_file, rows)
        print(
            f"roster: {args.households} households, {len(rows)} persons, "
            f"{roster_file.stat().st_size / 1e6:.1f} MB {args.format}"
        )
        seconds = []
        for run in range(args.runs):
            env = {**os.environ, "FINEGRID_VAR_DIR": str(Path(folder) / f"var{run + 1}")}
            subprocess.run([finegrid, "setup"], env=env, check=True, capture_output=True)
            subprocess.run(
                [finegrid, "areas", "load", "--area", COMMUNITY[:9]],
                env=env,
                check=True,
                capture_output=True,
            )
            started = time.perf_counter()
            done = subprocess.run(
                [finegrid, "registry", "import", str(roster_file), "--community", COMMUNITY],
                env=env,
                capture_output=True,
                text=True,
            )
            seconds.append(time.perf_counter() - started)
            if done.returncode:
                print(done.stderr[:2000])
                return 1
            print(f"run {run + 1}: {seconds[-1]:.1f} s  ({done.stdout.strip()})")
        print(
            f"median {statistics.median(seconds):.1f} s over {args.runs} runs "
            f"(SQLite, {os.cpu_count()} cores)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
