"""Pages for areas, grids and the map. Views only read through queries."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.urls import reverse

from finegrid.accounts.scope import in_scope, path_q
from finegrid.territory import queries
from finegrid.territory.models import AdminArea, AreaLevel, Dwelling, Grid, GridKind, Route


def breadcrumbs(user, node: AdminArea | Grid, *, including=False) -> list[tuple[str, str | None]]:
    """(name, link or None) for each ancestor (and the node itself when ``including``), top
    down: areas, then the grids of the community. Ancestors outside the user's scope are
    named but not linked."""
    chain = [node] if including else []
    current = node
    while True:
        current = (
            (current.parent or current.community) if isinstance(current, Grid) else current.parent
        )
        if current is None:
            break
        chain.append(current)
    return [
        (item.name, node_url(item) if in_scope(user, item.path) else None)
        for item in reversed(chain)
    ]


def node_url(node: AdminArea | Grid) -> str:
    if isinstance(node, Grid):
        return reverse("grid-detail", args=[node.code])
    return reverse("area-detail", args=[node.code])


@login_required
def area_detail(request, code: str):
    user = request.user
    area = queries.get_area(user, code)
    children = queries.areas(user).filter(parent=area).order_by("code")
    community_grids = []
    if area.level == AreaLevel.COMMUNITY:
        community_grids = queries.grids(user).filter(community=area, parent__isnull=True)
    return render(
        request,
        "territory/area_detail.html",
        {
            "area": area,
            "breadcrumbs": breadcrumbs(user, area),
            "children": children,
            "community_grids": community_grids,
        },
    )


@login_required
def grid_detail(request, code: str):
    user = request.user
    grid = queries.get_grid(user, code)
    from finegrid.org.queries import party_orgs, workers
    from finegrid.people.queries import households

    return render(
        request,
        "territory/grid_detail.html",
        {
            "grid": grid,
            "breadcrumbs": breadcrumbs(user, grid),
            "children": queries.grids(user).filter(parent=grid).order_by("code"),
            "households": households(user).filter(path_q((grid.path,))).count(),
            # Buildings in the grid, and buildings split between micro-grids (they sit in
            # their general grid) that have dwellings here.
            "buildings": queries.buildings(user)
            .filter(
                path_q((grid.path,))
                | Q(pk__in=Dwelling.objects.filter(path_q((grid.path,))).values("building_id"))
            )
            .select_related("compound")
            .order_by("compound__name", "name")[:200],
            "workers": workers(user).active().filter(grid=grid),
            "party_org": party_orgs(user).filter(grid=grid).first(),
            "route": Route.objects.restrict(user).filter(grid=grid).first(),
            "route_points": json.dumps([s["point"] for s in route_stops(user, grid) if s["point"]]),
            "can_read_audit": user.has_perm("accounts.view_auditentry"),
        },
    )


@login_required
def map_view(request):
    return render(request, "territory/map.html", {"kinds": GridKind.choices})


@login_required
def community_buildings(request, code: str):
    """The buildings of a community (or of the part of it in the user's scope)."""
    user = request.user
    area = queries.get_area(user, code)
    buildings = (
        queries.buildings(user)
        .filter(path_q((area.path,)))
        .select_related("compound", "grid")
        .order_by("compound__name", "name")
    )
    return render(
        request,
        "territory/buildings.html",
        {
            "area": area,
            "breadcrumbs": breadcrumbs(user, area, including=True),
            "buildings": buildings,
        },
    )


@login_required
def building_detail(request, ref: str):
    """A building's dwellings floor by floor, with who lives there."""
    user = request.user
    building = queries.get_building(user, ref)
    dwellings = (
        queries.dwellings(user)
        .filter(building=building)
        .order_by("entrance__number", "-floor", "room")
    )
    entrances: dict[int, dict[int, list]] = {}
    for dwelling in dwellings:
        entrances.setdefault(dwelling.entrance.number, {}).setdefault(dwelling.floor, []).append(
            dwelling
        )
    return render(
        request,
        "territory/building_detail.html",
        {
            "building": building,
            "breadcrumbs": breadcrumbs(user, building.grid or building.community, including=True),
            "entrances": {n: sorted(f.items(), reverse=True) for n, f in entrances.items()},
        },
    )


def route_stops(user, grid: Grid) -> list[dict]:
    """The stops of a micro-grid's visiting order, each with the building and the
    households a worker will find there (heads' contacts masked)."""
    from finegrid.people.queries import households

    route = Route.objects.restrict(user).filter(grid=grid).first()
    if route is None:
        return []
    refs = {stop["building"] for stop in route.stops}
    buildings = {b.ref: b for b in queries.buildings(user).filter(ref__in=refs)}
    stops = []
    for number, stop in enumerate(route.stops, start=1):
        building = buildings.get(stop["building"])
        if building is None:
            continue
        low, high = stop["floors"]
        found = (
            households(user)
            .filter(
                dwelling__building=building,
                dwelling__entrance__number=stop["entrance"],
                dwelling__floor__gte=low,
                dwelling__floor__lte=high,
            )
            .order_by("dwelling__floor", "dwelling__room")
        )
        stops.append(
            {
                "number": number,
                "building": building,
                "entrance": stop["entrance"],
                "floors": (low, high),
                "expected": stop["households"],
                "households": found,
                "point": [
                    round((building.min_lon + building.max_lon) / 2, 6),
                    round((building.min_lat + building.max_lat) / 2, 6),
                ]
                if building.min_lon is not None
                else None,
            }
        )
    return stops


@login_required
def route_sheet(request, code: str):
    """The list a micro-grid worker carries door to door (走访清单), printable."""
    grid = queries.get_grid(request.user, code)
    route = Route.objects.restrict(request.user).filter(grid=grid).first()
    return render(
        request,
        "territory/route_sheet.html",
        {
            "grid": grid,
            "route": route,
            "stops": route_stops(request.user, grid),
            "breadcrumbs": breadcrumbs(request.user, grid, including=True),
        },
    )
