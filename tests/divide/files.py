"""Small buildings and grids files for the command-line tests."""

from __future__ import annotations

import json
from pathlib import Path

LON0, LAT0 = 104.06, 30.66
GRID_A = "510116001005-001"
GRID_B = "510116001005-002"


def square(lon: float, lat: float, side: float) -> dict:
    ring = [[lon, lat], [lon + side, lat], [lon + side, lat + side], [lon, lat + side], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def feature(geometry: dict | None, **properties) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def write(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def two_grid_buildings() -> list[dict]:
    """Two adjacent general grids: walk-ups in compounds, towers and a village strip."""
    features = []
    for i in range(12):
        features.append(
            feature(
                {
                    "type": "Point",
                    "coordinates": [
                        LON0 + 0.0003 + (i % 4) * 0.0006,
                        LAT0 + 0.0003 + (i // 4) * 0.0006,
                    ],
                },
                id=f"A{i}",
                households=36,
                floors=6,
                entrances=3,
                compound=f"CA{i // 6}",
                general_grid=GRID_A,
                dwellings_per_floor=2,
                kind="walk_up",
            )
        )
    for i in range(4):
        features.append(
            feature(
                square(LON0 + 0.0031 + i * 0.0004, LAT0 + 0.0005, 0.0002),
                id=f"T{i}",
                households=180,
                floors=30,
                entrances=2,
                general_grid=GRID_B,
            )
        )
    return features


def two_grids() -> list[dict]:
    return [
        feature(square(LON0, LAT0, 0.0025), code=GRID_A, community="510116001005"),
        feature(
            {
                "type": "Polygon",
                "coordinates": [
                    [
                        [LON0 + 0.0025, LAT0],
                        [LON0 + 0.005, LAT0],
                        [LON0 + 0.005, LAT0 + 0.0025],
                        [LON0 + 0.0025, LAT0 + 0.0025],
                        [LON0 + 0.0025, LAT0],
                    ]
                ],
            },
            code=GRID_B,
        ),
    ]
