"""The micro-grid division engine (微网格划分): cut general grids into micro-grids that one
resident worker can visit door to door within the window. Pure Python: numpy, scipy and
shapely, no Django. See docs/divide.md."""

from finegrid.divide.divider import Division, GridTask, divide_city, divide_grid
from finegrid.divide.executors import open_executor
from finegrid.divide.model import Building, MicroGrid, Part
from finegrid.divide.profile import Profile

__all__ = [
    "Building",
    "Division",
    "GridTask",
    "MicroGrid",
    "Part",
    "Profile",
    "divide_city",
    "divide_grid",
    "open_executor",
]
