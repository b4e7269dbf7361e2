"""A small field for the campaign tests: community A's micro-grids 001-01 (staffed by the
`micro_worker` login), 001-02 (no worker) and the school's dedicated grid (the
`dedicated_worker` login), with households in each, and the grid worker on 001."""

from __future__ import annotations

import datetime as dt
import types

from django.utils import timezone

from finegrid.org.actions import do_assign_worker
from finegrid.people.actions import do_import_roster
from finegrid.people.models import Household
from finegrid.territory.actions import do_place_dwellings
from finegrid.territory.models import Dwelling
from tests.conftest import COMMUNITY_A, system

START = timezone.make_aware(dt.datetime(2026, 7, 1, 9, 0))


def _row(building, entrance, floor, room, head, flags=""):
    return {
        "楼栋": building,
        "单元": str(entrance),
        "楼层": str(floor),
        "房号": room,
        "户主姓名": head,
        "姓名": head,
        "与户主关系": "户主",
        "人口类型": "常住",
        "性别": "男",
        "特殊标识": flags,
    }


# 3栋1单元: six households for micro-grid 01, the one on the third floor living alone
# in old age; 3栋2单元: four for micro-grid 02; 9栋: two for the school's grid.
ROWS = [
    _row("3栋", 1, floor, f"{floor}0{door}", f"一{floor}{door}号", "独居老人" if floor == 3 else "")
    for floor in (1, 2, 3)
    for door in (1, 2)
]
ROWS[1]["特殊标识"] = "重病患者"
ROWS += [
    _row("3栋", 2, floor, f"{floor}0{door}", f"二{floor}{door}号")
    for floor in (1, 2)
    for door in (1, 2)
]
ROWS += [_row("9栋", 1, 1, f"10{door}", f"校{door}号") for door in (1, 2)]


def build(world) -> types.SimpleNamespace:
    actor = system()
    do_import_roster(actor, COMMUNITY_A, list(enumerate(ROWS, start=2)))
    dwellings = Dwelling.objects.select_related("building", "entrance")
    do_place_dwellings(
        actor,
        world.grids.micro,
        [d.pk for d in dwellings if d.building.name == "3栋" and d.entrance.number == 1],
    )
    do_place_dwellings(
        actor,
        world.grids.micro2,
        [d.pk for d in dwellings if d.building.name == "3栋" and d.entrance.number == 2],
    )
    do_place_dwellings(
        actor, world.grids.dedicated, [d.pk for d in dwellings if d.building.name == "9栋"]
    )
    start = START.date() - dt.timedelta(days=30)
    posts = {
        "micro": (world.grids.micro, "micro_worker", "微一"),
        "dedicated": (world.grids.dedicated, "dedicated_worker", "专一"),
        "general": (world.grids.general, "grid_worker", "格一"),
    }
    workers = types.SimpleNamespace(
        **{
            key: do_assign_worker(
                actor, grid, role=role, name=name, user=getattr(world.users, role), start=start
            )
            for key, (grid, role, name) in posts.items()
        }
    )
    households = {h.head.name: h for h in Household.objects.select_related("head")}
    return types.SimpleNamespace(workers=workers, households=households)
