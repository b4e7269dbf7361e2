"""Pages for areas, grids and the map. Views only read through queries."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse

from finegrid.accounts.scope import in_scope
from finegrid.territory import queries
from finegrid.territory.models import AdminArea, AreaLevel, Grid, GridKind


def breadcrumbs(user, node: AdminArea | Grid) -> list[tuple[str, str | None]]:
    """(name, link or None) for each ancestor, top down: areas, then the grids of the
    community. Ancestors outside the user's scope are named but not linked."""
    chain = []
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
    grid = queries.get_grid(user, code=code)
    return render(
        request,
        "territory/grid_detail.html",
        {
            "grid": grid,
            "breadcrumbs": breadcrumbs(user, grid),
            "children": queries.grids(user).filter(parent=grid).order_by("code"),
            "can_read_audit": user.has_perm("accounts.view_auditentry"),
        },
    )


@login_required
def map_view(request):
    return render(request, "territory/map.html", {"kinds": GridKind.choices})
