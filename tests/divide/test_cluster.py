"""The Dask path: the same command against a real LocalCluster gives the same file."""

from __future__ import annotations

import logging

import pytest
from distributed import LocalCluster

from finegrid.cli import main

from .files import two_grid_buildings, two_grids, write


@pytest.fixture(scope="module")
def scheduler():
    # The in-process scheduler logs client goodbyes from its own thread, which can come
    # after pytest has closed the stream it captured: only warnings are worth showing.
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.WARNING)
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address
    logger.setLevel(level)


def test_dask_cluster_gives_the_same_division_as_this_process(scheduler, tmp_path):
    buildings = write(tmp_path / "buildings.geojson", two_grid_buildings())
    grids = write(tmp_path / "grids.geojson", two_grids())
    here, there = tmp_path / "here.geojson", tmp_path / "there.geojson"
    assert (
        main(["divide", str(buildings), "-o", str(here), "--grids", str(grids), "--workers", "1"])
        == 0
    )
    assert (
        main(
            [
                "divide",
                str(buildings),
                "-o",
                str(there),
                "--grids",
                str(grids),
                "--scheduler",
                scheduler,
            ]
        )
        == 0
    )
    assert here.read_text() == there.read_text()


def test_unreachable_scheduler_is_a_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("finegrid.divide.executors.SCHEDULER_TIMEOUT", "1s")
    buildings = write(tmp_path / "buildings.geojson", two_grid_buildings())
    out = tmp_path / "micro.geojson"
    assert main(["divide", str(buildings), "-o", str(out), "--scheduler", "tcp://127.0.0.1:9"]) == 1
    assert "cannot reach the Dask scheduler tcp://127.0.0.1:9" in capsys.readouterr().err
    assert not out.exists()
