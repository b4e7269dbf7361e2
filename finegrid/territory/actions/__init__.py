"""Every change to areas, grids and places, one module per concern:

- ``areas``: loading the administrative divisions and each community's community grid;
- ``grids``: the rules every grid obeys; creating, changing and removing one;
- ``grid_import``: grids from GeoJSON, all or nothing;
- ``places``: compounds, buildings (and their GeoJSON import) and dwellings;
- ``division``: storing a division of general grids into micro-grids.

Moving anything between grids is ``finegrid.territory.placement``'s alone. Each ``do_*``
function checks the actor's role, looks up the object it changes and every object it is
given through the actor's scope for that action, enforces the rules and writes the
audit log.
"""

from finegrid.territory.actions.areas import AreaLoadReport, do_load_areas, do_set_area_boundary
from finegrid.territory.actions.division import (
    DivisionReport,
    do_apply_division,
    do_place_dwellings,
)
from finegrid.territory.actions.grid_import import GridImportReport, do_import_grids, features_of
from finegrid.territory.actions.grids import (
    GRID_EDITABLE,
    check_new_grid,
    do_create_grid,
    do_delete_grid,
    do_update_grid,
    plan_grid,
)
from finegrid.territory.actions.places import (
    BuildingImportReport,
    do_create_compound,
    do_create_dwelling,
    do_import_buildings,
    do_update_building,
    do_update_compound,
    do_update_dwelling,
    plan_building,
    room_number,
)

__all__ = [
    "GRID_EDITABLE",
    "AreaLoadReport",
    "BuildingImportReport",
    "DivisionReport",
    "GridImportReport",
    "check_new_grid",
    "do_apply_division",
    "do_create_compound",
    "do_create_dwelling",
    "do_create_grid",
    "do_delete_grid",
    "do_import_buildings",
    "do_import_grids",
    "do_load_areas",
    "do_place_dwellings",
    "do_set_area_boundary",
    "do_update_building",
    "do_update_compound",
    "do_update_dwelling",
    "do_update_grid",
    "features_of",
    "plan_building",
    "plan_grid",
    "room_number",
]
