"""The files ``finegrid synth`` writes: GeoJSON layers and CSV tables, streamed community by
community and moved into place only when everything has been written."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import tempfile
from pathlib import Path

from shapely.geometry import mapping

from finegrid import divisions
from finegrid.synth import boundaries
from finegrid.synth.generate import generate_community
from finegrid.synth.model import HOUSEHOLD_DTYPE, PERSON_DTYPE, CommunityData

BUILDINGS = "buildings.geojson"
GENERAL_GRIDS = "general_grids.geojson"
DEDICATED_SITES = "dedicated_sites.geojson"
COMMUNITIES = "community_boundaries.geojson"
STREETS = "street_boundaries.geojson"
HOUSEHOLDS = "households.csv"
PERSONS = "persons.csv"
GEOJSON_FILES = (BUILDINGS, GENERAL_GRIDS, DEDICATED_SITES, COMMUNITIES, STREETS)
CSV_COLUMNS = {HOUSEHOLDS: HOUSEHOLD_DTYPE.names, PERSONS: PERSON_DTYPE.names}
FILES = GEOJSON_FILES + tuple(CSV_COLUMNS)


def feature(properties: dict, geometry) -> str:
    return json.dumps(
        {"type": "Feature", "properties": properties, "geometry": mapping(geometry)},
        ensure_ascii=False,
        separators=(",", ":"),
    )


def render(data: CommunityData) -> dict[str, list[str]]:
    """The GeoJSON features and CSV text of one community, by file name."""
    division = data.division
    return {
        BUILDINGS: [
            feature(
                {
                    "id": b.id,
                    "households": b.households,
                    "floors": b.floors,
                    "entrances": b.entrances,
                    "elevator": b.elevator,
                    "compound": b.compound,
                    "general_grid": b.general_grid,
                    "kind": b.kind,
                    "dwellings_per_floor": b.dwellings_per_floor,
                    "dwellings": b.dwellings,
                    "shops": b.shops,
                    "dedicated_grid": b.dedicated_grid,
                },
                b.footprint,
            )
            for b in data.buildings
        ],
        GENERAL_GRIDS: [
            feature(
                {
                    "code": g.code,
                    "community": g.community,
                    "households": g.households,
                    "name": g.name,
                },
                g.boundary,
            )
            for g in data.general_grids
        ],
        DEDICATED_SITES: [
            feature(
                {
                    "code": s.code,
                    "kind": s.kind,
                    "name": s.name,
                    "community": s.community,
                    "staff": s.staff,
                    "general_grid": s.general_grid,
                },
                s.boundary,
            )
            for s in data.dedicated_sites
        ],
        COMMUNITIES: [
            feature(
                {
                    "code": division.code,
                    "name": division.short_name,
                    "street": division.parent,
                    "is_village": division.is_village,
                    "households": len(data.households),
                    "persons": len(data.persons),
                },
                data.boundary,
            )
        ],
        HOUSEHOLDS: [_csv_rows(data.households)],
        PERSONS: [_csv_rows(data.persons)],
    }


def _csv_rows(table) -> str:
    buffer = io.StringIO()
    columns = [
        table[name].astype(int).tolist() if table.dtype[name].kind == "b" else table[name].tolist()
        for name in table.dtype.names
    ]
    csv.writer(buffer, lineterminator="\n").writerows(zip(*columns, strict=True))
    return buffer.getvalue()


def render_community(
    code: str, *, seed: int, oversized_grids: bool, outlines: Path | None
) -> dict[str, list[str]]:
    """Generate and render one community (a picklable task for worker processes)."""
    return render(
        generate_community(code, seed, oversized_grids=oversized_grids, outlines=outlines)
    )


class OutputDirectory:
    """Writes every file under a hidden temporary directory inside ``directory`` and moves
    them into place on success; on failure nothing new is left behind."""

    def __init__(self, directory: Path, seed: int, outlines: Path | None):
        self.directory = directory
        self.seed = seed
        self.outlines = outlines
        self._streets_written: set[str] = set()
        self._first_feature = dict.fromkeys(GEOJSON_FILES, True)

    def __enter__(self) -> OutputDirectory:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._staging = Path(tempfile.mkdtemp(prefix=".synth-", dir=self.directory))
        self._files = {
            name: (self._staging / name).open("w", encoding="utf-8", newline="") for name in FILES
        }
        for name in GEOJSON_FILES:
            self._files[name].write('{"type":"FeatureCollection","features":[\n')
        for name, columns in CSV_COLUMNS.items():
            self._files[name].write(",".join(columns) + "\n")
        return self

    def add(self, division: divisions.Division, chunks: dict[str, list[str]]) -> None:
        if division.parent not in self._streets_written:
            self._streets_written.add(division.parent)
            street = divisions.get(division.parent)
            outline = boundaries.boundary(street.code, self.seed, self.outlines)
            chunks = {
                **chunks,
                STREETS: [
                    feature(
                        {"code": street.code, "name": street.name, "district": street.parent},
                        outline,
                    )
                ],
            }
        for name, parts in chunks.items():
            if name in CSV_COLUMNS:
                self._files[name].writelines(parts)
                continue
            for part in parts:
                if not self._first_feature[name]:
                    self._files[name].write(",\n")
                self._first_feature[name] = False
                self._files[name].write(part)

    def __exit__(self, error_type, error, traceback) -> None:
        try:
            for name in GEOJSON_FILES:
                self._files[name].write("\n]}\n")
            for handle in self._files.values():
                handle.close()
            if error_type is None:
                for name in FILES:
                    os.replace(self._staging / name, self.directory / name)
        finally:
            shutil.rmtree(self._staging, ignore_errors=True)
